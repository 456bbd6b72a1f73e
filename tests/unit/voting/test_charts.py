"""The SVG charts parse as XML, write their numbers as text, escape labels and keep contrast."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charter_engine.voting import charts
from charter_engine.voting.charts import ranked_result_svg, simple_result_svg, turnout_svg
from charter_engine.voting.tally import count_ranked, count_simple

NS = {"svg": "http://www.w3.org/2000/svg"}
HOSTILE = "<script>alert(\"x\")</script> & 'quotes' ]]> \x00\x1b"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    title = root.find("svg:title", NS)
    desc = root.find("svg:desc", NS)
    assert title is not None and title.text
    assert desc is not None and desc.text
    # The accessible name and description point at the title and desc elements.
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    # Standalone: nothing fetched, nothing run.
    tags = {element.tag.split("}")[1] for element in root.iter()}
    assert tags <= {"svg", "title", "desc", "rect", "line", "text"}
    # Labels are text content (escaped, so any words may appear there); attributes hold
    # nothing that links, loads or runs.
    for element in root.iter():
        for name, value in element.attrib.items():
            assert "href" not in name.lower()
            assert not re.search(r"url\(|javascript:|@import", value, re.IGNORECASE)
    return root


def visible_text(root: ET.Element) -> str:
    return "\n".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_palette_contrast() -> None:
    for text in (charts.TEXT, charts.MUTED_TEXT):
        for ground in (charts.BACKGROUND, charts.WIN_CELL, charts.LOSS_CELL, charts.EVEN_CELL):
            assert contrast(text, ground) >= 4.5, (text, ground)
    for graphic in (charts.YES, charts.NO, charts.ABSTAIN, charts.TRACK, charts.MARKER):
        assert contrast(graphic, charts.BACKGROUND) >= 3, graphic


def test_all_text_uses_the_checked_colours() -> None:
    svg = simple_result_svg(count_simple(3, 1, 1, quorum=2), title="t")
    svg += ranked_result_svg(count_ranked(["A", "B"], [{"A": 1}]), title="t")
    svg += turnout_svg(3, 5, 2, title="t")
    text_fills = set(re.findall(r'<text [^>]*fill="(#[0-9a-f]{6})"', svg))
    assert text_fills <= {charts.TEXT, charts.MUTED_TEXT}
    fills = set(re.findall(r'fill="(#[0-9a-f]{6})"', svg))
    assert fills <= {
        charts.TEXT, charts.MUTED_TEXT, charts.BACKGROUND, charts.YES, charts.NO, charts.ABSTAIN,
        charts.WIN_CELL, charts.LOSS_CELL, charts.EVEN_CELL,
    }  # fmt: skip


def test_simple_result_chart() -> None:
    result = count_simple(14, 6, 3, threshold="two_thirds", quorum=10)
    root = parse(simple_result_svg(result, title="Amendment 4"))
    text = visible_text(root)
    assert "14 (70%)" in text
    assert "6 (30%)" in text
    assert "3 (not counted)" in text
    assert "two thirds = 13.33 yes" in text
    assert "Quorum: 10 votes, 23 cast (reached)" in text
    assert result.reason in root.findtext("svg:desc", namespaces=NS, default="")
    # The threshold line sits at 13.33 on the scale where the 14-vote yes bar is full width.
    bars = root.findall("svg:rect", NS)[1:]
    line = root.find("svg:line", NS)
    assert line is not None
    yes_bar = bars[0]
    start, full = float(yes_bar.get("x", 0)), float(yes_bar.get("width", 0))
    assert float(line.get("x1", 0)) == pytest.approx(start + full * (40 / 3) / 14, abs=0.1)


def test_simple_chart_for_consensus_and_no_votes() -> None:
    consensus = parse(simple_result_svg(count_simple(3, 0, 2, threshold="consensus"), title="c"))
    assert "consensus (no votes against)" in visible_text(consensus)
    assert consensus.find("svg:line", NS) is None
    empty = parse(simple_result_svg(count_simple(0, 0, 0), title="nothing"))
    assert "no votes were cast" in visible_text(empty)
    fractional = parse(simple_result_svg(count_simple(Fraction(5, 2), 1, 0), title="f"))
    assert "2.5 (71.4%)" in visible_text(fractional)


def test_ranked_result_chart() -> None:
    ballots = [{"A": 1, "B": 2}] * 5 + [{"B": 1}] * 3 + [{"FD": 1}] * 2
    result = count_ranked(["A", "B", "FD"], ballots, default="FD", majority={"B": 5})
    labels = {"A": "Amendment A", "B": "Amendment B", "FD": "Keep the text"}
    root = parse(ranked_result_svg(result, labels=labels, title="Votes on section 2"))
    text = visible_text(root)
    # Rows and columns are lettered, never numbered: "#2" would read as an amendment number.
    assert "#" not in text
    column_marks = [
        t.text
        for t in root.iter("{http://www.w3.org/2000/svg}text")
        if t.get("text-anchor") == "middle" and t.text in ("A", "B", "C")
    ]
    assert column_marks == ["A", "B", "C"]
    assert "A  Amendment A (winner)" in text
    assert "Amendment A (winner)" in text
    assert "Keep the text (default)" in text
    assert "Amendment B (dropped)" in text
    assert "Winner: Amendment A." in text
    cells = [
        t.text
        for t in root.iter("{http://www.w3.org/2000/svg}text")
        if t.get("text-anchor") == "middle"
    ]
    for pair, votes in result.pairwise.items():
        assert str(votes) in cells, pair
    desc = root.findtext("svg:desc", namespaces=NS, default="")
    assert "Amendment A over Keep the text: 5" in desc
    assert "Dropped Amendment B: fails 5:1 majority against “Keep the text” (V=8:2)." in desc


def test_ranked_chart_caption_stands_clear_of_the_table() -> None:
    result = count_ranked(["A", "B", "K"], [{"A": 1, "B": 2}] * 3, default="K")
    root = parse(ranked_result_svg(result, title="gap"))
    cells = root.findall("svg:rect", NS)[1:]
    table_bottom = max(float(r.get("y", 0)) + float(r.get("height", 0)) for r in cells)
    texts = root.iter("{http://www.w3.org/2000/svg}text")
    winner = next(t for t in texts if (t.text or "").startswith("Winner"))
    # The caption's baseline is at least a line of text (14 px) below the last row.
    assert float(winner.get("y", 0)) - table_bottom >= 14


def test_ranked_chart_reports_a_tie() -> None:
    result = count_ranked(["A", "B"], [{"A": 1}, {"B": 1}])
    text = visible_text(parse(ranked_result_svg(result, title="tie")))
    assert "Unresolved tie between A, B." in text
    assert "A (tied for place 1)" in text


def test_turnout_chart() -> None:
    root = parse(turnout_svg(150, 300, 100, title="Turnout"))
    text = visible_text(root)
    assert "150 of 300 eligible voted (50%)" in text
    assert "Quorum: 100 votes (33.3% of the roll), reached." in text
    short = visible_text(parse(turnout_svg(40, 300, 100.5, title="Turnout")))
    assert "Quorum: 100.5 votes (33.5% of the roll), not reached." in short
    weighted = visible_text(parse(turnout_svg(Fraction(7, 2), 10, Fraction(10, 3), title="w")))
    assert "3.5 of 10 eligible voted (35%)" in weighted
    assert parse(turnout_svg(0, 0, None, title="Empty roll")).find("svg:line", NS) is None
    with pytest.raises(ValueError):
        turnout_svg(-1, 10, None, title="bad")
    with pytest.raises(ValueError):
        turnout_svg(1, float("nan"), None, title="bad")


def test_hostile_text_is_escaped_everywhere() -> None:
    simple = simple_result_svg(count_simple(1, 0, 0), title=HOSTILE)
    ranked = ranked_result_svg(
        count_ranked(["<b>", "x"], [{"<b>": 1}], default="x"),
        labels={"<b>": HOSTILE, "x": HOSTILE + "2"},
        title=HOSTILE,
    )
    turnout = turnout_svg(1, 2, 1, title=HOSTILE)
    for svg in (simple, ranked, turnout):
        assert "<script" not in svg
        root = parse(svg)
        title = root.findtext("svg:title", namespaces=NS, default="")
        assert '<script>alert("x")</script>' in title
        assert "\x00" not in title
    assert '<script>alert("x")</script>' in visible_text(ET.fromstring(ranked))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=4, unique=True),
    st.text(max_size=40),
)
def test_any_labels_give_well_formed_svg(names: list[str], title: str) -> None:
    result = count_ranked(names, [{names[0]: 1}])
    svg = ranked_result_svg(result, labels={n: n * 2 for n in names}, title=title)
    parse(svg)


def test_blank_title_falls_back_to_a_name() -> None:
    root = parse(turnout_svg(1, 2, None, title="  "))
    assert root.findtext("svg:title", namespaces=NS) == "Turnout"
