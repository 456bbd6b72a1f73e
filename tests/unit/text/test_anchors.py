from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charter_engine.text import OffsetMap, map_anchor, map_anchors, map_offset

from .strategies import small_texts

OLD = "The council has five members. It meets monthly."


def find(text: str, passage: str) -> tuple[int, int]:
    start = text.index(passage)
    return start, start + len(passage)


def test_unchanged_passage_moves_with_edits_before_it() -> None:
    new = "Since 2020, the council has five members. It meets monthly."
    span = map_anchor(OLD, new, *find(OLD, "five members"))
    assert span == find(new, "five members")


def test_rewritten_or_deleted_passage_is_outdated() -> None:
    assert map_anchor(OLD, OLD.replace("five", "seven"), *find(OLD, "five members")) is None
    assert map_anchor(OLD, OLD.replace(" five", ""), *find(OLD, "has five members")) is None
    assert map_anchor(OLD, "Gone.", *find(OLD, "meets")) is None


def test_insertion_strictly_inside_outdates() -> None:
    new = OLD.replace("five members", "five voting members")
    assert map_anchor(OLD, new, *find(OLD, "five members")) is None


def test_insertions_at_the_edges_do_not_outdate() -> None:
    new = OLD.replace("five members", "about five members today")
    assert map_anchor(OLD, new, *find(OLD, "five members")) == find(new, "five members")


def test_empty_texts_and_spans() -> None:
    assert map_anchor("", "", 0, 0) == (0, 0)
    assert map_anchor("abc", "x abc", 0, 0) == (0, 0)
    assert map_anchor("abc def", "abc", 5, 5) is None
    with pytest.raises(ValueError):
        map_anchor("abc", "abc", 2, 9)


def test_unicode_and_crlf() -> None:
    old = "المادة الأولى\r\n中文版本\r\n"
    new = "تمهيد\r\nالمادة الأولى\r\n中文版本\r\n"
    assert map_anchor(old, new, *find(old, "中文")) == find(new, "中文")


def test_map_offset() -> None:
    assert map_offset("a c", "a b c", 2) == 2
    assert map_offset("a c", "a b c", 2, after_insertions=True) == 4
    assert map_offset("a b c", "a c", 3) == 2
    assert map_offset("abc", "abc", 3) == 3
    offsets = OffsetMap.between("x y", "y")
    assert offsets.offset(0) == 0 and offsets.offset(3) == 1


def test_many_anchors_at_once() -> None:
    new = "The council has seven members. It meets monthly!"
    spans = [find(OLD, "The council"), find(OLD, "five"), find(OLD, "It meets monthly")]
    assert map_anchors(OLD, new, spans) == [
        find(new, "The council"),
        None,
        find(new, "It meets monthly"),
    ]


@settings(max_examples=300, deadline=None)
@given(small_texts, small_texts, st.data())
def test_never_reattached_to_other_text(old: str, new: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(old)))
    end = data.draw(st.integers(start, len(old)))
    span = map_anchor(old, new, start, end)
    if span is not None:
        assert new[span[0] : span[1]] == old[start:end]


@settings(max_examples=200, deadline=None)
@given(small_texts, small_texts, small_texts, small_texts, st.data())
def test_untouched_passage_survives_edits_on_one_side(
    before: str, passage: str, after: str, added: str, data: st.DataObject
) -> None:
    # Edits on both sides of a short passage can make the semantic diff count it as
    # rewritten (outdated, the safe outcome), so this checks one side at a time.
    passage = "Quorum" + passage + "Quorum"
    old = before + " | " + passage + " | " + after
    edited = data.draw(st.sampled_from(["before+", "+before", "after+", "+after", "none"]))
    new_before = {"before+": before + added, "+before": added + before}.get(edited, before)
    new_after = {"after+": after + added, "+after": added + after}.get(edited, after)
    new = new_before + " | " + passage + " | " + new_after
    span = map_anchor(old, new, len(before) + 3, len(before) + 3 + len(passage))
    assert span is not None
    assert new[span[0] : span[1]] == passage
