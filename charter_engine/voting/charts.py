"""Accessible SVG charts of vote results, built as plain strings.

Each function returns one standalone ``<svg>`` document: ``role="img"`` with a ``<title>`` and a
``<desc>`` that says in words everything the picture shows, every number written out as text next to
its bar or cell, and no scripts, styles sheets, fonts or images from elsewhere. Every piece of text
that comes from users (titles, option labels, reasons) is escaped, and characters XML cannot hold
are removed, so a hostile label can neither break the document nor inject markup.

Colours are chosen for contrast on the white background: bars and lines at least 3:1 (WCAG 1.4.11
for graphics), text at least 4.5:1, and no meaning is carried by colour alone (every bar and cell
has a text label).
"""

from __future__ import annotations

import hashlib
import math
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from html import escape

from charter_engine.voting.tally import RankedResult, SimpleResult

__all__ = ["ranked_result_svg", "simple_result_svg", "turnout_svg"]

BACKGROUND = "#ffffff"
TEXT = "#1a1a1a"
MUTED_TEXT = "#4a4a4a"
YES = "#1a7f37"
NO = "#b42318"
ABSTAIN = "#5f6b7a"
TRACK = "#767676"
MARKER = "#1a1a1a"
WIN_CELL = "#d1f0d9"
LOSS_CELL = "#fbd9d5"
EVEN_CELL = "#e8e8e8"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
FONT_SIZE = 14
CHAR_WIDTH = 8.0  # a generous average advance at FONT_SIZE, for layout only

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_THRESHOLD_TEXT = {
    "simple": "more than half",
    "two_thirds": "two thirds",
    "three_quarters": "three quarters",
    "consensus": "consensus (no votes against)",
}
_THRESHOLD_SHARE = {
    "simple": Fraction(1, 2),
    "two_thirds": Fraction(2, 3),
    "three_quarters": Fraction(3, 4),
}


def _text(value: object) -> str:
    """Escape text for XML content and attributes."""
    return escape(_XML_INVALID.sub("", str(value)), quote=True)


def _number(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction | Decimal):
        return str(value)
    exact = Fraction(value)
    if exact.denominator == 1:
        return f"{exact.numerator:,}".replace(",", "\u2009")
    return f"{float(exact):.2f}".rstrip("0").rstrip(".")


def _percent(part: float, whole: float) -> str:
    if whole <= 0:
        return "–"
    text = f"{100 * part / whole:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _checked(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction | Decimal):
        raise ValueError(f"{what} must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{what} must be a finite, non-negative number, not {value!r}")
    return number


def _width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def _label(x: float, y: float, text: str, *, anchor: str = "start", **attrs: str) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{_text(val)}"' for key, val in attrs.items())
    fill = "" if "fill" in attrs else f' fill="{TEXT}"'
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{fill}{extra}>{_text(text)}</text>'


def _title(title: str, fallback: str) -> str:
    # An image without a name is invisible to screen readers; never emit an empty <title>.
    cleaned = _XML_INVALID.sub("", str(title)).strip()
    return cleaned or fallback


def _document(width: float, height: float, title: str, desc: str, body: Iterable[str]) -> str:
    ident = "chart-" + hashlib.sha256(f"{title}\n{desc}".encode()).hexdigest()[:12]
    width, height = math.ceil(width), math.ceil(height)
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{ident}-title {ident}-desc" '
            f'font-family="{_text(FONT)}" font-size="{FONT_SIZE}">',
            f'<title id="{ident}-title">{_text(title)}</title>',
            f'<desc id="{ident}-desc">{_text(desc)}</desc>',
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="{BACKGROUND}"/>',
            *body,
            "</svg>",
        ]
    )


def _heading(title: str, width: float) -> tuple[list[str], float]:
    lines = textwrap.wrap(title, width=max(20, int((width - 32) / 9))) or [""]
    body = [
        _label(16, 28 + 20 * k, line, font_size="16", font_weight="bold")
        for k, line in enumerate(lines)
    ]
    return body, 28 + 20 * (len(lines) - 1) + 16


def _paragraph(text: str, y: float, width: float, *, fill: str = TEXT) -> tuple[list[str], float]:
    lines = textwrap.wrap(text, width=max(20, int((width - 32) / CHAR_WIDTH))) or [""]
    body = [_label(16, y + 18 * k, line, fill=fill) for k, line in enumerate(lines)]
    return body, y + 18 * len(lines)


# ----------------------------------------------------------------------------------------------


def simple_result_svg(result: SimpleResult, *, title: str) -> str:
    """Horizontal bars for yes, no and abstain with the threshold marked on the yes scale."""
    title = _title(title, "Vote result")
    yes, no, abstain = (
        _checked(result.yes, "yes"),
        _checked(result.no, "no"),
        _checked(result.abstain, "abstain"),
    )
    base = _checked(result.base, "base")
    share = _THRESHOLD_SHARE.get(result.threshold)
    needed = float(share * Fraction(base)) if share is not None else None
    scale = max(yes, no, abstain, needed or 0.0)

    label_width, bar_width = 90.0, 360.0
    rows = [
        ("Yes", yes, YES),
        ("No", no, NO),
        ("Abstain", abstain, ABSTAIN),
    ]
    texts = []
    for name, value, _ in rows:
        counted = name != "Abstain" or result.abstentions_count
        suffix = f" ({_percent(value, base)})" if counted and base > 0 else ""
        if not counted and value:
            suffix = " (not counted)"
        texts.append(f"{_number(value)}{suffix}")
    width = max(
        16 + label_width + bar_width + 16 + max(_width(t) for t in texts) + 16,
        _width(result.reason) / 2 + 40,
        480.0,
    )
    body, y = _heading(title, width)
    y += 20
    for (name, value, colour), text in zip(rows, texts, strict=True):
        length = 0.0 if scale <= 0 else bar_width * value / scale
        body.append(_label(16, y + 17, name))
        body.append(
            f'<rect x="{16 + label_width:.1f}" y="{y:.1f}" width="{length:.1f}" height="24" '
            f'fill="{colour}"/>'
        )
        body.append(_label(16 + label_width + length + 8, y + 17, text))
        y += 34
    if needed is not None and scale > 0:
        x = 16 + label_width + bar_width * needed / scale
        body.append(
            f'<line x1="{x:.1f}" y1="{y - 3 * 34 - 6:.1f}" x2="{x:.1f}" y2="{y - 4:.1f}" '
            f'stroke="{MARKER}" stroke-width="2" stroke-dasharray="6 3"/>'
        )
        marker = f"Threshold: {_THRESHOLD_TEXT[result.threshold]} = {_number(needed)} yes"
        anchor = "end" if x > width / 2 else "start"
        body.append(_label(x, y + 12, marker, anchor=anchor, fill=MUTED_TEXT))
        y += 20
    elif result.threshold == "consensus":
        body.append(_label(16, y + 12, "Threshold: consensus (no votes against)", fill=MUTED_TEXT))
        y += 20
    if result.quorum is not None:
        quorum_text = (
            f"Quorum: {_number(result.quorum)} votes, {_number(result.participation)} cast "
            f"({'reached' if result.quorum_met else 'not reached'})"
        )
        body.append(_label(16, y + 12, quorum_text, fill=MUTED_TEXT))
        y += 20
    outcome, y = _paragraph(result.reason, y + 20, width)
    body += outcome

    abstentions = "abstentions counted" if result.abstentions_count else "abstentions not counted"
    quorum_sentence = ""
    if result.quorum is not None:
        reached = "reached" if result.quorum_met else "not reached"
        quorum_sentence = f"Quorum {_number(result.quorum)}: {reached}. "
    desc = (
        f"Yes {_number(yes)}, no {_number(no)}, abstain {_number(abstain)}; "
        f"{_number(base)} counted votes ({abstentions}). "
        f"Threshold: {_THRESHOLD_TEXT[result.threshold]}"
        + (f", {_number(needed)} yes. " if needed is not None else ". ")
        + quorum_sentence
        + result.reason
    )
    return _document(width, y + 12, title, desc, body)


# ----------------------------------------------------------------------------------------------


def ranked_result_svg(
    result: RankedResult, *, labels: Mapping[str, str] | None = None, title: str
) -> str:
    """A pairwise table: each cell says how many voters preferred the row option to the column one.

    Rows and columns follow the final ranking. Cells where the row option wins the pair are green,
    losses red and even pairs grey; the numbers are always written in the cells.
    """
    title = _title(title, "Ranked vote result")
    labels = labels or {}
    order = [option for tier in result.ranking for option in tier]
    place: dict[str, int] = {}
    position = 1
    for tier in result.ranking:
        for option in tier:
            place[option] = position
        position += len(tier)

    def name(option: str) -> str:
        return str(labels.get(option, option))

    def row_title(option: str) -> str:
        notes = []
        if option == result.winner:
            notes.append("winner")
        tier = next(tier for tier in result.ranking if option in tier)
        if len(tier) > 1:
            notes.append(f"tied for place {place[option]}")
        if option == result.default:
            notes.append("default")
        if option in result.dropped:
            notes.append("dropped")
        tail = f" ({', '.join(notes)})" if notes else ""
        return f"{name(option)}{tail}"

    # Rows and columns are marked with letters: numbers would read as amendment numbers.
    marks = [_column_mark(k) for k in range(len(order))]
    cell = max(
        [56.0]
        + [_width(_number(v)) + 16 for v in result.pairwise.values()]
        + [_width(mark) + 16 for mark in marks]
    )
    header_width = max(_width(f"{marks[k]}  " + row_title(o)) for k, o in enumerate(order)) + 24
    table_width = header_width + cell * len(order)
    width = max(table_width + 32, 480.0)

    body, y = _heading(title, width)
    intro, y = _paragraph(
        "Each cell: voters preferring the row option to the column option "
        "(green: row wins the pair, red: row loses, grey: even).",
        y + 22,
        width,
        fill=MUTED_TEXT,
    )
    body += intro
    y += 8
    x0 = 16 + header_width
    for k in range(len(order)):
        body.append(_label(x0 + cell * k + cell / 2, y + 14, marks[k], anchor="middle"))
    y += 24
    for r, row in enumerate(order):
        body.append(_label(16, y + 19, f"{marks[r]}  {row_title(row)}"))
        for c, column in enumerate(order):
            x = x0 + cell * c
            if row == column:
                fill, text = BACKGROUND, "–"
            else:
                ahead, behind = result.pairwise[row, column], result.pairwise[column, row]
                fill = WIN_CELL if ahead > behind else LOSS_CELL if ahead < behind else EVEN_CELL
                text = _number(ahead)
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell:.1f}" height="28" fill="{fill}" '
                f'stroke="{TRACK}" stroke-width="1"/>'
            )
            body.append(_label(x + cell / 2, y + 19, text, anchor="middle"))
        y += 28

    summary = _ranked_summary(result, name)
    # The first baseline sits a full line below the table, so the caption never touches its last
    # row.
    y += 8
    for sentence in summary:
        lines, y = _paragraph(sentence, y + 18, width)
        body += lines
    pairs = "; ".join(
        f"{name(a)} over {name(b)}: {_number(result.pairwise[a, b])}"
        for a in order
        for b in order
        if a != b
    )
    desc = " ".join(summary) + f" Pairwise preferences: {pairs}."
    return _document(width, y + 12, title, desc, body)


def _column_mark(index: int) -> str:
    """A, B, … Z, then AA, AB, …: the letter naming a row and its column."""
    mark = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        mark = chr(ord("A") + rest) + mark
    return mark


def _ranked_summary(result: RankedResult, name: Callable[[str], str]) -> list[str]:
    sentences = []
    if result.winner is not None:
        sentences.append(f"Winner: {name(result.winner)}.")
    else:
        tied = ", ".join(name(o) for o in result.potential_winners)
        sentences.append(f"Unresolved tie between {tied}.")
    tiers = [" = ".join(name(o) for o in tier) for tier in result.ranking]
    sentences.append("Ranking: " + " > ".join(tiers) + ".")
    for option, reason in result.dropped.items():
        if result.default is not None:
            # Reasons name the default by its key; members know it by its label.
            reason = reason.replace(repr(result.default), f"“{name(result.default)}”")
        sentences.append(f"Dropped {name(option)}: {reason}.")
    return sentences


# ----------------------------------------------------------------------------------------------


def turnout_svg(
    voted: int | float | Fraction,
    eligible: int | float | Fraction,
    quorum: int | float | Fraction | None,
    *,
    title: str,
) -> str:
    """One bar of the roll, filled by the votes cast, with the quorum marked.

    ``quorum`` is the number of votes needed (as in ``count_simple``), not a share of the roll.
    """
    title = _title(title, "Turnout")
    cast = _checked(voted, "voted")
    roll = _checked(eligible, "eligible")
    needed = None if quorum is None else _checked(quorum, "quorum")
    scale = max(roll, cast, needed or 0.0)

    bar_width = 420.0
    share = _percent(cast, roll)
    main = f"{_number(voted)} of {_number(eligible)} eligible voted ({share})"
    width = max(16 + bar_width + 16, _width(main) + 32, 480.0)
    body, y = _heading(title, width)
    y += 20
    filled = 0.0 if scale <= 0 else bar_width * cast / scale
    total = 0.0 if scale <= 0 else bar_width * roll / scale
    body.append(
        f'<rect x="16" y="{y:.1f}" width="{total:.1f}" height="28" fill="{BACKGROUND}" '
        f'stroke="{TRACK}" stroke-width="1"/>'
    )
    body.append(f'<rect x="16" y="{y:.1f}" width="{filled:.1f}" height="28" fill="{YES}"/>')
    if needed is not None and scale > 0:
        x = 16 + bar_width * needed / scale
        body.append(
            f'<line x1="{x:.1f}" y1="{y - 6:.1f}" x2="{x:.1f}" y2="{y + 34:.1f}" '
            f'stroke="{MARKER}" stroke-width="2" stroke-dasharray="6 3"/>'
        )
    y += 28
    body.append(_label(16, y + 22, main))
    y += 22
    sentences = [f"Turnout: {main}."]
    if needed is not None:
        reached = cast >= needed
        quorum_text = (
            f"Quorum: {_number(quorum)} votes ({_percent(needed, roll)} of the roll), "
            f"{'reached' if reached else 'not reached'}."
        )
        body.append(_label(16, y + 22, quorum_text, fill=MUTED_TEXT))
        y += 22
        sentences.append(quorum_text)
    return _document(width, y + 16, title, " ".join(sentences), body)
