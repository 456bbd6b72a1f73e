"""Provenance endpoints: the changelog between two revisions, and where a clause's text comes
from (the revisions that shaped it and its passages, each with the revision that introduced it).

Both answer in the JSON form of :mod:`charter_engine.publication.provenance` (``to_json()``), the
form the JSON export carries too.
"""

from __future__ import annotations

from typing import Any, Literal

from flask import jsonify
from flask.typing import ResponseReturnValue
from pydantic import Field

from charter_engine.api.charters import CompareQuery, RevisionQuery, charter_or_404
from charter_engine.api.core import api_bp
from charter_engine.api.spec import ID, Answer, endpoints_tagged, request_query
from charter_engine.context import db
from charter_engine.publication.provenance import changelog, clause_provenance

# ---------------------------------------------------------------------------------------------
# what the endpoints give


class BallotOrigin(Answer):
    """The last closed ballot on the amendment, and its count."""

    id: int
    title: str
    kind: Literal["amendment", "ranked"]
    closed_at: str | None
    outcome: str | None = Field(description="adopted, rejected, kept, tie or void")
    voters: int | None
    tally: dict[str, Any] = Field(
        description="Yes/no ballots: yes, no, abstain; ranked ballots: winner, and the votes "
        "for and against keeping the text. Counts are integers, or fractions written 'p/q' "
        "when organisation weighting splits votes"
    )
    summary: str = Field(description="The count in one line, as the pages show it")


class AmendmentOrigin(Answer):
    id: int
    number: int
    title: str
    rationale: str
    author: str
    cosponsors: list[str]
    editorial: bool = Field(description="Merged without a vote")
    ballot: BallotOrigin | None


class Origin(Answer):
    """What made a revision: the import, a merged amendment or an editorial change."""

    revision: int
    cause: Literal["import", "amendment", "editorial"]
    editorial: bool = Field(
        description="An editorial change, or an amendment merged without a vote"
    )
    created_at: str | None
    actor: str | None = Field(description="Who imported, merged or made the change")
    note: str | None
    label: str = Field(description="Such as 'Amendment #4: Clearer quorum' or 'Editorial change'")
    amendment: AmendmentOrigin | None


class Changelog(Answer):
    slug: str
    from_: int = Field(alias="from")
    to: int
    revisions: list[Origin] = Field(
        description="Every revision after 'from' up to 'to', oldest first"
    )


class Passage(Answer):
    text: str
    revision: int = Field(description="The revision that introduced this passage")


class ClauseBlame(Answer):
    clause_id: int
    version_id: int
    history: list[int] = Field(description="The revisions that gave the clause a new version")
    passages: list[Passage] = Field(description="Joined, they give the clause's exact text")


class ClauseProvenance(Answer):
    clause_id: int
    revision: int
    shaped_by: list[Origin] = Field(
        description="The revisions that gave the clause a new version up to this one, oldest first"
    )
    blame: ClauseBlame | None = Field(description="Null when the clause is not in this revision")


endpoint = endpoints_tagged("provenance")


@api_bp.get("/charters/<slug>/changelog")
@endpoint(operation_id="changelog", query=CompareQuery, ok={200: Changelog}, errors=(404,))
def charters_changelog(slug: str) -> ResponseReturnValue:
    """The revisions between two revisions, each with what made it

    Every amendment adopted and merged (with its author, co-sponsors, rationale and the ballot
    that adopted it) and every editorial change after `from` up to `to`. Defaults: to = head,
    from = 1 (the import): the whole record since the charter was imported.
    """
    charter = charter_or_404(slug)
    asked = request_query(CompareQuery)
    low, high = sorted((asked.from_ or 1, asked.to or charter.head_revision_number))
    origins = changelog(db(), charter, low, high)
    return jsonify(
        slug=charter.slug, **{"from": low}, to=high, revisions=[o.to_json() for o in origins]
    )


@api_bp.get(f"/charters/<slug>/clauses/<{ID}:clause_id>/provenance")
@endpoint(
    operation_id="clauseProvenance", query=RevisionQuery, ok={200: ClauseProvenance}, errors=(404,)
)
def charters_clause_provenance(slug: str, clause_id: int) -> ResponseReturnValue:
    """Where a clause's text comes from

    The revisions that shaped the clause up to `revision` (the head by default), and its text in
    that revision as passages, each naming the revision that introduced it (blame).
    """
    charter = charter_or_404(slug)
    number = request_query(RevisionQuery).revision or charter.head_revision_number
    found = clause_provenance(db(), charter, clause_id, number)
    return jsonify(revision=number, **found.to_json())
