"""Amendment pages: proposing each kind of change (with previews that work without JavaScript),
the derived changes of a whole-document edit, the list with filters, the four review views,
backing, the workflow buttons, editing with a stale version (409 keeping the input), resolving a
conflict, sub-amendments and the editorial merge."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from charter_engine.amendments.models import Amendment
from charter_engine.amendments.operations import update_amendment
from charter_engine.charters.queries import get_revision, revision_clauses, revision_text
from tests.web.support import post


def _text(response: Any) -> str:
    return response.get_data(as_text=True)


def _amendment(session: Session, charter: Any, number: int) -> Amendment:
    """The amendment as stored now (the test session never holds a transaction open)."""
    amendment = session.execute(
        select(Amendment)
        .where(Amendment.charter_id == charter.id, Amendment.number == number)
        .options(selectinload(Amendment.changes), selectinload(Amendment.backers))
        .execution_options(populate_existing=True)
    ).scalar_one()
    session.commit()
    return amendment


def _count(session: Session, charter: Any) -> int:
    n = session.scalar(select(func.count(Amendment.id)).where(Amendment.charter_id == charter.id))
    session.commit()
    return int(n or 0)


def _rows(session: Session, charter: Any) -> list[Any]:
    session.refresh(charter)
    rows = list(revision_clauses(session, get_revision(session, charter)))
    session.commit()
    return rows


def _number(response: Any) -> int:
    match = re.search(r"/amendments/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


# --- proposing --------------------------------------------------------------------------------


def test_preview_without_javascript_then_save_normalises_line_ends(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("member")
    url = f"/charters/{world.charter.slug}/amendments/new?kind=edit&clause={world.clause_id}"
    form = _text(client.get(url))
    assert "The Core Group meets online." in form
    assert 'data-preview-url="/charters/' in form  # the live preview enhances this textarea
    body = {
        "title": "Meet in person",
        "clause": world.clause_id,
        "base_revision": 2,
        "text": "The Core Group meets in person.\r\nOnce a year.",
        "intent": "preview",
    }
    page = _text(post(client, url, body))
    assert '<del class="diff-del">online</del>' in page
    assert "in person" in page and "Once a year." in page
    assert _count(session, world.charter) == 4  # a preview stores nothing
    response = post(client, url, {**body, "intent": "submit"})
    assert response.status_code == 302
    amendment = _amendment(session, world.charter, _number(response))
    assert amendment.state == "submitted"
    # LF like the charter, and the blank line that separates it from the next clause kept.
    assert amendment.changes[0].new_text == "The Core Group meets in person.\nOnce a year.\n\n"


def test_live_preview_endpoint_returns_an_escaped_word_diff(
    world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    client = client_as("member")
    response = post(
        client,
        f"/charters/{world.charter.slug}/amendments/preview",
        {"clause": world.clause_id, "text": "The Core Group meets <b>offline</b>."},
    )
    data = response.get_json()
    assert data["changed"] is True
    assert '<del class="diff-del">online</del>' in data["html"]
    assert "&lt;b&gt;offline&lt;/b&gt;" in data["html"] and "<b>" not in data["html"]


def test_errors_are_shown_next_to_the_field_and_the_input_is_kept(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("member")
    url = f"/charters/{world.charter.slug}/amendments/new?kind=edit&clause={world.clause_id}"
    page = _text(
        post(
            client,
            url,
            {
                "title": "",
                "clause": world.clause_id,
                "text": "My careful new wording.",
                "intent": "draft",
            },
        )
    )
    title = re.search(r'<input[^>]*\bid="title"[^>]*>', page)
    assert title and 'aria-invalid="true"' in title.group(0)
    assert 'id="title-error"' in page
    assert "My careful new wording." in page
    # Unchanged text: the engine's error goes next to the text field.
    page = _text(
        post(
            client,
            url,
            {
                "title": "Nothing",
                "clause": world.clause_id,
                "text": "The Core Group meets online.",
                "intent": "draft",
            },
        )
    )
    error = re.search(r'<p class="error" id="text-error">(.*?)</p>', page, re.S)
    assert error and "same as the current text" in error.group(1)
    assert _count(session, world.charter) == 4


def test_insert_delete_and_move_with_plain_form_controls(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("member")
    rows = _rows(session, world.charter)
    paragraphs = [rc for rc in rows if rc.version.kind == "paragraph"]
    base = f"/charters/{world.charter.slug}/amendments/new?kind="
    inserted = post(
        client,
        base + "insert",
        {
            "title": "Add",
            "after": paragraphs[0].clause_id,
            "text": "A new rule.\r\n",
            "intent": "draft",
        },
    )
    deleted = post(
        client,
        base + "delete",
        {"title": "Drop", "clause": paragraphs[2].clause_id, "intent": "draft"},
    )
    moved = post(
        client,
        base + "move",
        {
            "title": "Reorder",
            "clause": paragraphs[2].clause_id,
            "after": rows[0].clause_id,
            "intent": "draft",
        },
    )
    kinds = []
    for response in (inserted, deleted, moved):
        assert response.status_code == 302, _text(response)
        change = _amendment(session, world.charter, _number(response)).changes[0]
        kinds.append((change.kind, change.clause_id, change.after_clause_id, change.new_text))
    assert kinds == [
        ("insert", None, paragraphs[0].clause_id, "A new rule.\n\n"),
        ("delete", paragraphs[2].clause_id, None, None),
        ("move", paragraphs[2].clause_id, rows[0].clause_id, None),
    ]
    # Moving a clause to where it already is is refused next to the field.
    page = _text(
        post(
            client,
            base + "move",
            {
                "title": "Nowhere",
                "clause": paragraphs[1].clause_id,
                "after": paragraphs[0].clause_id,
                "intent": "draft",
            },
        )
    )
    assert re.search(r'id="after-error">.*already there', page, re.S)


def test_whole_document_edit_shows_the_derived_changes_before_saving(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("other_member")
    session.refresh(world.charter)
    document = revision_text(session, get_revision(session, world.charter))
    session.commit()
    url = f"/charters/{world.charter.slug}/amendments/new?kind=document"
    assert "Observers may attend." in _text(client.get(url))
    edited = document.replace("meets online", "meets in Geneva").replace(
        "Observers may attend.\n", "Guests may speak.\n\nObservers may attend.\n"
    )
    body = {"title": "Geneva", "text": edited.replace("\n", "\r\n"), "base_revision": 2}
    # Saving straight away is not possible: the changes are shown first.
    page = _text(post(client, url, {**body, "intent": "submit"}))
    assert _count(session, world.charter) == 4
    assert "The changes found in your text (2)" in page
    assert "Change the text of § 1.1" in page
    assert "Insert a new clause after § 1.2" in page
    assert '<ins class="diff-ins">in Geneva</ins>' in page or "in Geneva" in page
    previewed = re.search(r'name="previewed" type="hidden" value="([0-9a-f]{64})"', page)
    assert previewed, "the preview carries the digest of the text it showed"
    response = post(client, url, {**body, "intent": "submit", "previewed": previewed.group(1)})
    assert response.status_code == 302, _text(response)
    amendment = _amendment(session, world.charter, _number(response))
    assert [c.kind for c in amendment.changes] == ["replace", "insert"]
    assert amendment.changes[1].new_text == "Guests may speak.\n\n"


def test_a_proposal_against_text_changed_meanwhile_is_a_409_that_keeps_the_input(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    # The member opened the form at revision 1 on the clause that changed in revision 2.
    rows = _rows(session, world.charter)
    changed = next(rc for rc in rows if "three equal" in rc.version.text)
    client = client_as("member")
    response = post(
        client,
        f"/charters/{world.charter.slug}/amendments/new?kind=edit&clause={changed.clause_id}",
        {
            "title": "Two votes",
            "clause": changed.clause_id,
            "base_revision": 1,
            "text": "Each organisation has two votes.",
            "intent": "draft",
        },
    )
    assert response.status_code == 409
    page = _text(response)
    assert "Each organisation has three equal votes." in page  # the text as it is now
    assert "Each organisation has two votes." in page  # theirs, kept
    assert 'name="base_revision" value="2"' in page
    assert _count(session, world.charter) == 4


# --- list and review --------------------------------------------------------------------------


def test_list_filters_by_state_clause_and_author(
    world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    client = client_as("observer")
    base = f"/charters/{world.charter.slug}/amendments/"
    everything = _text(client.get(base))
    assert "4 amendments." in everything
    drafts = _text(client.get(base + "?state=draft"))
    assert "A draft" in drafts and "Say who convenes" not in drafts
    by_clause = _text(client.get(base + f"?clause={world.clause_id}"))
    assert "Say who convenes" in by_clause and "Weighted votes" not in by_clause
    by_author = _text(client.get(base + f"?author={world.other_member.id}"))
    assert "Equal votes" in by_author and "Say who convenes" not in by_author
    rebase = _text(client.get(base + "?state=needs_rebase"))
    assert "Weighted votes" in rebase and "1 amendment match" in rebase


def test_list_is_paginated(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    from charter_engine.amendments.operations import propose_amendment

    for n in range(26):
        propose_amendment(
            session,
            world.charter,
            actor=world.member,
            title=f"Extra {n}",
            changes=[{"kind": "delete", "clause_id": world.clause_id}],
        )
    session.commit()
    client = client_as("member")
    first = _text(client.get(f"/charters/{world.charter.slug}/amendments/"))
    assert "Showing 1–25 of 30." in first
    second = _text(client.get(f"/charters/{world.charter.slug}/amendments/?page=2"))
    assert "Showing 26–30 of 30." in second and "Say who convenes" in second


def test_review_page_has_four_views_that_work_without_javascript(
    world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    client = client_as("observer")
    url = f"/charters/{world.charter.slug}/amendments/{world.amendment.number}"
    inline = _text(client.get(url))
    assert '<del class="diff-del">' in inline and '<ins class="diff-ins">' in inline
    assert '?view=side"' in inline and '?view=original"' in inline and '?view=changed"' in inline
    original = _text(client.get(url + "?view=original"))
    assert "The Core Group meets online." in original
    assert "The secretariat convenes the Core Group." not in original
    changed = _text(client.get(url + "?view=changed"))
    assert "The secretariat convenes the Core Group." in changed
    assert "The Core Group meets online." not in changed
    side = _text(client.get(url + "?view=side"))
    assert 'class="diff-columns"' in side
    assert "Omar Other" in inline  # the supporter is listed


def test_workflow_buttons_come_from_the_same_permission_check_as_the_server(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    draft_url = f"/charters/{world.charter.slug}/amendments/{world.draft.number}"
    assert "Submit for discussion" in _text(client_as("member").get(draft_url))
    assert "Submit for discussion" not in _text(client_as("other_member").get(draft_url))
    submitted_url = f"/charters/{world.charter.slug}/amendments/{world.amendment.number}"
    staff = _text(client_as("secretariat").get(submitted_url))
    assert "Open the discussion" in staff and "Merge as editorial" in staff and "Reject" in staff
    author = _text(client_as("member").get(submitted_url))
    assert "Withdraw" in author and "Open the discussion" not in author
    # Submitting is one click; withdrawing asks first (without JavaScript, on a page).
    member = client_as("member")
    assert post(member, draft_url + "/act/submit").status_code == 302
    assert _amendment(session, world.charter, world.draft.number).state == "submitted"
    confirm = post(member, draft_url + "/act/withdraw")
    assert confirm.status_code == 200 and "cannot be undone" in _text(confirm)
    assert _amendment(session, world.charter, world.draft.number).state == "submitted"
    done = post(member, draft_url + "/act/withdraw", {"confirmed": "yes"})
    assert done.status_code == 302
    assert _amendment(session, world.charter, world.draft.number).state == "withdrawn"
    assert post(member, draft_url + "/act/merge").status_code == 404


def test_backing_and_withdrawing_support(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("secretariat")
    url = f"/charters/{world.charter.slug}/amendments/{world.amendment.number}"
    assert post(client, url + "/back", {"kind": "cosponsor"}).status_code == 302
    page = _text(client.get(url))
    assert "Co-sponsors (1)" in page and "Sam Secretariat" in page
    assert "Withdraw my support" in page
    assert post(client, url + "/unback").status_code == 302
    assert "Co-sponsors (0)" in _text(client.get(url))
    kinds = {b.kind for b in _amendment(session, world.charter, world.amendment.number).backers}
    assert kinds == {"supporter"}


# --- editing, stale versions, conflicts ----------------------------------------------------


def test_stale_edit_is_a_409_with_the_new_text_and_the_authors_input(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("member")
    url = f"/charters/{world.charter.slug}/amendments/{world.amendment.number}/edit"
    form = _text(client.get(url))
    seen = re.search(r'name="version" type="hidden" value="(\d+)"', form)
    assert seen
    # Meanwhile the amendment changes (the author, in another window).
    amendment = _amendment(session, world.charter, world.amendment.number)
    update_amendment(
        session,
        amendment,
        actor=world.member,
        expected_version=amendment.version,
        changes=[
            {
                "kind": "replace",
                "clause_id": world.clause_id,
                "text": "The secretariat convenes and chairs the Core Group.\n\n",
            }
        ],
    )
    session.commit()
    body = {
        "title": "My better title",
        "rationale": "My reasons.",
        "version": seen.group(1),
        "change-0": "The members convene the Core Group.",
    }
    response = post(client, url, body)
    assert response.status_code == 409
    page = _text(response)
    assert "The secretariat convenes and chairs the Core Group." in page
    assert "The members convene the Core Group." in page
    assert 'value="My better title"' in page and "My reasons." in page
    fresh = _amendment(session, world.charter, world.amendment.number)
    assert fresh.title == "Say who convenes"
    assert f'name="version" value="{fresh.version}"' in page
    # Sending it again from the 409 page is a deliberate overwrite of the text just shown.
    again = post(client, url, {**body, "version": str(fresh.version)})
    assert again.status_code == 302
    saved = _amendment(session, world.charter, world.amendment.number)
    assert saved.title == "My better title"
    assert saved.changes[0].new_text == "The members convene the Core Group.\n\n"


def test_resolving_a_conflict_in_the_page(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("member")
    url = f"/charters/{world.charter.slug}/amendments/{world.conflicted.number}"
    review = _text(client.get(url))
    assert "conflicts with a change merged since" in review
    assert "Resolve the conflict" in review
    # The rival amendment (#4) rewrote the same sentence: the page says so and how it reads.
    message = "Amendment #4 also changed this sentence: "
    now = "It now reads: “Each organisation has three equal votes.”"
    assert message in review and now in review
    page = _text(client.get(url + "/resolve"))
    assert message in page and now in page
    assert "When you wrote it" in page and "What you proposed" in page
    assert "What the text says now" in page
    assert "three equal" in page and "two weighted" in page
    assert "Each organisation has two weighted votes." in page  # the proposal, prefilled
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    assert version
    response = post(
        client,
        url + "/resolve",
        {"version": version.group(1), "change-0": "Each organisation has three weighted votes."},
    )
    assert response.status_code == 302
    resolved = _amendment(session, world.charter, world.conflicted.number)
    assert resolved.state == "submitted" and resolved.conflicts is None
    assert resolved.changes[0].new_text == "Each organisation has three weighted votes.\n\n"
    # The diff is now against the current text.
    shown = _text(client.get(url))
    assert '<del class="diff-del">equal</del>' in shown


def test_sub_amendment_changes_a_pending_amendments_text(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("other_member")
    url = f"/charters/{world.charter.slug}/amendments/{world.amendment.number}/sub-amendments/new"
    change_id = world.amendment.changes[0].id
    form = _text(client.get(url))
    assert "The secretariat convenes the Core Group." in form
    before = _count(session, world.charter)
    unchanged = post(
        client,
        url,
        {"title": "Same", f"change-{change_id}": "The secretariat convenes the Core Group.\r\n"},
    )
    # The form comes back with the error on top and the title kept; no sub-amendment is made.
    assert unchanged.status_code == 200
    assert '<div class="error-summary" role="alert">' in _text(unchanged)
    assert 'name="title" required type="text" value="Same"' in _text(unchanged)
    assert _count(session, world.charter) == before
    response = post(
        client,
        url,
        {
            "title": "Chair too",
            f"change-{change_id}": "The secretariat convenes and chairs it.",
            "intent": "submit",
        },
    )
    assert response.status_code == 302
    sub = _amendment(session, world.charter, _number(response))
    assert sub.parent_id == world.amendment.id and sub.state == "submitted"
    assert sub.changes[0].new_text == "The secretariat convenes and chairs it.\n\n"
    parent_page = _text(
        client.get(f"/charters/{world.charter.slug}/amendments/{world.amendment.number}")
    )
    assert f"Amendment #{sub.number}: Chair too" in parent_page


def test_editorial_merge_asks_first_then_makes_a_revision(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("secretariat")
    url = f"/charters/{world.charter.slug}/amendments/{world.amendment.number}/merge"
    page = _text(client.get(url))
    assert "without a vote" in page and "Yes, merge it now" in page
    assert _amendment(session, world.charter, world.amendment.number).state == "submitted"
    head = world.charter.head_revision_number
    assert post(client, url).status_code == 302
    merged = _amendment(session, world.charter, world.amendment.number)
    assert merged.state == "merged"
    rows = _rows(session, world.charter)
    assert any(rc.version.text == "The secretariat convenes the Core Group.\n\n" for rc in rows)
    revision = get_revision(session, world.charter)
    session.commit()
    assert revision.number == head + 1 and revision.id == merged.merged_revision_id
    assert (revision.cause, revision.amendment_id, revision.editorial) == (
        "amendment",
        merged.id,
        True,
    )
    assert "Merged as" in _text(client.get(url.rsplit("/", 1)[0]))


def test_an_amendment_that_a_merge_left_alone_says_it_applies_to_the_current_text(
    world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    # Proposed on revision 1; revision 2 merged a change to another clause and left it as written.
    slug = world.charter.slug
    page = _text(client_as("member").get(f"/charters/{slug}/amendments/{world.amendment.number}"))
    facts = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert (
        "Written against revision 1 ; its changes apply unchanged to the current text, revision 2"
        in facts
    )
    # One that the merge did conflict with says no such thing.
    page = _text(client_as("member").get(f"/charters/{slug}/amendments/{world.conflicted.number}"))
    assert "apply unchanged" not in page
