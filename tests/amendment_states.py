"""One amendment in every workflow state, built through the operations, and every action a person
can ask for with the permission it needs and the states it can happen in (for tests that try every
action in every state, as every role)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.operations import propose_amendment
from charter_engine.amendments.transitions import transition_amendment
from charter_engine.amendments.workflow import (
    EDITABLE_STATES,
    PENDING_STATES,
    STATES,
    USER_ACTIONS,
    next_state,
    permission_for,
)
from charter_engine.charters.models import Charter
from charter_engine.charters.queries import current_entries

OPEN_TO_EDITS = EDITABLE_STATES - {"needs_rebase"}


@dataclass(frozen=True)
class AmendmentAction:
    name: str
    permission: str
    possible_in: Callable[[str], bool]


def _move(action: str) -> AmendmentAction:
    return AmendmentAction(
        action, permission_for(action), lambda state: next_state(state, action) is not None
    )


AMENDMENT_ACTIONS = {
    action.name: action
    for action in (
        *(_move(name) for name in sorted(USER_ACTIONS)),
        _move("merge"),
        _move("merge_editorial"),
        AmendmentAction("resolve", "amendment:resolve", lambda state: state == "needs_rebase"),
        AmendmentAction("edit", "amendment:edit", lambda state: state in OPEN_TO_EDITS),
        AmendmentAction("back", "amendment:back", lambda state: state in PENDING_STATES),
        AmendmentAction("sub-amendment", "amendment:propose", lambda state: state in OPEN_TO_EDITS),
    )
}


def _clause(session: Session, charter: Charter, opening: str) -> int:
    for clause_id, version in current_entries(session, charter):
        if version.text.startswith(opening):
            return clause_id
    raise AssertionError(f"no clause opens with {opening!r}")


def amendments_in_every_state(
    session: Session, charter: Charter, *, author: Any, secretariat: Any
) -> dict[str, Any]:
    """``{state: amendment}`` for every state, each by ``author``, on the sample charter of
    ``tests/conftest.py``. Two amendments rewrite the decisions clause: one is merged, the other
    is left in conflict; all the others rewrite the purpose clause, which nothing merges."""
    purpose = _clause(session, charter, "The Core Group")
    decisions = _clause(session, charter, "Decisions are")

    def propose(state: str, clause_id: int, text: str, submit: bool = True) -> Any:
        return propose_amendment(
            session,
            charter,
            actor=author,
            title=f"An amendment that ends {state}",
            rationale="For the tests.",
            changes=[{"kind": "replace", "clause_id": clause_id, "text": text}],
            submit=submit,
        )

    made = {
        state: propose(state, purpose, f"Purpose, {state}.\n\n", submit=state != "draft")
        for state in STATES
        if state not in ("merged", "needs_rebase")
    }
    made["merged"] = propose("merged", decisions, "Decisions need two thirds.\n")
    made["needs_rebase"] = propose("needs_rebase", decisions, "Decisions need consensus.\n")
    session.flush()
    merge_amendment(session, made["merged"], actor=secretariat, editorial=True)
    for state, moves in {
        "discussion": [("open_discussion", False)],
        "voting": [("start_voting", True)],
        "adopted": [("start_voting", True), ("adopt", True)],
        "withdrawn": [("withdraw", False)],
        "rejected": [("reject", False)],
        "superseded": [("supersede", False)],
    }.items():
        for action, system in moves:
            actor = author if action == "withdraw" else secretariat
            transition_amendment(session, made[state], action, actor=actor, system=system)
    session.commit()
    states = {state: amendment.state for state, amendment in made.items()}
    assert states == {state: state for state in STATES}, states
    return made
