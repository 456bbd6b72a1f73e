"""The workflow table, checked exhaustively: every state × every action."""

from __future__ import annotations

import pytest

from charter_engine.accounts.permissions import RULES
from charter_engine.amendments.workflow import (
    ACTIONS,
    EDITABLE_STATES,
    FINAL_STATES,
    PENDING_STATES,
    STATES,
    TRANSITIONS,
    available_actions,
    next_state,
    permission_for,
)

EXPECTED: dict[tuple[str, str], str] = {
    ("draft", "submit"): "submitted",
    ("submitted", "open_discussion"): "discussion",
    ("submitted", "start_voting"): "voting",
    ("discussion", "start_voting"): "voting",
    ("voting", "adopt"): "adopted",
    ("submitted", "reject"): "rejected",
    ("discussion", "reject"): "rejected",
    ("voting", "reject"): "rejected",
    ("voting", "cancel_voting"): "discussion",
    ("adopted", "merge"): "merged",
    ("submitted", "merge_editorial"): "merged",
    ("discussion", "merge_editorial"): "merged",
    ("draft", "withdraw"): "withdrawn",
    ("submitted", "withdraw"): "withdrawn",
    ("discussion", "withdraw"): "withdrawn",
    ("needs_rebase", "withdraw"): "withdrawn",
    ("submitted", "supersede"): "superseded",
    ("discussion", "supersede"): "superseded",
    ("needs_rebase", "supersede"): "superseded",
    ("adopted", "supersede"): "superseded",
    ("draft", "flag_conflict"): "needs_rebase",
    ("submitted", "flag_conflict"): "needs_rebase",
    ("discussion", "flag_conflict"): "needs_rebase",
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_state_and_action(state: str, action: str) -> None:
    if action == "resolve":
        for previous in STATES:
            got = next_state(state, action, previous=previous)
            if state == "needs_rebase" and previous in {"draft", "submitted", "discussion"}:
                assert got == previous
            else:
                assert got is None
        return
    assert next_state(state, action) == EXPECTED.get((state, action))


def test_final_states_have_no_way_out() -> None:
    for state in FINAL_STATES:
        assert available_actions(state) == []
    assert PENDING_STATES.isdisjoint(FINAL_STATES)
    assert EDITABLE_STATES <= PENDING_STATES
    assert "voting" not in EDITABLE_STATES  # a ballot is tied to the exact text


def test_unknown_action_goes_nowhere() -> None:
    assert next_state("draft", "teleport") is None


def test_every_action_names_a_known_permission() -> None:
    for action in TRANSITIONS:
        assert permission_for(action) in RULES
