"""One's own API tokens: made with the password, shown once, used by the API, revoked from the
same page, each step in the audit log (through the web client, on both databases)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import partial
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import ApiToken
from charter_engine.accounts.throttle import PASSWORD_CONFIRMATION
from charter_engine.audit.models import AuditEvent
from tests.web.support import PASSWORD, app_engine, db_snapshot, post

PAGE = "/account/api-tokens"
TOKEN = re.compile(r'value="(ce_[A-Za-z0-9_-]+)"')


@pytest.fixture
def world(people: SimpleNamespace) -> SimpleNamespace:
    return people


def _make(client: Any, name: str = "minutes script", password: str = PASSWORD) -> Any:
    return post(client, PAGE, {"name": name, "password": password}, headers={"Accept": "text/html"})


def _api(client: Any, token: str) -> int:
    response = client.get("/api/v1/charters", headers={"Authorization": f"Bearer {token}"})
    return int(response.status_code)


def _state(app: Any) -> dict[str, Any]:
    """The database, but for the throttle's counts (every password confirmation counts)."""
    snapshot = db_snapshot(app_engine(app))
    snapshot.pop("throttle_counters")
    return snapshot


def _changes_nothing(app: Any, act: Callable[[], Any]) -> Any:
    """What ``act()`` answered, once the database is seen to be as it was before."""
    before = _state(app)
    answer = act()
    assert _state(app) == before
    return answer


def _tokens(engine: Engine, user: Any) -> list[ApiToken]:
    with Session(engine) as s:
        rows = s.execute(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
        return list(rows.scalars())


def _events(engine: Engine, action: str) -> list[AuditEvent]:
    with Session(engine) as s:
        return list(s.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_a_member_makes_a_token_sees_it_once_and_the_api_takes_it(
    app: Any, world: SimpleNamespace, client_as: Any
) -> None:
    member = client_as("member")
    made = _make(member)
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    token = TOKEN.search(made.get_data(as_text=True))
    assert token is not None, "the new token is on the page"
    assert _api(member, token.group(1)) == 200

    listed = member.get(PAGE).get_data(as_text=True)
    assert "minutes script" in listed and token.group(1) not in listed
    engine = app_engine(app)
    (row,) = [t for t in _tokens(engine, world.member) if t.name == "minutes script"]
    assert row.revoked_at is None
    assert token.group(1) not in row.token_hash  # only the digest is kept
    (event,) = _events(engine, "token.issued")
    assert event.actor_id == world.member.id and json.loads(event.payload) == {
        "name": "minutes script"
    }


@pytest.mark.parametrize(
    ("name", "password", "field"),
    [
        ("script", "not the password", "password"),
        ("", PASSWORD, "name"),
        ("   ", PASSWORD, "name"),
        ("x" * 101, PASSWORD, "name"),
        ("script", "", "password"),
    ],
)
def test_a_refused_token_shows_the_error_at_its_field_and_makes_nothing(
    app: Any, world: SimpleNamespace, client_as: Any, name: str, password: str, field: str
) -> None:
    member = client_as("member")
    refused = _changes_nothing(app, lambda: _make(member, name=name, password=password))
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert re.search(rf'id="{field}-error"', page), page
    assert TOKEN.search(page) is None


def test_revoking_stops_the_token_at_once_and_is_audited(
    app: Any, world: SimpleNamespace, client_as: Any
) -> None:
    member = client_as("member")
    first = TOKEN.search(_make(member, "first").get_data(as_text=True))
    second = TOKEN.search(_make(member, "second").get_data(as_text=True))
    assert first and second
    row = next(t for t in _tokens(app_engine(app), world.member) if t.name == "first")

    revoked = post(member, f"{PAGE}/{row.id}/revoke", follow_redirects=True)
    assert "The token “first” is revoked" in revoked.get_data(as_text=True)
    assert _api(member, first.group(1)) == 401
    assert _api(member, second.group(1)) == 200, "the other token keeps working"
    (event,) = _events(app_engine(app), "token.revoked")
    assert event.actor_id == world.member.id
    assert json.loads(event.payload) == {"name": "first", "token": row.id}

    # The list shows the token in use first, then the revoked one.
    page = member.get(PAGE).get_data(as_text=True)
    assert page.index("second") < page.index("first") and "Revoked" in page

    # Again (another tab): told it is done, nothing changes.
    again = _changes_nothing(
        app, lambda: post(member, f"{PAGE}/{row.id}/revoke", follow_redirects=True)
    )
    assert "already revoked" in again.get_data(as_text=True)


def test_nobody_revokes_or_sees_another_persons_token(
    app: Any, world: SimpleNamespace, client_as: Any
) -> None:
    member = client_as("member")
    token = TOKEN.search(_make(member, "mine").get_data(as_text=True))
    assert token
    row = _tokens(app_engine(app), world.member)[-1]
    for role in ("other_member", "secretariat"):
        other = client_as(role)
        assert "mine" not in other.get(PAGE).get_data(as_text=True)
        answer = _changes_nothing(app, partial(post, other, f"{PAGE}/{row.id}/revoke"))
        assert answer.status_code == 404
        assert "You have no such API token" in answer.get_data(as_text=True)
    assert _api(member, token.group(1)) == 200


def test_the_profile_links_to_ones_own_tokens_only(world: SimpleNamespace, client_as: Any) -> None:
    member = client_as("member")
    own = member.get(f"/people/{world.member.id}").get_data(as_text=True)
    assert f'href="{PAGE}"' in own
    other = member.get(f"/people/{world.other_member.id}").get_data(as_text=True)
    assert f'href="{PAGE}"' not in other


def test_password_confirmations_are_throttled_per_account(
    app: Any, world: SimpleNamespace, client_as: Any
) -> None:
    """A stolen session cannot go on guessing the password behind it: after five confirmations
    (right or wrong) the sixth is refused before the password is looked at, on both forms that
    ask for it, from any browser of the account."""
    member = client_as("member")
    for attempt in range(PASSWORD_CONFIRMATION.attempts):
        assert _make(member, password=f"guess {attempt}").status_code == 400
    refused = _changes_nothing(app, lambda: _make(client_as("member")))  # the right password
    assert refused.status_code == 429
    error = re.search(r'id="password-error">(.*?)</p>', refused.get_data(as_text=True))
    assert error and "Too many attempts" in error.group(1)
    assert TOKEN.search(refused.get_data(as_text=True)) is None
    changing = post(
        member,
        "/account/password",
        {
            "current_password": PASSWORD,
            "password": "a new password 1",
            "confirm": "a new password 1",
        },
    )
    assert changing.status_code == 429

    other = client_as("other_member")  # another account has its own allowance
    assert _make(other).status_code == 200
