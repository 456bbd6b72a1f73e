"""Real concurrent edits of governance texts: a clean merge must be what people committed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from charter_engine.text import merge3, overlap_of
from tests.shared_data import require_shared_data


def _cases() -> list[str]:
    from tests.shared_data import shared_data_dir

    index = shared_data_dir() / "merges" / "cases.tsv"
    if not index.exists():
        return ["(missing)"]
    with index.open(encoding="utf-8", newline="") as handle:
        return [row["case"] for row in csv.DictReader(handle, delimiter="\t")]


def _read(folder: Path, stem: str) -> str:
    (path,) = [p for p in folder.iterdir() if p.name.split(".", 1)[0] == stem]
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def _classification(root: Path, case: str) -> str:
    with (root / "cases.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["case"] == case:
                return row["classification"]
    raise AssertionError(f"{case} not in cases.tsv")


def test_all_cases_are_indexed() -> None:
    root = require_shared_data("merges")
    cases = _cases()
    assert len(cases) == 35
    assert sorted(cases) == sorted(p.name for p in root.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", _cases())
def test_real_merge(case: str) -> None:
    root = require_shared_data("merges")
    folder = root / case
    classification = _classification(root, case)
    base, ours, theirs, merged = (_read(folder, s) for s in ("base", "a", "b", "merged"))
    result = merge3(base, ours, theirs)
    if classification == "clean-identical":
        assert result.clean, [c.base[:200] for c in result.conflicts]
        assert result.text == merged
    else:
        assert classification == "conflict"
        assert result.text is None or result.text == merged, "silent corruption"
        for conflict in result.conflicts:
            assert base[conflict.base_start : conflict.base_end] == conflict.base
            # What the author is told both sides touch is a stretch of the conflict.
            overlap = overlap_of(conflict)
            assert conflict.base[overlap.start : overlap.end] == overlap.base
            assert overlap.ours in conflict.ours and overlap.theirs in conflict.theirs
    swapped = merge3(base, theirs, ours)
    assert swapped.clean == result.clean
    if classification == "clean-identical":
        assert swapped.text == merged
