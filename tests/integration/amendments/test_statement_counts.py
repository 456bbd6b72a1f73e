"""Proposing, submitting and merging an amendment run the same number of SQL statements whatever
the size of the group and of the charter's business: 3 or 30 members to notify, 3 or 30 pending
amendments on other clauses, 3 or 30 open ballots. Counted in the application's sessions, where
every change also notifies people."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from charter_engine.accounts.operations import create_user
from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.operations import propose_amendment
from charter_engine.amendments.transitions import transition_amendment
from charter_engine.charters.operations import import_charter
from charter_engine.charters.queries import current_entries
from charter_engine.notifications.models import Notification
from charter_engine.subscribers import make_app_sessions
from charter_engine.voting.operations import create_ballot, open_ballot

ARTICLES = 40


@dataclass
class Statements:
    sql: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.sql)


@contextmanager
def counted(engine: Engine) -> Iterator[Statements]:
    found = Statements()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        found.sql.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """The application's sessions: audit events become notifications and mail."""
    return make_app_sessions(engine)


def _text() -> str:
    return "# Charter\n\n" + "".join(
        f"## Article {n}\n\nArticle {n} sets the rule for point {n} of the group.\n\n"
        for n in range(ARTICLES)
    )


class Group:
    """A charter and the business around it, grown step by step through the operations."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.staff = create_user(session, email="sec@example.org", name="Sec", role="secretariat")
        self.author = create_user(session, email="author@example.org", name="Author")
        self.charter = import_charter(session, title="Charter", text=_text(), actor=self.staff)
        self.paragraphs = [
            clause_id
            for clause_id, version in current_entries(session, self.charter)
            if version.text.startswith("Article")
        ]
        self.members = self.pending = self.ballots = 0
        session.commit()

    def change(self, clause_id: int, words: str) -> list[dict[str, Any]]:
        n = self.paragraphs.index(clause_id)
        text = f"Article {n} sets the rule for point {n} of the group, {words}.\n\n"
        return [{"kind": "replace", "clause_id": clause_id, "text": text}]

    def propose(self, clause_id: int, title: str, *, submit: bool = True) -> Any:
        return propose_amendment(
            self.session,
            self.charter,
            actor=self.author,
            title=title,
            changes=self.change(clause_id, title.lower()),
            submit=submit,
        )

    def grow(self, size: int) -> None:
        """Up to ``size`` members, pending amendments on articles 10+ and open ballots."""
        s = self.session
        for n in range(self.members, size):
            create_user(s, email=f"m{n}@example.org", name=f"Member {n}")
        for n in range(self.pending, size):
            self.propose(self.paragraphs[10 + n % (ARTICLES - 10)], f"Elsewhere {n}")
        for n in range(self.ballots, size):
            amendment = self.propose(self.paragraphs[10 + n % (ARTICLES - 10)], f"Voted {n}")
            ballot = create_ballot(
                s, self.charter, actor=self.staff, kind="amendment", amendments=[amendment.id]
            )
            s.commit()
            open_ballot(s, ballot, actor=self.staff)
        self.members = self.pending = self.ballots = size
        s.commit()


def _operation_counts(group: Group, engine: Engine, round_: int) -> dict[str, int]:
    s = group.session
    target = group.paragraphs[round_]
    # Two amendments on the clause to merge: one that rebases cleanly, one that conflicts.
    group.propose(target, f"Clean {round_}")
    s.commit()
    clash = propose_amendment(
        s,
        group.charter,
        actor=group.author,
        title=f"Clash {round_}",
        changes=group.change(target, "by consensus"),
        submit=True,
    )
    s.commit()
    counts = {}
    with counted(engine) as q:
        amendment = group.propose(target, "Merged", submit=False)
        s.commit()
    counts["propose"] = q.count
    with counted(engine) as q:
        transition_amendment(s, amendment, "submit", actor=group.author)
        s.commit()
    counts["submit"] = q.count
    with counted(engine) as q:
        merge_amendment(s, amendment, actor=group.staff, editorial=True)
        s.commit()
    counts["merge"] = q.count
    assert clash.state == "needs_rebase"
    return counts


def test_propose_submit_and_merge_cost_the_same_for_3_and_30_members_amendments_ballots(
    session: Session, engine: Engine
) -> None:
    group = Group(session)
    group.grow(3)
    small = _operation_counts(group, engine, 0)
    group.grow(30)
    large = _operation_counts(group, engine, 1)
    assert large == small
    # Each member was told about the submission and the merge (the author and the actor aside).
    told = session.query(Notification).filter(Notification.title.like("New: %Merged")).count()
    assert told >= 30
