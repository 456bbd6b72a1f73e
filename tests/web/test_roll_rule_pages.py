"""Roll rules in the browser UI: chosen on the ballot form, shown on the ballot page, and only
the people the rule puts on the roll are offered a vote or a proxy."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.voting.models import Ballot, RollEntry
from tests.web.ballot_world import propose
from tests.web.support import app_engine, db_snapshot, post


def main_of(response: Any) -> str:
    page = str(response.get_data(as_text=True))
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def _form(**changes: Any) -> dict[str, Any]:
    base = {
        "kind": "adoption",
        "threshold": "simple",
        "quorum_kind": "",
        "secrecy": "named",
        "weighting": "member",
        "allow_change": "y",
        "unranked": "below",
        "majority": "1:1",
    }
    return {**base, **changes}


def _roll(session: Session, ballot_id: int) -> set[int]:
    found = set(
        session.execute(select(RollEntry.user_id).where(RollEntry.ballot_id == ballot_id)).scalars()
    )
    session.commit()
    return found


def test_members_only_by_default_shown_and_the_secretariat_offered_no_vote(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    secretariat = client_as("secretariat")
    new = main_of(secretariat.get(f"/charters/{world.vb_charter.slug}/ballots/new"))
    assert re.search(r'<input checked id="roll-0" name="roll" type="radio" value="members">', new)
    amendment = str(world.vb_amendments["meetings"].id)
    response = post(
        secretariat,
        f"/charters/{world.vb_charter.slug}/ballots/new",
        _form(kind="amendment", amendments=[amendment]),
    )
    assert response.status_code == 302
    url = response.location
    draft = main_of(secretariat.get(url))
    assert "Members only (the secretariat does not vote) (fixed when the ballot opens)" in draft
    # Not on the roll this rule makes: no "Your vote", no proxy to give.
    assert "Your vote" not in draft and "Give my vote" not in draft
    member_view = main_of(client_as("member").get(url))
    assert "Give my vote" in member_view

    assert post(secretariat, url + "/open").status_code == 302
    ballot_id = int(url.rstrip("/").rsplit("/", 1)[1])
    assert world.secretariat.id not in _roll(session, ballot_id)
    assert world.member.id in _roll(session, ballot_id)
    opened = main_of(secretariat.get(url))
    assert "You are not on the roll of this ballot" in opened
    assert "How do you vote?" not in opened


def test_a_chosen_roll_through_the_form(
    world: SimpleNamespace, client_as: Any, session: Session, app: Any
) -> None:
    secretariat = client_as("secretariat")
    path = f"/charters/{world.vb_charter.slug}/ballots/new"
    before = db_snapshot(app_engine(app))
    empty = post(secretariat, path, _form(roll="chosen"))
    assert empty.status_code == 400
    error = main_of(empty).split('id="roll_members-error">', 1)[1].split("</p>", 1)[0]
    assert "Name the people on a chosen roll" in error
    observer = post(secretariat, path, _form(roll="chosen", roll_members=[str(world.observer.id)]))
    assert observer.status_code == 400 and "cannot vote" in main_of(observer)
    assert db_snapshot(app_engine(app)) == before

    chosen = [str(world.member.id), str(world.secretariat.id)]
    amendment = propose(
        session, world.vb_charter, world.member, "votes", "Each member votes.\n\n", "Votes"
    )
    session.commit()
    response = post(
        secretariat,
        path,
        _form(
            kind="amendment",
            amendments=[str(amendment.id)],
            roll="chosen",
            roll_members=chosen,
        ),
    )
    assert response.status_code == 302
    url = response.location
    page = main_of(secretariat.get(url))
    assert "A chosen list of 2 people: Mia Member, Sam Secretariat" in page
    edit = main_of(secretariat.get(url + "/edit"))
    assert re.search(rf'<input checked[^>]*name="roll_members"[^>]*value="{world.member.id}"', edit)
    assert not re.search(
        rf'<input checked[^>]*name="roll_members"[^>]*value="{world.other_member.id}"', edit
    )
    other = main_of(client_as("other_member").get(url))
    assert "Give my vote" not in other  # not chosen

    assert post(secretariat, url + "/open").status_code == 302
    ballot_id = int(url.rstrip("/").rsplit("/", 1)[1])
    assert _roll(session, ballot_id) == {world.member.id, world.secretariat.id}
    assert "How do you vote?" in main_of(secretariat.get(url))
    refused = post(client_as("other_member"), url + "/vote", {"choice": "yes"})
    assert refused.status_code == 403
    (ballot,) = session.execute(select(Ballot).where(Ballot.id == ballot_id)).scalars()
    assert ballot.roll_rule == "chosen"
    session.commit()
