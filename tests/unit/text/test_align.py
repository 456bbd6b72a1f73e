from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from charter_engine.text import BlockOp, align_blocks, apply_block_ops


def check_ops(old: list[str], new: list[str]) -> list[BlockOp]:
    ops = align_blocks(old, new)
    assert sorted(op.old_index for op in ops if op.old_index is not None) == list(range(len(old)))
    assert sorted(op.new_index for op in ops if op.new_index is not None) == list(range(len(new)))
    # New-document order.
    new_order = [op.new_index for op in ops if op.new_index is not None]
    assert new_order == sorted(new_order)
    for op in ops:
        assert op.kind in {"equal", "replace", "delete", "insert", "move"}
        assert (op.old_index is None) == (op.kind == "insert")
        assert (op.new_index is None) == (op.kind == "delete")
        if op.kind == "equal":
            assert op.old_index is not None and op.new_index is not None
            assert old[op.old_index] == new[op.new_index]
        if op.kind == "move":
            assert op.old_index is not None and op.new_index is not None
            assert old[op.old_index].rstrip() == new[op.new_index].rstrip()
    # Deletes and kept blocks stay in old order.
    old_order = [op.old_index for op in ops if op.kind in ("equal", "replace", "delete")]
    assert old_order == sorted(old_order)  # type: ignore[type-var]
    assert apply_block_ops(old, new, ops) == list(new)
    return ops


def test_empty() -> None:
    assert align_blocks([], []) == []
    assert align_blocks(["a"], []) == [BlockOp("delete", 0, None)]
    assert align_blocks([], ["a"]) == [BlockOp("insert", None, 0)]


def test_equal_replace_delete_insert() -> None:
    old = ["# Title\n\n", "The council has five members.\n\n", "Obsolete clause.\n\n", "End.\n"]
    new = ["# Title\n\n", "The council has seven members.\n\n", "A brand new idea.\n\n", "End.\n"]
    assert check_ops(old, new) == [
        BlockOp("equal", 0, 0),
        BlockOp("replace", 1, 1),
        BlockOp("delete", 2, None),
        BlockOp("insert", None, 2),
        BlockOp("equal", 3, 3),
    ]


def test_delete_is_placed_where_it_was() -> None:
    old = ["A one.\n\n", "B two three.\n\n", "C four five.\n\n", "D.\n"]
    new = ["A one.\n\n", "C four five six.\n\n", "D.\n"]
    assert check_ops(old, new) == [
        BlockOp("equal", 0, 0),
        BlockOp("delete", 1, None),
        BlockOp("replace", 2, 1),
        BlockOp("equal", 3, 2),
    ]


def test_move() -> None:
    old = ["Alpha clause.\n\n", "Beta clause.\n\n", "Gamma clause.\n\n", "Delta.\n"]
    new = ["Gamma clause.\n\n", "Alpha clause.\n\n", "Beta clause.\n\n", "Delta.\n"]
    ops = check_ops(old, new)
    assert BlockOp("move", 2, 0) in ops


def test_move_to_the_end_with_different_trailing_space() -> None:
    old = ["Moved clause.\n\n", "Other.\n\n", "Last.\n"]
    new = ["Other.\n\n", "Last.\n\n", "Moved clause.\n"]
    ops = check_ops(old, new)
    assert BlockOp("move", 0, 2) in ops


def test_dissimilar_blocks_are_not_paired() -> None:
    ops = check_ops(["Completely different text here.\n"], ["Nothing in common at all.\n"])
    assert [op.kind for op in ops] == ["delete", "insert"]


block_texts = st.lists(
    st.sampled_from(
        [
            "The council votes.\n\n",
            "The council votes twice.\n\n",
            "Members elect the chair.\n\n",
            "Members elect a chair.\n",
            "# Heading\n\n",
            "- item\n\n",
            "",
        ]
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(block_texts, block_texts)
def test_applying_ops_gives_the_new_blocks(old: list[str], new: list[str]) -> None:
    check_ops(old, new)
