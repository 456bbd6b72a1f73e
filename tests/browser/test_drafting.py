"""The drafting pages in a real Chromium: the charter, a clause's history, comparing revisions,
proposing with the live diff preview, the amendment's review views, commenting on a selected
passage, and the desk's import preview — each checked with axe-core and saved as a screenshot."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.amendments.editorial import editorial_change
from tests.browser.helpers import check_accessibility, save_screenshot, sign_in

pytestmark = pytest.mark.browser


def test_charter_history_and_compare(page: Any, world: SimpleNamespace, session: Session) -> None:
    editorial_change(
        session,
        world.charter,
        clause_id=world.clause_id,
        text="The Core Group meets online and in Geneva.\n\n",
        reason="Add the venue",
        actor=world.secretariat,
    )
    slug, clause_id = world.charter.slug, world.clause_id
    session.commit()
    sign_in(page, world.member)
    page.goto(f"/charters/{slug}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Drafting Charter"
    page.get_by_role("navigation", name="Contents").get_by_role("link").first.click()
    check_accessibility(page)
    save_screenshot(page, "drafting-charter")
    page.goto(f"/charters/{slug}/clauses/{clause_id}")
    assert page.locator(".history-entry").count() == 2
    assert page.locator(".chosen-diff ins.diff-ins").first.inner_text().strip() == "and in Geneva"
    check_accessibility(page)
    save_screenshot(page, "drafting-clause-history")
    page.goto(f"/charters/{slug}/compare?from=1&to=3")
    assert page.locator(".compare-item").count() == 2
    check_accessibility(page)
    save_screenshot(page, "drafting-compare-inline")
    page.get_by_role("link", name="Side by side").click()
    assert page.locator(".diff-columns").count() == 2
    check_accessibility(page)
    save_screenshot(page, "drafting-compare-side")


def test_propose_with_live_preview_then_review_views(page: Any, world: SimpleNamespace) -> None:
    sign_in(page, world.member)
    page.goto(f"/charters/{world.charter.slug}/amendments/new?clause={world.clause_id}")
    page.get_by_label("Title").fill("Meet in person")
    text = page.get_by_label("New text of the clause")
    text.fill("The Core Group meets in person, twice a year.")
    # The preview updates as the member types, without pressing "Preview".
    page.locator("#live-preview ins.diff-ins").first.wait_for()
    assert "in person" in page.locator("#live-preview ins.diff-ins").first.inner_text()
    assert page.locator("#live-preview del.diff-del").first.inner_text() == "online"
    check_accessibility(page)
    save_screenshot(page, "drafting-propose-live-preview")
    page.get_by_role("button", name="Save and submit").click()
    page.wait_for_url("**/amendments/*")
    assert "is submitted" in page.locator(".flash").inner_text()
    check_accessibility(page)
    save_screenshot(page, "drafting-amendment-inline")
    for name, shot in (("Side by side", "side"), ("Original", "original"), ("Changed", "changed")):
        page.get_by_role("navigation", name="How to show the change").get_by_role(
            "link", name=name
        ).click()
        check_accessibility(page)
        save_screenshot(page, f"drafting-amendment-{shot}")
    assert "twice a year" in page.locator(".change-list").inner_text()


def test_comment_on_a_selected_passage(page: Any, world: SimpleNamespace) -> None:
    sign_in(page, world.other_member)
    page.goto(f"/charters/{world.charter.slug}/clauses/{world.clause_id}")
    # Select "meets online" inside the clause, as a reader would with the mouse.
    page.evaluate(
        """() => {
            const el = document.getElementById("clause-current");
            const node = el.firstChild;
            const start = node.textContent.indexOf("meets online");
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, start + "meets online".length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            el.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
        }"""
    )
    assert page.locator("#anchor-quote").input_value() == "meets online"
    assert page.locator("#anchor-start").input_value() == "15"
    assert "meets online" in page.locator("#anchor-status").inner_text()
    page.get_by_label("Your comment").fill("Why **only** online?")
    check_accessibility(page)
    page.get_by_role("button", name="Post the comment").click()
    page.wait_for_url("**#comment-*")
    comment = page.locator(".comment").last
    assert comment.locator("blockquote").inner_text() == "meets online"
    assert comment.locator(".comment-body strong").inner_text() == "only"
    check_accessibility(page)
    save_screenshot(page, "drafting-comment-anchored")


def test_desk_and_import_preview(page: Any, world: SimpleNamespace) -> None:
    sign_in(page, world.secretariat)
    page.goto(f"/desk/?charter={world.charter.slug}")
    check_accessibility(page)
    save_screenshot(page, "drafting-desk")
    page.get_by_role("link", name="Import a charter").first.click()
    page.get_by_label("Title of the charter").fill("Imported Rules")
    page.get_by_label("Or paste the text").fill(
        "# Rules\n\n## Article 1\n\nWe meet.\n\n## Article 2\n\nWe vote.\n"
    )
    page.get_by_role("button", name="Preview the clauses").click()
    rows = page.locator(".split-preview tbody tr")
    rows.first.wait_for()  # the answer to the click is a new page; count once it is there
    assert rows.count() == 5
    assert rows.nth(3).inner_text().startswith("§ 2")
    check_accessibility(page)
    save_screenshot(page, "drafting-import-preview")
    page.get_by_role("button", name="Import this charter").click()
    page.wait_for_url("**/charters/imported-rules/")
    assert "We vote." in page.locator(".charter-text").inner_text()
    check_accessibility(page)
