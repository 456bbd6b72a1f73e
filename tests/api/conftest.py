"""Fixtures for the JSON API tests: clients that carry a bearer token per role, a charter, and a
snapshot of the whole database to prove that a refused request changed nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from charter_engine.db import Base
from tests.conftest import chain_audit_events


@dataclass
class Api:
    """A test client speaking as one user."""

    client: Any
    token: str | None
    user: Any = None

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        out = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        out.update(headers or {})
        return out

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = self._headers(kwargs.pop("headers", None))
        url = path if path.startswith("/") else f"/api/v1/{path}"
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        if json is not None:
            kwargs["json"] = json
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        if json is not None:
            kwargs["json"] = json
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        if json is not None:
            kwargs["json"] = json
        return self.request("DELETE", path, **kwargs)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.is_json, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    if code is not None:
        assert error["code"] == code, error
    result: dict[str, Any] = error
    return result


@pytest.fixture
def api_as(client: Any, session: Session, create_user: Callable[..., Any]) -> Callable[..., Api]:
    from charter_engine.accounts.operations import issue_token

    def build(role: str = "member", user: Any = None, **kwargs: Any) -> Api:
        user = user or create_user(role, **kwargs)
        token = issue_token(session, user)
        session.commit()
        return Api(client, token, user)

    return build


@pytest.fixture
def sec_api(api_as: Callable[..., Api], secretariat: Any) -> Api:
    return api_as(user=secretariat)


@pytest.fixture
def member_api(api_as: Callable[..., Api]) -> Api:
    return api_as("member")


@pytest.fixture
def other_member_api(api_as: Callable[..., Api]) -> Api:
    return api_as("member")


@pytest.fixture
def observer_api(api_as: Callable[..., Api]) -> Api:
    return api_as("observer")


@pytest.fixture
def anonymous_api(client: Any) -> Api:
    return Api(client, None)


@pytest.fixture
def charter_slug(create_charter: Callable[..., Any]) -> str:
    slug: str = create_charter().slug
    return slug


@pytest.fixture
def snapshot(app: Any, engine: Engine) -> Callable[[], dict[str, Any]]:
    """Row counts of every table, the audit chain's head and every mutable row's state.

    Audit events that requests left to be chained later are chained first, so the head does not
    move between two snapshots because the app's chainer ran in between."""

    def take() -> dict[str, Any]:
        chain_audit_events(app)
        conn = engine.connect().execution_options(sqlite_begin="DEFERRED")
        try:
            out: dict[str, Any] = {}
            for table in Base.metadata.sorted_tables:
                out[table.name] = conn.execute(select(func.count()).select_from(table)).scalar()
            out["audit_head"] = conn.execute(text("SELECT seq, hash FROM audit_head")).all()
            out["charters"] = conn.execute(
                text("SELECT id, head_revision_number, next_amendment_number FROM charters")
            ).all()
            out["amendments"] = conn.execute(
                text(
                    "SELECT id, state, version, title, base_revision_id FROM amendments ORDER BY id"
                )
            ).all()
            out["changes"] = conn.execute(
                text("SELECT id, new_text, base_version_id FROM amendment_changes ORDER BY id")
            ).all()
            out["backers"] = conn.execute(
                text("SELECT amendment_id, user_id, kind FROM amendment_backers ORDER BY id")
            ).all()
            return out
        finally:
            conn.close()

    return take


def clause_ids(api: Api, slug: str) -> list[int]:
    return [c["id"] for c in api.get(f"charters/{slug}").get_json()["clauses"]]


def clause_by_text(api: Api, slug: str, needle: str) -> dict[str, Any]:
    for clause in api.get(f"charters/{slug}").get_json()["clauses"]:
        if needle in clause["text"]:
            found: dict[str, Any] = clause
            return found
    raise AssertionError(f"no clause contains {needle!r}")
