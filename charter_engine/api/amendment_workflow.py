"""Amendment endpoints that move a proposed amendment along: workflow actions, merge (into the
charter, or a sub-amendment into its amendment), resolving a conflict, proposing a sub-amendment,
and backing.
"""

from __future__ import annotations

from typing import Any, Literal

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue
from pydantic import Field
from sqlalchemy import select

from charter_engine.amendments.backers import add_backer, remove_backer
from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.models import AmendmentBacker
from charter_engine.amendments.operations import resolve_amendment
from charter_engine.amendments.queries import amendment_conflicts, get_amendment
from charter_engine.amendments.sub_amendments import propose_sub_amendment
from charter_engine.amendments.transitions import transition_amendment
from charter_engine.amendments.workflow import USER_ACTIONS
from charter_engine.api.amendment_json import (
    AmendmentDetail,
    Backer,
    State,
    amendment_or_404,
    fresh_amendment_json,
    users_by_id,
)
from charter_engine.api.amendments import ChangeSpec, change_dicts
from charter_engine.api.charters import user_json
from charter_engine.api.core import actor, api_bp, commit, created
from charter_engine.api.spec import (
    ID,
    Answer,
    Body,
    ClauseText,
    Document,
    IdValue,
    Number,
    Rationale,
    Title,
    endpoints_tagged,
    request_body,
)
from charter_engine.context import db
from charter_engine.errors import Conflict, InvalidTransition, StaleVersion

UserAction = Literal["open_discussion", "reject", "submit", "supersede", "withdraw"]
assert set(UserAction.__args__) == USER_ACTIONS  # type: ignore[attr-defined]


class ActionRequest(Body):
    """Merging, resolving and adopting have endpoints or ballots of their own."""

    action: UserAction
    version: Number | None = Field(None, description="The version you saw")


class NewState(Answer):
    state: State
    version: int


class MergeRequest(Body):
    editorial: bool = False
    version: Number | None = Field(None, description="The version you saw")


class Merged(Answer):
    revision: int | None
    merged_into: int | None


class AmendmentResolution(Body):
    version: Number
    text: Document | None = None
    changes: list[ChangeSpec] | None = None


class SubChange(Body):
    change_id: IdValue
    text: ClauseText


class SubAmendmentProposal(Body):
    title: Title
    rationale: Rationale = ""
    submit: bool = False
    changes: list[SubChange] = Field(min_length=1)


class BackRequest(Body):
    kind: Literal["cosponsor", "supporter"]


class Backers(Answer):
    backers: list[Backer]


endpoint = endpoints_tagged("amendments")


@api_bp.post(f"/amendments/<{ID}:amendment_id>/actions")
@endpoint(
    operation_id="amendmentAction", body=ActionRequest, ok={200: NewState}, errors=(403, 404, 409)
)
def amendments_action(amendment_id: int) -> ResponseReturnValue:
    """Take a workflow action"""
    data = request_body(ActionRequest)
    amendment = amendment_or_404(amendment_id)
    transition_amendment(db(), amendment, data.action, actor=actor(), expected_version=data.version)
    commit()
    return jsonify(state=amendment.state, version=amendment.version)


@api_bp.post(f"/amendments/<{ID}:amendment_id>/merge")
@endpoint(
    operation_id="mergeAmendment",
    body=MergeRequest,
    body_optional=True,
    ok={200: Merged},
    errors=(403, 404, 409),
)
def amendments_merge(amendment_id: int) -> ResponseReturnValue:
    """Merge into the charter (secretariat); 409 with the conflicts

    A sub-amendment merges into the amendment it amends: no revision then (merged_into).
    """
    data = request_body(MergeRequest)
    session = db()
    amendment = amendment_or_404(amendment_id)
    try:
        revision = merge_amendment(
            session,
            amendment,
            actor=actor(),
            editorial=data.editorial,
            expected_version=data.version,
        )
    except StaleVersion:
        raise
    except (Conflict, InvalidTransition) as exc:
        session.rollback()
        conflicts = amendment_conflicts(get_amendment(session, amendment_id))
        if conflicts:
            raise Conflict(exc.message, details={"conflicts": conflicts}) from exc
        raise
    # A sub-amendment merges into its parent's proposed text: no revision then.
    number = revision.number if revision is not None else None
    parent_id = amendment.parent_id
    commit()
    return jsonify(revision=number, merged_into=parent_id)


@api_bp.post(f"/amendments/<{ID}:amendment_id>/resolve")
@endpoint(
    operation_id="resolveAmendment",
    body=AmendmentResolution,
    ok={200: AmendmentDetail},
    errors=(403, 404, 409),
)
def amendments_resolve(amendment_id: int) -> ResponseReturnValue:
    """Restate a conflicting amendment against the current text (author)"""
    data = request_body(AmendmentResolution)
    amendment = amendment_or_404(amendment_id)
    resolve_amendment(
        db(),
        amendment,
        actor=actor(),
        expected_version=data.version,
        changes=change_dicts(data.changes),
        text=data.text,
    )
    commit()
    return jsonify(fresh_amendment_json(amendment_id))


@api_bp.post(f"/amendments/<{ID}:amendment_id>/sub-amendments")
@endpoint(
    operation_id="proposeSubAmendment",
    body=SubAmendmentProposal,
    ok={201: AmendmentDetail},
    errors=(403, 404, 409),
)
def amendments_sub_create(amendment_id: int) -> ResponseReturnValue:
    """Propose a sub-amendment: new text for changes of a pending amendment"""
    data = request_body(SubAmendmentProposal)
    parent = amendment_or_404(amendment_id)
    sub = propose_sub_amendment(
        db(),
        parent,
        actor=actor(),
        title=data.title,
        rationale=data.rationale,
        changes=[change.model_dump() for change in data.changes],
        submit=data.submit,
    )
    sub_id = sub.id
    commit()
    return created(
        fresh_amendment_json(sub_id), url_for("api.amendments_show", amendment_id=sub_id)
    )


def _backers(amendment_id: int) -> list[dict[str, Any]]:
    session = db()
    rows = (
        session.execute(
            select(AmendmentBacker)
            .where(AmendmentBacker.amendment_id == amendment_id)
            .order_by(AmendmentBacker.created_at, AmendmentBacker.id)
        )
        .scalars()
        .all()
    )
    users = users_by_id({b.user_id for b in rows})
    return [{"user": user_json(users.get(b.user_id)), "kind": b.kind} for b in rows]


@api_bp.post(f"/amendments/<{ID}:amendment_id>/backers")
@endpoint(operation_id="backAmendment", body=BackRequest, ok={201: Backers}, errors=(403, 404, 409))
def amendments_back(amendment_id: int) -> ResponseReturnValue:
    """Back an amendment as co-sponsor or supporter"""
    data = request_body(BackRequest)
    amendment = amendment_or_404(amendment_id)
    add_backer(db(), amendment, actor=actor(), kind=data.kind)
    commit()
    return jsonify(backers=_backers(amendment_id)), 201


@api_bp.delete(f"/amendments/<{ID}:amendment_id>/backers")
@endpoint(operation_id="unbackAmendment", ok={200: Backers}, errors=(404, 409))
def amendments_unback(amendment_id: int) -> ResponseReturnValue:
    """Stop backing an amendment"""
    amendment = amendment_or_404(amendment_id)
    remove_backer(db(), amendment, actor=actor())
    commit()
    return jsonify(backers=_backers(amendment_id))
