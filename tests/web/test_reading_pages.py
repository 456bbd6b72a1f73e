"""The charter as readers read it on the pages: Markdown rendered (paragraphs flow, headings and
lists render), the document's own numbers, redlines that show structure and spacing changes, who
wrote what on a clause's page, the changelog, and an adoption ballot's text."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from charter_engine.amendments.editorial import editorial_change
from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.operations import propose_amendment
from charter_engine.charters.operations import import_charter
from charter_engine.charters.queries import current_entries
from charter_engine.voting.operations import create_ballot

TEXT = """\
# Members' Charter

## 1. Purpose

The Core Group drafts
a shared charter
for everyone.

## 2. Members

Members are:

- (a) nominated by their organisations;

- (b) confirmed by the secretariat.
"""


def _page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return str(response.get_data(as_text=True))


def _charter(session: Session, world: SimpleNamespace) -> Any:
    charter = import_charter(session, title="Reading", text=TEXT, actor=world.secretariat)
    amended = TEXT.replace("a shared charter\n", "a shared charter ").replace(
        "confirmed by the secretariat", "confirmed by the members"
    )
    amendment = propose_amendment(
        session,
        charter,
        actor=world.member,
        title="Members confirm",
        rationale="The members *themselves* decide.",
        base_revision=1,
        text=amended,
        submit=True,
    )
    merge_amendment(session, amendment, actor=world.secretariat, editorial=True)
    session.commit()
    return charter


def test_the_charter_page_renders_the_markdown_with_the_documents_numbers(
    world: SimpleNamespace, session: Session, client_as: Callable[[str], Any]
) -> None:
    charter = _charter(session, world)
    page = _page(client_as("observer"), f"/charters/{charter.slug}/")
    assert "<p>The Core Group drafts\na shared charter for everyone.</p>" in page
    assert "white-space: pre" not in page
    assert not re.search(r">\s*#+ ", page)  # no raw heading markers
    assert re.search(r'<h3 class="clause-heading"[^>]*>2\. Members</h3>', page)
    assert "<li>(a) nominated by their organisations;</li>" in page
    # The document's own numbers, no engine numbers beside them.
    for label in ("§ 1 ¶1", "§ 2.a", "§ 2.b"):
        assert f'Link<span class="visually-hidden"> to {label}</span>' in page, label
    assert "§ 2.2" not in page


def test_the_compare_page_shows_a_rendered_redline(
    world: SimpleNamespace, session: Session, client_as: Callable[[str], Any]
) -> None:
    charter = _charter(session, world)
    page = _page(client_as("member"), f"/charters/{charter.slug}/compare?from=1&to=2")
    # A re-wrapped paragraph: flowing text, and the spacing change marked where it happened.
    assert (
        '<p>The Core Group drafts\na shared charter<del class="diff-del diff-ws">↵</del>'
        '<ins class="diff-ins diff-ws">·</ins> for everyone.</p>'
    ) in page
    assert (
        '<li>(b) confirmed by the <del class="diff-del">secretariat</del>'
        '<span class="diff-sep"> </span><ins class="diff-ins">members</ins>.</li>'
    ) in page
    assert "§ 2.b" in page
    # The changelog of the revisions compared.
    assert "How the text got here" in page
    assert "Amendment #1 Members confirm" in page
    assert "<em>themselves</em>" in page
    side = _page(client_as("member"), f"/charters/{charter.slug}/compare?from=1&to=2&view=side")
    assert side.count('class="diff-columns"') == 2
    everything = _page(client_as("member"), f"/charters/{charter.slug}/compare?from=1&to=2&all=1")
    assert re.search(r'<h3 class="redline-heading">1\. Purpose</h3>', everything)


def test_the_clause_page_shows_who_wrote_what(
    world: SimpleNamespace, session: Session, client_as: Callable[[str], Any]
) -> None:
    charter = _charter(session, world)
    clause_id = next(c for c, v in current_entries(session, charter) if v.text.startswith("- (b)"))
    session.commit()  # end the read: SQLite's write lock would keep the client from signing in
    page = _page(client_as("member"), f"/charters/{charter.slug}/clauses/{clause_id}")
    assert "Who wrote what" in page
    assert re.search(
        r'<span class="blame blame-1" title="Revision 2: Amendment #1: Members confirm '
        r'\(Mia Member\)">members</span>',
        page,
    )
    assert 'title="Revision 1: Imported (Sam Secretariat)"' in page
    assert "How this clause came about" in page
    assert "proposed by Mia Member" in page
    # The exact text stays available for quoting a passage.
    assert (
        'id="clause-current" data-anchorable="true">- (b) confirmed by the members.</div>' in page
    )


def test_an_adoption_ballot_shows_the_charter_rendered(
    world: SimpleNamespace, session: Session, client_as: Callable[[str], Any]
) -> None:
    charter = _charter(session, world)
    ballot = create_ballot(session, charter, actor=world.secretariat, kind="adoption")
    session.commit()
    page = _page(client_as("member"), f"/ballots/{ballot.id}")
    text = page[page.index('class="charter-text ballot-charter"') :]
    text = text[: text.index("</section>")]
    assert "<p>The Core Group drafts\na shared charter for everyone.</p>" in text
    assert re.search(r"<h5 class=\"clause-heading\">2\. Members</h5>", text)
    assert "<li>(b) confirmed by the members.</li>" in text
    assert "#" not in re.sub(r"<[^>]+>", "", text)


def test_a_clause_changed_in_its_spacing_alone_shows_where(
    world: SimpleNamespace, session: Session, client_as: Callable[[str], Any]
) -> None:
    charter = _charter(session, world)
    clause_id = next(
        c for c, v in current_entries(session, charter) if v.text.startswith("Members are")
    )
    editorial_change(
        session,
        charter,
        clause_id=clause_id,
        text="Members  are:\n\n",
        reason="Spacing",
        actor=world.secretariat,
    )
    session.commit()
    page = _page(client_as("member"), f"/charters/{charter.slug}/clauses/{clause_id}")
    chosen = page[page.index('class="chosen-diff"') :]
    assert (
        '<p>Members<del class="diff-del diff-ws">·</del><ins class="diff-ins diff-ws">··</ins>'
        "  are:</p>"
    ) in chosen


def test_an_amendment_shows_its_changes_rendered(
    world: SimpleNamespace, session: Session, client_as: Callable[[str], Any]
) -> None:
    charter = _charter(session, world)
    page = _page(client_as("member"), f"/charters/{charter.slug}/amendments/1")
    assert (
        '<li>(b) confirmed by the <del class="diff-del">secretariat</del>'
        '<span class="diff-sep"> </span><ins class="diff-ins">members</ins>.</li>'
    ) in page
    changed = _page(client_as("member"), f"/charters/{charter.slug}/amendments/1?view=changed")
    assert "<li>(b) confirmed by the members.</li>" in changed
