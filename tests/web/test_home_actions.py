"""Home's "Waiting for you" and the inbox's "Needs you" follow the current state: a ballot drops
off once the member voted or it closed, a conflict once it is resolved."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from charter_engine.amendments.operations import resolve_amendment
from charter_engine.charters.queries import current_entries
from charter_engine.voting.casting import cast_vote
from charter_engine.voting.closing import close_ballot
from charter_engine.voting.operations import create_ballot, open_ballot
from tests.web.ballot_world import propose
from tests.web.support import login
from tests.web.test_notifications import CLAUSE, conflict  # noqa: F401  (a fixture)


def waiting(client: Any) -> str:
    page = str(client.get("/").get_data(as_text=True))
    if 'id="todo-heading"' not in page:
        return ""
    return page.split('id="todo-heading"', 1)[1].split("</section>", 1)[0]


def inbox_item(client: Any, title: str) -> str:
    """The inbox entries (there may be several) whose title contains ``title``."""
    page = str(client.get("/notifications/").get_data(as_text=True))
    items = [i for i in page.split('<li class="inbox-item')[1:] if title in i]
    assert items, title
    return "".join(items)


def test_a_ballot_leaves_home_once_voted_in_or_closed(
    app: Any, world: SimpleNamespace, session: Session
) -> None:
    amendment = propose(
        session, world.vb_charter, world.member, "purpose", "The group meets.\n\n", "Meet"
    )
    ballot = create_ballot(
        session,
        world.vb_charter,
        actor=world.secretariat,
        kind="amendment",
        amendments=[amendment.id],
    )
    open_ballot(session, ballot, actor=world.secretariat)
    session.commit()
    member, other, secretariat = (app.test_client() for _ in range(3))
    login(member, world.member)
    login(other, world.other_member)
    login(secretariat, world.secretariat)
    title = f"Vote now: {ballot.title}"
    assert title in waiting(member) and title in waiting(other)
    assert f'href="/ballots/{ballot.id}"' in waiting(member)
    # Members only by default: the secretariat has nothing to vote here.
    assert title not in waiting(secretariat)

    cast_vote(session, ballot, actor=world.member, choice="yes")
    session.commit()
    assert title not in waiting(member) and title in waiting(other)
    assert "Needs you" in inbox_item(other, title)

    close_ballot(session, ballot, actor=world.secretariat)
    session.commit()
    assert title not in waiting(other)
    # What happened stays in the inbox, but it needs nobody any more.
    assert "Needs you" not in inbox_item(other, title)


def test_a_conflict_leaves_home_once_resolved(
    app: Any,
    world: SimpleNamespace,
    session: Session,
    conflict: Any,  # noqa: F811
) -> None:
    client = app.test_client()
    login(client, world.member)
    label = f"Amendment #{conflict.mine.number}: {conflict.mine.title} needs a rebase"
    assert label in waiting(client)
    clause_id = next(
        cid
        for cid, v in current_entries(session, conflict.charter)
        if v.text.startswith("Decisions")
    )
    resolve_amendment(
        session,
        conflict.mine,
        actor=world.member,
        changes=[
            {
                "kind": "replace",
                "clause_id": clause_id,
                "text": CLAUSE.replace("simple majority", "two-thirds majority"),
            }
        ],
    )
    session.commit()
    assert label not in waiting(client)
    notified = f"Amendment #{conflict.mine.number}: {conflict.mine.title} needs a rebase"
    assert "Needs you" not in inbox_item(client, notified)
