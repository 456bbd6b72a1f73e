"""``charter-engine export`` in every format and ``charter-engine release``."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest

from tests.shared_data import require_shared_data


@pytest.fixture
def slug(cli: Any) -> str:
    source = require_shared_data("histories", "cncf-charter", "v015.md")
    cli("create-user", "sec@example.org", "--name", "Sec", "--role", "secretariat")
    result = cli("import", str(source), "--title", "CNCF Charter")
    assert result.exit_code == 0, result.output
    found: str = result.stdout.strip().splitlines()[-1]
    return found


def test_release_prints_the_sha256_of_the_text_and_every_file(cli: Any, slug: str) -> None:
    text = require_shared_data("histories", "cncf-charter", "v015.md").read_bytes()
    result = cli("release", slug, "--label", "1.0", "--notes", "First edition")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == f"released {slug} 1.0: revision 1"
    assert lines[1] == f"text  {hashlib.sha256(text).hexdigest()}"
    assert sorted(line.split()[0] for line in lines[2:]) == ["docx", "html", "json", "md", "pdf"]
    assert "rendering pdf" in result.stderr and "laying out the pages" in result.stderr
    again = cli("release", slug, "--label", "1.0")
    assert again.exit_code == 1
    assert again.stderr.strip().splitlines() == [
        "Error: There is already a release 1.0 of this charter."
    ]


def test_export_writes_each_format_and_serves_a_release_as_published(
    cli: Any, slug: str, tmp_path: Path
) -> None:
    from docx import Document
    from pypdf import PdfReader

    text = require_shared_data("histories", "cncf-charter", "v015.md").read_bytes()
    stdout = cli("export", slug)
    assert stdout.exit_code == 0 and stdout.stdout_bytes == text
    pdf = tmp_path / "charter.pdf"
    result = cli("export", slug, "--format", "pdf", "-o", str(pdf))
    assert result.exit_code == 0, result.output
    assert "laying out the pages" in result.stderr and "writing" in result.stderr
    assert (
        "Mission of the Cloud Native Computing Foundation" in PdfReader(pdf).pages[2].extract_text()
    )
    docx = tmp_path / "charter.docx"
    assert (
        cli("export", slug, "--revision", "1", "--format", "docx", "-o", str(docx)).exit_code == 0
    )
    headings = [p.text for p in Document(io.BytesIO(docx.read_bytes())).paragraphs]
    assert any("Mission of the Cloud Native Computing Foundation" in h for h in headings)

    released = cli("release", slug, "--label", "2025-06")
    sha = {line.split()[0]: line.split()[1] for line in released.stdout.splitlines()[2:]}
    out = tmp_path / "release.pdf"
    assert (
        cli("export", slug, "--release", "2025-06", "--format", "pdf", "-o", str(out)).exit_code
        == 0
    )
    assert hashlib.sha256(out.read_bytes()).hexdigest() == sha["pdf"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "nope"], "There is no charter 'nope'."),
        (["export", "{slug}", "--release", "9.9"], "has no release '9.9'"),
        (["export", "{slug}", "--revision", "1", "--release", "1.0"], "not both"),
        (["release", "{slug}", "--label", "bad label"], "A label is at most 40"),
        (["release", "{slug}", "--label", "1.0", "--revision", "5"], "has no revision 5"),
    ],
)
def test_bad_requests_are_one_line_and_non_zero(
    cli: Any, slug: str, args: list[str], message: str
) -> None:
    result = cli(*(a.format(slug=slug) for a in args))
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_export_format_must_be_known(cli: Any, slug: str) -> None:
    result = cli("export", slug, "--format", "odt")
    assert result.exit_code == 2 and "'odt' is not one of" in result.stderr
