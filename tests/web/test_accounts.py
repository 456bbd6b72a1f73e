"""Accounts in the browser UI: invitations, signing in and out, password resets, deactivation,
roles and login throttling."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.audit.models import AuditEvent
from tests.web.support import PASSWORD, csrf_token, login, logout, post

LINK = re.compile(r"https://charter\.example\.org(/\S+)")


@pytest.fixture
def world(people: SimpleNamespace) -> SimpleNamespace:
    """Only people and their inbox: these tests count notifications and mails exactly."""
    return people


def _link_in(message: Any) -> str:
    match = LINK.search(message.get_content())
    assert match, message.get_content()
    return match.group(1)


def test_invitation_is_mailed_after_commit_and_accepting_signs_in(
    app: Any, world: SimpleNamespace, client_as: Any, smtp: Any, session: Session
) -> None:
    secretariat = client_as("secretariat")
    response = post(
        secretariat,
        "/people/invite",
        {
            "name": "Nia Newcomer",
            "email": "Nia@Example.org",
            "role": "member",
            "organisation": "Lab",
            "country": "GH",
        },
    )
    assert response.status_code == 302
    response.close()  # the server sends queued mail once the response is closed
    [mail] = smtp.to("nia@example.org")
    assert mail["Subject"] == "Your invitation to the Core Group"
    path = _link_in(mail)
    assert path.startswith("/invite/")

    newcomer = app.test_client()
    page = newcomer.get(path)
    assert page.status_code == 200 and "Nia Newcomer" in page.get_data(as_text=True)
    short = post(newcomer, path, {"password": "short", "confirm": "short"})
    assert short.status_code == 200 and "at least 10" in short.get_data(as_text=True)
    accepted = post(newcomer, path, {"password": PASSWORD, "confirm": PASSWORD})
    assert accepted.status_code == 302
    assert newcomer.get("/people/").status_code == 200  # signed in

    again = app.test_client().get(path)
    assert again.status_code == 400
    assert "already" in again.get_data(as_text=True)
    user = session.execute(select(User).where(User.email == "nia@example.org")).scalar_one()
    assert user.country == "GH" and user.password_hash


def test_a_tampered_or_wrong_purpose_link_is_refused(app: Any, world: SimpleNamespace) -> None:
    client = app.test_client()
    assert client.get(f"/invite/{world.invite_token}x").status_code == 400
    # A reset token is not an invitation, and the other way round.
    assert client.get(f"/invite/{world.reset_token}").status_code == 400
    assert client.get(f"/reset/{world.invite_token}").status_code == 400


def test_logout_ends_the_session_even_for_a_copied_cookie(app: Any, world: SimpleNamespace) -> None:
    client = app.test_client()
    login(client, world.member)
    cookie = client.get_cookie("charter_session")
    assert cookie is not None
    copy = app.test_client()
    copy.set_cookie("charter_session", cookie.value)
    assert copy.get("/people/").status_code == 200

    assert logout(client).status_code == 302
    assert client.get("/people/").status_code == 302
    assert copy.get("/people/").status_code == 302  # the copied cookie no longer works


def test_deactivation_takes_effect_on_the_next_request(
    app: Any, world: SimpleNamespace, client_as: Any
) -> None:
    target = app.test_client()
    login(target, world.target)
    assert target.get("/people/").status_code == 200
    secretariat = client_as("secretariat")
    assert post(secretariat, f"/people/{world.target.id}/deactivate").status_code == 302
    assert target.get("/people/").status_code == 302
    refused = post(app.test_client(), "/login", {"email": world.target.email, "password": PASSWORD})
    assert refused.status_code == 401
    # Hidden from members, visible (marked) to the secretariat; reactivation lets them back in.
    assert client_as("member").get(f"/people/{world.target.id}").status_code == 404
    assert "Deactivated" in secretariat.get(f"/people/{world.target.id}").get_data(as_text=True)
    assert post(secretariat, f"/people/{world.target.id}/reactivate").status_code == 302
    login(app.test_client(), world.target)


def test_the_secretariat_cannot_deactivate_itself_but_changes_roles(
    world: SimpleNamespace, client_as: Any
) -> None:
    secretariat = client_as("secretariat")
    response = post(
        secretariat, f"/people/{world.secretariat.id}/deactivate", follow_redirects=True
    )
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    response = post(
        secretariat, f"/people/{world.target.id}/role", {"role": "king"}, follow_redirects=True
    )
    assert "Choose one of the roles." in response.get_data(as_text=True)
    response = post(secretariat, f"/people/{world.target.id}/role", {"role": "observer"})
    assert response.status_code == 302
    page = secretariat.get(f"/people/{world.target.id}").get_data(as_text=True)
    assert "Observer" in page


def test_password_reset_never_reveals_whether_an_account_exists(
    app: Any, world: SimpleNamespace, smtp: Any
) -> None:
    client = app.test_client()
    known = post(client, "/reset", {"email": world.member.email}, follow_redirects=True)
    unknown = post(client, "/reset", {"email": "nobody@example.org"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    text = "If this address belongs to an account"
    assert text in known.get_data(as_text=True) and text in unknown.get_data(as_text=True)
    assert smtp.to("nobody@example.org") == []
    [mail] = smtp.to(world.member.email)
    path = _link_in(mail)

    other_session = app.test_client()
    login(other_session, world.member)
    response = post(
        client, path, {"password": "a brand new password", "confirm": "a brand new password"}
    )
    assert response.status_code == 302
    assert other_session.get("/people/").status_code == 302  # every other session ended
    assert app.test_client().get(path).status_code == 400  # the link worked once
    login(app.test_client(), world.member, "a brand new password")


def test_changing_the_password_keeps_this_session_and_ends_the_others(
    app: Any, world: SimpleNamespace
) -> None:
    here, elsewhere = app.test_client(), app.test_client()
    login(here, world.member)
    login(elsewhere, world.member)
    wrong = post(
        here,
        "/account/password",
        {
            "current_password": "nope",
            "password": "another good password",
            "confirm": "another good password",
        },
    )
    assert wrong.status_code == 200
    assert "current password is not right" in wrong.get_data(as_text=True)
    ok = post(
        here,
        "/account/password",
        {
            "current_password": PASSWORD,
            "password": "another good password",
            "confirm": "another good password",
        },
    )
    assert ok.status_code == 302
    assert here.get("/people/").status_code == 200
    assert elsewhere.get("/people/").status_code == 302


def test_login_is_throttled_per_account_and_says_so(
    app: Any, world: SimpleNamespace, session: Session
) -> None:
    client = app.test_client()
    for _ in range(5):
        response = post(client, "/login", {"email": world.member.email, "password": "wrong"})
        assert response.status_code == 401
    blocked = post(client, "/login", {"email": world.member.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    # Another account from the same address is not affected yet.
    login(client, world.other_member)


def test_login_follows_only_local_next_links(app: Any, world: SimpleNamespace) -> None:
    client = app.test_client()
    token = csrf_token(client)
    data = {"email": world.member.email, "password": PASSWORD, "csrf_token": token}
    response = client.post("/login?next=https://evil.example/", data=data)
    assert response.headers["Location"] == "/"
    client = app.test_client()
    data["csrf_token"] = csrf_token(client)
    response = client.post("/login?next=/people/map", data=data)
    assert response.headers["Location"] == "/people/map"


def test_anonymous_visitors_are_sent_to_the_login_page_and_back(
    app: Any, world: SimpleNamespace
) -> None:
    client = app.test_client()
    response = client.get("/people/?country=FR")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_every_account_change_leaves_an_audit_event(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    secretariat = client_as("secretariat")
    post(secretariat, f"/people/{world.target.id}/deactivate")
    post(secretariat, f"/people/{world.target.id}/reactivate")
    actions = set(session.execute(select(AuditEvent.action)).scalars())
    assert {"user.deactivated", "user.reactivated"} <= actions
    count = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    assert count > 0


def test_session_cookie_flags(app: Any, world: SimpleNamespace) -> None:
    client = app.test_client()
    response = post(client, "/login", {"email": world.member.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/people/")
    assert page.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_the_api_neither_reads_nor_sets_the_session_cookie(
    app: Any, world: SimpleNamespace, session: Session
) -> None:
    from charter_engine.accounts.operations import issue_token

    token = issue_token(session, world.member)
    session.commit()
    client = app.test_client()
    login(client, world.member)
    # A signed-in browser's cookie is no credential for the API ...
    refused = client.get("/api/v1/charters")
    assert refused.status_code == 401
    assert "Set-Cookie" not in refused.headers
    # ... a bearer token is, and the answer carries no cookie either, only the usual headers.
    answer = client.get("/api/v1/charters", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
    assert "Cookie" not in answer.headers.get("Vary", "")  # caches need not key on the cookie
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    # The browser session is untouched by those requests.
    assert client.get("/people/").status_code == 200


def test_an_https_site_tells_browsers_to_keep_to_https(
    app: Any, database_url: str, tmp_path: Any
) -> None:
    from charter_engine.app import create_app

    # Served over plain HTTP (the default address): no such header, it would mean nothing.
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers
    https_app = create_app(
        {
            "database_url": database_url,
            "secret_key": "test-secret",
            "instance_dir": tmp_path / "https",
            "testing": True,
            "base_url": "https://charter.example.org",
        }
    )
    try:
        client = https_app.test_client()
        for response in (
            client.get("/login"),  # a page
            client.get("/no-such-page"),  # an error page
            client.get("/api/v1/charters"),  # the API (401 without a token)
        ):
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    finally:
        https_app.extensions["charter_engine"].close()
