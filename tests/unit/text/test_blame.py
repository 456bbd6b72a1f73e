"""Blame over a history of clause lists: each word keeps the step that introduced it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from charter_engine.text.blame import Slot, Step, blame
from charter_engine.text.diff import diff_tokens
from charter_engine.text.marks import render_passages
from charter_engine.text.tokens import tokenize


def _words(steps: list[Step]) -> list[tuple[str, object]]:
    result = blame(steps)
    return [
        (token, passage.origin)
        for slot in steps[-1].slots
        for passage in result[slot.version]
        for token in tokenize(passage.text)
        if not token.isspace()
    ]


def test_rewritten_words_are_new_the_rest_keeps_its_origin() -> None:
    steps = [
        Step(1, [Slot("a", 1, "The council decides.\n\n")]),
        Step(2, [Slot("a", 2, "The board decides.\n\n")]),
    ]
    assert _words(steps) == [("The", 1), ("board", 2), ("decides", 1), (".", 1)]


def test_a_paragraph_split_in_two_keeps_its_words() -> None:
    steps = [
        Step(1, [Slot("a", 1, "One sentence. Another sentence.\n\n")]),
        Step(2, [Slot("a", 2, "One sentence.\n\n"), Slot("b", 3, "Another sentence.\n\n")]),
    ]
    assert {origin for _word, origin in _words(steps)} == {1}


def test_a_moved_clause_keeps_its_origins() -> None:
    steps = [
        Step(1, [Slot("a", 1, "Alpha.\n\n"), Slot("b", 2, "Beta.\n\n")]),
        Step(2, [Slot("a", 3, "Alpha, amended.\n\n"), Slot("b", 2, "Beta.\n\n")]),
        Step(3, [Slot("b", 2, "Beta.\n\n"), Slot("a", 3, "Alpha, amended.\n\n")]),
    ]
    assert _words(steps) == [
        ("Beta", 1),
        (".", 1),
        ("Alpha", 1),
        (",", 2),
        ("amended", 2),
        (".", 1),
    ]


def test_a_clause_moved_and_changed_is_compared_with_itself() -> None:
    steps = [
        Step(
            1,
            [
                Slot("a", 1, "Alpha one.\n\n"),
                Slot("b", 2, "Beta.\n\n"),
                Slot("c", 4, "Gamma one.\n\n"),
            ],
        ),
        Step(
            2,
            [
                Slot("c", 5, "Gamma two.\n\n"),
                Slot("b", 2, "Beta.\n\n"),
                Slot("a", 3, "Alpha two.\n\n"),
            ],
        ),
    ]
    assert _words(steps) == [
        ("Gamma", 1),
        ("two", 2),
        (".", 1),
        ("Beta", 1),
        (".", 1),
        ("Alpha", 1),
        ("two", 2),
        (".", 1),
    ]


paragraphs = st.lists(
    st.lists(
        st.sampled_from(["the", "council", "votes", "members", ".", ","]), min_size=1, max_size=6
    ).map(lambda words: " ".join(words) + "\n\n"),
    min_size=1,
    max_size=5,
)


@settings(max_examples=100, deadline=None)
@given(st.lists(paragraphs, min_size=1, max_size=5))
def test_passages_are_the_text_and_surviving_words_are_in_every_version(
    versions: list[list[str]],
) -> None:
    steps = [
        Step(n, [Slot(i, (i, text), text) for i, text in enumerate(texts)])
        for n, texts in enumerate(versions)
    ]
    result = blame(steps)
    last = steps[-1].slots
    assert ["".join(p.text for p in result[s.version]) for s in last] == [s.text for s in last]
    words = _words(steps)
    # A word introduced in step n was there, in this order, in every version from n on.
    for n, texts in enumerate(versions):
        present = iter([t for text in texts for t in tokenize(text) if not t.isspace()])
        for word, origin in words:
            if isinstance(origin, int) and origin <= n:
                assert any(word == t for t in present), (n, word)


@settings(max_examples=100, deadline=None)
@given(st.lists(paragraphs, min_size=2, max_size=2))
def test_aligning_lines_first_is_still_a_correct_diff(texts: list[list[str]]) -> None:
    old, new = (tokenize("".join(t)) for t in texts)
    old_at = new_at = 0
    for op, count in diff_tokens(old, new, by_lines=True):
        if op == 0:
            assert old[old_at : old_at + count] == new[new_at : new_at + count]
        old_at += count if op != 1 else 0
        new_at += count if op != -1 else 0
    assert (old_at, new_at) == (len(old), len(new))


def test_passages_render_with_their_origin_on_hover() -> None:
    labels = ["Revision 1: Imported", 'Revision 2: Amendment #1: "Quorum"']
    block = render_passages(
        [("The council\n", 0), ("meets", 1), (" ", 0), ("twice", 1), (".\n\n", 0)],
        labels,
        "markdown",
    )
    assert block.html == (
        '<p><span class="blame blame-0" title="Revision 1: Imported">The council</span>\n'
        '<span class="blame blame-1" title="Revision 2: Amendment #1: &quot;Quorum&quot;">'
        'meets</span> <span class="blame blame-1" title="Revision 2: Amendment #1: '
        '&quot;Quorum&quot;">twice</span><span class="blame blame-0" '
        'title="Revision 1: Imported">.</span></p>\n'
    )
    heading = render_passages(
        [("## ", 0), ("Quorum", 1), ("\n\n", 0)], labels, "markdown", kind="heading", level=2
    )
    assert heading.kind == "heading" and heading.html.endswith(">Quorum</span>")
    across_a_link = render_passages(
        [("See [x](https://a.org/", 0), ("b", 1), (").\n", 0)], labels, "markdown"
    )
    assert across_a_link.kind == "verbatim" and "https://a.org/" in across_a_link.html
