"""Benchmark of the exports: a 400-clause charter (≈360 KB of text) as PDF, against bare
WeasyPrint laying out the very same HTML, as DOCX, and a whole release (every format).

The export rows time what a cache miss costs: reading the revision and preparing its clauses
(numbering, Markdown rendering) plus rendering the file. "bare WeasyPrint" is
``weasyprint.HTML(string=html).write_pdf()`` on the HTML the PDF export lays out, made once
beforehand. Goals: PDF ≤ 1.3 × bare WeasyPrint, DOCX < 1 s.

Run with ``.venv/bin/python bench/bench_exports.py`` (SQLite in a temporary folder). Prints
medians over repeated runs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import charter_engine.models  # noqa: F401
from charter_engine import migrate
from charter_engine.accounts.operations import create_user
from charter_engine.charters.operations import import_charter
from charter_engine.charters.queries import get_revision
from charter_engine.db import make_engine, make_session_factory
from charter_engine.publication.formats import render_export
from charter_engine.publication.formats.html import document_html
from charter_engine.publication.operations import publish_release
from charter_engine.publication.queries import export_source
from charter_engine.publication.source import ExportOptions

CLAUSES = 400
RUNS = 5
SENTENCE = (
    "The members of the Core Group agree that every decision on this matter is taken openly, "
    "recorded in the minutes with the names of those who proposed it, and published to every "
    "member and observer within ten working days of the meeting at which it was taken. "
)


def charter_text(clauses: int) -> str:
    """A title, an article heading every ten clauses, and paragraphs of ≈1,000 characters with
    some emphasis and a list now and then."""
    parts = ["# Charter of the Core Group\n\n"]
    for i in range(1, clauses):
        if i % 10 == 1:
            parts.append(f"## Article {i // 10 + 1} — Matter {i // 10 + 1}\n\n")
        elif i % 10 == 5:
            parts.append(
                "".join(f"- Item {k} of clause {i}: {SENTENCE}\n" for k in range(3)) + "\n"
            )
        else:
            parts.append(f"Clause {i}: *{SENTENCE.strip()}* " + SENTENCE * 3 + "\n\n")
    return "".join(parts)


def median_seconds(func: Callable[[], object], repeat: int = RUNS) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    from weasyprint import HTML

    path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    session = make_session_factory(engine)()
    sec = create_user(session, email="sec@example.org", name="Sec", role="secretariat")
    text = charter_text(CLAUSES)
    charter = import_charter(session, title="Bench charter", text=text, actor=sec)
    session.commit()
    revision = get_revision(session, charter)
    options = ExportOptions()

    def exported(fmt: str) -> Callable[[], object]:
        return lambda: render_export(
            fmt, export_source(session, charter, revision, annex=True), options
        )

    prepared = export_source(session, charter, revision, annex=True)
    html = document_html(prepared, options, paged=True)
    HTML(string=html).write_pdf()  # warm-up: fonts, imports

    # Bare and full PDF runs alternate, so that a change of load on the machine hits both alike.
    bare_times, pdf_times = [], []
    for _ in range(RUNS):
        bare_times.append(median_seconds(lambda: HTML(string=html).write_pdf(), repeat=1))
        pdf_times.append(median_seconds(exported("pdf"), repeat=1))
    bare, pdf = statistics.median(bare_times), statistics.median(pdf_times)
    docx = median_seconds(exported("docx"))
    prep = median_seconds(lambda: export_source(session, charter, revision, annex=True))
    pages = len(HTML(string=html).render().pages)

    def release_once() -> None:
        publish_release(session, charter, label="1.0", actor=sec)
        session.commit()

    release = median_seconds(release_once, repeat=1)
    engine.dispose()

    print(f"charter: {CLAUSES} clauses, {len(text) / 1000:.0f} KB of text; PDF: {pages} pages")
    ratio = f"{pdf / bare:.2f}× bare (goal ≤ 1.3×)"
    print(f"{'bare WeasyPrint, same HTML':<40} {bare:8.2f} s")
    print(f"{'PDF export (read + prepare + render)':<40} {pdf:8.2f} s   {ratio}")
    print(f"{'DOCX export (read + prepare + render)':<40} {docx:8.2f} s   (goal < 1 s)")
    print(f"{'reading and preparing the clauses':<40} {prep:8.2f} s")
    print(f"{'a whole release (five formats, stored)':<40} {release:8.2f} s")


if __name__ == "__main__":
    main()
