"""Helpers for tests of the browser UI (also used by the browser tests).

* ``csrf_token(client)``: a valid CSRF token for the client's session (read from the
  ``<meta name="csrf-token">`` every page carries).
* ``login(client, user)`` / ``post(client, path, data)``: sign in / POST a form with a valid token.
* ``count_queries(engine)``: count the SQL statements a block runs (transaction control excluded):

      with count_queries(app_engine(app)) as queries:
          client.get(url)
      assert queries.count <= 12, queries.statements

* ``db_snapshot(engine)``: every row of every table, to assert a refused request changed nothing.
* ``app_engine(app)``: the app's engine, after chaining the audit events the app deferred (votes),
  so snapshots and counts taken through it are settled.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event, select

from charter_engine.db import Base
from tests.conftest import chain_audit_events

PASSWORD = "correct horse battery staple"
_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def app_engine(app: Any) -> Engine:
    """The app's engine, once the audit events its requests left to be chained later are chained,
    so that what a test reads through it (or snapshots) does not change behind its back."""
    chain_audit_events(app)
    engine: Engine = app.extensions["charter_engine"].engine
    return engine


def csrf_token(client: Any, path: str = "/") -> str:
    """A CSRF token valid for this client's session. Any HTML page works as ``path``."""
    response = client.get(path)
    match = _META.search(response.get_data(as_text=True))
    if match is None:
        response = client.get("/login")
        match = _META.search(response.get_data(as_text=True))
    assert match, "no csrf-token meta tag in the page"
    return match.group(1)


def post(client: Any, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST a form with a valid CSRF token."""
    body = dict(data or {})
    body.setdefault("csrf_token", csrf_token(client))
    return client.post(path, data=body, **kwargs)


def login(client: Any, user: Any, password: str = PASSWORD) -> Any:
    email = user if isinstance(user, str) else user.email
    response = post(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, f"login as {email} failed: {response.status_code}"
    return response


def logout(client: Any) -> Any:
    return post(client, "/logout")


@dataclass
class QueryCount:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def selects(self) -> int:
        return sum(1 for s in self.statements if s.lstrip().upper().startswith("SELECT"))


@contextmanager
def count_queries(engine: Engine) -> Iterator[QueryCount]:
    """Record the SQL statements run on ``engine`` inside the block (BEGIN/COMMIT not counted)."""
    counter = QueryCount()

    def _before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
            counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", _before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", _before)


def db_snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (ordered), to compare before and after a refused request."""
    snapshot = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            snapshot[table.name] = [tuple(row) for row in rows]
    return snapshot
