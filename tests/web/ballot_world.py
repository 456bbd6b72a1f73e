"""Ballots for the browser-UI tests, built through the operations: a charter whose clauses are each
voted on in a different way, open, upcoming and closed ballots, named and secret, and a proxy.

``build_ballot_world(session, world)`` sets on ``world``:

- ``vb_charter`` and ``vb_amendments`` (by clause key, see :data:`CLAUSES`);
- ``vb_ranked`` (open, ranked: two competing amendments on "decisions" and keeping the text),
  ``vb_open`` (open, named yes/no), ``vb_secret`` (open, secret yes/no), ``vb_draft`` (a draft
  yes/no ballot), ``vb_closed`` (closed, named, rejected), ``vb_closed_secret`` (closed, secret,
  with the member's receipt in ``vb_receipt``);
- ``vb_proxy``: the other member gives their vote on ``vb_secret`` to the member.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

CLAUSES = {
    "purpose": "The Core Group brings together innovators from many countries.\n\n",
    "members": "Members are nominated by their organisations.\n\n",
    "votes": "Each organisation has one vote.\n\n",
    "meetings": "The Core Group meets twice a year.\n\n",
    "minutes": "Minutes of each meeting are kept by the secretariat.\n\n",
    "languages": "The working language is English.\n\n",
    "decisions": "Decisions are taken by simple majority of the votes cast.\n",
}
DOCUMENT = "# Ballot Charter\n\n## Articles\n\n" + "".join(CLAUSES.values())


def clause_ids(session: Session, charter: Any) -> dict[str, int]:
    from charter_engine.charters.queries import current_entries

    found = {}
    for cid, version in current_entries(session, charter):
        for key, text in CLAUSES.items():
            if version.text == text:
                found[key] = cid
    return found


def propose(
    session: Session, charter: Any, author: Any, key: str, new_text: str, title: str
) -> Any:
    from charter_engine.amendments.operations import propose_amendment

    return propose_amendment(
        session,
        charter,
        actor=author,
        title=title,
        rationale="So that it reads better.",
        changes=[
            {"kind": "replace", "clause_id": clause_ids(session, charter)[key], "text": new_text}
        ],
        submit=True,
    )


def build_ballot_world(session: Session, world: Any) -> None:
    from charter_engine.charters.operations import import_charter
    from charter_engine.voting.casting import cast_vote
    from charter_engine.voting.closing import close_ballot
    from charter_engine.voting.operations import create_ballot, open_ballot
    from charter_engine.voting.proxies import give_proxy

    sec, member, other = world.secretariat, world.member, world.other_member
    charter = import_charter(session, title="Ballot Charter", text=DOCUMENT, actor=sec)
    session.flush()
    a = {
        "decisions_absolute": propose(
            session,
            charter,
            member,
            "decisions",
            "Decisions are taken by absolute majority of the members.\n",
            "Absolute majority",
        ),
        "decisions_consensus": propose(
            session,
            charter,
            other,
            "decisions",
            "Decisions are taken by consensus.\n",
            "Consensus",
        ),
        "members": propose(
            session,
            charter,
            member,
            "members",
            "Members are nominated by their organisations and confirmed by the secretariat.\n\n",
            "Confirm members",
        ),
        "languages": propose(
            session,
            charter,
            member,
            "languages",
            "The working languages are English and French.\n\n",
            "Two languages",
        ),
        "meetings": propose(
            session,
            charter,
            other,
            "meetings",
            "The Core Group meets four times a year.\n\n",
            "More meetings",
        ),
        "votes": propose(
            session,
            charter,
            other,
            "votes",
            "Each member has one vote.\n\n",
            "One member, one vote",
        ),
        "minutes": propose(
            session,
            charter,
            member,
            "minutes",
            "Minutes of each meeting are kept and published by the secretariat.\n\n",
            "Publish the minutes",
        ),
    }

    def ballot(kind: str, keys: list[str], **rules: Any) -> Any:
        # The secretariat votes in these ballots too (the pages are tested with its vote); the
        # default roll, members only, is tested in test_roll_rule_pages.py.
        rules.setdefault("roll", "members_and_secretariat")
        return create_ballot(
            session,
            charter,
            actor=sec,
            kind=kind,
            amendments=[a[k].id for k in keys],
            rules=rules,
        )

    closed = ballot("amendment", ["votes"])
    open_ballot(session, closed, actor=sec)
    cast_vote(session, closed, actor=member, choice="yes")
    cast_vote(session, closed, actor=other, choice="no")
    close_ballot(session, closed, actor=sec)

    closed_secret = ballot("amendment", ["minutes"], secrecy="secret")
    open_ballot(session, closed_secret, actor=sec)
    receipt = cast_vote(session, closed_secret, actor=member, choice="no").receipt
    close_ballot(session, closed_secret, actor=sec)

    ranked = ballot("ranked", ["decisions_absolute", "decisions_consensus"])
    open_ballot(session, ranked, actor=sec)
    open_named = ballot("amendment", ["members"])
    open_ballot(session, open_named, actor=sec)
    secret = ballot("amendment", ["languages"], secrecy="secret")
    open_ballot(session, secret, actor=sec)
    draft = ballot("amendment", ["meetings"])
    proxy = give_proxy(session, actor=other, agent_id=member.id, ballot_id=secret.id)
    session.flush()

    world.vb_charter = charter
    world.vb_amendments = a
    world.vb_ranked = ranked
    world.vb_open = open_named
    world.vb_secret = secret
    world.vb_draft = draft
    world.vb_closed = closed
    world.vb_closed_secret = closed_secret
    world.vb_receipt = receipt
    world.vb_proxy = proxy
