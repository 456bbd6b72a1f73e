"""The redline colours of the stylesheet meet WCAG 2 contrast: inserted and deleted text stays
readable on its tint, and the insertion's underline stands out from the page (non-text contrast)."""

from __future__ import annotations

import re
from pathlib import Path

STYLESHEET = Path(__file__).resolve().parents[2] / "charter_engine" / "web" / "static" / "app.css"


def _variables() -> dict[str, str]:
    root = STYLESHEET.read_text(encoding="utf-8").split(":root", 1)[1].split("}", 1)[0]
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root))


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula_matches_known_values() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


def test_redline_colours_meet_wcag() -> None:
    v = _variables()
    # Text on its tint: AA for body text (4.5), and in fact well above.
    assert contrast(v["ins-text"], v["ins"]) >= 7
    assert contrast(v["del-text"], v["del"]) >= 7
    # The insertion's underline against the page and against its own tint: non-text contrast 3.
    assert contrast(v["ins-line"], v["bg"]) >= 3
    assert contrast(v["ins-line"], v["ins"]) >= 3
    # The tint itself is visibly darker than the page (it was 1.1:1, too pale to notice).
    assert contrast(v["ins"], v["bg"]) >= 1.3
