"""Two-step sign-in: setting up TOTP, signing in with a code or a recovery code, the throttle on
codes, and the setting that requires it of the secretariat (through the web client, on both
databases)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pyotp
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from charter_engine.accounts.second_factor import (
    RECOVERY_CODE_COUNT,
    RecoveryCode,
    TotpFactor,
)
from charter_engine.accounts.throttle import SECOND_FACTOR_FROM_ADDRESS
from charter_engine.audit.models import AuditEvent
from tests.web.support import PASSWORD, app_engine, csrf_token, login, logout, post

OTHER_ADDRESS = "198.51.100.20"


@pytest.fixture
def world(people: SimpleNamespace) -> SimpleNamespace:
    return people


def _factor(engine: Engine, user: Any) -> TotpFactor | None:
    with Session(engine) as s:
        return s.get(TotpFactor, user.id)


def fresh_code(engine: Engine, user: Any) -> str:
    """A code the app accepts now: for this step or, when it was used, the next one (both still
    accepted if the step changes before the app checks it)."""
    factor = _factor(engine, user)
    assert factor is not None
    totp = pyotp.TOTP(factor.secret)
    current = totp.timecode(datetime.now(UTC))
    step = current
    if factor.last_used_step is not None:
        step = max(step, factor.last_used_step + 1)
    assert step <= current + 1, "every code near now was used already"
    return totp.generate_otp(step)


def _codes_in(html: str) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code></li>", html)


def _post(client: Any, path: str, data: dict[str, str] | None = None) -> Any:
    """POST with a token from a page every signed-in account may reach."""
    body = {**(data or {}), "csrf_token": csrf_token(client, "/account/two-step")}
    return client.post(path, data=body)


def enrol(app: Any, client: Any, user: Any) -> list[str]:
    """Set up the second factor from the pages; the recovery codes shown."""
    assert _post(client, "/account/two-step/start").status_code == 302
    page = client.get("/account/two-step/confirm")
    assert page.status_code == 200
    engine = app_engine(app)
    response = _post(client, "/account/two-step/confirm", {"code": fresh_code(engine, user)})
    assert response.status_code == 200
    codes = _codes_in(response.get_data(as_text=True))
    assert len(codes) == RECOVERY_CODE_COUNT
    return codes


def _signed_in(client: Any, **kwargs: Any) -> bool:
    return bool(client.get("/people/", **kwargs).status_code == 200)


def _actions(app: Any) -> list[str]:
    with Session(app_engine(app)) as s:
        return list(s.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


def test_setting_up_shows_the_secret_and_turns_on_only_with_a_right_code(
    app: Any, world: SimpleNamespace
) -> None:
    client = app.test_client()
    login(client, world.member)
    assert "is <strong>off</strong>" in client.get("/account/two-step").get_data(as_text=True)
    assert post(client, "/account/two-step/start").status_code == 302
    page = client.get("/account/two-step/confirm").get_data(as_text=True)
    factor = _factor(app_engine(app), world.member)
    assert factor is not None and factor.confirmed_at is None
    spaced = " ".join(factor.secret[i : i + 4] for i in range(0, len(factor.secret), 4))
    assert spaced in page
    assert f"otpauth://totp/Charter%20Engine:member%40example.org?secret={factor.secret}" in page
    # The QR code: an image, which the CSP allows from data: URLs.
    assert 'src="data:image/svg+xml;charset=utf-8,%3Csvg' in page

    wrong = post(client, "/account/two-step/confirm", {"code": "000000"})
    assert wrong.status_code == 400
    assert "does not match" in wrong.get_data(as_text=True)
    factor = _factor(app_engine(app), world.member)
    assert factor is not None and factor.confirmed_at is None

    right = post(
        client, "/account/two-step/confirm", {"code": fresh_code(app_engine(app), world.member)}
    )
    assert right.status_code == 200
    assert right.headers["Cache-Control"] == "no-store"
    codes = _codes_in(right.get_data(as_text=True))
    assert len(set(codes)) == RECOVERY_CODE_COUNT
    with Session(app_engine(app)) as s:
        stored = set(s.execute(select(RecoveryCode.code_hash)).scalars())
    assert len(stored) == RECOVERY_CODE_COUNT and not stored & set(codes)  # digests only
    # Shown once: the management page never shows them again.
    again = client.get("/account/two-step").get_data(as_text=True)
    assert "is <strong>on</strong>" in again and not set(_codes_in(again))
    actions = _actions(app)
    assert "user.second_factor_enrolment_started" in actions
    assert "user.second_factor_enabled" in actions
    assert factor.secret not in str(_payloads(app))


def _payloads(app: Any) -> list[Any]:
    with Session(app_engine(app)) as s:
        return list(s.execute(select(AuditEvent.payload)).scalars())


def test_sign_in_asks_for_the_code_after_the_password_and_a_code_works_once(
    app: Any, world: SimpleNamespace
) -> None:
    member = app.test_client()
    login(member, world.member)
    enrol(app, member, world.member)
    logout(member)

    client = app.test_client()
    first = post(
        client, "/login?next=/people/", {"email": world.member.email, "password": PASSWORD}
    )
    assert first.status_code == 302 and first.headers["Location"].endswith("/login/code")
    assert not _signed_in(client)  # the password alone signs nobody in
    assert post(client, "/login/code", {"code": "000000"}).status_code == 401
    assert not _signed_in(client)
    code = fresh_code(app_engine(app), world.member)
    done = post(client, "/login/code", {"code": code})
    assert done.status_code == 302 and done.headers["Location"].endswith("/people/")
    assert _signed_in(client)
    assert "user.second_factor_used" in _actions(app)

    # The same code, seen over a shoulder, does not sign anyone in again.
    thief = app.test_client()
    post(thief, "/login", {"email": world.member.email, "password": PASSWORD})
    assert post(thief, "/login/code", {"code": code}).status_code == 401
    assert not _signed_in(thief)


def test_a_recovery_code_signs_in_once(app: Any, world: SimpleNamespace) -> None:
    member = app.test_client()
    login(member, world.member)
    codes = enrol(app, member, world.member)

    client = app.test_client()
    post(client, "/login", {"email": world.member.email, "password": PASSWORD})
    done = post(client, "/login/code", {"code": codes[3].upper().replace("-", " ")})
    assert done.status_code == 302
    assert f"{RECOVERY_CODE_COUNT - 1} left" in client.get("/").get_data(as_text=True)
    assert _signed_in(client)

    again = app.test_client()
    post(again, "/login", {"email": world.member.email, "password": PASSWORD})
    assert post(again, "/login/code", {"code": codes[3]}).status_code == 401
    assert post(again, "/login/code", {"code": codes[4]}).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(app: Any, world: SimpleNamespace) -> None:
    client = app.test_client()
    login(client, world.member)
    old = enrol(app, client, world.member)
    refused = post(client, "/account/two-step/recovery-codes", {"renew-code": "000000"})
    assert refused.status_code == 303
    page = post(
        client,
        "/account/two-step/recovery-codes",
        {"renew-code": fresh_code(app_engine(app), world.member)},
    )
    new = _codes_in(page.get_data(as_text=True))
    assert len(new) == RECOVERY_CODE_COUNT and not set(new) & set(old)
    other = app.test_client()
    post(other, "/login", {"email": world.member.email, "password": PASSWORD})
    assert post(other, "/login/code", {"code": old[0]}).status_code == 401
    assert post(other, "/login/code", {"code": new[0]}).status_code == 302


def test_guessing_codes_is_throttled(app: Any, world: SimpleNamespace) -> None:
    member = app.test_client()
    login(member, world.member)
    enrol(app, member, world.member)
    guesser = app.test_client()
    post(guesser, "/login", {"email": world.member.email, "password": PASSWORD})
    statuses = [
        post(guesser, "/login/code", {"code": f"{n:06d}"}).status_code
        for n in range(SECOND_FACTOR_FROM_ADDRESS.attempts + 2)
    ]
    assert statuses == [401] * SECOND_FACTOR_FROM_ADDRESS.attempts + [429, 429]
    # Even the right code is not checked from there now ...
    right = fresh_code(app_engine(app), world.member)
    assert post(guesser, "/login/code", {"code": right}).status_code == 429
    # ... while the member, from another address, signs in.
    owner = app.test_client()
    environ = {"REMOTE_ADDR": OTHER_ADDRESS}
    post(
        owner,
        "/login",
        {"email": world.member.email, "password": PASSWORD},
        environ_base=environ,
    )
    token = csrf_token(owner, "/login/code")
    done = owner.post(
        "/login/code", data={"code": right, "csrf_token": token}, environ_base=environ
    )
    assert done.status_code == 302 and _signed_in(owner, environ_base=environ)


def test_the_second_step_needs_a_fresh_right_password(app: Any, world: SimpleNamespace) -> None:
    member = app.test_client()
    login(member, world.member)
    enrol(app, member, world.member)
    client = app.test_client()
    # No password typed: the code page sends back to the login page.
    assert client.get("/login/code").headers["Location"].startswith("/login")
    post(client, "/login", {"email": world.member.email, "password": PASSWORD})
    with client.session_transaction() as cookie_session:
        pending = dict(cookie_session["second_step"])
        pending["at"] -= 11 * 60  # the password was typed too long ago
        cookie_session["second_step"] = pending
    code = fresh_code(app_engine(app), world.member)
    late = post(client, "/login/code", {"code": code})
    assert late.status_code == 302 and late.headers["Location"].startswith("/login")
    assert not _signed_in(client)


def test_turning_it_off_needs_a_code(app: Any, world: SimpleNamespace) -> None:
    client = app.test_client()
    login(client, world.member)
    enrol(app, client, world.member)
    assert post(client, "/account/two-step/off", {"off-code": "000000"}).status_code == 303
    assert _factor(app_engine(app), world.member) is not None
    code = fresh_code(app_engine(app), world.member)
    assert post(client, "/account/two-step/off", {"off-code": code}).status_code == 303
    assert _factor(app_engine(app), world.member) is None
    assert "user.second_factor_disabled" in _actions(app)
    logout(client)
    login(client, world.member)  # the password alone again
    assert _signed_in(client)


def test_the_setting_makes_the_secretariat_set_it_up_before_anything_else(
    app: Any, world: SimpleNamespace
) -> None:
    state = app.extensions["charter_engine"]
    state.settings = state.settings.with_overrides(require_secretariat_totp=True)
    member = app.test_client()
    login(member, world.member)
    assert member.get("/people/").status_code == 200  # members are not affected

    staff = app.test_client()
    login(staff, world.secretariat)
    for path in ("/people/", "/desk/", "/people/invite"):
        response = staff.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/account/two-step")
    assert _post(staff, "/people/invite", {"email": "x@example.org"}).status_code == 302
    assert "must sign in in two steps" in staff.get("/account/two-step").get_data(as_text=True)
    enrol(app, staff, world.secretariat)
    assert staff.get("/people/").status_code == 200
    # It cannot be turned off while the setting holds.
    code = fresh_code(app_engine(app), world.secretariat)
    post(staff, "/account/two-step/off", {"off-code": code})
    assert _factor(app_engine(app), world.secretariat) is not None
    assert "cannot be turned off" in staff.get("/account/two-step").get_data(as_text=True)
