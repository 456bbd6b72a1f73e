"""An adopted amendment whose automatic merge fails when its ballot closes stays adopted, with
the reason in the ballot's result, and waits on the secretariat's desk, which merges it once the
reason is gone; and an adopted charter records when it was adopted."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.charters.models import Charter
from tests.web.ballot_world import DOCUMENT, clause_ids, propose
from tests.web.support import PASSWORD, login, post


@pytest.fixture
def voted(app: Any, session: Session) -> SimpleNamespace:
    """An amendment under an open ballot."""
    from charter_engine.accounts.operations import create_user
    from charter_engine.charters.operations import import_charter
    from charter_engine.voting.operations import create_ballot, open_ballot

    def user(role: str, email: str) -> Any:
        return create_user(session, email=email, name=email, role=role, password=PASSWORD)

    sec = user("secretariat", "sec@example.org")
    member, other = user("member", "m@example.org"), user("member", "o@example.org")
    charter = import_charter(session, title="Voted", text=DOCUMENT, actor=sec)
    session.flush()
    amendment = propose(session, charter, member, "votes", "Each member has one vote.\n\n", "One")
    ballot = create_ballot(session, charter, actor=sec, kind="amendment", amendments=[amendment.id])
    open_ballot(session, ballot, actor=sec)
    session.commit()
    return SimpleNamespace(
        sec=sec, member=member, other=other, charter=charter, amendment=amendment, ballot=ballot
    )


def _change_the_text_under_the_vote(session: Session, voted: SimpleNamespace) -> None:
    """A revision written without the workflow's guard (as a script or an older process could),
    changing the clause the amendment was written against while its ballot is open."""
    from charter_engine.charters.operations import Entry, create_revision
    from charter_engine.charters.queries import current_entries, get_charter_for_update

    charter = get_charter_for_update(session, voted.charter.id)
    target = clause_ids(session, charter)["votes"]
    entries = [
        Entry(cid, text="Each organisation has two votes.\n\n", previous_version_id=version.id)
        if cid == target
        else Entry(cid, version_id=version.id)
        for cid, version in current_entries(session, charter)
    ]
    create_revision(session, charter, entries, cause="editorial", actor=voted.sec, note="x")


def test_a_merge_that_fails_at_closing_waits_on_the_desk_for_the_secretariat(
    voted: SimpleNamespace, session: Session, app: Any
) -> None:
    from charter_engine.amendments.queries import get_amendment
    from charter_engine.voting.casting import cast_vote
    from charter_engine.voting.closing import close_ballot

    cast_vote(session, voted.ballot, actor=voted.member, choice="yes")
    cast_vote(session, voted.ballot, actor=voted.other, choice="yes")
    _change_the_text_under_the_vote(session, voted)
    closed = close_ballot(session, voted.ballot, actor=voted.sec)
    session.commit()

    result = json.loads(closed.result)
    assert closed.outcome == "adopted"
    assert "text that has changed since" in result["merge_error"]
    assert "could not be merged automatically" in result["reason"]
    amendment = get_amendment(session, voted.amendment.id)
    assert amendment.state == "adopted" and amendment.merged_revision_id is None
    charter = session.get(Charter, voted.charter.id)
    assert charter is not None and charter.head_revision_number == 2  # no merge happened
    slug, number = charter.slug, amendment.number
    session.commit()

    client = app.test_client()
    login(client, voted.sec)
    desk = client.get(f"/desk/?charter={slug}").get_data(as_text=True)
    assert "not merged yet" in desk
    merge_url = f"/charters/{slug}/amendments/{number}/merge"
    assert f'href="{merge_url}"' in desk
    page = client.get(merge_url).get_data(as_text=True)
    assert "adopted by ballot" in page and "text that has changed since" in page
    # Merging is refused while the reason holds, says why, and changes nothing.
    refused = post(client, merge_url)
    assert refused.status_code == 302
    assert "must be rebased" in client.get(refused.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert get_amendment(session, amendment.id).state == "adopted"
    assert session.get(Charter, charter.id).head_revision_number == 2  # type: ignore[union-attr]
    session.commit()
    # The way out: the secretariat sets it aside as superseded (it may be proposed again).
    amendment_page = client.get(f"/charters/{slug}/amendments/{number}").get_data(as_text=True)
    assert "Mark as superseded" in amendment_page
    done = post(client, f"/charters/{slug}/amendments/{number}/act/supersede", {"confirmed": "yes"})
    assert done.status_code == 302
    session.expire_all()
    assert get_amendment(session, amendment.id).state == "superseded"
    session.commit()
    assert "not merged yet" not in client.get(f"/desk/?charter={slug}").get_data(as_text=True)


def test_an_adopted_amendment_whose_merge_succeeds_is_merged_at_closing(
    voted: SimpleNamespace, session: Session
) -> None:
    from charter_engine.amendments.queries import get_amendment
    from charter_engine.voting.casting import cast_vote
    from charter_engine.voting.closing import close_ballot

    cast_vote(session, voted.ballot, actor=voted.member, choice="yes")
    closed = close_ballot(session, voted.ballot, actor=voted.sec)
    session.commit()
    assert json.loads(closed.result)["merged_revision"] == 2
    assert "merge_error" not in json.loads(closed.result)
    assert get_amendment(session, voted.amendment.id).state == "merged"


def test_an_adopted_charter_records_when_it_was_adopted(
    voted: SimpleNamespace, session: Session
) -> None:
    from datetime import timedelta

    from charter_engine.db import utcnow
    from charter_engine.voting.casting import cast_vote
    from charter_engine.voting.closing import close_ballot
    from charter_engine.voting.operations import create_ballot, open_ballot

    close_ballot(session, voted.ballot, actor=voted.sec)
    adoption = create_ballot(session, voted.charter, actor=voted.sec, kind="adoption")
    open_ballot(session, adoption, actor=voted.sec)
    cast_vote(session, adoption, actor=voted.member, choice="yes")
    when = utcnow() + timedelta(minutes=5)
    close_ballot(session, adoption, actor=voted.sec, now=when)
    session.commit()
    charter = session.get(Charter, voted.charter.id)
    assert charter is not None
    assert (charter.status, charter.adopted_revision_number) == ("adopted", 1)
    assert charter.adopted_at == when
