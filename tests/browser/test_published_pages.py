"""The public pages of a published charter in a real Chromium, not signed in: the latest release,
a clause's permalink, the PDF and DOCX downloads read back, and what changed between two releases;
each checked with axe-core and saved as a screenshot."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.amendments.editorial import editorial_change
from charter_engine.publication.operations import publish_release
from tests.browser.helpers import check_accessibility, save_screenshot

pytestmark = pytest.mark.browser


def test_a_visitor_reads_follows_a_permalink_downloads_and_compares_releases(
    page: Any, world: SimpleNamespace, session: Session
) -> None:
    from docx import Document
    from pypdf import PdfReader

    charter = world.charter
    first = publish_release(session, charter, label="1.0", notes="First.", actor=world.secretariat)
    session.commit()
    editorial_change(
        session,
        charter,
        clause_id=world.clause_id,
        text="The Core Group meets online and in Geneva.\n\n",
        reason="Add the venue",
        actor=world.secretariat,
    )
    session.commit()
    latest = publish_release(session, charter, label="1.1", actor=world.secretariat)
    slug, clause_id = charter.slug, world.clause_id
    recorded = {f.format: f.sha256 for f in latest.files}
    session.commit()
    assert first.label == "1.0"

    page.goto(f"/published/{slug}")
    assert page.get_by_role("heading", level=1).inner_text() == "Drafting Charter"
    assert "Release 1.1" in page.locator(".release-facts").inner_text()
    assert page.get_by_role("link", name="Sign in").count() == 1  # not signed in
    check_accessibility(page)
    save_screenshot(page, "published-release")

    page.locator(f"#clause-{clause_id}").get_by_role("link", name="Permalink").click()
    page.wait_for_url(f"**/published/{slug}/1.1/clauses/{clause_id}")
    assert "online and in Geneva" in page.locator(".published-clause").inner_text()
    assert page.get_by_role("link", name="Release 1.0").count() == 1
    check_accessibility(page)
    save_screenshot(page, "published-clause")

    page.goto(f"/published/{slug}")
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="PDF of release 1.1").click()
    pdf = Path(pdf_download.value.path()).read_bytes()
    assert pdf_download.value.suggested_filename == f"{slug}-1.1.pdf"
    assert hashlib.sha256(pdf).hexdigest() == recorded["pdf"]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "The Core Group meets online and in Geneva." in text
    with page.expect_download() as docx_download:
        page.get_by_role("link", name="Word (DOCX) of release 1.1").click()
    docx = Path(docx_download.value.path()).read_bytes()
    assert hashlib.sha256(docx).hexdigest() == recorded["docx"]
    paragraphs = [p.text for p in Document(io.BytesIO(docx)).paragraphs]
    assert any("The Core Group meets online and in Geneva." in p for p in paragraphs)

    page.get_by_role("link", name="What changed since release 1.0").click()
    page.wait_for_url(f"**/published/{slug}/1.1/changes?since=1.0")
    assert page.locator(".compare-item").count() == 1
    assert page.locator("ins.diff-ins").first.inner_text().strip() == "and in Geneva"
    check_accessibility(page)
    save_screenshot(page, "published-changes")
