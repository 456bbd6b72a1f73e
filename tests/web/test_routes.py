"""Every route answers each kind of visitor as the table says; no route is left out of the table;
every state-changing route refuses a request without a valid CSRF token and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from charter_engine.app import create_app
from tests.web.route_table import EXCLUDED_ENDPOINTS, EXCLUDED_PREFIXES, ROLES, ROUTES, Route
from tests.web.support import app_engine, csrf_token, db_snapshot, login

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _app_routes(app: Any) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXCLUDED_ENDPOINTS or rule.endpoint.startswith(EXCLUDED_PREFIXES):
            continue
        for method in (rule.methods or set()) - IGNORED_METHODS:
            found.add((rule.endpoint, method))
    return found


def test_every_route_is_in_the_table(app: Any) -> None:
    in_app = _app_routes(app)
    in_table = {route.key for route in ROUTES}
    assert len(in_table) == len(ROUTES), "a route is listed twice in the table"
    missing = sorted(in_app - in_table)
    stale = sorted(in_table - in_app)
    assert not missing, f"routes missing from tests/web/route_table.py: {missing}"
    assert not stale, f"routes in the table that the app no longer has: {stale}"


def test_the_app_as_served_refuses_a_post_without_a_token_too(
    world: SimpleNamespace, database_url: str, tmp_path: Path
) -> None:
    """The other tests run the app in testing mode; the app as it is served (on the same
    database) refuses a state change without a CSRF token just the same."""
    served = create_app(
        {"database_url": database_url, "secret_key": "served", "instance_dir": tmp_path / "served"}
    )
    try:
        assert not served.testing
        client = served.test_client()
        login(client, world.secretariat)
        url = f"/people/{world.target.id}/deactivate"
        before = db_snapshot(app_engine(served))
        assert client.post(url, data={}).status_code == 400
        assert db_snapshot(app_engine(served)) == before
        assert client.post(url, data={"csrf_token": csrf_token(client)}).status_code == 302
        assert db_snapshot(app_engine(served)) != before
    finally:
        served.extensions["charter_engine"].close()


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.endpoint}")
def test_route_answers_each_role_as_the_table_says(
    route: Route, world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    got = {}
    for role in ROLES:
        client = client_as(role)
        url = route.url(world)
        if route.method == "GET":
            response = client.get(url)
        else:
            body = route.body(world)
            body.setdefault("csrf_token", csrf_token(client))
            response = client.post(url, data=body)
        got[role] = response.status_code
        if response.status_code >= 500:
            pytest.fail(f"{route.method} {url} as {role}: server error")
    assert got == dict(route.expect)


POST_ROUTES = [r for r in ROUTES if r.method == "POST"]


def _allowed_role(route: Route) -> str:
    """A role the route does not refuse (the CSRF check must come before any success)."""
    for role in ("secretariat", "member", "anonymous", "observer", "other_member"):
        if route.expect[role] < 400:
            return role
    return "secretariat"


@pytest.mark.parametrize("route", POST_ROUTES, ids=lambda r: f"POST {r.endpoint}")
@pytest.mark.parametrize("token", ["missing", "forged"])
def test_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(
    route: Route,
    token: str,
    app: Any,
    world: SimpleNamespace,
    client_as: Callable[[str], Any],
) -> None:
    client = client_as(_allowed_role(route))
    body = route.body(world)
    if token == "forged":
        body["csrf_token"] = "IjEyMyI.forged.signature"
    before = db_snapshot(app_engine(app))
    response = client.post(route.url(world), data=body)
    assert response.status_code == 400
    assert "nothing was changed" in response.get_data(as_text=True)
    assert db_snapshot(app_engine(app)) == before


def test_a_token_from_another_session_is_refused(
    app: Any, world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    stranger = app.test_client()
    login(stranger, world.other_member)
    foreign = csrf_token(stranger, "/")
    client = client_as("secretariat")
    before = db_snapshot(app_engine(app))
    response = client.post(f"/people/{world.target.id}/deactivate", data={"csrf_token": foreign})
    assert response.status_code == 400
    assert db_snapshot(app_engine(app)) == before
