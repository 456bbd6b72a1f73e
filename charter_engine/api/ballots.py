"""Ballot endpoints of the JSON API: create, list, read, edit and delete a draft, open and close a
ballot; and their OpenAPI paths. Votes, results and roll calls are in :mod:`.votes`, proxies in
:mod:`.proxies`.

Reading or voting on a ballot whose opening or closing time has passed first opens or closes it in
its own write transaction, so nobody depends on the scheduler having run: a late vote is refused
and a late reader sees the result.
"""

from __future__ import annotations

from typing import Any, Literal

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue
from pydantic import Field

from charter_engine.api.core import actor, api_bp, commit, created, iso_time
from charter_engine.api.spec import (
    ID,
    Answer,
    Body,
    IdValue,
    Number,
    Paged,
    PageQuery,
    PlainText,
    Title,
    endpoints_tagged,
    request_body,
    request_query,
)
from charter_engine.charters.queries import get_charter
from charter_engine.context import db
from charter_engine.db import utcnow
from charter_engine.voting import closing, views
from charter_engine.voting import operations as ops
from charter_engine.voting import queries as q
from charter_engine.voting.models import Ballot
from charter_engine.voting.rules import MAX_CHOSEN, ratio_text

# --------------------------------------------------------------------------------------------
# what the endpoints take and give

Share = int | float | PlainText
DateTime = PlainText  # ISO 8601 with a time zone; "format": "date-time" below
_DATE_TIME: Any = {"format": "date-time"}


class QuorumShare(Body):
    share: Share = Field(description='Share of the roll: "1/3", 0.25 or "25%"')


class QuorumVotes(Body):
    votes: IdValue


class RuleFields(Body):
    """The rules a ballot is created with; fixed once it opens."""

    NULLABLE = frozenset({"quorum", "opens_at", "closes_at"})

    threshold: Literal["simple", "two_thirds", "three_quarters", "consensus"] | None = None
    abstentions_count: bool | None = None
    quorum: QuorumShare | QuorumVotes | None = Field(None, description="null: no quorum")
    opens_at: DateTime | None = Field(None, json_schema_extra=_DATE_TIME)
    closes_at: DateTime | None = Field(None, json_schema_extra=_DATE_TIME)
    allow_change: bool | None = None
    secrecy: Literal["named", "secret"] | None = None
    weighting: Literal["member", "organisation"] | None = Field(
        None,
        description="organisation: each organisation weighs 1, split equally among its eligible "
        "members. Secret ballots use member.",
    )
    unranked: Literal["below", "ignore"] | None = None
    # Who is on the roll, frozen when the ballot opens (parsed in voting.rules.parse_rules).
    roll: Literal["members", "members_and_secretariat", "chosen"] | None = Field(
        None,
        description="members (the default): active members only, the secretariat does not vote; "
        "members_and_secretariat; chosen: the people named in roll_members.",
    )
    roll_members: list[IdValue] | None = Field(
        None,
        max_length=MAX_CHOSEN,
        json_schema_extra={"uniqueItems": True},
        description='With roll "chosen" (and only then, at least one): the ids of the voters, '
        "each an active member or secretariat.",
    )
    majority: Share | None = Field(
        None, description='Ranked ballots: ratio every option needs against "keep", e.g. "3:1"'
    )
    majorities: dict[PlainText, Share] | None = Field(
        None, description="Ranked ballots: ratio per amendment id"
    )


class BallotCreate(RuleFields):
    kind: Literal["amendment", "ranked", "adoption"]
    amendments: list[IdValue] | None = None
    title: Title | None = None


class BallotUpdate(RuleFields):
    title: Title | None = None
    version: Number | None = Field(None, description="The ballot version you saw; else 409")


class BallotDelete(Body):
    version: Number | None = Field(None, description="The ballot version you saw; else 409")


class RulesOut(Answer):
    threshold: str
    abstentions_count: bool
    quorum: dict[str, str | int] | None
    opens_at: str | None
    closes_at: str | None
    allow_change: bool
    secrecy: Literal["named", "secret"]
    weighting: Literal["member", "organisation"]
    unranked: Literal["below", "ignore"]
    roll: Literal["members", "members_and_secretariat", "chosen"]
    roll_members: list[int]


class OptionChange(Answer):
    kind: str
    clause_id: int | None
    after_clause_id: int | None
    text: str | None


class BallotOption(Answer):
    key: str
    label: str
    default: bool
    amendment_id: int | None
    amendment_number: int | None
    amendment_state: str | None
    fingerprint: str | None
    majority: str | None
    changes: list[OptionChange]


class BallotSummary(Answer):
    id: int
    kind: Literal["amendment", "ranked", "adoption"]
    title: str
    state: Literal["draft", "open", "closed"]
    accepting_votes: bool
    rules: RulesOut
    revision: int | None
    text_sha256: str | None
    roll_count: int | None
    outcome: Literal["adopted", "rejected", "kept", "tie", "void"] | None
    created_at: str | None
    opened_at: str | None
    closed_at: str | None
    version: int
    url: str
    options: list[str] = Field(description="The options' keys")


class BallotDetail(BallotSummary):
    charter: str
    votes_cast: int
    options: list[BallotOption]  # type: ignore[assignment]


class BallotList(Paged):
    ballots: list[BallotSummary]


# --------------------------------------------------------------------------------------------
# helpers


def settled_ballot(ballot_id: int) -> Ballot:
    """The ballot, opened or closed first if its schedule says so (see the module docstring)."""
    return closing.settled_ballot(db(), ballot_id)


def ballot_json(ballot: Ballot, *, full: bool = False) -> dict[str, Any]:
    session = db()
    rules = q.rules_of(ballot)
    body: dict[str, Any] = {
        "id": ballot.id,
        "kind": ballot.kind,
        "title": ballot.title,
        "state": ballot.state,
        "accepting_votes": q.accepting_votes(ballot, utcnow()),
        "rules": ops.rules_payload(rules),
        "revision": ballot.revision_number,
        "text_sha256": ballot.text_sha256,
        "roll_count": ballot.roll_count,
        "outcome": ballot.outcome,
        "created_at": iso_time(ballot.created_at),
        "opened_at": iso_time(ballot.opened_at),
        "closed_at": iso_time(ballot.closed_at),
        "version": ballot.version,
        "url": url_for("api.get_ballot", ballot_id=ballot.id),
    }
    if full:
        detail = views.ballot_detail(session, ballot)
        body["charter"] = detail.charter_slug
        body["votes_cast"] = detail.votes_cast
        body["options"] = [
            {
                "key": o.key,
                "label": o.label,
                "default": o.is_default,
                "amendment_id": o.amendment_id,
                "amendment_number": o.amendment_number,
                "amendment_state": o.amendment_state,
                "fingerprint": o.fingerprint,
                "majority": ratio_text(o.majority) if ballot.kind == "ranked" else None,
                "changes": [
                    {
                        "kind": c.kind,
                        "clause_id": c.clause_id,
                        "after_clause_id": c.after_clause_id,
                        "text": c.text,
                    }
                    for c in o.changes
                ],
            }
            for o in detail.options
        ]
    else:
        body["options"] = [o.key for o in ballot.options]
    return body


# --------------------------------------------------------------------------------------------
# ballots


endpoint = endpoints_tagged("ballots")


@api_bp.post("/charters/<slug>/ballots")
@endpoint(
    operation_id="createBallot", body=BallotCreate, ok={201: BallotDetail}, errors=(403, 404, 409)
)
def create_ballot(slug: str) -> ResponseReturnValue:
    """Create a draft ballot with its rules (secretariat)"""
    data = request_body(BallotCreate)
    session = db()
    charter = get_charter(session, slug)
    ballot = ops.create_ballot(
        session,
        charter,
        actor=actor(),
        kind=data.kind,
        amendments=data.amendments,
        title=data.title,
        rules=data.model_dump(exclude_unset=True, exclude={"kind", "amendments", "title"}),
    )
    commit()
    return created(ballot_json(ballot, full=True), url_for("api.get_ballot", ballot_id=ballot.id))


@api_bp.get("/charters/<slug>/ballots")
@endpoint(operation_id="listBallots", query=PageQuery, ok={200: BallotList}, errors=(404,))
def list_ballots(slug: str) -> ResponseReturnValue:
    """The charter's ballots, newest first"""
    session = db()
    charter = get_charter(session, slug)
    page = request_query(PageQuery)
    ballots = q.list_ballots(session, charter, limit=page.limit, offset=page.offset)
    due = [b.id for b in ballots if closing.ballot_due(b, utcnow())]
    if due:  # read again what opening or closing them changed
        for ballot_id in due:
            settled_ballot(ballot_id)
        ballots = q.list_ballots(session, charter, limit=page.limit, offset=page.offset)
    rows, next_page = page.cut(ballots)
    return jsonify(ballots=[ballot_json(b) for b in rows], next=next_page)


@api_bp.get(f"/ballots/<{ID}:ballot_id>")
@endpoint(operation_id="getBallot", ok={200: BallotDetail}, errors=(404,))
def get_ballot(ballot_id: int) -> ResponseReturnValue:
    """A ballot with its rules, options and the text they pin"""
    return jsonify(ballot_json(settled_ballot(ballot_id), full=True))


@api_bp.patch(f"/ballots/<{ID}:ballot_id>")
@endpoint(
    operation_id="updateBallot", body=BallotUpdate, ok={200: BallotDetail}, errors=(403, 404, 409)
)
def update_ballot(ballot_id: int) -> ResponseReturnValue:
    """Change the title or rules of a draft ballot (frozen once open)"""
    data = request_body(BallotUpdate)
    session = db()
    ballot = q.get_ballot(session, ballot_id)
    ballot = ops.update_ballot(
        session,
        ballot,
        actor=actor(),
        data=data.model_dump(exclude_unset=True, exclude={"version"}),
        expected_version=data.version,
    )
    commit()
    return jsonify(ballot_json(ballot, full=True))


@api_bp.delete(f"/ballots/<{ID}:ballot_id>")
@endpoint(
    operation_id="deleteBallot",
    body=BallotDelete,
    body_optional=True,
    ok={204: None},
    errors=(403, 404, 409),
)
def delete_ballot(ballot_id: int) -> ResponseReturnValue:
    """Delete a draft ballot, with its options and the proxies given for it

    Secretariat; refused once it has opened.
    """
    data = request_body(BallotDelete)
    session = db()
    ops.delete_ballot(
        session, q.get_ballot(session, ballot_id), actor=actor(), expected_version=data.version
    )
    commit()
    return "", 204


@api_bp.post(f"/ballots/<{ID}:ballot_id>/open")
@endpoint(operation_id="openBallot", ok={200: BallotDetail}, errors=(403, 404, 409))
def open_ballot(ballot_id: int) -> ResponseReturnValue:
    """Open: pin the text, freeze the roll (secretariat)"""
    session = db()
    ballot = ops.open_ballot(session, q.get_ballot(session, ballot_id), actor=actor())
    commit()
    return jsonify(ballot_json(ballot, full=True))


@api_bp.post(f"/ballots/<{ID}:ballot_id>/close")
@endpoint(operation_id="closeBallot", ok={200: BallotDetail}, errors=(403, 404, 409))
def close_ballot(ballot_id: int) -> ResponseReturnValue:
    """Close, count and carry out the decision (secretariat)"""
    session = db()
    ballot = closing.close_ballot(session, q.get_ballot(session, ballot_id), actor=actor())
    commit()
    return jsonify(ballot_json(ballot, full=True))
