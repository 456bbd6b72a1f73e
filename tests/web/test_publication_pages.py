"""The publication pages: a published charter's releases for everyone without signing in, each
clause with its permalink, the downloads exactly as released, what changed between releases, the
working drafts beside the text for members, and publishing a release from the secretariat's page.
Anything unknown is a 404 page, never a 500; a charter never released is not public."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.amendments.editorial import editorial_change
from charter_engine.charters.queries import get_revision, revision_clauses
from charter_engine.publication.models import Release
from charter_engine.publication.operations import publish_release
from charter_engine.publication.queries import release_file
from tests.web.support import app_engine, db_snapshot, post


def _text(response: Any) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def published(world: SimpleNamespace, session: Session) -> SimpleNamespace:
    """The drafting charter released as 1.0, then changed editorially and released as 1.1."""
    charter = world.charter
    world.r10 = publish_release(
        session, charter, label="1.0", notes="First.", actor=world.secretariat
    )
    session.commit()
    editorial_change(
        session,
        charter,
        clause_id=world.clause_id,
        text="The Core Group meets online every month.\n\n",
        reason="Say how often",
        actor=world.secretariat,
    )
    session.commit()
    world.r11 = publish_release(session, charter, label="1.1", actor=world.secretariat)
    session.commit()
    world.slug = charter.slug
    return world


def test_anyone_reads_the_latest_release_with_permalinks_downloads_and_earlier_releases(
    published: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    page = _text(client_as("anonymous").get(f"/published/{published.slug}"))
    assert "Release 1.1" in page and "Latest release" in page
    assert "The Core Group meets online every month." in page
    permalink = f"/published/{published.slug}/1.1/clauses/{published.clause_id}"
    assert f'href="{permalink}"' in page
    for fmt in ("pdf", "docx", "html", "md", "json"):
        assert f'href="/published/{published.slug}/1.1.{fmt}"' in page
    assert f'href="/published/{published.slug}/1.0"' in page
    assert f"/published/{published.slug}/1.1/changes?since=1.0" in page
    assert "Working drafts" not in page  # visitors see the published text only

    clause = _text(client_as("anonymous").get(permalink))
    assert "The Core Group meets online every month." in clause
    assert "Release 1.0" in clause and "different wording" in clause
    assert "Editorial" in clause and "Say how often" in clause


def test_an_earlier_release_says_a_newer_one_exists(
    published: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    page = _text(client_as("anonymous").get(f"/published/{published.slug}/1.0"))
    assert "Earlier release" in page and "The Core Group meets online." in page
    assert "every month" not in page


def test_downloads_are_the_released_files_byte_for_byte(
    published: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("anonymous")
    for fmt in ("md", "html", "pdf", "docx", "json"):
        response = client.get(f"/published/{published.slug}/1.0.{fmt}")
        assert response.status_code == 200
        stored = release_file(session, published.r10, fmt)
        assert response.data == stored.content
        assert response.headers["X-Content-SHA256"] == hashlib.sha256(response.data).hexdigest()
        assert f'filename="{published.slug}-1.0.{fmt}"' in response.headers["Content-Disposition"]
        assert "immutable" in response.headers["Cache-Control"]
    html = client.get(f"/published/{published.slug}/1.0.html")
    assert "script-src" not in html.headers["Content-Security-Policy"]


def test_what_changed_since_an_earlier_release(
    published: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    page = _text(client_as("anonymous").get(f"/published/{published.slug}/1.1/changes?since=1.0"))
    assert "1 changed" in page
    assert '<ins class="diff-ins">' in page and "every" in page
    # Without ?since=, the release before.
    assert "1 changed" in _text(
        client_as("anonymous").get(f"/published/{published.slug}/1.1/changes")
    )
    first = _text(client_as("anonymous").get(f"/published/{published.slug}/1.0/changes"))
    assert "is the first release" in first
    pdf = client_as("anonymous").get(f"/published/{published.slug}/1.1/changes.pdf?since=1.0")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    docx = client_as("anonymous").get(f"/published/{published.slug}/1.1/changes.docx")
    assert docx.status_code == 200 and docx.data.startswith(b"PK")


@pytest.mark.parametrize(
    "path",
    [
        "/published/nope",
        "/published/NOPE",
        "/published/{slug}/2.0",
        "/published/{slug}/1.0.exe",
        "/published/{slug}/1.0.",
        "/published/{slug}/.pdf",
        "/published/{slug}/..",
        "/published/{slug}/1.0%00.pdf",
        "/published/{slug}/9.9.pdf",
        "/published/{slug}/1.0/clauses/999999",
        "/published/{slug}/1.0/clauses/99999999999999999999",
        "/published/{slug}/2.0/clauses/1",
        "/published/{slug}/1.1/changes?since=7.7",
        "/published/{slug}/1.1/changes.exe",
        "/published/{slug}/1.0/changes.pdf",
        "/published/{slug}/1.0/anything",
    ],
)
def test_unknown_things_are_a_404_page(
    published: SimpleNamespace, client_as: Callable[[str], Any], path: str
) -> None:
    response = client_as("anonymous").get(path.format(slug=published.slug))
    assert response.status_code == 404
    assert "text/html" in response.headers["Content-Type"]


def test_a_charter_never_released_is_not_public(
    world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    for role in ("anonymous", "member"):
        client = client_as(role)
        assert client.get(f"/published/{world.charter.slug}").status_code == 404
        assert world.charter.title not in _text(client.get("/published/"))


def test_members_see_their_working_drafts_beside_the_release(
    published: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    page = _text(client_as("member").get(f"/published/{published.slug}/1.0"))
    aside = page[page.index("Working drafts") :]
    assert "The working text is at revision" in aside and "1 changed" in aside
    assert f"Amendment #{published.amendment.number}: {published.amendment.title}" in aside
    assert "Propose an amendment to release 1.1" in aside
    observer = _text(client_as("observer").get(f"/published/{published.slug}/1.1"))
    assert "Working drafts" in observer and "Propose an amendment" not in observer


def test_the_secretariat_publishes_a_release_from_its_page(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("secretariat")
    url = f"/charters/{world.charter.slug}/releases"
    assert "Publish a release" in _text(client.get(url))
    response = post(client, url, {"label": "1.0", "notes": "Adopted text.", "revision": ""})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/published/{world.charter.slug}/1.0"
    release = session.execute(select(Release)).scalar_one()
    session.commit()  # end the test's reading transaction: the app writes next (SQLite)
    assert (release.notes, release.revision_number) == ("Adopted text.", 2)
    again = post(client, url, {"label": "1.0"})
    assert again.status_code == 200 and "There is already a release 1.0" in _text(again)
    bad = post(client, url, {"label": "1.0.pdf"})
    assert bad.status_code == 200 and "A label is at most 40" in _text(bad)
    unknown = post(client, url, {"label": "2.0", "revision": "9"})
    assert "has no revision 9" in _text(unknown)
    assert len(session.execute(select(Release)).all()) == 1


def test_members_cannot_publish_and_nothing_changes(
    world: SimpleNamespace, client_as: Callable[[str], Any], app: Any
) -> None:
    before = db_snapshot(app_engine(app))
    for role in ("member", "observer"):
        client = client_as(role)
        response = post(client, f"/charters/{world.charter.slug}/releases", {"label": "1.0"})
        assert response.status_code == 403
        assert "Publish a release" not in _text(
            client.get(f"/charters/{world.charter.slug}/releases")
        )
    assert db_snapshot(app_engine(app)) == before


def test_members_export_any_revision_and_redline(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    from charter_engine.charters.queries import revision_text

    client = client_as("observer")
    expected = revision_text(session, get_revision(session, world.charter, 1)).encode()
    session.commit()  # end the test's reading transaction: the app writes the cache (SQLite)
    md = client.get(f"/charters/{world.charter.slug}/export?format=md&revision=1")
    assert md.data == expected
    docx = client.get(f"/charters/{world.charter.slug}/export?format=docx")
    assert docx.status_code == 200 and docx.headers["X-Charter-Revision"] == "2"
    redline = client.get(f"/charters/{world.charter.slug}/redline?format=docx&from=1&to=2")
    assert redline.status_code == 200 and redline.data.startswith(b"PK")
    assert client.get(f"/charters/{world.charter.slug}/export?format=odt").status_code == 400
    assert client.get(f"/charters/{world.charter.slug}/export?revision=99").status_code == 404


def test_the_adoption_shows_wherever_the_charter_appears(
    published: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    from charter_engine.db import utcnow

    charter = published.charter
    session.refresh(charter)
    charter.status = "adopted"
    charter.adopted_revision_number = 2
    charter.adopted_at = utcnow()
    session.commit()
    expected = f"Adopted on {charter.adopted_at.day} "
    member = client_as("member")
    for path in (
        f"/published/{published.slug}",
        "/published/",
        f"/charters/{published.slug}/",
        "/charters/",
        f"/charters/{published.slug}/releases",
        "/",
    ):
        page = _text(member.get(path))
        assert expected in page and "as revision 2" in page, path
    assert expected in _text(client_as("anonymous").get(f"/published/{published.slug}"))
    rows = revision_clauses(session, get_revision(session, charter))
    assert rows


def test_amendments_after_a_release_say_which_release_they_amend(
    published: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    member = client_as("member")
    propose = _text(member.get(f"/charters/{published.slug}/amendments/new?kind=insert"))
    assert "Propose an amendment to release 1.1" in propose and "next cycle" in propose
    charter_page = _text(member.get(f"/charters/{published.slug}/"))
    assert "Amendments now amend" in charter_page and "release 1.1" in charter_page
    # The member's amendment was written against the text released as 1.0 (the editorial change
    # before 1.1 touched the same clause, so it was not rebased).
    number = published.amendment.number
    amendment = _text(member.get(f"/charters/{published.slug}/amendments/{number}"))
    assert "Amends" in amendment and f'href="/published/{published.slug}/1.0"' in amendment


def test_before_any_release_amendments_amend_no_release(
    world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    propose = _text(client_as("member").get(f"/charters/{world.charter.slug}/amendments/new"))
    assert "Propose an amendment</h1>" in propose and "next cycle" not in propose


def test_the_release_reads_as_its_authors_wrote_it(
    world: SimpleNamespace, session: Session, client_as: Callable[[str], Any]
) -> None:
    from charter_engine.charters.operations import import_charter
    from tests.shared_data import require_shared_data

    text = require_shared_data("histories", "cncf-charter", "v015.md").read_text(encoding="utf-8")
    charter = import_charter(session, title="CNCF Charter", text=text, actor=world.secretariat)
    publish_release(session, charter, label="2025", actor=world.secretariat)
    session.commit()
    page = _text(client_as("anonymous").get(f"/published/{charter.slug}"))
    assert "####" not in page
    assert ">1. Mission of the Cloud Native Computing Foundation.</h" in page
    assert "1 1. Mission" not in page
    assert "<li>" in page  # lists render as lists
