"""The voting pages: voting, changing a vote, receipts, proxies, refusals that change nothing,
results and roll calls by role, creating and running a ballot, and bounded query counts."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from charter_engine.accounts.operations import create_user
from charter_engine.amendments.models import Amendment
from charter_engine.db import utcnow
from charter_engine.voting.casting import cast_vote
from charter_engine.voting.closing import close_ballot
from charter_engine.voting.models import Ballot, Participation, Proxy, SecretBallot, Vote
from charter_engine.voting.operations import create_ballot, open_ballot
from charter_engine.voting.proxies import give_proxy
from tests.web.ballot_world import CLAUSES, DOCUMENT, propose
from tests.web.support import PASSWORD, app_engine, db_snapshot, login, post

RECEIPT = re.compile(r'<p class="receipt-code"><code>([A-Z0-9-]+)</code></p>')


def text_of(response: Any) -> str:
    return str(response.get_data(as_text=True))


def main_of(response: Any) -> str:
    page = text_of(response)
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def scalars(session: Session, stmt: Any) -> list[Any]:
    """Fresh rows, read in a transaction that ends at once: on SQLite the test's session must not
    hold the database while the app answers requests. (Committing keeps the other loaded objects
    as they are; a rollback would expire them and the next attribute read would start a new
    transaction.)"""
    found = list(session.execute(stmt.execution_options(populate_existing=True)).scalars())
    session.commit()
    return found


def fresh(session: Session, model: Any, key: Any) -> Any:
    (obj,) = scalars(session, select(model).where(model.id == key))
    return obj


def votes_of(session: Session, ballot_id: int) -> list[Vote]:
    return scalars(session, select(Vote).where(Vote.ballot_id == ballot_id))


# --------------------------------------------------------------------------------------------
# voting


def test_a_member_votes_sees_the_confirmation_once_and_changes_the_vote(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    member = client_as("member")
    page = main_of(member.get(f"/ballots/{world.vb_open.id}"))
    assert "Confirm members" in page and "confirmed by the secretariat" in page
    assert '<label for="me-choice-yes">Yes</label>' in page

    response = post(member, f"/ballots/{world.vb_open.id}/vote", {"choice": "yes"})
    # The answer to the vote is the confirmation itself, which the browser must not store.
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    confirmation = main_of(response)
    assert "The vote is recorded" in confirmation and "<strong>Yes</strong>" in confirmation
    assert "receipt" not in confirmation.lower()  # named ballots have none

    page = main_of(member.get(f"/ballots/{world.vb_open.id}"))
    assert "You voted <strong>Yes</strong>" in page
    assert 'id="me-choice-yes" name="choice" value="yes" checked' in page

    response = post(member, f"/ballots/{world.vb_open.id}/vote", {"choice": "no"})
    assert "The vote is changed" in main_of(response)
    (vote,) = votes_of(session, world.vb_open.id)
    assert (vote.voter_id, vote.choice, vote.change_count) == (world.member.id, "no", 1)


def test_a_ranked_vote_with_ties_and_unranked_options(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    member = client_as("member")
    page = main_of(member.get(f"/ballots/{world.vb_ranked.id}"))
    # Every option has a labelled rank select, "keep the current text" included.
    for key, label in (("A1", "Absolute majority"), ("A2", "Consensus"), ("keep", "Keep the")):
        assert f'<label for="me-rank-{key}">' in page and label in page
        assert f'<select id="me-rank-{key}" name="rank-{key}">' in page
    response = post(
        member,
        f"/ballots/{world.vb_ranked.id}/vote",
        {"rank-A1": "1", "rank-A2": "1", "rank-keep": ""},
    )
    assert response.status_code == 200
    confirmation = main_of(response)
    assert "1. Amendment #1: Absolute majority; 1. Amendment #2: Consensus" in confirmation
    (vote,) = votes_of(session, world.vb_ranked.id)
    assert vote.ranking == '{"A1":1,"A2":1}'
    page = main_of(member.get(f"/ballots/{world.vb_ranked.id}"))
    assert re.search(r'id="me-rank-A2" name="rank-A2">\s*<option value="">Not ranked', page)
    assert '<option value="1" selected>1 (first choice)</option>' in page


@pytest.mark.parametrize(
    ("ballot", "form", "message"),
    [
        ("vb_ranked", {"rank-A1": "", "rank-A2": "", "rank-keep": ""}, "Rank at least one option"),
        ("vb_ranked", {"rank-A1": "7", "rank-keep": "1"}, "Choose a rank from 1 to 3"),
        ("vb_ranked", {"rank-A1": "first"}, "Choose a rank from 1 to 3"),
        ("vb_ranked", {"rank-A1": "1", "rank-ZZ": "2"}, "not on this ballot"),
        ("vb_open", {"choice": "maybe"}, "Choose yes, no or abstain."),
        ("vb_open", {}, "Choose yes, no or abstain."),
        ("vb_open", {"choice": "yes", "on_behalf_of": "x"}, "not known"),
        ("vb_open", {"choice": "yes", "receipt": "ABCD-EFGH"}, "Receipts belong to secret"),
    ],
)
def test_malformed_votes_are_refused_next_to_the_field_and_change_nothing(
    world: SimpleNamespace,
    client_as: Any,
    app: Any,
    ballot: str,
    form: dict[str, str],
    message: str,
) -> None:
    member = client_as("member")
    before = db_snapshot(app_engine(app))
    response = post(member, f"/ballots/{getattr(world, ballot).id}/vote", form)
    assert response.status_code == 400
    page = main_of(response)
    assert message in page
    assert 'class="error' in page
    assert db_snapshot(app_engine(app)) == before


def test_a_vote_after_close_gets_a_clear_message_and_changes_nothing(
    world: SimpleNamespace, client_as: Any, app: Any, session: Session
) -> None:
    member = client_as("member")
    page = member.get(f"/ballots/{world.vb_open.id}")  # the form as the member saw it
    assert "Cast my vote" in text_of(page)
    close_ballot(session, fresh(session, Ballot, world.vb_open.id), actor=world.secretariat)
    session.commit()
    before = db_snapshot(app_engine(app))
    response = post(member, f"/ballots/{world.vb_open.id}/vote", {"choice": "yes"})
    assert response.status_code == 409
    page = main_of(response)
    assert "This ballot is closed; votes are no longer accepted." in page
    assert "Nothing was recorded." in page and "Cast my vote" not in page
    assert db_snapshot(app_engine(app)) == before


def test_a_vote_after_the_closing_time_closes_the_ballot_and_is_refused(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    member = client_as("member")
    # The closing time passes while nobody (not even the scheduler) looks at the ballot.
    session.execute(
        update(Ballot)
        .where(Ballot.id == world.vb_open.id)
        .values(closes_at=utcnow() - timedelta(minutes=1))
    )
    session.commit()
    response = post(member, f"/ballots/{world.vb_open.id}/vote", {"choice": "yes"})
    assert response.status_code == 409
    assert "votes are no longer accepted" in main_of(response)
    ballot = fresh(session, Ballot, world.vb_open.id)
    assert ballot.state == "closed" and votes_of(session, ballot.id) == []


def test_a_second_vote_is_refused_when_changes_are_not_allowed(
    world: SimpleNamespace, client_as: Any, app: Any, session: Session
) -> None:
    amendment = propose(
        session,
        world.vb_charter,
        world.member,
        "purpose",
        "The Core Group brings together innovators.\n\n",
        "Shorter purpose",
    )
    ballot = create_ballot(
        session,
        world.vb_charter,
        actor=world.secretariat,
        kind="amendment",
        amendments=[amendment.id],
        rules={"allow_change": False},
    )
    open_ballot(session, ballot, actor=world.secretariat)
    session.commit()
    member = client_as("member")
    assert post(member, f"/ballots/{ballot.id}/vote", {"choice": "no"}).status_code == 200
    page = main_of(member.get(f"/ballots/{ballot.id}"))
    assert "does not allow changing a vote" in page and "Change my vote" not in page
    before = db_snapshot(app_engine(app))
    response = post(member, f"/ballots/{ballot.id}/vote", {"choice": "yes"})
    assert response.status_code == 409
    assert "this ballot does not allow changing a vote" in main_of(response)
    assert db_snapshot(app_engine(app)) == before


def test_observers_cannot_vote_and_get_no_form(world: SimpleNamespace, client_as: Any) -> None:
    observer = client_as("observer")
    page = main_of(observer.get(f"/ballots/{world.vb_open.id}"))
    assert "Cast my vote" not in page and "not on the roll" in page
    assert post(observer, f"/ballots/{world.vb_open.id}/vote", {"choice": "yes"}).status_code == 403


# --------------------------------------------------------------------------------------------
# secret ballots and receipts


def test_a_secret_vote_gives_a_receipt_once_and_changing_it_needs_the_receipt(
    world: SimpleNamespace, client_as: Any, app: Any, session: Session
) -> None:
    secretariat = client_as("secretariat")
    url = f"/ballots/{world.vb_secret.id}"
    response = post(secretariat, url + "/vote", {"choice": "yes"})
    assert response.headers["Cache-Control"] == "no-store"
    confirmation = text_of(response)
    code = RECEIPT.search(confirmation)
    assert code, "the receipt code is shown"
    assert "shown only this once" in confirmation
    page = main_of(secretariat.get(url))
    assert code.group(1) not in page  # shown on the answer to the vote, and nowhere else
    assert "You have voted" in page and "Receipt code" in page  # to change it

    before = db_snapshot(app_engine(app))
    again = post(secretariat, url + "/vote", {"choice": "no"})
    assert again.status_code == 409 and "send the receipt" in main_of(again)
    wrong = post(secretariat, url + "/vote", {"choice": "no", "receipt": "AAAA-BBBB-CCCC-DDDD"})
    assert wrong.status_code == 400
    assert "not the receipt you were given" in main_of(wrong)
    assert 'id="me-receipt" name="receipt"' in main_of(wrong)
    assert db_snapshot(app_engine(app)) == before

    changed = post(secretariat, url + "/vote", {"choice": "no", "receipt": code.group(1)})
    assert "The vote is changed" in main_of(changed)
    choices = scalars(
        session, select(SecretBallot.choice).where(SecretBallot.ballot_id == world.vb_secret.id)
    )
    assert choices == ["no"]

    # Before the close, receipts cannot be checked; after it, the lookup finds the ballot.
    assert "published when the ballot closes" in main_of(client_as("member").get(url + "/receipts"))
    close_ballot(session, fresh(session, Ballot, world.vb_secret.id), actor=world.secretariat)
    session.commit()
    # The receipt is posted, never put in the address.
    assert 'method="post"' in main_of(secretariat.get(url + "/receipts"))
    checked = post(secretariat, url + "/receipts", {"code": code.group(1).lower()})
    assert checked.status_code == 200 and checked.headers["Cache-Control"] == "no-store"
    found = main_of(checked)
    assert "Your ballot is counted: <strong>No</strong>" in found and "(yours)" in found
    missing = post(secretariat, url + "/receipts", {"code": "AAAA-BBBB-CCCC-DDDD"})
    assert missing.status_code == 400 and "No counted ballot has this receipt." in main_of(missing)
    # A lookup in the address is not one: the page just lists the counted ballots.
    listed = main_of(secretariat.get(url + f"/receipts?code={code.group(1)}"))
    assert "(yours)" not in listed


def test_the_counted_ballots_of_a_closed_secret_ballot_name_nobody(
    world: SimpleNamespace, client_as: Any
) -> None:
    page = main_of(client_as("observer").get(f"/ballots/{world.vb_closed_secret.id}/receipts"))
    assert "1 counted ballot" in page and "<td>No</td>" in page
    assert "Mia Member" not in page
    roll = main_of(client_as("member").get(f"/ballots/{world.vb_closed_secret.id}/roll-call"))
    # One reason, not two that contradict each other, and the way to what is published.
    assert "A secret ballot has no roll call" in roll and "published when" not in roll
    assert f'href="/ballots/{world.vb_closed_secret.id}/receipts"' in roll


# --------------------------------------------------------------------------------------------
# proxies


def test_the_agent_casts_the_vote_of_their_principal(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    member = client_as("member")
    url = f"/ballots/{world.vb_secret.id}"
    page = main_of(member.get(url))
    assert "Votes you cast for others" in page and "For Omar Other" in page
    assert f'name="on_behalf_of" value="{world.other_member.id}"' in page
    other = client_as("other_member")
    other_page = main_of(other.get(url))
    assert "You gave your vote on this ballot to <strong>Mia Member</strong>" in other_page
    assert "Cast my vote" not in other_page

    response = post(
        member, url + "/vote", {"choice": "abstain", "on_behalf_of": world.other_member.id}
    )
    confirmation = main_of(response)
    assert "Your vote for <strong>Omar Other</strong>" in confirmation
    assert "Give it to Omar Other" in confirmation and RECEIPT.search(confirmation)
    (row,) = scalars(
        session, select(Participation).where(Participation.ballot_id == world.vb_secret.id)
    )
    assert (row.voter_id, row.cast_by_id) == (world.other_member.id, world.member.id)
    assert "Your vote was cast by your proxy." in main_of(other.get(url))

    # A proxy that was used cannot be revoked any more.
    revoke = post(other, f"/proxies/{world.vb_proxy.id}/revoke", {"back": "ballot"})
    assert revoke.status_code == 302 and revoke.location.endswith(url)
    assert "has already been cast by Mia Member" in text_of(other.get(url))
    assert fresh(session, Proxy, world.vb_proxy.id).revoked_at is None


def test_voting_for_someone_without_their_proxy_is_refused(
    world: SimpleNamespace, client_as: Any, app: Any
) -> None:
    before = db_snapshot(app_engine(app))
    response = post(
        client_as("member"),
        f"/ballots/{world.vb_open.id}/vote",
        {"choice": "yes", "on_behalf_of": world.secretariat.id},
    )
    assert response.status_code == 403
    assert "You hold no proxy from that member" in main_of(response)
    assert db_snapshot(app_engine(app)) == before


def test_a_standing_proxy_is_given_used_and_revoked(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    member = client_as("member")
    page = main_of(member.get("/proxies"))
    assert '<label for="agent_id">Give my vote on every ballot to</label>' in page
    response = post(member, "/proxies", {"agent_id": world.secretariat.id})
    assert response.status_code == 302
    page = text_of(member.get("/proxies"))
    assert "Sam Secretariat now votes for you on every ballot" in page
    assert "Every ballot" in page and "Revoke" in page

    ballot_page = main_of(member.get(f"/ballots/{world.vb_open.id}"))
    assert (
        "on every ballot, until you revoke it, to <strong>Sam Secretariat</strong>" in ballot_page
    )
    refused = post(member, f"/ballots/{world.vb_open.id}/vote", {"choice": "yes"})
    assert refused.status_code == 409 and "Revoke the proxy to vote yourself" in main_of(refused)
    secretariat_page = main_of(client_as("secretariat").get(f"/ballots/{world.vb_open.id}"))
    assert "For Mia Member" in secretariat_page
    held = main_of(client_as("secretariat").get("/proxies"))
    assert "Mia Member" in held.split("Proxies you hold", 1)[1]

    (proxy,) = scalars(
        session,
        select(Proxy).where(Proxy.principal_id == world.member.id, Proxy.ballot_id.is_(None)),
    )
    assert post(member, f"/proxies/{proxy.id}/revoke").status_code == 302
    assert "you vote yourself again" in text_of(member.get("/proxies"))
    assert post(member, f"/ballots/{world.vb_open.id}/vote", {"choice": "yes"}).status_code == 200


def test_giving_a_proxy_to_oneself_or_twice_is_refused_with_a_message(
    world: SimpleNamespace, client_as: Any, app: Any
) -> None:
    member = client_as("member")
    response = post(member, "/proxies", {"agent_id": world.member.id})
    assert response.status_code == 400  # not among the choices offered
    assert 'aria-invalid="true"' in main_of(response)
    ballot_url = f"/ballots/{world.vb_open.id}"
    given = post(member, "/proxies", {"agent_id": world.target.id, "ballot_id": world.vb_open.id})
    assert given.location.endswith(ballot_url)
    before = db_snapshot(app_engine(app))
    twice = post(
        member, "/proxies", {"agent_id": world.other_member.id, "ballot_id": world.vb_open.id}
    )
    assert twice.location.endswith(ballot_url)
    assert "You already gave your vote on this ballot to Tara Target" in text_of(
        member.get(ballot_url)
    )
    assert db_snapshot(app_engine(app)) == before


# --------------------------------------------------------------------------------------------
# results, roll call


def test_results_are_hidden_before_close_except_for_the_secretariat(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    cast_vote(session, world.vb_open.id, actor=world.member, choice="yes")
    session.commit()
    url = f"/ballots/{world.vb_open.id}/results"
    for role in ("member", "observer"):
        page = main_of(client_as(role).get(url))
        assert "Results are published when the ballot closes." in page
        assert "<svg" not in page
    running = main_of(client_as("secretariat").get(url))
    assert "Running count, visible to the secretariat only" in running and "<svg" in running
    secret = main_of(client_as("secretariat").get(f"/ballots/{world.vb_secret.id}/results"))
    assert "A secret ballot shows no running results" in secret
    roll = main_of(client_as("secretariat").get(f"/ballots/{world.vb_open.id}/roll-call"))
    assert "The roll call is published when the ballot closes." in roll


def test_results_of_a_closed_ballot_show_the_count_charts_turnout_and_quorum(
    world: SimpleNamespace, client_as: Any
) -> None:
    page = main_of(client_as("observer").get(f"/ballots/{world.vb_closed.id}/results"))
    assert "Rejected" in page
    assert re.search(r'<th scope="row">Yes</th><td class="num">1</td>', page)
    assert re.search(r'<th scope="row">No</th><td class="num">1</td>', page)
    assert "2 of 5 voters on the roll" in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2
    assert 'role="img"' in page and "Turnout and quorum" in page
    assert "Download the roll call (CSV)" in page


def test_the_roll_call_page_and_csv_of_a_named_ballot(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    page = main_of(client_as("observer").get(f"/ballots/{world.vb_closed.id}/roll-call"))
    assert re.search(r"Mia Member</th>\s*<td></td>\s*<td>Yes</td>", page)
    assert re.search(r"Omar Other</th>\s*<td></td>\s*<td>No</td>", page)
    assert "Did not vote" in page
    response = client_as("member").get(f"/ballots/{world.vb_closed.id}/roll-call.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text_of(response))))
    assert rows[0][:5] == ["name", "organisation", "weight", "voted", "vote"]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["Mia Member"][3:5] == ["yes", "Yes"]
    assert by_name["Sam Secretariat"][3:5] == ["no", ""]


def test_the_csv_does_not_let_a_name_become_a_spreadsheet_formula(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    create_user(session, email="f@example.org", name="=HYPERLINK(1)", role="member")
    amendment = propose(
        session,
        world.vb_charter,
        world.member,
        "purpose",
        "The Core Group brings together people.\n\n",
        "People",
    )
    ballot = create_ballot(
        session,
        world.vb_charter,
        actor=world.secretariat,
        kind="amendment",
        amendments=[amendment.id],
    )
    open_ballot(session, ballot, actor=world.secretariat)
    close_ballot(session, ballot, actor=world.secretariat)
    session.commit()
    text = text_of(client_as("member").get(f"/ballots/{ballot.id}/roll-call.csv"))
    assert "'=HYPERLINK(1)" in text and "\n=HYPERLINK" not in text


# --------------------------------------------------------------------------------------------
# the secretariat creates and runs ballots


def _rules(**changes: str) -> dict[str, str]:
    base = {
        "threshold": "simple",
        "quorum_kind": "",
        "secrecy": "named",
        "weighting": "member",
        "allow_change": "y",
        "unranked": "below",
        "majority": "1:1",
    }
    return {**base, **changes}


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"kind": "amendment"}, "amendments", "Name the amendments to vote on"),
        ({"kind": "ranked", "amendments": ["{members}", "{votes}"]}, "amendments", ""),
        (
            {"kind": "adoption", "quorum_kind": "share", "quorum_value": "lots"},
            "quorum_value",
            "1/3",
        ),
        (
            {"kind": "adoption", "quorum_kind": "votes", "quorum_value": "0"},
            "quorum_value",
            "whole",
        ),
        (
            {"kind": "adoption", "quorum_kind": "share", "quorum_value": "3/2"},
            "quorum_value",
            "exceed",
        ),
        (
            {"kind": "adoption", "opens_at": "2030-01-02T10:00", "closes_at": "2030-01-01T10:00"},
            "closes_at",
            "must come after the opening time",
        ),
        ({"kind": "adoption", "closes_at": "2001-01-01T10:00"}, "closes_at", "already past"),
        (
            {"kind": "adoption", "secrecy": "secret", "weighting": "organisation"},
            "weighting",
            "one vote per member",
        ),
        ({"kind": "ranked", "amendments": ["{members}"], "majority": "1:2"}, "majority", "ratio"),
        ({"kind": "ranked", "amendments": ["{members}"]}, "amendments", "two or more competing"),
    ],
)
def test_ballot_form_errors_are_shown_next_to_the_field_and_nothing_is_created(
    world: SimpleNamespace,
    client_as: Any,
    app: Any,
    form: dict[str, Any],
    field: str,
    message: str,
) -> None:
    ids = {
        "members": world.vb_amendments["meetings"].id,
        "votes": world.vb_amendments["members"].id,
    }
    body = _rules(**{k: v for k, v in form.items() if k != "amendments"})
    data: dict[str, Any] = dict(body)
    if "amendments" in form:
        data["amendments"] = [str(ids[a.strip("{}")]) for a in form["amendments"]]
    before = db_snapshot(app_engine(app))
    response = post(
        client_as("secretariat"), f"/charters/{world.vb_charter.slug}/ballots/new", data
    )
    assert response.status_code == 400
    page = main_of(response)
    assert f'id="{field}-error"' in page
    error = page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert db_snapshot(app_engine(app)) == before


def test_the_secretariat_creates_opens_and_closes_a_ranked_ballot_and_the_winner_merges(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    charter_ballots = f"/charters/{world.vb_charter.slug}/ballots"
    secretariat = client_as("secretariat")
    new = main_of(secretariat.get(charter_ballots + "/new"))
    assert "#5: More meetings" in new and 'name="kind"' in new
    extra = propose(
        session,
        world.vb_charter,
        world.other_member,
        "meetings",
        "The Core Group meets every month.\n\n",
        "Monthly meetings",
    )
    session.commit()
    response = post(
        secretariat,
        charter_ballots + "/new",
        {
            **_rules(majority="3:2", secrecy="named"),
            "kind": "ranked",
            "title": "How often we meet",
            "amendments": [str(world.vb_amendments["meetings"].id), str(extra.id)],
            "quorum_kind": "votes",
            "quorum_value": "1",
        },
    )
    assert response.status_code == 302
    ballot_url = response.location
    page = main_of(secretariat.get(ballot_url))
    assert "How often we meet" in page and "Upcoming" in page and "today's text" in page
    assert "Needs a 3:2 majority against keeping the current text." in page

    edit = main_of(secretariat.get(ballot_url + "/edit"))
    assert 'value="3:2"' in edit and 'value="1"' in edit
    assert "Open the ballot now" in main_of(secretariat.get(ballot_url + "/open"))
    assert post(secretariat, ballot_url + "/open").status_code == 302
    assert "the text is pinned" in text_of(secretariat.get(ballot_url))
    # Amendments under an open ballot are in voting.
    assert fresh(session, Amendment, extra.id).state == "voting"

    ranks = {"rank-A5": "2", f"rank-A{extra.number}": "1", "rank-keep": "3"}
    for role in ("member", "other_member"):
        assert post(client_as(role), ballot_url + "/vote", ranks).status_code == 200
    # Members only, by default: the secretariat runs the ballot and has no vote in it.
    assert post(secretariat, ballot_url + "/vote", ranks).status_code == 403
    close_page = main_of(secretariat.get(ballot_url + "/close"))
    assert "2 of 4 voters on the roll have voted" in close_page
    closed = post(secretariat, ballot_url + "/close")
    assert closed.location.endswith(ballot_url + "/results")
    results = main_of(secretariat.get(closed.location))
    assert "Adopted" in results and "Winner" in results
    assert "merged into the charter as revision 2" in results
    assert fresh(session, Amendment, extra.id).state == "merged"
    assert fresh(session, Amendment, world.vb_amendments["meetings"].id).state == "rejected"
    index = main_of(client_as("member").get(charter_ballots))
    closed_section = index.split('id="section-closed"', 1)[1]
    assert "How often we meet" in closed_section


def test_opening_an_adoption_ballot_while_others_are_open_is_refused_with_a_message(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    ballot = create_ballot(session, world.vb_charter, actor=world.secretariat, kind="adoption")
    session.commit()
    secretariat = client_as("secretariat")
    response = post(secretariat, f"/ballots/{ballot.id}/open")
    assert response.status_code == 302
    assert "Other ballots on this charter are open" in text_of(secretariat.get(response.location))
    assert fresh(session, Ballot, ballot.id).state == "draft"


def test_the_rules_of_an_open_ballot_cannot_be_edited(
    world: SimpleNamespace, client_as: Any
) -> None:
    secretariat = client_as("secretariat")
    response = secretariat.get(f"/ballots/{world.vb_open.id}/edit")
    assert response.status_code == 302
    assert "frozen once it opens" in text_of(secretariat.get(response.location))


def test_the_overview_lists_ballots_by_state_with_my_status(
    world: SimpleNamespace, client_as: Any
) -> None:
    page = main_of(client_as("member").get("/ballots/"))
    open_part = page.split('id="section-open"', 1)[1].split('id="section-draft"', 1)[0]
    assert "Confirm members" in open_part and "Two languages" in open_part
    assert "More meetings" in page.split('id="section-draft"', 1)[1].split('id="section-closed"')[0]
    closed_part = page.split('id="section-closed"', 1)[1]
    assert "One member, one vote" in closed_part and "Rejected" in closed_part
    assert "You have voted" not in open_part


# --------------------------------------------------------------------------------------------
# query counts


def _voting_setup(session: Session, world: SimpleNamespace, scale: int) -> dict[str, str]:
    """A charter of its own with a ranked ballot on ``2 * scale`` amendments, ``3 * scale`` voters
    who voted, and the member holding ``scale`` proxies."""
    from charter_engine.charters.operations import import_charter

    charter = import_charter(
        session, title=f"Scale {scale}", text=DOCUMENT, actor=world.secretariat
    )
    voters = [
        create_user(
            session,
            email=f"voter{scale}-{i}@example.org",
            name=f"Voter {i}",
            role="member",
            password=PASSWORD,
            organisation=f"Org {i % 4}",
        )
        for i in range(3 * scale)
    ]
    amendments = [
        propose(
            session,
            charter,
            voters[i % len(voters)],
            "purpose",
            CLAUSES["purpose"].replace("many", f"{i + 2} or more"),
            f"Purpose variant {i}",
        )
        for i in range(2 * scale)
    ]
    ranked = create_ballot(
        session,
        charter,
        actor=world.secretariat,
        kind="ranked",
        amendments=[a.id for a in amendments],
    )
    for principal in voters[:scale]:
        give_proxy(session, actor=principal, agent_id=world.member.id, ballot_id=None)
    open_ballot(session, ranked, actor=world.secretariat)
    keys = [o.key for o in ranked.options]
    for i, voter in enumerate(voters[scale:]):
        cast_vote(session, ranked, actor=voter, ranking={keys[i % len(keys)]: 1, "keep": 2})
    cast_vote(session, ranked, actor=world.member, ranking={keys[0]: 1})
    session.commit()
    return {"ranked": str(ranked.id), "slug": charter.slug}


@pytest.mark.parametrize(
    "path",
    [
        "/ballots/{ranked}",
        "/ballots/{ranked}/results",
        "/ballots/",
        "/charters/{slug}/ballots",
        "/proxies",
    ],
)
def test_voting_pages_run_a_bounded_number_of_queries(
    path: str, world: SimpleNamespace, app: Any, session: Session, query_counter: Any
) -> None:
    counts = []
    for scale in (1, 10):
        ids = _voting_setup(session, world, scale)
        viewer = app.test_client()
        login(viewer, world.secretariat if "results" in path else world.member)
        url = path.format(**ids)
        viewer.get(url)  # warm up (settling, first-request work)
        with query_counter() as queries:
            response = viewer.get(url)
        assert response.status_code == 200, url
        counts.append(queries.count)
    assert counts[1] <= counts[0], f"{path}: {counts[0]} queries at 1×, {counts[1]} at 10×"


def test_closed_ballot_pages_run_a_bounded_number_of_queries(
    world: SimpleNamespace, app: Any, session: Session, query_counter: Any
) -> None:
    from charter_engine.charters.operations import import_charter

    counts = []
    for scale in (1, 10):
        voters = [
            create_user(
                session,
                email=f"closed{scale}-{i}@example.org",
                name=f"Closer {i}",
                role="member",
                password=PASSWORD,
            )
            for i in range(3 * scale)
        ]
        charter = import_charter(
            session, title=f"Closed at scale {scale}", text=DOCUMENT, actor=world.secretariat
        )
        amendment = propose(
            session,
            charter,
            world.member,
            "purpose",
            CLAUSES["purpose"].replace("many", f"{scale} or more"),
            f"Purpose at scale {scale}",
        )
        ballot = create_ballot(
            session,
            charter,
            actor=world.secretariat,
            kind="amendment",
            amendments=[amendment.id],
        )
        open_ballot(session, ballot, actor=world.secretariat)
        for i, voter in enumerate(voters):
            cast_vote(session, ballot, actor=voter, choice=("yes", "no", "abstain")[i % 3])
        close_ballot(session, ballot, actor=world.secretariat)
        session.commit()
        viewer = app.test_client()
        login(viewer, world.member)
        total = 0
        for url in (
            f"/ballots/{ballot.id}",
            f"/ballots/{ballot.id}/results",
            f"/ballots/{ballot.id}/roll-call",
            f"/ballots/{ballot.id}/roll-call.csv",
        ):
            with query_counter() as queries:
                assert viewer.get(url).status_code == 200
            total += queries.count
        counts.append(total)
    assert counts[1] <= counts[0], counts


def test_the_demo_has_a_closed_and_an_open_ballot(app: Any, session: Session) -> None:
    from charter_engine.demo import DEMO_PASSWORD, load_demo

    lines = load_demo(session)
    session.commit()
    assert any(line.startswith("closed ballot") and "(adopted)" in line for line in lines)
    (ranked,) = [line for line in lines if line.startswith("open ranked ballot")]
    url = ranked.split(" at ", 1)[1]
    client = app.test_client()
    login(client, "kenji@demo.example", DEMO_PASSWORD)
    page = main_of(client.get(url))
    assert "Keep the current text" in page and "Cast my vote" in page
    # The five demo members; the secretariat is not on a members-only roll.
    assert "1 of 5 voters have voted" in page
    closed = main_of(client.get("/ballots/"))
    assert "Adopted" in closed.split('id="section-closed"', 1)[1]


def test_the_secretariat_deletes_a_draft_ballot_after_confirming(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    ballot = create_ballot(
        session, world.vb_charter, actor=world.secretariat, kind="adoption", title="Made by mistake"
    )
    session.commit()
    secretariat = client_as("secretariat")
    page = main_of(secretariat.get(f"/ballots/{ballot.id}"))
    assert f"/ballots/{ballot.id}/delete" in page
    assert f"/ballots/{ballot.id}/delete" not in main_of(
        client_as("member").get(f"/ballots/{ballot.id}")
    )
    confirm = main_of(secretariat.get(f"/ballots/{ballot.id}/delete"))
    assert "nobody has voted" in confirm and "Delete the draft ballot" in confirm
    response = post(secretariat, f"/ballots/{ballot.id}/delete")
    assert response.status_code == 302
    assert response.location.endswith(f"/charters/{world.vb_charter.slug}/ballots")
    assert "“Made by mistake” was deleted" in text_of(secretariat.get(response.location))
    assert secretariat.get(f"/ballots/{ballot.id}").status_code == 404
    session.expunge_all()
    assert session.get(Ballot, ballot.id) is None
    session.rollback()


def test_an_open_ballot_offers_no_delete_and_refuses_one(
    world: SimpleNamespace, client_as: Any, session: Session
) -> None:
    secretariat = client_as("secretariat")
    assert "/delete" not in main_of(secretariat.get(f"/ballots/{world.vb_open.id}"))
    response = post(secretariat, f"/ballots/{world.vb_open.id}/delete")
    assert response.status_code == 302
    assert "it cannot be deleted now" in text_of(secretariat.get(response.location))
    assert fresh(session, Ballot, world.vb_open.id).state == "open"
