"""Unit tests exercise pure code: the text engine, workflow tables, tallies, permissions. They never
touch a database; a test that needs one belongs in tests/integration."""

from __future__ import annotations

import pytest

DATABASE_FIXTURES = frozenset(
    {"database_template", "database_url", "engine", "session_factory", "session", "app", "client"}
)


@pytest.fixture(autouse=True)
def _no_database(request: pytest.FixtureRequest) -> None:
    used = sorted(DATABASE_FIXTURES & set(request.fixturenames))
    if used:
        pytest.fail(f"a unit test never touches a database (it asks for {', '.join(used)})")
