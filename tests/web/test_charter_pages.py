"""The charter pages: clause tree with outline, numbers, permalinks and per-clause counts; any
revision; the revisions list; comparing revisions; a clause's history and the diff between two of
its versions. And every drafting page runs the same number of queries on a ten times larger
charter."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.amendments.editorial import editorial_change
from charter_engine.charters.operations import import_charter
from tests.web.drafting_helpers import build_sized_charter
from tests.web.support import app_engine, count_queries


def _text(response: Any) -> str:
    return response.get_data(as_text=True)


def test_charter_page_shows_numbered_clauses_outline_permalinks_and_counts(
    world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    page = _text(client_as("observer").get(f"/charters/{world.charter.slug}/"))
    # The outline links to every heading; each clause has its permalink anchor and number.
    assert '<nav class="outline"' in page
    assert f'href="#clause-{world.clause_id}"' in page
    assert f'id="clause-{world.clause_id}"' in page
    # Numbers follow the document's own ("## Article 1"), never the engine's "§ 1.1" beside them;
    # the title is not numbered.
    assert "Article 1 ¶1" in page and "§ 1" not in page
    assert "The Core Group meets online." in page
    # The clause has the member's pending amendment and one comment; the counts link to them.
    section = page[page.index(f'id="clause-{world.clause_id}"') :]
    section = section[: section.index("</section>")]
    assert re.search(r">1 pending amendment<", section)
    assert f"clause={world.clause_id}" in section and "state=pending" in section
    assert ">1 comment<" in section
    # Observers read but are not offered to propose.
    assert "Propose an amendment" not in page
    member_page = _text(client_as("member").get(f"/charters/{world.charter.slug}/"))
    assert "Propose an amendment" in member_page


def test_each_clause_has_its_actions_in_one_group_and_counts_only_when_there_are_some(
    world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    slug, clause_id = world.charter.slug, world.clause_id
    page = _text(client_as("member").get(f"/charters/{slug}/"))
    sections = re.findall(r'<section class="clause .*?</section>', page, flags=re.S)
    # One group of actions per clause (shown on hover and focus), no row of links under it.
    assert all(s.count('class="clause-actions"') == 1 for s in sections)
    assert all("clause-meta" not in s for s in sections if "pending amendment" not in s)
    section = next(s for s in sections if f'id="clause-{clause_id}"' in s)
    actions = re.search(r'<p class="clause-actions">(.*?)</p>', section, flags=re.S)
    assert actions is not None
    hrefs = re.findall(r'href="([^"]+)"', actions.group(1))
    assert hrefs == [
        f"#clause-{clause_id}",
        f"/charters/{slug}/clauses/{clause_id}",
        f"/charters/{slug}/amendments/new?clause={clause_id}",
    ]
    counts = re.findall(r'href="([^"]+)"', section[section.index("clause-meta") :])
    assert counts == [
        f"/charters/{slug}/amendments/?state=pending&amp;clause={clause_id}",
        f"/charters/{slug}/clauses/{clause_id}#comments",
    ]
    # The observer may not propose: no such link on any clause.
    observer_page = _text(client_as("observer").get(f"/charters/{slug}/"))
    assert "/amendments/new?clause=" not in observer_page


def test_an_older_revision_is_marked_and_listed_with_its_cause(
    world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    client = client_as("member")
    old = _text(client.get(f"/charters/{world.charter.slug}/?revision=1"))
    assert "Older revision" in old
    assert "Each organisation has one vote." in old
    assert "pending amendment" not in old  # counts belong to the current text
    head = _text(client.get(f"/charters/{world.charter.slug}/"))
    assert "Current text" in head
    assert "Each organisation has three equal votes." in head
    assert "Amendment merged" in head and "Equal votes" in head
    revisions = _text(client.get(f"/charters/{world.charter.slug}/revisions"))
    assert "Revision 2" in revisions and "Revision 1" in revisions
    assert "Equal votes" in revisions and "(editorial)" in revisions
    assert client.get(f"/charters/{world.charter.slug}/?revision=99").status_code == 404


def test_compare_shows_the_redline_inline_and_side_by_side(
    world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    client = client_as("observer")
    url = f"/charters/{world.charter.slug}/compare?from=1&to=2"
    inline = _text(client.get(url))
    assert '<del class="diff-del">one vote</del>' in inline
    assert '<ins class="diff-ins">three equal votes</ins>' in inline
    assert "1 changed" in inline
    assert "The Core Group meets online." not in inline  # unchanged clauses are left out
    side = _text(client.get(url + "&view=side"))
    assert 'class="diff-columns"' in side
    assert "Revision 1" in side and "Revision 2" in side
    everything = _text(client.get(url + "&all=1"))
    assert "The Core Group meets online." in everything


def test_clause_history_and_diff_between_any_two_versions(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    for n, text in enumerate(["The Core Group meets online twice.\n\n", "The group meets.\n\n"]):
        editorial_change(
            session,
            world.charter,
            clause_id=world.clause_id,
            text=text,
            reason=f"Wording {n}",
            actor=world.secretariat,
        )
    session.commit()
    versions = re.findall(
        r'<option value="(\d+)"',
        _text(client_as("member").get(f"/charters/{world.charter.slug}/clauses/{world.clause_id}"))
        .split('id="from"')[1]
        .split("</select>")[0],
    )
    assert len(versions) == 3  # newest first
    newest, _middle, first = versions
    url = f"/charters/{world.charter.slug}/clauses/{world.clause_id}?from={first}&to={newest}"
    page = _text(client_as("member").get(url))
    assert "From revision 1 to revision 4" in page
    assert '<del class="diff-del">Core Group meets online</del>' in page
    assert "Wording 1" in page
    side = _text(client_as("member").get(url + "&view=side"))
    assert 'class="diff-columns"' in side


def test_clause_text_is_escaped(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    charter = import_charter(
        session,
        title="Escaping",
        text="# Title\n\nSay <script>alert(1)</script> & <b>more</b>.\n",
        actor=world.secretariat,
    )
    slug = charter.slug
    session.commit()
    page = _text(client_as("member").get(f"/charters/{slug}/"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;more&lt;/b&gt;" in page


def test_unknown_charter_and_clause_are_404(
    world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    client = client_as("member")
    assert client.get("/charters/nope/").status_code == 404
    assert client.get(f"/charters/{world.charter.slug}/clauses/999999").status_code == 404


# --- bounded queries ------------------------------------------------------------------------


PAGES = {
    "charter": "/charters/{slug}/",
    "older revision": "/charters/{slug}/?revision=1",
    "revisions": "/charters/{slug}/revisions",
    "compare": "/charters/{slug}/compare?from=1&all=1",
    "compare side": "/charters/{slug}/compare?from=1&view=side",
    "clause": "/charters/{slug}/clauses/{clause_id}",
    "amendments": "/charters/{slug}/amendments/",
    "amendments by clause": "/charters/{slug}/amendments/?state=pending&clause={clause_id}",
    "amendment": "/charters/{slug}/amendments/{number}",
    "amendment side": "/charters/{slug}/amendments/{number}?view=side",
    "amendment edit": "/charters/{slug}/amendments/{number}/edit",
    "sub-amendment": "/charters/{slug}/amendments/{number}/sub-amendments/new",
    "propose clause": "/charters/{slug}/amendments/new?clause={clause_id}",
    "propose document": "/charters/{slug}/amendments/new?kind=document",
    "propose move": "/charters/{slug}/amendments/new?kind=move",
    "comment form": "/charters/{slug}/clauses/{clause_id}/comments",
    "reply form": "/charters/{slug}/comments/{comment_id}/reply",
    "desk": "/desk/?charter={slug}",
}


@pytest.fixture
def sized(world: SimpleNamespace, session: Session) -> dict[str, Any]:
    small = build_sized_charter(session, world, 1, title="Small Charter")
    large = build_sized_charter(session, world, 10, title="Large Charter")
    session.commit()
    return {"small": small, "large": large}


@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_runs_the_same_number_of_queries_on_a_ten_times_larger_charter(
    name: str, sized: dict[str, Any], app: Any, client_as: Callable[[str], Any]
) -> None:
    # The author edits; the secretariat sees every other page with the most on it.
    client = client_as("member" if name == "amendment edit" else "secretariat")
    counts = {}
    for size, built in sized.items():
        url = PAGES[name].format(
            slug=built.slug,
            clause_id=built.clause_id,
            number=built.amendment_number,
            comment_id=built.comment_id,
        )
        assert client.get(url).status_code == 200, url
        with count_queries(app_engine(app)) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts[size] = queries
    assert counts["large"].count == counts["small"].count, counts["large"].statements
    assert counts["small"].count <= 25, counts["small"].statements


@pytest.mark.parametrize(
    ("page", "item", "per_scale"),
    [
        ("/charters/{slug}/", '<section class="clause ', 9),  # 3 articles of 3 blocks each
        ("/charters/{slug}/amendments/", r'<td><a href="/charters/[^/"]+/amendments/\d+"', 2),
        ("/charters/{slug}/clauses/{clause_id}", '<article class="comment"', 2),  # and replies
    ],
)
def test_the_pages_show_all_of_a_ten_times_larger_charter(
    page: str,
    item: str,
    per_scale: int,
    sized: dict[str, Any],
    client_as: Callable[[str], Any],
) -> None:
    """What the query counts above compare: the larger charter's pages list ten times as much."""
    client = client_as("secretariat")
    shown = {}
    for size, built in sized.items():
        response = client.get(page.format(slug=built.slug, clause_id=built.clause_id))
        assert response.status_code == 200
        shown[size] = len(re.findall(item, _text(response)))
    title = 1 if "clause " in item else 0  # the charter's unnumbered title is a clause too
    assert shown == {"small": per_scale + title, "large": 10 * per_scale + title}
