"""A charter space with history, built through the operations: what the backup and audit drill
tests back up, restore and tamper with.

A charter, two amendments adopted and merged by ballots that are closed — one named, one secret —
and a third ballot still open with a vote cast, plus a comment.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from charter_engine.accounts.operations import create_user
from charter_engine.amendments.operations import propose_amendment
from charter_engine.charters.operations import import_charter
from charter_engine.charters.queries import current_entries
from charter_engine.comments.operations import create_comment
from charter_engine.voting.casting import cast_vote
from charter_engine.voting.closing import close_ballot
from charter_engine.voting.operations import create_ballot, open_ballot

DOC = (
    "# Charter\n\n## Purpose\n\nThe Core Group drafts a shared charter.\n\n"
    "## Decisions\n\nDecisions are taken by simple majority of the votes cast.\n\n"
    "## Amendments\n\nThis charter may be amended.\n"
)


@dataclass(frozen=True)
class World:
    slug: str
    named_ballot: int
    secret_ballot: int
    open_ballot: int
    voters: tuple[int, ...]


def build_world(session: Session) -> World:
    staff = create_user(session, email="sec@example.org", name="Sec", role="secretariat")
    members = [create_user(session, email=f"m{i}@example.org", name=f"M {i}") for i in range(5)]
    charter = import_charter(session, title="Charter", actor=staff, text=DOC)
    session.commit()

    def clause(prefix: str) -> int:
        return next(c for c, v in current_entries(session, charter) if v.text.startswith(prefix))

    def amend(prefix: str, text: str) -> int:
        amendment = propose_amendment(
            session,
            charter,
            actor=members[0],
            title=f"Rewrite {prefix}",
            changes=[{"kind": "replace", "clause_id": clause(prefix), "text": text}],
            submit=True,
        )
        session.commit()
        return amendment.id

    def ballot(amendment: int, choices: list[str], *, secret: bool, close: bool) -> int:
        made = create_ballot(
            session,
            charter,
            actor=staff,
            kind="amendment",
            amendments=[amendment],
            rules={"secrecy": "secret" if secret else "named"},
        )
        session.commit()
        open_ballot(session, made, actor=staff)
        session.commit()
        for member, choice in zip(members, choices, strict=False):
            cast_vote(session, made.id, actor=member, choice=choice)
            session.commit()
        if close:
            close_ballot(session, made, actor=staff)
            session.commit()
        return made.id

    named = ballot(
        amend("Decisions are", "Decisions are taken by two thirds of the votes cast.\n\n"),
        ["yes", "yes", "no", "yes", "abstain"],
        secret=False,
        close=True,
    )
    secret = ballot(
        amend("The Core Group", "The Core Group drafts and publishes a shared charter.\n\n"),
        ["yes", "no", "yes", "yes"],
        secret=True,
        close=True,
    )
    still_open = ballot(
        amend("This charter", "This charter may be amended by ballot.\n"),
        ["no"],
        secret=False,
        close=False,
    )
    create_comment(
        session, charter, actor=members[1], body="Reads well.", clause_id=clause("This charter")
    )
    session.commit()
    return World(charter.slug, named, secret, still_open, tuple(m.id for m in members))
