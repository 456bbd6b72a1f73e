"""Applying clause changes and deriving them from a whole-document edit (pure functions)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charter_engine.amendments.changes import ChangeError, ChangeSpec, apply_changes, derive_changes
from charter_engine.text import split_document

CLAUSES = [
    (1, "# Title\n\n"),
    (2, "First paragraph.\n\n"),
    (3, "Second paragraph.\n\n"),
    (4, "Last.\n"),
]


def _text(placed: list) -> str:  # type: ignore[type-arg]
    return "".join(p.text for p in placed)


def test_replace_insert_delete_move_in_one_amendment() -> None:
    changes = [
        ChangeSpec("replace", clause=2, text="First paragraph, amended.\n\n"),
        ChangeSpec("delete", clause=3),
        ChangeSpec("insert", after=1, text="Preamble.\n\n"),
        ChangeSpec("insert", after=1, text="Second preamble.\n\n"),
        ChangeSpec("move", clause=4, after=None),
    ]
    assert _text(apply_changes(CLAUSES, changes)) == (
        "Last.\n# Title\n\nPreamble.\n\nSecond preamble.\n\nFirst paragraph, amended.\n\n"
    )


@pytest.mark.parametrize(
    "changes",
    [
        [ChangeSpec("replace", clause=99, text="x")],
        [ChangeSpec("delete", clause=2), ChangeSpec("replace", clause=2, text="x")],
        [ChangeSpec("insert", after=42, text="x")],
        [ChangeSpec("replace", clause=2, text="")],
        [ChangeSpec("delete", clause=2), ChangeSpec("insert", after=2, text="x")],
    ],
)
def test_changes_that_do_not_fit_are_refused(changes: list[ChangeSpec]) -> None:
    with pytest.raises(ChangeError):
        apply_changes(CLAUSES, changes)


PARAGRAPHS = st.lists(
    st.sampled_from(
        [
            "# Title\n\n",
            "## Part\n\n",
            "Alpha beta.\n\n",
            "Gamma delta epsilon.\n\n",
            "- item one\n- item two\n\n",
            "Zeta.\n",
            "Eta theta iota kappa.\n\n",
            "Omega.\n\n",
        ]
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=200, deadline=None)
@given(PARAGRAPHS, PARAGRAPHS)
def test_derived_changes_reproduce_any_edited_document(old: list[str], new: list[str]) -> None:
    old_text, new_text = "".join(old), "".join(new)
    clauses = [(i, b.text) for i, b in enumerate(split_document(old_text))]
    changes = derive_changes(clauses, new_text)
    assert _text(apply_changes(clauses, changes)) == new_text
