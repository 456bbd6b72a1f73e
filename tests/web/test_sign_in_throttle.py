"""The sign-in throttle: guessers are stopped, per account *and* address, and no stranger can lock
a member out; parallel guesses never get past the limit (real threads, real commits)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.accounts import throttle
from charter_engine.accounts.throttle import (
    SIGN_IN_ACCOUNT,
    SIGN_IN_ADDRESS,
    SIGN_IN_FROM_ADDRESS,
    ThrottleCounter,
    take_attempts,
)
from charter_engine.db import utcnow
from tests.threads import all_at_once
from tests.web.support import PASSWORD, csrf_token, post

STRANGER = "203.0.113.7"
OWNER = "198.51.100.20"


@pytest.fixture
def world(people: SimpleNamespace) -> SimpleNamespace:
    return people


def _sign_in(client: Any, email: str, password: str, address: str) -> int:
    response = post(
        client,
        "/login",
        {"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )
    status: int = response.status_code
    return status


def test_a_guesser_is_stopped_from_their_address_only(app: Any, world: SimpleNamespace) -> None:
    stranger, owner = app.test_client(), app.test_client()
    email = world.member.email
    statuses = [_sign_in(stranger, email, "guess", STRANGER) for _ in range(8)]
    assert statuses == [401] * SIGN_IN_FROM_ADDRESS.attempts + [429] * 3
    # Even the right password is refused from the guesser's address, without being checked ...
    refused = post(
        stranger,
        "/login",
        {"email": email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": STRANGER},
    )
    assert refused.status_code == 429
    assert "Too many failed attempts" in refused.get_data(as_text=True)
    # ... while the member, from anywhere else, signs in as always.
    assert _sign_in(owner, email, PASSWORD, OWNER) == 302


def test_no_amount_of_guessing_from_one_address_locks_the_owner_out(
    app: Any, world: SimpleNamespace
) -> None:
    stranger = app.test_client()
    email = world.member.email
    for _ in range(SIGN_IN_ACCOUNT.attempts + 10):
        assert _sign_in(stranger, email, "guess", STRANGER) in (401, 429)
    assert _sign_in(app.test_client(), email, PASSWORD, OWNER) == 302


def test_an_address_guessing_many_accounts_is_stopped(app: Any, world: SimpleNamespace) -> None:
    client = app.test_client()
    for n in range(SIGN_IN_ADDRESS.attempts):
        assert _sign_in(client, f"someone{n}@example.org", "guess", STRANGER) == 401
    assert _sign_in(client, world.member.email, PASSWORD, STRANGER) == 429
    assert _sign_in(app.test_client(), world.member.email, PASSWORD, OWNER) == 302


def test_many_addresses_reach_the_account_ceiling_but_not_the_owners_browser(
    app: Any, world: SimpleNamespace
) -> None:
    email = world.member.email
    owners_browser = app.test_client()
    assert _sign_in(owners_browser, email, PASSWORD, OWNER) == 302
    assert owners_browser.get_cookie("charter_device", path="/login") is not None
    post(owners_browser, "/logout")

    per_address = SIGN_IN_FROM_ADDRESS.attempts
    botnet = [f"192.0.2.{n}" for n in range(SIGN_IN_ACCOUNT.attempts // per_address)]
    for address in botnet:
        for _ in range(per_address):
            assert _sign_in(app.test_client(), email, "guess", address) == 401
    # The account is now closed to new addresses, even with the right password ...
    assert _sign_in(app.test_client(), email, PASSWORD, "192.0.2.250") == 429
    # ... but not to the browser the member signed in from before, wherever it is now.
    assert _sign_in(owners_browser, email, PASSWORD, "192.0.2.251") == 302
    # A forged or foreign device cookie does not count.
    forged = app.test_client()
    forged.set_cookie("charter_device", "forged", path="/login")
    assert _sign_in(forged, email, PASSWORD, "192.0.2.252") == 429


def test_a_success_forgives_the_failures_from_that_address(
    app: Any, world: SimpleNamespace
) -> None:
    client = app.test_client()
    email = world.member.email
    for _ in range(SIGN_IN_FROM_ADDRESS.attempts - 1):
        assert _sign_in(client, email, "typo", OWNER) == 401
    assert _sign_in(client, email, PASSWORD, OWNER) == 302
    post(client, "/logout")
    statuses = [
        _sign_in(client, email, "typo", OWNER) for _ in range(SIGN_IN_FROM_ADDRESS.attempts)
    ]
    assert statuses == [401] * SIGN_IN_FROM_ADDRESS.attempts


def test_unknown_accounts_are_counted_like_real_ones(app: Any, world: SimpleNamespace) -> None:
    client = app.test_client()
    known = [_sign_in(client, world.member.email, "guess", STRANGER) for _ in range(6)]
    unknown = [_sign_in(client, "nobody@example.org", "guess", STRANGER) for _ in range(6)]
    assert known == unknown == [401] * 5 + [429]


def test_an_ipv6_network_counts_as_one_address(app: Any, world: SimpleNamespace) -> None:
    client = app.test_client()
    email = world.member.email
    for n in range(SIGN_IN_FROM_ADDRESS.attempts):
        assert _sign_in(client, email, "guess", f"2001:db8:1:2::{n + 1:x}") == 401
    assert _sign_in(client, email, PASSWORD, "2001:db8:1:2:ffff::1") == 429
    assert _sign_in(client, email, PASSWORD, "2001:db8:1:3::1") == 302


def test_behind_trusted_proxies_the_forwarded_address_counts(
    database_url: str, tmp_path: Any, world: SimpleNamespace
) -> None:
    from charter_engine.app import create_app

    app = create_app(
        {
            "database_url": database_url,
            "secret_key": "test-secret",
            "instance_dir": tmp_path / "proxied",
            "testing": True,
            "trusted_proxies": 1,
        }
    )
    try:
        client = app.test_client()

        def via_proxy(password: str, address: str) -> int:
            response = post(
                client,
                "/login",
                {"email": world.member.email, "password": password},
                headers={"X-Forwarded-For": address},
            )
            status: int = response.status_code
            return status

        for _ in range(SIGN_IN_FROM_ADDRESS.attempts):
            assert via_proxy("guess", STRANGER) == 401
        assert via_proxy(PASSWORD, STRANGER) == 429
        assert via_proxy(PASSWORD, OWNER) == 302
    finally:
        app.extensions["charter_engine"].close()


def test_parallel_guesses_never_get_past_the_limit(app: Any, world: SimpleNamespace) -> None:
    """Real threads, each its own browser, all guessing at once from one address: exactly the
    allowance is checked, the rest refused (reading the count, then inserting, let them past)."""
    guessers = 12
    clients = [app.test_client() for _ in range(guessers)]
    tokens = [csrf_token(client, "/login") for client in clients]
    statuses: list[int] = []

    def guess(i: int) -> None:
        response = clients[i].post(
            "/login",
            data={"email": world.member.email, "password": "guess", "csrf_token": tokens[i]},
            environ_base={"REMOTE_ADDR": STRANGER},
        )
        statuses.append(response.status_code)

    errors = all_at_once(guessers, guess)
    assert errors == []
    assert sorted(statuses) == [401] * SIGN_IN_FROM_ADDRESS.attempts + [429] * (
        guessers - SIGN_IN_FROM_ADDRESS.attempts
    )


def test_parallel_attempts_each_get_their_own_number(
    session_factory: Callable[[], Session],
) -> None:
    """The counter itself, under real concurrent commits: every attempt gets a distinct number, so
    exactly ``limit`` of them are within it."""
    workers = 16
    limit = throttle.Limit("test", 4)
    now = utcnow()
    refused: list[bool] = []

    def attempt(_i: int) -> None:
        with session_factory() as session:
            refused.append(take_attempts(session, [(limit, "k" * 64)], now=now) is not None)
            session.commit()

    errors = all_at_once(workers, attempt)
    assert errors == []
    assert refused.count(False) == limit.attempts and refused.count(True) == workers - 4
    with session_factory() as session:
        row = session.execute(select(ThrottleCounter)).scalar_one()
    assert row.attempts == workers and row.window_start == throttle.window_start(now)


def test_a_window_counts_with_the_one_before_and_no_longer(
    session_factory: Callable[[], Session],
) -> None:
    limit = throttle.Limit("test", 3)
    start = throttle.window_start(utcnow()) - 3 * throttle.WINDOW

    def refused(key: str, at: timedelta) -> bool:
        with session_factory() as session:
            result = take_attempts(session, [(limit, key * 64)], now=start + at)
            session.commit()
        return result is not None

    late_in_a_window = throttle.WINDOW - timedelta(seconds=1)
    assert [refused("a", late_in_a_window) for _ in range(3)] == [False] * 3
    # Moments later, in the next window: the three still count.
    assert refused("a", throttle.WINDOW) is True
    assert refused("b", throttle.WINDOW) is False
    # Two windows on, the first no longer counts (and its rows are gone); the second still does.
    assert [refused("a", 2 * throttle.WINDOW) for _ in range(3)] == [False, False, True]
    with session_factory() as session:
        rows = session.execute(
            select(ThrottleCounter.key, ThrottleCounter.window_start, ThrottleCounter.attempts)
        ).all()
    assert sorted(rows) == [
        ("a" * 64, start + throttle.WINDOW, 1),
        ("a" * 64, start + 2 * throttle.WINDOW, 3),
        ("b" * 64, start + throttle.WINDOW, 1),
    ]
