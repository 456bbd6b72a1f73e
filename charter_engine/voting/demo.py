"""Ballots for the demo charter space: a closed yes/no ballot with its result and roll call, and an
open ranked ballot between two competing amendments and keeping the current text.

Called by :func:`charter_engine.demo.load_demo` through the operations, like real data.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.amendments.models import Amendment
from charter_engine.charters.models import Charter
from charter_engine.voting.casting import cast_vote
from charter_engine.voting.closing import close_ballot
from charter_engine.voting.operations import create_ballot, open_ballot
from charter_engine.voting.overview import votable_amendments


def add_demo_ballots(
    session: Session,
    charter: Charter,
    users: Mapping[str, User],
    *,
    majority: Amendment,
    consensus: Amendment,
) -> list[str]:
    """Create the demo ballots; returns lines to print."""
    secretariat = users["secretariat"]
    lines = []
    others = [
        a for a in votable_amendments(session, charter) if a.id not in (majority.id, consensus.id)
    ]
    if others:
        decided = create_ballot(
            session,
            charter,
            actor=secretariat,
            kind="amendment",
            amendments=[others[0].id],
            rules={"threshold": "simple", "quorum": {"share": "1/3"}},
        )
        open_ballot(session, decided, actor=secretariat)
        for name, choice in (
            ("lucia", "yes"),
            ("kenji", "yes"),
            ("marie", "no"),
            ("ngozi", "abstain"),
        ):
            if name in users:
                cast_vote(session, decided, actor=users[name], choice=choice)
        close_ballot(session, decided, actor=secretariat)
        lines.append(f"closed ballot {decided.id}: {decided.title} ({decided.outcome})")
    ranked = create_ballot(
        session,
        charter,
        actor=secretariat,
        kind="ranked",
        amendments=[majority.id, consensus.id],
        title="How the Core Group takes decisions",
        rules={"quorum": {"votes": 2}, "allow_change": True},
    )
    open_ballot(session, ranked, actor=secretariat)
    keys = {o.amendment_id: o.key for o in ranked.options}
    if "rafael" in users:
        cast_vote(
            session,
            ranked,
            actor=users["rafael"],
            ranking={keys[consensus.id]: 1, keys[majority.id]: 2, "keep": 3},
        )
    lines.append(f"open ranked ballot {ranked.id}: {ranked.title} — vote at /ballots/{ranked.id}")
    return lines
