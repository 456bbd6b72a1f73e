"""Benchmark of the text engine: word diffs (against difflib), merges and document import.

The rebase burst rows time what merging an amendment costs: every other pending amendment of
the clause is rebased with ``merge3(base, its text, new current text)``, the same base and new
text each time. They are compared with the same calls made with the merge caches cleared
before each call.

Run with ``.venv/bin/python bench/bench_text.py``; needs the shared data folder
(``../shared/data`` or ``CHARTER_SHARED_DATA``). Prints medians over repeated runs.
"""

from __future__ import annotations

import difflib
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from charter_engine.text import (  # noqa: E402
    diff_words,
    join_blocks,
    merge3,
    split_document,
    tokenize,
)
from charter_engine.text.merge_words import clear_caches  # noqa: E402


def shared_data() -> Path:
    override = os.environ.get("CHARTER_SHARED_DATA")
    path = Path(override) if override else ROOT.parent / "shared" / "data"
    if not path.exists():
        sys.exit(f"shared data not found at {path} (set CHARTER_SHARED_DATA)")
    return path


def read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def median_seconds(func: Callable[[], object], repeat: int) -> float:
    func()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def difflib_words(old: str, new: str) -> Sequence[tuple[str, int, int, int, int]]:
    matcher = difflib.SequenceMatcher(None, tokenize(old), tokenize(new), autojunk=False)
    return matcher.get_opcodes()


def clause_pair(history: Path) -> tuple[str, str]:
    """A ~1.2 KB clause of the CNCF charter and a realistic amendment of it."""
    text = read(history / "v015.md")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    clause = ""
    for paragraph in paragraphs:
        clause = (clause + "\n\n" + paragraph) if clause else paragraph
        if len(clause) >= 1150:
            break
    amended = (
        clause.replace("shall", "must", 2)
        .replace("the ", "the relevant ", 1)
        .replace(", ", "; ", 1)
        .replace(".", ", as decided by the Governing Board.", 1)
    )
    words = amended.split(" ")
    del words[len(words) // 2 : len(words) // 2 + 4]
    return clause, " ".join(words)


def prose_clause(history: Path) -> str:
    """A ~1.2 KB one-paragraph clause of several sentences from the CNCF charter."""
    text = read(history / "v015.md")
    clause = ""
    for paragraph in text.split("\n\n"):
        if ". " not in paragraph or paragraph.lstrip()[:1] in ("#", "-", "*") or "\t" in paragraph:
            continue
        clause = (clause + " " + paragraph) if clause else paragraph
        if len(clause) >= 1150:
            break
    return clause


def short_sentences_clause() -> str:
    """A ~4.3 KB one-line clause of 220 short sentences."""
    adjectives = ["final", "binding", "public", "optional", "valid", "secret", "urgent"]
    adjectives += ["minor", "formal", "advisory"]
    return " ".join(f"Item {k} is {adjectives[k % len(adjectives)]}." for k in range(1, 221))


def rewrite_word(text: str, index: int) -> str:
    words = list(re.finditer(r"[A-Za-z]{3,}", text))
    match = words[index % len(words)]
    return text[: match.start()] + match.group().upper() + text[match.end() :]


def rebase_burst(base: str, pending: int = 200) -> tuple[str, list[str]]:
    """The new current text (one word rewritten) and ``pending`` amendments of one word each."""
    words = len(re.findall(r"[A-Za-z]{3,}", base))
    current = rewrite_word(base, words // 3)
    return current, [rewrite_word(base, (k * 7919) % words) for k in range(pending)]


def document_pairs(history: Path) -> list[tuple[str, str, str]]:
    """Real consecutive versions of the CNCF charter (~30-35 KB each)."""
    return [
        ("amendment v010->v011", read(history / "v010.md"), read(history / "v011.md")),
        ("major revision v007->v008", read(history / "v007.md"), read(history / "v008.md")),
    ]


def charter_400() -> str:
    parts = []
    for k in range(1, 401):
        parts.append(f"#### {k}. Clause number {k}\n\n")
        parts.append(
            f"The Governing Board shall decide matter {k} by a two-thirds vote of the members "
            "present, after a notice period of at least seven days, unless the Technical "
            "Oversight Committee requests an expedited decision.\n\n"
        )
        if k % 3 == 0:
            parts.append(f"-\t(a) first condition of {k}\n\n-\t(b) second condition\n\n")
    return "".join(parts)


def main() -> None:
    data = shared_data()
    history = data / "histories" / "cncf-charter"
    rows: list[tuple[str, str, str]] = []

    old, new = clause_pair(history)
    ours = median_seconds(lambda: diff_words(old, new), 200)
    theirs = median_seconds(lambda: difflib_words(old, new), 200)
    rows.append(
        (
            f"diff_words, clause ({len(old)} chars)",
            f"{ours * 1e3:.3f} ms",
            f"difflib {theirs * 1e3:.3f} ms: {theirs / ours:.1f}x faster",
        )
    )

    for label, old, new in document_pairs(history):
        ours = median_seconds(partial(diff_words, old, new), 15)
        theirs = median_seconds(partial(difflib_words, old, new), 3)
        rows.append(
            (
                f"diff_words, {label} ({len(old) // 1024} KB)",
                f"{ours * 1e3:.1f} ms",
                f"difflib {theirs * 1e3:.1f} ms: {theirs / ours:.0f}x faster",
            )
        )

    merges = data / "merges"
    per_case = []
    for case in sorted(p for p in merges.iterdir() if p.is_dir()):
        files = {p.name.split(".", 1)[0]: read(p) for p in case.iterdir()}
        base, a, b = files["base"], files["a"], files["b"]
        per_case.append(median_seconds(partial(merge3, base, a, b), 5))
    rows.append(
        (
            f"merge3, {len(per_case)} real cases",
            f"median {statistics.median(per_case) * 1e3:.2f} ms",
            f"max {max(per_case) * 1e3:.1f} ms",
        )
    )

    for label, base in (
        ("prose clause", prose_clause(history)),
        ("220 short sentences", short_sentences_clause()),
    ):
        current, pending = rebase_burst(base)

        def burst(base: str = base, current: str = current, pending: list[str] = pending) -> None:
            clear_caches()  # each burst follows a new merge: nothing about it is cached yet
            for ours in pending:
                merge3(base, ours, current)

        def uncached(
            base: str = base, current: str = current, pending: list[str] = pending
        ) -> None:
            for ours in pending:
                clear_caches()
                merge3(base, ours, current)

        clean = sum(merge3(base, ours, current).clean for ours in pending)
        cached_time = median_seconds(burst, 15)
        uncached_time = median_seconds(uncached, 15)
        rows.append(
            (
                f"rebase burst, {len(pending)} merge3 ({clean} clean), {label} ({len(base)} chars)",
                f"{cached_time * 1e3:.1f} ms",
                f"caches cleared each call {uncached_time * 1e3:.1f} ms: "
                f"{uncached_time / cached_time:.1f}x faster",
            )
        )

    charter = charter_400()
    imported = median_seconds(lambda: join_blocks(split_document(charter)), 20)
    blocks = len(split_document(charter))
    rows.append(
        (
            f"split+join, 400 clauses ({len(charter) // 1024} KB, {blocks} blocks)",
            f"{imported * 1e3:.1f} ms",
            "goal: well under 1 s",
        )
    )

    width = max(len(r[0]) for r in rows)
    print(f"{'operation':<{width}}  {'time (median)':>16}  notes")
    print("-" * (width + 50))
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>16}  {note}")


if __name__ == "__main__":
    main()
