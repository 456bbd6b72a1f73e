"""Error answers: friendly pages that never show a stack trace and always mean "nothing changed";
JSON under /api/; the 409 page that keeps the user's input."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from charter_engine.accounts.models import User
from charter_engine.context import db
from charter_engine.web.errors import render_conflict
from charter_engine.web.security import public
from tests.web.support import login, post


@pytest.fixture
def world(people: SimpleNamespace) -> SimpleNamespace:
    """Only people and their inbox: these tests count notifications and mails exactly."""
    return people


@pytest.fixture
def broken_app(app: Any) -> Any:
    """The app with extra routes: one that fails after a write, one with a stale edit, one that
    sends the database a number out of range after a write, one that clashes with a change saved
    meanwhile after a write (an optimistic version check, or a constraint)."""

    def change_a_name() -> None:
        user = db().execute(select(User)).scalars().first()
        assert user is not None
        user.name = "Changed before the failure"
        db().flush()

    @public
    def boom() -> str:
        change_a_name()
        raise RuntimeError("secret internals")

    @public
    def stale() -> Any:
        return render_conflict(
            message="Mia changed this clause while you were editing it.",
            current_text="Decisions are taken by consensus.",
            your_text="Decisions are taken by <two-thirds> majority.",
            form_action="/somewhere",
            hidden_fields={"version": 7},
            back_url="/",
        )

    @public
    def out_of_range() -> Any:
        change_a_name()
        # PostgreSQL refuses to compare the number with an integer column; SQLite to bind it.
        return db().execute(select(User).where(User.id == 10**20)).first()

    @public
    def clash(kind: str) -> Any:
        change_a_name()
        if kind == "version":
            raise StaleDataError("UPDATE expected to update 1 row(s); 0 were matched.")
        raise IntegrityError("INSERT INTO votes", {}, Exception("UNIQUE constraint failed"))

    app.add_url_rule("/test-boom", "test_boom", boom, methods=["GET", "POST"])
    app.add_url_rule("/test-stale", "test_stale", stale)
    app.add_url_rule("/test-out-of-range", "test_out_of_range", out_of_range)
    app.add_url_rule("/test-clash/<kind>", "test_clash", clash)
    app.add_url_rule("/api/test-clash/<kind>", "test_api_clash", clash)
    return app


def test_500_page_says_nothing_changed_and_rolls_back(
    broken_app: Any, world: SimpleNamespace, session: Session
) -> None:
    response = broken_app.test_client().get("/test-boom")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Nothing was changed" in text
    assert "secret internals" not in text and "Traceback" not in text
    names = set(session.execute(select(User.name)).scalars())
    assert "Changed before the failure" not in names


def test_a_number_out_of_range_is_a_400_and_rolls_back(
    broken_app: Any, world: SimpleNamespace, session: Session
) -> None:
    response = broken_app.test_client().get("/test-out-of-range")
    assert response.status_code == 400
    assert "out of range. Nothing was changed." in response.get_data(as_text=True)
    names = set(session.execute(select(User.name)).scalars())
    assert "Changed before the failure" not in names


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("version", "Someone else changed this at the same time. Nothing was saved"),
        ("constraint", "This clashes with something saved meanwhile. Nothing was saved"),
    ],
)
def test_a_clash_with_a_change_saved_meanwhile_is_a_409_and_rolls_back(
    broken_app: Any, world: SimpleNamespace, session: Session, kind: str, message: str
) -> None:
    client = broken_app.test_client()
    page = client.get(f"/test-clash/{kind}")
    assert page.status_code == 409 and message in page.get_data(as_text=True)
    answer = client.get(f"/api/test-clash/{kind}")
    assert answer.status_code == 409 and answer.is_json
    assert answer.json["error"]["code"] == "conflict"
    assert answer.json["error"]["message"].startswith(message)
    names = set(session.execute(select(User.name)).scalars())
    assert "Changed before the failure" not in names


def test_409_page_shows_the_new_text_and_keeps_the_input(broken_app: Any) -> None:
    response = broken_app.test_client().get("/test-stale")
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Decisions are taken by consensus." in text
    assert "&lt;two-thirds&gt; majority" in text  # the user's input, escaped, in the textarea
    assert 'name="version" value="7"' in text and 'name="csrf_token"' in text


def test_404_and_403_pages(app: Any, world: SimpleNamespace) -> None:
    client = app.test_client()
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "Page not found" in missing.get_data(as_text=True)
    login(client, world.member)
    denied = client.get("/people/invite")
    assert denied.status_code == 403
    assert "Only the secretariat may manage members." in denied.get_data(as_text=True)
    assert client.get("/people/99999").status_code == 404


def test_api_paths_answer_json_errors(app: Any) -> None:
    client = app.test_client()
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.is_json and response.json["error"]["code"] == "not_found"
    response = client.delete("/api/v1/openapi.json")
    assert response.status_code == 405 and response.is_json
    assert set(response.json["error"]) >= {"code", "message"}


def test_405_on_a_page_is_a_friendly_page(app: Any) -> None:
    response = app.test_client().post("/healthz")
    assert response.status_code in (400, 405)  # the CSRF check may answer first
    assert "<h1>" in response.get_data(as_text=True)


def test_an_expired_form_is_a_friendly_400(app: Any, world: SimpleNamespace) -> None:
    client = app.test_client()
    login(client, world.member)
    response = client.post("/notifications/read-all", data={"csrf_token": "stale"})
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)
    # with a valid token the same request works
    assert post(client, "/notifications/read-all").status_code == 302
