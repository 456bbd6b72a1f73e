"""Exports read back: the Markdown is the stored text byte for byte, the PDF and the DOCX show
every clause with its number, the JSON validates against its schema, and each file is made once
and then served from the cache."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine.charters.queries import get_revision, revision_clauses, revision_text
from charter_engine.errors import NotFound, ValidationError
from charter_engine.publication.exports import export_file, redline_file
from charter_engine.publication.models import ExportFile
from charter_engine.publication.operations import publish_release
from charter_engine.publication.source import ExportOptions
from tests.integration.publication.exported import (
    docx_paragraphs,
    expected_words,
    is_subsequence,
    keep_page_as_png,
    pdf_pages,
    words,
)
from tests.shared_data import require_shared_data

TEXT = """# Charter of the Test Group

## Purpose

The Group brings together
innovators from *many* countries
to draft a **shared** charter.

## Members

- Members are nominated by their organisations.
- Each organisation has one vote.

### Observers

Observers may attend every meeting.

## Decisions

Decisions are taken by simple majority.
"""


@pytest.fixture
def charter(create_charter: Callable[..., Any]) -> Any:
    return create_charter(TEXT, title="Test Group Charter")


def make_decisions_stricter(session: Session, charter: Any, secretariat: Any) -> Any:
    """Revision 2: an editorial change of the Decisions clause; returns its revision clause."""
    from charter_engine.amendments.editorial import editorial_change

    rows = revision_clauses(session, get_revision(session, charter))
    decisions = next(rc for rc in rows if rc.version.text.startswith("Decisions"))
    editorial_change(
        session,
        charter,
        clause_id=decisions.clause_id,
        text="Decisions are taken by a two-thirds majority.\n",
        reason="Stricter",
        actor=secretariat,
    )
    session.commit()
    return decisions


def test_markdown_is_the_stored_text_byte_for_byte(
    session: Session, create_charter: Callable[..., Any]
) -> None:
    for name in ("cncf-charter/v015.md", "pep-0013/v031.rst"):
        folder, file = name.split("/")
        raw = require_shared_data("histories", folder, file).read_bytes()
        charter = create_charter(raw.decode("utf-8"), title=f"History {folder}")
        delivered = export_file(session, charter, fmt="md")
        assert delivered.content == raw
        assert delivered.media_type == "text/markdown; charset=utf-8"


def test_markdown_keeps_crlf_tabs_and_a_missing_final_newline(
    session: Session, create_charter: Callable[..., Any]
) -> None:
    text = "\ufeff# Title\r\n\r\n\tIndented\ttext\r\n\r\nLast line without newline"
    charter = create_charter(text)
    assert export_file(session, charter, fmt="md").content == text.encode("utf-8")


def test_the_pdf_shows_every_clause_with_its_number(
    session: Session, charter: Any, secretariat: Any
) -> None:
    publish_release(session, charter, label="1.0", notes="First edition.", actor=secretariat)
    session.commit()
    pdf = export_file(session, charter, fmt="pdf", release="1.0").content
    pages = pdf_pages(pdf)
    assert "Test Group Charter" in pages[0]
    assert "Release 1.0" in pages[0] and "First edition." in pages[0]
    contents = pages[1]
    assert "Contents" in contents
    assert "1 Purpose" in contents and "2.2 Observers" in contents
    body = "\n".join(pages[2:])
    rows = revision_clauses(session, get_revision(session, charter))
    assert is_subsequence(expected_words(rows), words(body))
    lines = [line.strip() for line in body.splitlines()]
    for rc in rows:
        if rc.version.kind == "heading" and rc.number:
            assert f"{rc.number} {rc.version.heading}" in lines
    assert f"Page 3 of {len(pages)}" in pages[2]
    png = keep_page_as_png(pdf, "release-1.0-page-3", page=3)
    assert png.stat().st_size > 1000


def test_the_docx_has_heading_styles_and_every_clause_with_its_number(
    session: Session, charter: Any
) -> None:
    paragraphs = docx_paragraphs(export_file(session, charter, fmt="docx").content)
    rows = revision_clauses(session, get_revision(session, charter))
    headings = [(p.style.name, p.text) for p in paragraphs if p.style.name.startswith("Heading")]
    expected = [
        (f"Heading {rc.version.level}", f"{rc.number} {rc.version.heading}".strip())
        for rc in rows
        if rc.version.kind == "heading"
    ]
    assert headings[0] == ("Heading 1", "Contents")
    assert headings[-1] == ("Heading 1", "Annex: changes since the import")
    assert headings[1:-1] == expected
    title = next(p for p in paragraphs if p.style.name == "Title")
    assert title.text == "Test Group Charter"
    start = next(i for i, p in enumerate(paragraphs) if p.text == "Charter of the Test Group")
    end = next(i for i, p in enumerate(paragraphs) if p.text.startswith("Annex:"))
    body_words = words(" ".join(p.text for p in paragraphs[start:end]))
    assert body_words == expected_words(rows)
    # Soft line breaks flow: the three source lines are one paragraph.
    assert any(
        p.text == "§ 1.1 The Group brings together innovators from many countries to draft a "
        "shared charter."
        for p in paragraphs
    )
    emphasised = [r.text for p in paragraphs for r in p.runs if r.italic or r.bold]
    assert "many" in emphasised and "shared" in emphasised


def test_the_json_is_the_clause_tree_and_validates_against_its_schema(
    session: Session, charter: Any
) -> None:
    from jsonschema import Draft202012Validator

    from charter_engine.publication.formats.json_export import schema

    document = json.loads(export_file(session, charter, fmt="json").content)
    Draft202012Validator.check_schema(schema())
    Draft202012Validator(schema()).validate(document)

    def walk(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [n for node in nodes for n in [node, *walk(node["children"])]]

    flat = walk(document["clauses"])
    revision = get_revision(session, charter)
    assert "".join(n["text"] for n in flat) == revision_text(session, revision)
    rows = revision_clauses(session, revision)
    assert [(n["id"], n["number"]) for n in flat] == [(rc.clause_id, rc.number) for rc in rows]
    members = next(n for n in flat if n["heading"] == "Members")
    assert [c["heading"] for c in members["children"] if c["kind"] == "heading"] == ["Observers"]
    for node in flat:
        passages = node["provenance"]["passages"]
        assert "".join(p["text"] for p in passages) == node["text"]
        assert {p["revision"] for p in passages} == {1}
    assert document["origins"]["1"]["cause"] == "import"
    assert document["revision"]["sha256"] == revision.text_sha256


def test_the_json_attributes_each_passage_to_the_change_that_introduced_it(
    session: Session, charter: Any, secretariat: Any
) -> None:
    from jsonschema import Draft202012Validator

    from charter_engine.publication.formats.json_export import schema

    decisions = make_decisions_stricter(session, charter, secretariat)
    document = json.loads(export_file(session, charter, fmt="json").content)
    Draft202012Validator(schema()).validate(document)
    node = next(
        n
        for part in document["clauses"]
        for n in [part, *part["children"], *(c for k in part["children"] for c in k["children"])]
        if n["id"] == decisions.clause_id
    )
    by_revision: dict[int, str] = {}
    for passage in node["provenance"]["passages"]:
        by_revision[passage["revision"]] = (
            by_revision.get(passage["revision"], "") + passage["text"]
        )
    assert "two-thirds" in by_revision[2] and "Decisions are taken by" in by_revision[1]
    assert node["provenance"]["history"] == [1, 2]
    assert document["origins"]["2"]["cause"] == "editorial"
    assert document["origins"]["2"]["note"] == "Stricter"


def test_documents_keep_their_own_numbers_and_the_annex_lists_the_changes(
    session: Session, create_charter: Callable[..., Any], secretariat: Any
) -> None:
    from charter_engine.amendments.editorial import editorial_change

    charter = create_charter(
        "# Charter\n\n## 1. Purpose\n\nTo draft.\n\n## Article 2 — Members\n\nAnyone.\n",
        title="Numbered",
    )
    rows = revision_clauses(session, get_revision(session, charter))
    editorial_change(
        session,
        charter,
        clause_id=rows[-1].clause_id,
        text="Anyone invited.\n",
        reason="Invitations",
        actor=secretariat,
    )
    session.commit()
    text = "\n".join(pdf_pages(export_file(session, charter, fmt="pdf").content))
    lines = [line.strip() for line in text.splitlines()]
    assert "1. Purpose" in lines and "Article 2 — Members" in lines
    assert not any(line.startswith(("1 1.", "2 Article")) for line in lines)
    assert "Annex: changes since the import" in lines
    assert "Revision 2: Editorial change" in lines and "Invitations" in text
    paragraphs = [
        p.text for p in docx_paragraphs(export_file(session, charter, fmt="docx").content)
    ]
    assert "1. Purpose" in paragraphs and "Article 2 — Members" in paragraphs
    assert "Revision 2: Editorial change" in paragraphs
    without = export_file(session, charter, fmt="docx", options=ExportOptions(annex=False)).content
    assert not any(p.text.startswith("Annex") for p in docx_paragraphs(without))


def test_the_schema_refuses_a_document_that_breaks_it(session: Session, charter: Any) -> None:
    from jsonschema import Draft202012Validator

    from charter_engine.publication.formats.json_export import schema

    document = json.loads(export_file(session, charter, fmt="json").content)
    document["clauses"][0]["number"] = 3
    assert list(Draft202012Validator(schema()).iter_errors(document))


def test_the_html_stands_alone_and_escapes_the_text(
    session: Session, create_charter: Callable[..., Any]
) -> None:
    charter = create_charter("# <b>Title</b>\n\nA <script>alert(1)</script> clause.\n")
    html = export_file(session, charter, fmt="html").content.decode("utf-8")
    assert html.startswith("<!doctype html>") and "<style>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<link" not in html  # nothing to fetch: the file stands alone


def test_an_export_is_rendered_once_then_served_from_the_cache(
    session: Session, charter: Any
) -> None:
    first = export_file(session, charter, fmt="docx")
    session.commit()
    again = export_file(session, charter, fmt="docx")
    assert (first.cached, again.cached) == (False, True)
    assert again.content == first.content and again.sha256 == first.sha256
    numbered = export_file(session, charter, fmt="pdf", options=ExportOptions(line_numbers=True))
    plain = export_file(session, charter, fmt="pdf")
    session.commit()
    assert not numbered.cached and not plain.cached
    assert session.execute(select(func.count()).select_from(ExportFile)).scalar() == 3


def test_a_release_serves_the_files_it_was_published_with(
    session: Session, charter: Any, secretariat: Any
) -> None:
    release = publish_release(session, charter, label="1.0", actor=secretariat)
    session.commit()
    recorded = {f.format: f.sha256 for f in release.files}
    for fmt, sha in recorded.items():
        delivered = export_file(session, charter, fmt=fmt, release="1.0")
        assert delivered.sha256 == sha and delivered.cached
        assert delivered.filename == f"{charter.slug}-1.0.{fmt}"


def test_bad_export_requests_are_refused(session: Session, charter: Any) -> None:
    with pytest.raises(ValidationError):
        export_file(session, charter, fmt="odt")
    with pytest.raises(ValidationError):
        export_file(session, charter, fmt="md", revision=1, release="1.0")
    with pytest.raises(NotFound):
        export_file(session, charter, fmt="md", revision=9)
    with pytest.raises(NotFound):
        export_file(session, charter, fmt="md", release="9.9")
    with pytest.raises(ValidationError):
        redline_file(session, charter, fmt="json", old_revision=1)


def test_the_redline_marks_deleted_and_inserted_words(
    session: Session, charter: Any, secretariat: Any
) -> None:
    make_decisions_stricter(session, charter, secretariat)
    docx = redline_file(session, charter, fmt="docx", old_revision=1).content
    runs = [r for p in docx_paragraphs(docx) for r in p.runs]
    struck = {r.text.strip() for r in runs if r.font.strike}
    underlined = {r.text.strip() for r in runs if r.font.underline}
    assert "simple" in struck and "a two-thirds" in underlined
    pdf = redline_file(session, charter, fmt="pdf", old_revision=1).content
    text = "\n".join(pdf_pages(pdf))
    assert "revision 1" in text and "changed" in text and "two-thirds" in text
    keep_page_as_png(pdf, "redline-r1-to-r2")


def test_line_numbers_run_down_every_page_and_each_line_sits_on_one(
    session: Session, create_charter: Callable[..., Any]
) -> None:
    """Every page of the text is numbered 1 … 47 in its left margin, and the middle of every
    line of text is level with the middle of one number (pdftotext gives each word's box)."""
    import re
    import shutil
    import subprocess

    from charter_engine.publication.formats.html import PAGE_LINES

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing: apt-get install -y poppler-utils")
    body = "".join(
        f"## Article {n}\n\n" + ("The members agree to meet and to decide openly. " * 12) + "\n\n"
        for n in range(1, 12)
    )
    charter = create_charter("# Numbered lines\n\n" + body, title="Lines")
    pdf = export_file(session, charter, fmt="pdf", options=ExportOptions(line_numbers=True)).content
    keep_page_as_png(pdf, "line-numbers-page-3", page=3)
    boxes = subprocess.run(
        ["pdftotext", "-f", "3", "-l", "3", "-bbox", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    word = re.compile(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<')
    numbers: dict[int, float] = {}
    line_middles: set[float] = set()
    for x_min, y_min, x_max, y_max, text in word.findall(boxes):
        middle = (float(y_min) + float(y_max)) / 2
        if float(x_max) < 70 and text.isdigit():
            numbers[int(text)] = middle
        elif float(x_min) > 70 and 50 < middle < 800:
            line_middles.add(round(middle, 1))
    assert sorted(numbers) == list(range(1, PAGE_LINES + 1))
    assert len(line_middles) > 30
    for middle in line_middles:
        assert min(abs(middle - y) for y in numbers.values()) < 3, middle
    plain = pdf_pages(export_file(session, charter, fmt="pdf").content)
    assert not re.search(r"^\s*47\s*$", plain[2], re.MULTILINE)  # no numbers unless asked
