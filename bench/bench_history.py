"""Benchmark of the history views: the redline of two 400-clause revisions and blame over the
shared real histories, each beside a baseline measured in the same run.

    .venv/bin/python bench/bench_history.py

* Redline: a 400-clause charter made of the shared histories' own paragraphs, lists and
  headings, and a revision of it with 40 clauses reworded, 10 inserted, 10 deleted, 5 moved and 5
  re-wrapped. Timed: the clause-level redline with word diffs (``text.redline.redline``); the
  same rendered as the compare page shows it (changed clauses, then every clause), with the
  rendering caches emptied before each run; and the whole compare through the database
  (``charters.display.revision_redline`` on SQLite, rendering included). Baseline: a plain word
  diff of the two full texts (``diff_words``), and difflib's line diff.
* Blame: every shared history replayed as merged amendments on SQLite, then the blame of its
  last revision (``publication.provenance.revision_blame``: four queries and the word alignment of
  every step). Baseline: chaining a plain word diff of each whole version to the next (what a
  blame without clause identities costs).

Needs the shared data folder (``../shared/data`` or ``CHARTER_SHARED_DATA``). Medians of RUNS.
"""

from __future__ import annotations

import difflib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_text import shared_data  # noqa: E402  (bench/ is the script's folder)

import charter_engine.models  # noqa: E402, F401
from charter_engine import migrate  # noqa: E402
from charter_engine.accounts.operations import create_user  # noqa: E402
from charter_engine.amendments.changes import apply_changes, derive_changes  # noqa: E402
from charter_engine.amendments.merging import merge_amendment  # noqa: E402
from charter_engine.amendments.operations import propose_amendment  # noqa: E402
from charter_engine.charters.display import revision_redline  # noqa: E402
from charter_engine.charters.models import Charter  # noqa: E402
from charter_engine.charters.operations import import_charter  # noqa: E402
from charter_engine.charters.queries import get_revision, revision_text  # noqa: E402
from charter_engine.db import make_engine, make_session_factory  # noqa: E402
from charter_engine.publication.provenance import revision_blame  # noqa: E402
from charter_engine.text import classify_block, diff_words, split_document  # noqa: E402
from charter_engine.text.diff import diff_tokens  # noqa: E402
from charter_engine.text.marks import clear_caches  # noqa: E402
from charter_engine.text.redline import Side, redline, render_entries  # noqa: E402
from charter_engine.text.tokens import tokenize  # noqa: E402
from tests.integration.charters.history import read_versions, replay_history  # noqa: E402

RUNS = 7


def versions(name: str) -> list[str]:
    return read_versions(shared_data() / "histories" / name)


def median_ms(
    func: Callable[[], object], runs: int = RUNS, before: Callable[[], None] | None = None
) -> float:
    func()  # warm-up
    samples = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


# ---------------------------------------------------------------------------------------------
# the redline


def charter_pair() -> tuple[str, str]:
    """A 400-clause Markdown charter from real paragraphs, and a revision of it."""
    pool = [
        b.text
        for name in ("cncf-charter",)
        for b in split_document(versions(name)[-1], "markdown")
        if b.kind in ("paragraph", "list") and len(b.text) > 80
    ]
    blocks = ["# Charter\n\n"]
    article = 0
    while len(blocks) < 400:
        if len(blocks) % 10 == 1:
            article += 1
            blocks.append(f"## Article {article}\n\n")
        else:
            blocks.append(pool[len(blocks) % len(pool)].rstrip("\n") + "\n\n")
    old = list(blocks)
    new = list(blocks)
    for i in range(5, 400, 10):  # 40 reworded
        words = new[i].split(" ")
        words[len(words) // 2] = "substantially"
        words.insert(3, "always")
        new[i] = " ".join(words).replace("shall", "must", 1)
    for i in range(7, 400, 40):  # 10 re-wrapped
        new[i] = new[i].replace(" ", "\n", 2)
    moved = [new.pop(i) for i in (350, 300, 250, 200, 150)]  # 5 moved to the front
    new[2:2] = moved
    for i in range(390, 10, -39):  # 10 deleted
        del new[i]
    for i in range(15, 400, 40):  # 10 inserted
        new.insert(i, f"A new clause number {i} says what the members agreed at their meeting.\n\n")
    return "".join(old), "".join(new)


def engine_sides(old_text: str, new_text: str) -> tuple[list[Side], list[Side]]:
    """Both revisions with clause identities as the engine gives them when the new text is
    proposed as an edit of the whole document and merged (``amendments.changes``)."""
    old_blocks = split_document(old_text, "markdown")
    pairs = [(index, block.text) for index, block in enumerate(old_blocks)]
    placed = apply_changes(pairs, derive_changes(pairs, new_text, "markdown"))
    new: list[Side] = []
    for item in placed:
        for n, text in enumerate(b.text for b in split_document(item.text, "markdown")):
            key = item.key if n == 0 and item.key is not None else f"new {len(new)}"
            block = classify_block(text, "markdown")
            new.append(Side(key, text, kind=block.kind, level=block.level))
    old = [Side(i, b.text, kind=b.kind, level=b.level) for i, b in enumerate(old_blocks)]
    assert "".join(s.text for s in new) == new_text
    return old, new


def bench_redline() -> list[tuple[str, float, str]]:
    old_text, new_text = charter_pair()
    old, new = engine_sides(old_text, new_text)
    assert len(old) == 400, len(old)
    lines = redline(old, new)
    counts = lines.counts()
    rows = [
        (
            f"redline structure, {len(old)} → {len(new)} clauses ({counts['changed']} changed, "
            f"{counts['inserted']} new, {counts['deleted']} deleted, {counts['moved']} moved)",
            median_ms(lambda: redline(old, new)),
            "",
        ),
        (
            "redline + rendering of the changed clauses (rendering caches emptied)",
            median_ms(
                lambda: list(render_entries(redline(old, new), "markdown", only_changed=True)),
                before=clear_caches,
            ),
            "< 150 ms",
        ),
        (
            "redline + rendering of every clause (caches emptied)",
            median_ms(
                lambda: list(render_entries(redline(old, new), "markdown")),
                before=clear_caches,
            ),
            "",
        ),
        (
            "the same, rendering cached (a page seen before)",
            median_ms(lambda: list(render_entries(redline(old, new), "markdown"))),
            "",
        ),
        (
            "baseline: diff_words of the two whole texts",
            median_ms(lambda: diff_words(old_text, new_text)),
            "",
        ),
        (
            "baseline: difflib line diff of the two texts",
            median_ms(
                lambda: list(
                    difflib.unified_diff(old_text.splitlines(), new_text.splitlines(), lineterm="")
                )
            ),
            "",
        ),
    ]
    return rows


def fresh_database() -> sessionmaker[Session]:
    path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    return make_session_factory(engine)


def bench_redline_database() -> list[tuple[str, float, str]]:
    old_text, new_text = charter_pair()
    with fresh_database()() as session:
        sec = create_user(session, email="s@example.org", name="S", role="secretariat")
        charter = import_charter(session, title="Bench", text=old_text, actor=sec)
        amendment = propose_amendment(
            session, charter, actor=sec, title="Revise", base_revision=1, text=new_text, submit=True
        )
        merge_amendment(session, amendment, actor=sec, editorial=True)
        session.commit()

        def compare() -> None:
            list(revision_redline(session, charter, 1, 2).rendered(only_changed=True))
            session.rollback()

        def plain() -> None:
            diff_words(
                revision_text(session, get_revision(session, charter, 1)),
                revision_text(session, get_revision(session, charter, 2)),
            )
            session.rollback()

        return [
            (
                "SQLite: compare revisions 1 and 2 (load, redline, render changed; caches emptied)",
                median_ms(compare, before=clear_caches),
                "< 150 ms",
            ),
            ("baseline: load both texts and diff_words them", median_ms(plain), ""),
        ]


# ---------------------------------------------------------------------------------------------
# blame


def plain_blame(texts: list[str]) -> None:
    tokens = tokenize(texts[0])
    origins = [0] * len(tokens)
    for step, text in enumerate(texts[1:], start=1):
        new = tokenize(text)
        attributed = [step] * len(new)
        a = b = 0
        for op, count in diff_tokens(tokens, new):
            if op == 0:
                attributed[b : b + count] = origins[a : a + count]
            if op != 1:
                a += count
            if op != -1:
                b += count
        tokens, origins = new, attributed


def bench_blame() -> list[tuple[str, float, str]]:
    rows = []
    factory = fresh_database()
    folder = shared_data() / "histories"
    for name in sorted(p.name for p in folder.iterdir() if p.is_dir()):
        texts = versions(name)
        with factory() as session:
            sec = create_user(session, email=f"{name}@example.org", name="S", role="secretariat")
            charter, _versions = replay_history(session, sec, name, texts)

            def blame_it(session: Session = session, charter: Charter = charter) -> None:
                revision_blame(session, charter)
                session.rollback()

            rows.append(
                (
                    f"SQLite: blame of {name} ({charter.head_revision_number} revisions, "
                    f"{len(texts[-1].encode()) // 1000} KB)",
                    median_ms(blame_it),
                    "< 200 ms",
                )
            )
        rows.append(
            (
                f"baseline: chained plain word diffs of the {len(texts)} whole versions",
                median_ms(partial(plain_blame, texts), runs=3),
                "",
            )
        )
    return rows


def main() -> None:
    print(f"{'measure':<100} {'median':>10}  goal")
    for title, rows in (
        ("Redline of two 400-clause revisions (pure)", bench_redline()),
        ("Redline through the database", bench_redline_database()),
        ("Blame of the shared histories", bench_blame()),
    ):
        print(f"\n{title}")
        for label, ms, goal in rows:
            print(f"  {label:<98} {ms:>8.1f} ms  {goal}")


if __name__ == "__main__":
    main()
