"""The voting pages in a real browser: ranking with plain selects, a proxy vote on a secret ballot
and its receipt, the proxies page, receipts, results, roll call and the ballot form's errors — each
without serious or critical accessibility violations."""

from __future__ import annotations

import base64
import re
import zlib
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.sync_api import expect

from charter_engine.voting.receipts import normalise_receipt
from tests.browser.helpers import check_accessibility, save_screenshot, sign_in

pytestmark = pytest.mark.browser


def check(page: Any, name: str) -> None:
    check_accessibility(page)
    save_screenshot(page, f"voting-{name}")


def test_ranking_with_the_keyboard_and_a_proxy_vote_with_its_receipt(
    page: Any, world: SimpleNamespace
) -> None:
    sign_in(page, world.member)
    page.goto(f"/ballots/{world.vb_ranked.id}")
    check(page, "ranked-ballot")
    # Plain selects: reachable and set with the keyboard.
    page.get_by_role("combobox", name="Amendment #2: Consensus").focus()
    page.keyboard.press("ArrowDown")  # "1 (first choice)"
    page.get_by_role("combobox", name="Keep the current text").select_option("2")
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The vote is recorded")
    expect(page.locator(".confirmation")).to_contain_text(
        "1. Amendment #2: Consensus; 2. Keep the current text"
    )
    check(page, "ranked-recorded")

    page.goto(f"/ballots/{world.vb_secret.id}")
    expect(page.get_by_role("heading", name="Votes you cast for others")).to_be_visible()
    check(page, "secret-ballot-with-proxy")
    card = page.locator(".proxy-vote")
    card.get_by_label("No").check()
    card.get_by_role("button", name="Cast the vote for Omar Other").click()
    receipt = page.locator(".receipt-code code")
    expect(receipt).to_have_text(re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$"))
    expect(page.locator(".receipt")).to_contain_text("Give it to Omar Other")
    check(page, "receipt")

    page.goto("/proxies")
    check(page, "proxies")
    page.get_by_label("Give my vote on every ballot to").select_option(label="Tara Target")
    page.get_by_role("button", name="Give a standing proxy").click()
    expect(page.locator(".flash").first).to_contain_text("Tara Target now votes for you")


def test_records_of_closed_ballots_and_the_running_count(page: Any, world: SimpleNamespace) -> None:
    sign_in(page, world.secretariat)
    page.goto("/ballots/")
    check(page, "overview")
    page.goto(f"/ballots/{world.vb_closed.id}/results")
    expect(page.locator(".outcome")).to_contain_text("Rejected")
    check(page, "results-rejected")
    page.goto(f"/ballots/{world.vb_closed.id}/roll-call")
    check(page, "roll-call")
    page.goto(f"/ballots/{world.vb_closed_secret.id}/receipts")
    page.get_by_label("Your receipt code").fill(world.vb_receipt)
    page.get_by_role("button", name="Check my receipt").click()
    expect(page.locator(".flash-success")).to_contain_text("Your ballot is counted: No")
    check(page, "receipt-found")
    page.goto(f"/ballots/{world.vb_open.id}/results")
    expect(page.locator("main")).to_contain_text("Running count, visible to the secretariat only")
    check(page, "running-count")


def test_the_ballot_form_shows_its_errors_next_to_the_fields(
    page: Any, world: SimpleNamespace
) -> None:
    sign_in(page, world.secretariat)
    page.goto(f"/charters/{world.vb_charter.slug}/ballots/new")
    page.get_by_label("Competing amendments: rank them").check()
    # Only the ranked ballot's fields are shown for a ranked ballot.
    expect(page.get_by_label("Threshold", exact=True)).to_be_hidden()
    page.get_by_label("Majority each amendment needs against keeping").fill("1:2")
    page.get_by_label("Closing time (UTC)").fill("2001-01-01T10:00")
    page.get_by_role("button", name="Create the ballot").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(page.locator("#closes_at-error")).to_contain_text("already past")
    assert page.get_by_label("Closing time (UTC)").get_attribute("aria-invalid") == "true"
    check(page, "new-ballot-errors")
    page.goto(f"/ballots/{world.vb_draft.id}/edit")
    check(page, "edit-ballot")


def _cookie_texts(page: Any) -> list[str]:
    """Every cookie of the browser as readable text: the session cookie's payload decoded the way
    anyone can, without the secret key (base64, zlib-compressed when it starts with a dot)."""
    texts = []
    for cookie in page.context.cookies():
        value = cookie["value"]
        texts.append(value)
        payload = value.lstrip(".").split(".")[0]
        try:
            raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
            texts.append((zlib.decompress(raw) if value.startswith(".") else raw).decode())
        except (ValueError, zlib.error, UnicodeDecodeError):
            pass
    return texts


def test_a_secret_vote_leaves_neither_choice_nor_receipt_in_any_cookie(
    page: Any, world: SimpleNamespace
) -> None:
    sign_in(page, world.secretariat)
    page.goto(f"/ballots/{world.vb_secret.id}")
    page.locator("form.vote-form").get_by_label("Abstain").check()
    page.get_by_role("button", name="Cast my vote").click()
    receipt = page.locator(".receipt-code code").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", receipt)
    texts = _cookie_texts(page)
    assert any("csrf_token" in text for text in texts)  # the session cookie was read
    for text in texts:
        assert receipt not in text and normalise_receipt(receipt) not in text
        assert "abstain" not in text.lower() and "choice" not in text
    # Reloading the ballot shows the vote cast, never the receipt again.
    page.goto(f"/ballots/{world.vb_secret.id}")
    expect(page.locator("main")).to_contain_text("You have voted")
    assert receipt not in page.locator("main").inner_text()
