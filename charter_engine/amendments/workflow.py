"""The amendment workflow as a pure table: (state, action) → next state, plus who may ask for it.

Only operations assign a state, and only through :func:`next_state`. The table is the single source
for the buttons the UI shows and for what the API accepts.
"""

from __future__ import annotations

from typing import Final

STATES: Final = (
    "draft",
    "submitted",
    "discussion",
    "voting",
    "adopted",
    "merged",
    "withdrawn",
    "rejected",
    "superseded",
    "needs_rebase",
)
PENDING_STATES: Final = frozenset({"draft", "submitted", "discussion", "voting", "needs_rebase"})
FINAL_STATES: Final = frozenset({"merged", "withdrawn", "rejected", "superseded"})
# States in which the author may still change the text of the amendment.
EDITABLE_STATES: Final = frozenset({"draft", "submitted", "discussion", "needs_rebase"})

# A special target: go back to the state held before the amendment needed a rebase.
PREVIOUS: Final = "<previous>"

# action → (permission name, {from state: to state})
TRANSITIONS: Final[dict[str, tuple[str, dict[str, str]]]] = {
    "submit": ("amendment:submit", {"draft": "submitted"}),
    "open_discussion": ("amendment:open_discussion", {"submitted": "discussion"}),
    "start_voting": (
        "amendment:start_voting",
        {"submitted": "voting", "discussion": "voting"},
    ),
    "adopt": ("amendment:decide", {"voting": "adopted"}),
    "reject": (
        "amendment:decide",
        {"submitted": "rejected", "discussion": "rejected", "voting": "rejected"},
    ),
    "cancel_voting": ("amendment:decide", {"voting": "discussion"}),
    "merge": ("amendment:merge", {"adopted": "merged"}),
    "merge_editorial": (
        "amendment:merge_editorial",
        {"submitted": "merged", "discussion": "merged"},
    ),
    "withdraw": (
        "amendment:withdraw",
        {
            "draft": "withdrawn",
            "submitted": "withdrawn",
            "discussion": "withdrawn",
            "needs_rebase": "withdrawn",
        },
    ),
    # Also the way out for an adopted amendment that can no longer be merged (the amendment a
    # sub-amendment amends was withdrawn meanwhile): the secretariat sets it aside.
    "supersede": (
        "amendment:supersede",
        {
            "submitted": "superseded",
            "discussion": "superseded",
            "needs_rebase": "superseded",
            "adopted": "superseded",
        },
    ),
    "flag_conflict": (
        "amendment:flag_conflict",
        {"draft": "needs_rebase", "submitted": "needs_rebase", "discussion": "needs_rebase"},
    ),
    "resolve": ("amendment:resolve", {"needs_rebase": PREVIOUS}),
}
ACTIONS: Final = tuple(TRANSITIONS)

# Actions a person asks for through the API or UI; the others happen as part of another operation
# (a ballot opening or closing, a merge elsewhere, resolving a conflict with new text).
USER_ACTIONS: Final = frozenset({"submit", "open_discussion", "reject", "withdraw", "supersede"})


def next_state(state: str, action: str, *, previous: str | None = None) -> str | None:
    """The state ``action`` leads to from ``state``, or ``None`` when the move is not allowed."""
    entry = TRANSITIONS.get(action)
    if entry is None:
        return None
    target = entry[1].get(state)
    if target == PREVIOUS:
        return previous if previous in {"draft", "submitted", "discussion"} else None
    return target


def permission_for(action: str) -> str:
    return TRANSITIONS[action][0]


def available_actions(state: str) -> list[str]:
    return [action for action, (_perm, moves) in TRANSITIONS.items() if state in moves]
