"""Benchmark the charter engine's database paths: importing and exporting a 400-clause charter,
and merging one amendment while 200 pending amendments on the same clause are rebased.

    .venv/bin/python bench/bench_engine.py [--postgres URL]

Each figure is the median of several runs on a fresh database, printed beside a baseline measured
in the same run on the same machine: the bare cost of inserting the same number of rows with one
executemany, so that the ratio says what the engine adds on top of the database itself.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

import charter_engine.models  # noqa: F401
from charter_engine import migrate
from charter_engine.accounts.operations import create_user
from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.operations import propose_amendment
from charter_engine.charters.operations import import_charter
from charter_engine.charters.queries import current_entries, get_revision, revision_text
from charter_engine.db import make_engine, make_session_factory

RUNS = 5


def charter_text(clauses: int) -> str:
    parts = ["# Charter\n\n"]
    for i in range(clauses - 1):
        if i % 10 == 0:
            parts.append(f"## Article {i // 10 + 1}\n\n")
        else:
            parts.append(
                f"Clause {i}: the members of the Core Group agree that decisions on topic {i} are "
                "taken openly, recorded in the minutes and published to every member in time.\n\n"
            )
    return "".join(parts)


def fresh(url: str | None) -> tuple[Engine, sessionmaker[Session]]:
    if url is None:
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
    else:
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    migrate.upgrade(engine)
    return engine, make_session_factory(engine)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_import(url: str | None) -> tuple[float, float, float]:
    document = charter_text(400)
    imports, exports, baselines = [], [], []
    for _ in range(RUNS):
        engine, factory = fresh(url)
        with factory() as session:
            sec = create_user(session, email="s@example.org", name="S", role="secretariat")
            session.commit()
            start = time.perf_counter()
            charter = import_charter(session, title="Bench", text=document, actor=sec)
            session.commit()
            imports.append(time.perf_counter() - start)
            start = time.perf_counter()
            out = revision_text(session, get_revision(session, charter))
            exports.append(time.perf_counter() - start)
            assert out == document
            # Baseline: the same number of rows, inserted raw in one executemany.
            session.execute(text("CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, body TEXT)"))
            session.commit()
            rows = [{"id": i, "body": document[i * 100 : i * 100 + 100]} for i in range(1200)]
            start = time.perf_counter()
            session.execute(text("INSERT INTO bench_rows (id, body) VALUES (:id, :body)"), rows)
            session.commit()
            baselines.append(time.perf_counter() - start)
        engine.dispose()
    return median_ms(imports), median_ms(exports), median_ms(baselines)


def rebase_case(size: str) -> tuple[str, list[str], str]:
    """A clause, 200 pending rewrites of it, and the rewrite that is merged first.

    ``prose``: a 1.2 KB clause of 24 sentences; a quarter of the pending amendments edit the
    sentence the merged one edits (they conflict), the rest edit other sentences.
    ``long``: a 4.4 KB clause of 220 short sentences, each amendment editing one of them.
    """
    if size == "prose":
        sentences = [f"Sentence {i} sets a rule for topic {i} of the group." for i in range(24)]
        clause = " ".join(sentences) + "\n\n"
        pending = []
        for i in range(200):
            k = 0 if i % 4 == 0 else 1 + i % 23
            old = f"Sentence {k} sets a rule"
            pending.append(clause.replace(old, f"Sentence {k} sets rule {i}", 1))
        merged = clause.replace("for topic 0 of", "for the first topic of")
        return clause, pending, merged
    clause = " ".join(f"Rule w{i} applies." for i in range(220)) + "\n\n"
    pending = [
        clause.replace(f" {'w5' if i >= 150 else f'w{i + 10}'} ", f" W{i}x ", 1) for i in range(200)
    ]
    return clause, pending, clause.replace(" w5 ", " five ")


def bench_rebase(url: str | None, size: str) -> tuple[float, float, int, int]:
    clause, texts, merged = rebase_case(size)
    samples, baselines = [], []
    clean = conflicted = 0
    for _ in range(RUNS):
        engine, factory = fresh(url)
        with factory() as session:
            sec = create_user(session, email="s@example.org", name="S", role="secretariat")
            author = create_user(session, email="a@example.org", name="A")
            charter = import_charter(session, title="Bench", text="# C\n\n" + clause, actor=sec)
            clause_id = current_entries(session, charter)[1][0]
            for i, new in enumerate(texts):
                propose_amendment(
                    session,
                    charter,
                    actor=author,
                    title=f"E{i}",
                    submit=True,
                    changes=[{"kind": "replace", "clause_id": clause_id, "text": new}],
                )
            merger = propose_amendment(
                session,
                charter,
                actor=author,
                title="M",
                submit=True,
                changes=[{"kind": "replace", "clause_id": clause_id, "text": merged}],
            )
            session.commit()
            start = time.perf_counter()
            merge_amendment(session, merger, actor=sec, editorial=True)
            session.commit()
            samples.append(time.perf_counter() - start)
            counts = {
                row[0]: row[1]
                for row in session.execute(
                    text("SELECT state, count(*) FROM amendments GROUP BY state")
                ).all()
            }
            clean, conflicted = counts.get("submitted", 0), counts.get("needs_rebase", 0)
            # Baseline: rewrite the same 200 proposed texts with one raw executemany.
            rows = session.execute(text("SELECT id, new_text FROM amendment_changes")).all()
            start = time.perf_counter()
            session.execute(
                text("UPDATE amendment_changes SET new_text = :t WHERE id = :i"),
                [{"i": r[0], "t": r[1] + " "} for r in rows[:200]],
            )
            session.commit()
            baselines.append(time.perf_counter() - start)
        engine.dispose()
    return median_ms(samples), median_ms(baselines), clean, conflicted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=None, help="also run on this PostgreSQL database")
    args = parser.parse_args()
    backends: list[tuple[str, str | None]] = [("SQLite", None)]
    if args.postgres:
        backends.append(("PostgreSQL", args.postgres))
    print(f"{'backend':<11} {'what':<44} {'median':>10} {'baseline':>10} {'ratio':>7}")
    for label, url in backends:
        imp, exp, base = bench_import(url)
        print(
            f"{label:<11} {'import 400-clause charter (goal < 1000 ms)':<44} {imp:>8.1f}ms "
            f"{base:>8.1f}ms {imp / base:>6.1f}x"
        )
        print(f"{label:<11} {'export it (reconstruct the text)':<44} {exp:>8.1f}ms")
        for size, label_text in (("prose", "1.2 KB clause"), ("long", "4.4 KB clause")):
            reb, base, clean, conflicted = bench_rebase(url, size)
            what = f"merge + rebase 200 pending, {label_text}"
            print(
                f"{label:<11} {what:<44} {reb:>8.1f}ms {base:>8.1f}ms {reb / base:>6.1f}x"
                f"  ({clean} clean, {conflicted} conflicted)"
            )
    print(
        f"(median of {RUNS} runs each; baseline = the same rows written raw in one executemany;"
        " goals: import < 1000 ms, rebase of 200 < 200 ms)"
    )


if __name__ == "__main__":
    main()
