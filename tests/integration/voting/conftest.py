"""Builders for the voting tests: a charter with a decisions clause, amendments on it, voters,
ballots made and opened through the operations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.amendments.models import Amendment
from charter_engine.amendments.operations import propose_amendment
from charter_engine.audit import operations as audit
from charter_engine.charters.queries import current_entries
from charter_engine.voting.models import Ballot
from charter_engine.voting.operations import create_ballot, open_ballot

CLAUSE = (
    "Decisions of the Core Group are taken by simple majority of the votes cast, provided that "
    "at least half of the members take part in the vote. Decisions are recorded in the minutes.\n\n"
)
DOC = (
    "# Charter\n\n## Purpose\n\nThe Core Group drafts a shared charter.\n\n"
    "## Decisions\n\n" + CLAUSE + "## Amendments\n\nThis charter may be amended.\n"
)


def clause_id(session: Session, charter: Any, startswith: str = "Decisions") -> int:
    for cid, version in current_entries(session, charter):
        if version.text.startswith(startswith):
            return cid
    raise AssertionError(startswith)


@pytest.fixture
def charter(create_charter: Callable[..., Any]) -> Any:
    return create_charter(DOC, title="Voting Charter")


@pytest.fixture
def amend(session: Session, charter: Any, create_user: Callable[..., Any]) -> Callable[..., Any]:
    """Propose and submit an amendment replacing words of the decisions clause."""

    def build(old: str, new: str, *, author: Any = None, target: Any = None) -> Amendment:
        target = target or charter
        author = author or create_user()
        amendment = propose_amendment(
            session,
            target,
            actor=author,
            title=f"{old} → {new}",
            changes=[
                {
                    "kind": "replace",
                    "clause_id": clause_id(session, target),
                    "text": CLAUSE.replace(old, new),
                }
            ],
            submit=True,
        )
        session.commit()
        return amendment

    return build


@pytest.fixture
def voters(create_user: Callable[..., Any]) -> Callable[..., list[Any]]:
    def build(count: int, **kwargs: Any) -> list[Any]:
        return [create_user("member", **kwargs) for _ in range(count)]

    return build


@pytest.fixture
def make_ballot(session: Session, charter: Any, secretariat: Any) -> Callable[..., Ballot]:
    """Create (and by default open) a ballot; ``amendments`` are Amendment objects."""

    def build(
        kind: str = "amendment",
        amendments: list[Any] | None = None,
        *,
        open_now: bool = True,
        target: Any = None,
        **rules: Any,
    ) -> Ballot:
        # These tests count the secretariat among the voters; the roll rules themselves (members
        # only by default) are tested in test_roll_rules.py.
        rules.setdefault("roll", "members_and_secretariat")
        ballot = create_ballot(
            session,
            target or charter,
            actor=secretariat,
            kind=kind,
            amendments=[a.id for a in amendments or []] or None,
            rules=rules,
        )
        session.commit()
        if open_now:
            open_ballot(session, ballot, actor=secretariat)
            session.commit()
        return ballot

    return build


@pytest.fixture
def subscribed_events(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The audit events that subscribers are given, as a subscriber sees them, in order."""
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(
        audit, "_SUBSCRIBERS", [*audit._SUBSCRIBERS, lambda s, events: seen.extend(events)]
    )
    return seen
