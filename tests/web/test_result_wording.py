"""What a results page says: options by their names (never the internal option keys), the quorum
as a rule, a number of votes and whether it was reached, and a ranked ballot of one amendment
refused with a message."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from charter_engine.voting.casting import cast_vote
from charter_engine.voting.closing import close_ballot
from charter_engine.voting.models import Ballot
from charter_engine.voting.operations import create_ballot, open_ballot
from tests.web.ballot_world import propose
from tests.web.support import app_engine, db_snapshot, post


def main_of(response: Any) -> str:
    page = str(response.get_data(as_text=True))
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def visible(html: str) -> str:
    """The text of a page as read, without tags or attributes (SVG text included)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_ranked_result_names_options_never_by_their_keys(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    ballot = world.vb_ranked
    keys = [o.key for o in ballot.options]
    winner = next(o for o in ballot.options if o.key != "keep")
    cast_vote(session, ballot, actor=world.member, ranking={winner.key: 1, "keep": 2})
    cast_vote(session, ballot, actor=world.other_member, ranking={winner.key: 1})
    close_ballot(session, ballot, actor=world.secretariat)
    session.commit()

    for path in (f"/ballots/{ballot.id}/results", f"/ballots/{ballot.id}"):
        text = visible(main_of(client_as("member").get(path)))
        for key in keys:
            assert not re.search(rf"(?<![\w#]){re.escape(key)}(?!\w)", text), (key, path)
        assert "'keep'" not in text
    results = visible(main_of(client_as("member").get(f"/ballots/{ballot.id}/results")))
    number = winner.label.split(":", 1)[0]  # "Amendment #N"
    assert f"{number}: Absolute majority wins the Schulze count" in results
    assert "does not defeat “Keep the current text”" in results
    # The pairwise chart letters its rows and columns, so no "#2" stands for a place.
    assert "A Amendment #" in results and "B " in results


def _closed_yes_no(
    session: Session, world: SimpleNamespace, key: str, quorum: Any, voters: list[Any]
) -> Ballot:
    text = f"A new text for the clause on {key}.\n\n"
    amendment = propose(session, world.vb_charter, world.member, key, text, f"New {key}")
    ballot = create_ballot(
        session,
        world.vb_charter,
        actor=world.secretariat,
        kind="amendment",
        amendments=[amendment.id],
        rules={"quorum": quorum},
    )
    open_ballot(session, ballot, actor=world.secretariat)
    for voter in voters:
        cast_vote(session, ballot, actor=voter, choice="yes")
    close_ballot(session, ballot, actor=world.secretariat)
    session.commit()
    return ballot


def _quorum_line(client: Any, ballot: Ballot) -> str:
    page = main_of(client.get(f"/ballots/{ballot.id}/results"))
    return visible(page.split("<dt>Quorum</dt>", 1)[1].split("</dd>", 1)[0]).strip()


def test_quorum_wording_on_results(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    member = client_as("member")
    both = [world.member, world.other_member]
    none = _closed_yes_no(session, world, "purpose", None, both)
    assert _quorum_line(member, none) == "None: every vote counts, however few."
    reached = _closed_yes_no(session, world, "votes", {"votes": 2}, both)
    assert _quorum_line(member, reached) == "2 votes: reached."
    missed = _closed_yes_no(session, world, "minutes", {"share": "3/4"}, [world.member])
    line = _quorum_line(member, missed)
    assert line.startswith("3/4 of the roll, that is ") and line.endswith("votes: not reached.")


def test_a_ranked_ballot_of_one_amendment_is_refused_with_a_message(
    world: SimpleNamespace, client_as: Any, app: Any
) -> None:
    before = db_snapshot(app_engine(app))
    response = post(
        client_as("secretariat"),
        f"/charters/{world.vb_charter.slug}/ballots/new",
        {
            "kind": "ranked",
            "amendments": [str(world.vb_amendments["meetings"].id)],
            "threshold": "simple",
            "secrecy": "named",
            "weighting": "member",
            "unranked": "below",
            "majority": "1:1",
        },
    )
    assert response.status_code == 400
    assert "A ranked ballot decides between two or more competing amendments" in main_of(response)
    assert db_snapshot(app_engine(app)) == before
