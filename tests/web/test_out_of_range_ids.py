"""A number in a page's address that no column can hold (beyond 32 bits, or beyond the 64 bits
SQLite can bind) names nothing: every page and form answers 404 on both databases, where
PostgreSQL would refuse the comparison and SQLite the parameter, and nothing changes."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

from tests.web.support import app_engine, csrf_token, db_snapshot, login

HUGE = [2**40, 10**20]


def _int_routes(app: Any) -> list[tuple[str, str]]:
    """(method, rule) of every browser route with a number in its path."""
    found = []
    for rule in app.url_map.iter_rules():
        if "<int:" in rule.rule and not rule.rule.startswith("/api/"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((method, rule.rule))
    return found


@pytest.mark.parametrize("huge", HUGE)
def test_numbers_no_column_can_hold_are_404_everywhere(
    app: Any, world: SimpleNamespace, huge: int
) -> None:
    client = app.test_client()
    login(client, world.secretariat)
    token = csrf_token(client)
    routes = _int_routes(app)
    assert len(routes) > 30  # the ballots, amendments, clauses, comments, people, notifications
    before = db_snapshot(app_engine(app))
    answers = {}
    for method, rule in routes:
        url = re.sub(r"<int:\w+>", str(huge), rule)
        url = url.replace("<slug>", world.charter.slug)
        url = re.sub(r"<[^>]+>", "x", url)
        data = {"csrf_token": token} if method == "POST" else None
        answers[(method, url)] = client.open(url, method=method, data=data).status_code
    assert {key: status for key, status in answers.items() if status != 404} == {}
    assert db_snapshot(app_engine(app)) == before
