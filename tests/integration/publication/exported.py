"""Reading exported files back: the text of a PDF (pypdf) and of a DOCX (python-docx), the words a
revision's clauses should show, and a PDF page kept as a PNG for a person to look at."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.browser.helpers import PROJECT_ROOT

# PNGs of exported pages, beside the browser tests' screenshots (git-ignored; CI prints the path).
EXPORT_ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "exports"
_WORD = re.compile(r"[^\W_]+")
_KEPT: list[Path] = []


def kept_artifacts() -> list[Path]:
    """The PNGs this run kept."""
    return list(_KEPT)


def words(text: str) -> list[str]:
    """The words of a text, markup and punctuation aside."""
    return _WORD.findall(text)


def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def docx_paragraphs(data: bytes) -> list[Any]:
    from docx import Document

    return list(Document(io.BytesIO(data)).paragraphs)


def expected_words(rows: Any) -> list[str]:
    """The words a reader should find, clause after clause: a heading's number and title, a
    paragraph's "§ number" and text."""
    out: list[str] = []
    for rc in rows:
        version = rc.version
        if version.kind == "heading":
            out += words(f"{rc.number} {version.heading}")
        else:
            out += words(rc.number) + words(version.text)
    return out


def is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    """Whether ``needle`` appears in ``haystack`` in order (running headers may come between)."""
    it = iter(haystack)
    return all(any(word == got for got in it) for word in needle)


def keep_page_as_png(pdf: bytes, name: str, page: int = 1) -> Path:
    """Render one page of ``pdf`` with pdftoppm into test-artifacts/exports/NAME.png."""
    if shutil.which("pdftoppm") is None:
        message = "pdftoppm is missing: apt-get install -y poppler-utils"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    EXPORT_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = EXPORT_ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    stem = EXPORT_ARTIFACTS / name
    pages = ["-f", str(page), "-l", str(page), "-singlefile"]
    subprocess.run(["pdftoppm", "-png", "-r", "80", *pages, str(source), str(stem)], check=True)
    png = EXPORT_ARTIFACTS / f"{name}.png"
    _KEPT.append(png)
    return png
