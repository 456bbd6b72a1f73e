"""Real charters, version by version: byte-identical import/export and replayed amendments."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from charter_engine.text import (
    align_blocks,
    apply_block_ops,
    diff_words,
    join_blocks,
    merge3,
    split_document,
)
from tests.shared_data import require_shared_data

from .test_align import check_ops


def _versions(name: str) -> list[Path]:
    folder = require_shared_data("histories", name)
    files = sorted(p for p in folder.iterdir() if p.name.startswith("v"))
    assert len(files) >= 2
    return files


def _read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


HISTORIES = ["cncf-charter", "pep-0013"]


@pytest.mark.parametrize("name", HISTORIES)
def test_every_version_round_trips(name: str) -> None:
    for path in _versions(name):
        text = _read(path)
        blocks = split_document(text)
        assert join_blocks(blocks) == text, path.name
        assert len(blocks) > 5


def test_history_structure() -> None:
    cncf = split_document(_read(_versions("cncf-charter")[-1]))
    assert any(b.kind == "heading" and b.heading == "3. Values." for b in cncf)
    pep = split_document(_read(_versions("pep-0013")[-1]))
    levels = {b.heading: b.level for b in pep if b.kind == "heading"}
    assert levels["Abstract"] == 1
    assert levels["The steering council"] == 2
    assert levels["Composition"] == 3


@pytest.mark.parametrize("name", HISTORIES)
def test_replaying_every_amendment(name: str) -> None:
    versions = [_read(p) for p in _versions(name)]
    for before, after in pairwise(versions):
        old = [b.text for b in split_document(before)]
        new = [b.text for b in split_document(after)]
        ops = check_ops(old, new)
        assert "".join(apply_block_ops(old, new, ops)) == after
        assert align_blocks(old, new) == ops


@pytest.mark.parametrize("name", HISTORIES)
def test_word_diffs_between_versions(name: str) -> None:
    versions = [_read(p) for p in _versions(name)]
    for before, after in pairwise(versions):
        pieces = diff_words(before, after)
        assert "".join(t for op, t in pieces if op != 1) == before
        assert "".join(t for op, t in pieces if op != -1) == after


@pytest.mark.parametrize("name", HISTORIES)
def test_competing_amendments(name: str) -> None:
    versions = [_read(p) for p in _versions(name)]
    for k in range(0, len(versions) - 2):
        base, ours, theirs = versions[k], versions[k + 1], versions[k + 2]
        assert merge3(base, ours, ours).text == ours
        assert merge3(base, base, theirs).text == theirs
        result = merge3(base, ours, theirs)
        swapped = merge3(base, theirs, ours)
        assert (result.clean, result.text) == (swapped.clean, swapped.text)
        for conflict in result.conflicts:
            assert base[conflict.base_start : conflict.base_end] == conflict.base
