"""The review story a new member and the secretariat follow, in one real browser session each:

members sign in, read the charter and compare revisions; one proposes a change to a clause,
another comments on a passage they select, co-sponsors it and proposes a competing change by
editing the whole document; the secretariat runs a named ballot in which one member votes by
proxy for another, then a ranked ballot between the competing amendments — one member votes on
a phone-sized screen — whose winner is merged; the loser's author resolves the conflict; the
charter is adopted by a secret ballot with receipts. Every step is checked with axe-core and kept
as a screenshot (test-artifacts/screenshots/review-*.png); the phone pages never scroll sideways.

The charter is imported through the operations (the import pages have their own story in
test_story.py); everything else happens through the pages.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from tests.browser.helpers import check_accessibility, save_screenshot, sign_in

pytestmark = pytest.mark.browser

CHARTER = """# Charter of the Open Innovation Core Group

## Article 1 — Decisions

Decisions are taken by simple majority of the votes cast at a meeting of the Core Group.

## Article 2 — Meetings

The Core Group meets at least twice a year.
"""
DECISIONS = (
    "Decisions are taken by simple majority of the votes cast at a meeting of the Core Group."
)
MEETINGS = "The Core Group meets at least twice a year."
PHONE = {"width": 390, "height": 844}


def check(page: Any, name: str) -> None:
    """The page passes axe-core and does not scroll sideways; keep a screenshot of it."""
    check_accessibility(page)
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url} scrolls sideways: {scroll} > {inner}"
    save_screenshot(page, f"review-{name}")


def heading(page: Any) -> Any:
    return page.get_by_role("heading", level=1)


def flash(page: Any) -> Any:
    return page.locator(".flash").first


def select_passage(page: Any, passage: str) -> None:
    """Select ``passage`` in the clause text as a mouse would, and let the page notice."""
    page.evaluate(
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


def new_ballot(desk: Any, slug: str, kind: str, amendments: list[str], **rules: str) -> str:
    """Create a ballot through the form and open it; returns its URL."""
    desk.goto(f"/charters/{slug}/ballots/new")
    desk.get_by_label(kind).check()
    for label in amendments:
        desk.get_by_label(label).check()
    if "secrecy" in rules:
        desk.get_by_label(re.compile("^" + rules["secrecy"])).check()
    desk.get_by_role("button", name="Create the ballot").click()
    expect(flash(desk)).to_contain_text("created as a draft")
    url = str(desk.url)
    desk.get_by_role("link", name="Open the ballot").click()
    desk.get_by_role("button", name="Open the ballot now").click()
    expect(flash(desk)).to_contain_text("the text is pinned")
    return url


def close_ballot(desk: Any, url: str) -> str:
    desk.goto(url)
    desk.get_by_role("link", name="Close the ballot").click()
    desk.get_by_role("button", name="Close and count now").click()
    expect(heading(desk)).to_have_text("Results")
    return str(desk.locator("main").inner_text())


def test_the_review_story(
    browser: Any, live_server: str, world: SimpleNamespace, session: Session
) -> None:
    from charter_engine.charters.operations import import_charter
    from charter_engine.charters.queries import current_entries

    charter = import_charter(
        session, title="Open Innovation Charter", text=CHARTER, actor=world.secretariat
    )
    session.commit()
    slug = charter.slug
    clause = {v.text.strip(): cid for cid, v in current_entries(session, charter)}
    decisions, meetings = clause[DECISIONS], clause[MEETINGS]
    session.commit()

    def open_as(user: Any, viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(
            base_url=live_server,
            locale="en-GB",
            timezone_id="UTC",
            viewport=viewport or {"width": 1366, "height": 768},
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, user)
        return page

    desk = open_as(world.secretariat)
    mia = open_as(world.member)
    omar = open_as(world.other_member)
    tara = open_as(world.target, PHONE)  # on a phone
    try:
        # --- Mia reads the charter and proposes a change to one clause --------------------
        mia.goto(f"/charters/{slug}/")
        expect(heading(mia)).to_have_text("Open Innovation Charter")
        check(mia, "charter")
        mia.goto(f"/charters/{slug}/amendments/new?clause={decisions}")
        mia.get_by_label("Title").fill("Absolute majority")
        mia.get_by_label("New text of the clause").fill(
            DECISIONS.replace("simple majority of the votes cast", "absolute majority of members")
        )
        mia.get_by_label("Rationale").fill("A simple majority lets a small group decide.")
        mia.locator("#live-preview ins.diff-ins").first.wait_for()
        check(mia, "propose-clause")
        mia.get_by_role("button", name="Save and submit").click()
        expect(heading(mia)).to_contain_text("Absolute majority")
        absolute_url = str(mia.url)
        # A second amendment, on the meetings clause, for the named ballot.
        mia.goto(f"/charters/{slug}/amendments/new?clause={meetings}")
        mia.get_by_label("Title").fill("Meet four times a year")
        mia.get_by_label("New text of the clause").fill(MEETINGS.replace("twice", "four times"))
        mia.get_by_role("button", name="Save and submit").click()
        expect(heading(mia)).to_contain_text("Meet four times a year")

        # --- Omar comments on a passage, co-sponsors, and proposes by editing the document --
        omar.goto(f"/charters/{slug}/clauses/{decisions}")
        omar.wait_for_load_state("load")  # the selection script is ready
        passage = "simple majority of the votes cast"
        select_passage(omar, passage)
        assert omar.get_by_label("Passage you comment on (optional)").input_value() == passage
        omar.get_by_label("Your comment").fill("Do abstentions count here?")
        omar.get_by_role("button", name="Post the comment").click()
        expect(omar.locator("blockquote.comment-quote").first).to_have_text(passage)
        check(omar, "comment-on-passage")

        omar.goto(absolute_url)
        omar.get_by_role("button", name="Co-sponsor").click()
        expect(omar.locator("main")).to_contain_text("Omar Other")
        check(omar, "co-sponsored")

        omar.goto(f"/charters/{slug}/amendments/new?kind=document")
        omar.get_by_label("Title").fill("Consensus first")
        document = omar.get_by_label("The whole charter")
        document.fill(
            document.input_value().replace(
                "simple majority of the votes cast", "consensus, failing which by vote"
            )
        )
        omar.get_by_role("button", name="Show the changes").click()
        expect(omar.locator(".preview-box").first).to_contain_text("consensus")
        check(omar, "propose-document")
        omar.get_by_role("button", name="Save and submit").click()
        expect(heading(omar)).to_contain_text("Consensus first")
        # And one more on the same words, which will not be on the ranked ballot.
        omar.goto(f"/charters/{slug}/amendments/new?clause={decisions}")
        omar.get_by_label("Title").fill("Count abstentions")
        omar.get_by_label("New text of the clause").fill(
            DECISIONS.replace("of the votes cast", "of the votes cast, abstentions included")
        )
        omar.get_by_role("button", name="Save and submit").click()
        expect(heading(omar)).to_contain_text("Count abstentions")
        abstentions_url = str(omar.url)

        # --- a named ballot; Tara gives her vote on it to Mia, who casts both -------------
        named = new_ballot(
            desk, slug, "One amendment: yes, no or abstain", ["#2: Meet four times a year"]
        )
        check(desk, "named-ballot-open")
        tara.goto(named)
        tara.get_by_text("Give your vote on this ballot to another member").click()
        tara.get_by_label("Give my vote on this ballot to").select_option(label="Mia Member")
        tara.get_by_role("button", name="Give my vote").click()
        expect(flash(tara)).to_contain_text("Mia Member")
        check(tara, "phone-proxy-given")
        mia.goto(named)
        mia.locator(".your-vote").get_by_label("Yes").check()
        mia.locator(".your-vote").get_by_role("button", name="Cast my vote").click()
        expect(heading(mia)).to_have_text("The vote is recorded")
        mia.goto(named)
        card = mia.locator(".proxy-vote")
        card.get_by_label("Yes").check()
        card.get_by_role("button", name="Cast the vote for Tara Target").click()
        expect(heading(mia)).to_have_text("The vote is recorded")
        check(mia, "proxy-vote-recorded")
        result = close_ballot(desk, named)
        assert "Adopted" in result and "merged into the charter as revision 2" in result
        check(desk, "named-results")
        desk.get_by_role("link", name="Roll call", exact=True).click()
        roll = desk.get_by_role("table").inner_text()
        assert re.search(r"Mia Member\s+Yes", roll) and re.search(r"Tara Target\s+Yes", roll)
        check(desk, "named-roll-call")

        # --- Mia compares the two revisions ------------------------------------------------
        mia.goto(f"/charters/{slug}/compare?from=1&to=2&view=side")
        expect(mia.locator(".compare-list ins").first).to_contain_text("four times")
        check(mia, "compare-side-by-side")

        # --- a ranked ballot between the competing amendments; Tara votes on her phone ----
        ranked = new_ballot(
            desk,
            slug,
            "Competing amendments: rank them against keeping the current text",
            ["#1: Absolute majority", "#3: Consensus first"],
        )
        for voter, first in ((mia, "Absolute majority"), (omar, "Absolute majority")):
            voter.goto(ranked)
            voter.get_by_role("combobox", name=re.compile(first)).select_option("1")
            voter.get_by_role("button", name="Cast my vote").click()
            expect(heading(voter)).to_have_text("The vote is recorded")
        tara.goto(ranked)
        check(tara, "phone-ranked-ballot")
        tara.get_by_role("combobox", name=re.compile("Consensus first")).select_option("1")
        tara.get_by_role("combobox", name=re.compile("Absolute majority")).select_option("2")
        tara.get_by_role("button", name="Cast my vote").click()
        expect(heading(tara)).to_have_text("The vote is recorded")
        check(tara, "phone-vote-recorded")
        result = close_ballot(desk, ranked)
        assert "Absolute majority" in result and "revision 3" in result
        check(desk, "ranked-results")

        # --- the losing amendment conflicts; its author resolves it ------------------------
        omar.goto(abstentions_url)
        expect(omar.locator(".facts")).to_contain_text(re.compile("needs rebase", re.I))
        omar.get_by_role("link", name="Resolve the conflict…").click()
        check(omar, "resolve-conflict")
        restated = omar.get_by_label("Your text, restated against the current text")
        restated.fill(
            DECISIONS.replace(
                "simple majority of the votes cast", "consensus, failing which by"
            ).replace("at a meeting", "an absolute majority of members at a meeting")
        )
        omar.get_by_role("button", name="Save the restated amendment").click()
        expect(flash(omar)).to_contain_text("The conflict is resolved")
        check(omar, "conflict-resolved")

        # --- the charter is adopted by a secret ballot with receipts ------------------------
        adoption = new_ballot(
            desk,
            slug,
            "Adoption of the whole charter: yes, no or abstain",
            [],
            secrecy="Secret:",
        )
        for voter in (mia, omar, tara):
            voter.goto(adoption)
            voter.get_by_label("Yes").first.check()
            voter.get_by_role("button", name="Cast my vote").click()
            expect(heading(voter)).to_have_text("The vote is recorded")
            expect(voter.locator(".receipt-code code")).to_have_text(
                re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$")
            )
        check(tara, "phone-secret-receipt")
        result = close_ballot(desk, adoption)
        assert "Adopted" in result and "The charter is adopted as revision 3." in result
        check(desk, "adoption-results")
    finally:
        for page in (desk, mia, omar, tara):
            page.context.close()
