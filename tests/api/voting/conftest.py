"""Builders for the ballot API tests: a charter with a decisions clause, submitted amendments, and
a view of the voting tables to prove that a refused request changed nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from charter_engine.amendments.operations import propose_amendment
from charter_engine.charters.queries import current_entries
from tests.integration.voting.conftest import CLAUSE, DOC


@pytest.fixture
def voting_charter(create_charter: Callable[..., Any]) -> Any:
    return create_charter(DOC, title="Voting Charter")


@pytest.fixture
def amend(
    session: Session, voting_charter: Any, create_user: Callable[..., Any]
) -> Callable[..., Any]:
    def build(old: str, new: str) -> Any:
        clause_id = next(
            cid
            for cid, version in current_entries(session, voting_charter)
            if version.text.startswith("Decisions")
        )
        amendment = propose_amendment(
            session,
            voting_charter,
            actor=create_user(),
            title=f"{old} → {new}",
            changes=[{"kind": "replace", "clause_id": clause_id, "text": CLAUSE.replace(old, new)}],
            submit=True,
        )
        session.commit()
        return amendment

    return build


@pytest.fixture
def voting_state(engine: Engine, snapshot: Callable[[], dict[str, Any]]) -> Callable[[], Any]:
    """The general snapshot plus every mutable column of the voting tables."""

    def take() -> Any:
        conn = engine.connect().execution_options(sqlite_begin="DEFERRED")
        try:
            return (
                snapshot(),
                conn.execute(
                    text("SELECT id, state, version, title, threshold FROM ballots ORDER BY id")
                ).all(),
                conn.execute(
                    text("SELECT id, choice, ranking, cast_by_id FROM votes ORDER BY id")
                ).all(),
                conn.execute(
                    text("SELECT receipt_hash, choice, ranking FROM secret_ballots ORDER BY 1")
                ).all(),
                conn.execute(text("SELECT id, revoked_at FROM proxies ORDER BY id")).all(),
            )
        finally:
            conn.close()

    return take
