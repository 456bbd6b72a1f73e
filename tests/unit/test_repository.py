"""The repository's own text files: no half-resolved merge left in them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("README.md", "docs", "charter_engine", "templates", "tests", "bench", "migrations")
SUFFIXES = {".py", ".md", ".html", ".css", ".js", ".toml", ".txt", ".json", ".cfg", ".ini"}
MARKER = re.compile(r"^(<{7}|>{7})( |$)|^={7}$", re.MULTILINE)


def test_no_merge_conflict_markers() -> None:
    files = [ROOT / "pyproject.toml"]
    for name in CHECKED:
        path = ROOT / name
        files += [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    marked = [
        str(path.relative_to(ROOT))
        for path in files
        if path.suffix in SUFFIXES
        and MARKER.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert marked == []
