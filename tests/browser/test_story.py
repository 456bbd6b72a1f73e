"""The whole drafting and voting story in a real browser, driven only through the pages as people
would use them, with invitation mail through a real local SMTP server:

the secretariat imports a charter (with the preview of its clauses) and invites two members; they
accept the invitations and choose passwords; one proposes an amendment, the other comments on a
passage they select and proposes a competing amendment; the secretariat opens a vote on the first;
both vote (one with the keyboard only); the result is shown with its charts; the adopted amendment
is merged and the competing one is flagged as needing a rebase on its page; the charter is adopted
by an adoption ballot. Every main page is checked with axe-core and saved as a screenshot.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import check_accessibility, save_screenshot, sign_in, wait_for_mail

pytestmark = pytest.mark.browser

CHARTER = """# Charter of the Open Innovation Core Group

## Article 1 — Purpose

The Core Group brings together innovators from many countries to draft a shared charter.

## Article 2 — Decisions

Decisions are taken by simple majority of the votes cast at a meeting of the Core Group.

## Article 3 — Meetings

The Core Group meets at least twice a year.
"""
DECISIONS = (
    "Decisions are taken by simple majority of the votes cast at a meeting of the Core Group."
)
MEMBERS = (
    ("Lucía Fernández", "lucia@example.org", "ES"),
    ("Kenji Watanabe", "kenji@example.org", "JP"),
)
NEW_PASSWORD = "a long and unusual password"


@pytest.fixture
def world(people: SimpleNamespace) -> SimpleNamespace:
    """Only the people; the story creates everything else through the pages."""
    return people


def check(page: Any, name: str) -> None:
    """The page passes axe-core (no serious or critical violation); keep a screenshot of it."""
    check_accessibility(page)
    save_screenshot(page, f"story-{name}")


def expect_heading(page: Any, text: str) -> None:
    """The page with this h1 has loaded (waits for the navigation a click started)."""
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def expect_flash(page: Any, text: str) -> None:
    expect(page.locator(".flash").first).to_contain_text(text)


def test_the_whole_story(
    page: Any, browser: Any, live_server: str, world: SimpleNamespace, smtp: Any, app: Any
) -> None:
    # The smtp fixture points links at a fixed address; here they must reach the live server.
    state = app.extensions["charter_engine"]
    state.settings = state.settings.with_overrides(base_url=live_server)
    desk = page

    # --- the secretariat imports the charter, previewing its clauses first -------------------
    sign_in(desk, world.secretariat)
    desk.goto("/desk/")
    check(desk, "desk-empty")
    desk.goto("/desk/import")
    desk.get_by_label("Title of the charter").fill("Open Innovation Charter")
    desk.get_by_label("Or paste the text").fill(CHARTER)
    desk.get_by_role("button", name="Preview the clauses").click()
    preview = desk.get_by_role("table", name="Clauses of the imported charter")
    assert "Article 2 — Decisions" in preview.inner_text()
    assert preview.locator("tbody tr").count() == 7
    check(desk, "import-preview")
    desk.get_by_role("button", name="Import this charter").click()
    expect_heading(desk, "Open Innovation Charter")
    charter_url = desk.url
    slug = charter_url.rstrip("/").rsplit("/", 1)[-1]
    check(desk, "charter")

    # --- and invites two members, who accept and choose their passwords ----------------------
    members: list[Any] = []
    for name, email, country in MEMBERS:
        desk.goto("/people/invite")
        desk.get_by_label("Name").fill(name)
        desk.get_by_label("Email address").fill(email)
        desk.get_by_label("Country").select_option(country)
        desk.get_by_role("button", name="Send the invitation").click()
        expect_flash(desk, "is invited")
    check(desk, "invited")
    for name, email, _country in MEMBERS:
        mail = wait_for_mail(smtp, email, desk, app)
        link = re.search(r"(http://127\.0\.0\.1:\d+/invite/\S+)", mail.get_content())
        assert link, mail.get_content()
        member = browser.new_context(base_url=live_server, locale="en-GB").new_page()
        member.set_default_timeout(15_000)
        member.goto(link.group(1))
        if not members:
            check(member, "accept-invitation")
        member.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        member.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
        member.get_by_role("button", name="Accept and sign in").click()
        expect_heading(member, "Edit your profile")
        assert name in member.get_by_role("banner").inner_text()
        members.append(member)
    lucia, kenji = members

    # --- Lucía proposes an amendment to the decisions clause --------------------------------
    lucia.goto(charter_url)
    lucia.get_by_role("link", name=re.compile(r"Propose a change to Article 2 ¶1$")).click()
    expect_heading(lucia, "Propose an amendment")
    lucia.get_by_label("Title").fill("Absolute majority")
    lucia.get_by_label("New text of the clause").fill(
        DECISIONS.replace("simple majority of the votes cast", "absolute majority of the members")
        + "\n"
    )
    lucia.get_by_label("Rationale").fill("A simple majority lets a small group decide.")
    lucia.get_by_role("button", name="Preview").click()
    assert "absolute" in lucia.locator("#live-preview ins").first.inner_text()
    check(lucia, "propose-amendment")
    lucia.get_by_role("button", name="Save and submit").click()
    expect_heading(lucia, "Amendment #1: Absolute majority")
    first_amendment_url = lucia.url
    check(lucia, "amendment")

    # --- Kenji comments on a passage he selects, then proposes a competing amendment ---------
    kenji.goto(charter_url)
    kenji.get_by_role("link", name=re.compile(r"History and comments of Article 2 ¶1$")).click()
    kenji.wait_for_url(re.compile(r"/clauses/\d+$"))
    kenji.wait_for_load_state("load")  # the selection script is ready
    passage = "simple majority of the votes cast"
    kenji.evaluate(
        """(passage) => {
            const clause = document.getElementById("clause-current");
            const walker = document.createTreeWalker(clause, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const at = node.textContent.indexOf(passage);
                if (at >= 0) {
                    const range = document.createRange();
                    range.setStart(node, at);
                    range.setEnd(node, at + passage.length);
                    const selection = window.getSelection();
                    selection.removeAllRanges();
                    selection.addRange(range);
                    clause.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
                    return;
                }
            }
            throw new Error("passage not found");
        }""",
        passage,
    )
    assert kenji.get_by_label("Passage you comment on (optional)").input_value() == passage
    kenji.get_by_label("Your comment").fill(
        "In many of our organisations *abstentions* count: should they here?"
    )
    kenji.get_by_role("button", name="Post the comment").click()
    expect(kenji.locator("blockquote.comment-quote").first).to_have_text(passage)
    assert "<em>abstentions</em>" in kenji.locator(".comment-body").first.inner_html()
    check(kenji, "clause-comment")
    kenji.goto(charter_url)
    kenji.get_by_role("link", name=re.compile(r"Propose a change to Article 2 ¶1$")).click()
    kenji.get_by_label("Title").fill("Consensus first")
    kenji.get_by_label("New text of the clause").fill(
        DECISIONS.replace("simple majority of the votes cast", "consensus, failing which by vote")
        + "\n"
    )
    kenji.get_by_role("button", name="Save and submit").click()
    expect_heading(kenji, "Amendment #2: Consensus first")
    competing_url = kenji.url

    # --- the secretariat puts the first amendment to the vote and opens it -------------------
    desk.goto(f"/charters/{slug}/ballots")
    check(desk, "ballots-empty")
    desk.get_by_role("link", name="New ballot").click()
    desk.get_by_label("One amendment: yes, no or abstain").check()
    desk.get_by_label("#1: Absolute majority").check()
    # The form shows only the fields of the kind chosen (a small script; without it, all).
    assert not desk.get_by_label("Majority each amendment needs against keeping").is_visible()
    desk.get_by_label("Quorum", exact=True).select_option("share")
    desk.get_by_label("Quorum value").fill("1/4")
    check(desk, "new-ballot")
    desk.get_by_role("button", name="Create the ballot").click()
    expect_flash(desk, "created as a draft")
    ballot_url = desk.url
    check(desk, "ballot-draft")
    desk.get_by_role("link", name="Open the ballot").click()
    expect_heading(desk, "Open the ballot")
    check(desk, "open-ballot")
    desk.get_by_role("button", name="Open the ballot now").click()
    expect_flash(desk, "the text is pinned")

    # --- both members vote: Lucía with the mouse, Kenji with the keyboard only ---------------
    lucia.goto("/")
    lucia.get_by_role("navigation", name="Main").get_by_role("link", name="Votes").click()
    check(lucia, "votes")
    lucia.get_by_role("link", name="Amendment #1: Absolute majority").click()
    text = lucia.get_by_role("region", name="The text voted on")
    assert "absolute" in text.locator(".diff ins").first.inner_text()
    assert "simple" in text.locator(".diff del").first.inner_text()
    check(lucia, "ballot-open")
    lucia.get_by_label("Yes").check()
    lucia.get_by_role("button", name="Cast my vote").click()
    expect_heading(lucia, "The vote is recorded")
    check(lucia, "vote-recorded")

    kenji.goto(ballot_url)
    kenji.get_by_label("Abstain").focus()
    kenji.keyboard.press("Space")
    kenji.keyboard.press("Tab")
    assert kenji.evaluate("document.activeElement.textContent") == "Cast my vote"
    kenji.keyboard.press("Enter")
    expect_heading(kenji, "The vote is recorded")  # the answer to the vote itself
    assert "<strong>Abstain</strong>" in kenji.locator("main").inner_html()

    # Results stay hidden from members until the ballot closes.
    lucia.goto(ballot_url + "/results")
    assert "Results are published when the ballot closes." in lucia.locator("main").inner_text()

    # --- the secretariat closes the vote: the result, and the merge ---------------------------
    desk.goto(ballot_url)
    # Members only (the default roll): the secretariat runs the ballot and does not vote.
    assert "2 of 6 voters have voted" in desk.locator("main").inner_text()
    desk.get_by_role("link", name="Close the ballot").click()
    expect_heading(desk, "Close the ballot")
    check(desk, "close-ballot")
    desk.get_by_role("button", name="Close and count now").click()
    expect_heading(desk, "Results")
    result = desk.locator("main").inner_text()
    assert "Adopted" in result and "merged into the charter as revision 2" in result
    assert desk.locator("figure.chart svg[role=img]").count() == 2
    check(desk, "results")
    desk.get_by_role("link", name="Roll call", exact=True).click()
    expect_heading(desk, "Roll call")
    roll = desk.get_by_role("table").inner_text()
    assert re.search(r"Lucía Fernández\s+Yes", roll) and re.search(
        r"Kenji Watanabe\s+Abstain", roll
    )
    check(desk, "roll-call")

    lucia.goto(first_amendment_url)
    assert "Merged as\nrevision 2" in lucia.locator(".facts").inner_text()
    lucia.goto(charter_url)
    assert "absolute majority of the members" in lucia.locator("main").inner_text()

    # The competing amendment changed the same words: it is flagged for its author.
    kenji.goto(competing_url)
    assert "needs rebase" in kenji.locator(".facts").inner_text().lower()
    assert kenji.get_by_role("heading", name="This amendment conflicts with a change merged since")
    check(kenji, "amendment-needs-rebase")

    # --- the charter is adopted by an adoption ballot ----------------------------------------
    desk.goto(f"/charters/{slug}/ballots/new")
    desk.get_by_label("Adoption of the whole charter: yes, no or abstain").check()
    desk.get_by_label("Threshold", exact=True).select_option("two_thirds")
    desk.get_by_role("button", name="Create the ballot").click()
    expect_flash(desk, "created as a draft")
    adoption_url = desk.url
    assert "The whole charter, revision 2" in desk.locator("main").inner_text()
    desk.get_by_role("link", name="Open the ballot").click()
    desk.get_by_role("button", name="Open the ballot now").click()
    expect_flash(desk, "the text is pinned")
    for voter in (lucia, kenji):
        voter.goto(adoption_url)
        voter.get_by_label("Yes").check()
        voter.get_by_role("button", name="Cast my vote").click()
        expect_heading(voter, "The vote is recorded")
    desk.goto(adoption_url)
    check(desk, "adoption-ballot")
    desk.get_by_role("link", name="Close the ballot").click()
    desk.get_by_role("button", name="Close and count now").click()
    expect_heading(desk, "Results")
    adopted = desk.locator("main").inner_text()
    assert "Adopted" in adopted and "The charter is adopted as revision 2." in adopted
    check(desk, "adoption-results")
    lucia.goto("/")
    lucia.get_by_role("navigation", name="Main").get_by_role("link", name="Charters").click()
    expect(lucia.locator("main")).to_contain_text("Revision 2 · Adopted on")
    expect(lucia.locator("main")).to_contain_text("as revision 2")
    check(lucia, "charters-adopted")

    for member in members:
        member.context.close()
