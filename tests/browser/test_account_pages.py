"""Signing in, the directory, the map and the inbox in a real browser: they work with the keyboard
and have no serious or critical accessibility violations."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

from tests.browser.helpers import check_accessibility, save_screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def world(people: SimpleNamespace) -> SimpleNamespace:
    """Only people and their inbox: these tests count notifications and mails exactly."""
    return people


def test_welcome_and_login_pages_are_accessible(page: Any) -> None:
    page.goto("/")
    assert page.locator("h1").count() == 1
    check_accessibility(page)
    save_screenshot(page, "welcome")
    page.goto("/login")
    check_accessibility(page)
    save_screenshot(page, "login")


def test_a_wrong_password_shows_the_error_next_to_the_field(
    page: Any, world: SimpleNamespace
) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(world.member.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    password = page.get_by_label("Password")
    assert password.get_attribute("aria-invalid") == "true"
    described = password.get_attribute("aria-describedby") or ""
    assert "not right" in page.locator(f"#{described.split()[-1]}").inner_text()
    check_accessibility(page)
    save_screenshot(page, "login-error")


def test_keyboard_only_sign_in_and_skip_link(page: Any, world: SimpleNamespace) -> None:
    page.goto("/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to main content" in focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.get_by_label("Email address").focus()
    page.keyboard.type(world.secretariat.email)
    page.keyboard.press("Tab")
    page.keyboard.type(world.password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")


def test_directory_map_profile_and_inbox_as_secretariat(page: Any, world: SimpleNamespace) -> None:
    sign_in(page, world.secretariat)
    main_nav = page.get_by_role("navigation", name="Main")
    assert main_nav.get_by_role("link").all_inner_texts() == [
        "Home",
        "Published",
        "Charters",
        "Votes",
        "Directory",
        "Desk",
    ]
    assert main_nav.get_by_role("link", name="Home").get_attribute("aria-current") == "page"
    check_accessibility(page)
    save_screenshot(page, "home")

    main_nav.get_by_role("link", name="Directory").click()
    assert page.get_by_role("heading", level=1).inner_text() == "The Core Group"
    check_accessibility(page)
    save_screenshot(page, "directory")

    page.get_by_label("Country").select_option("FR")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_role("link", name="Mia Member").is_visible()
    assert page.get_by_role("link", name="Omar Other").count() == 0

    page.get_by_role("link", name="Map by country").click()
    assert page.locator("main svg").count() == 1
    assert main_nav.get_by_role("link", name="Directory").get_attribute("aria-current") == "page"
    check_accessibility(page)
    save_screenshot(page, "directory-map")
    # France's outline takes in French Guiana: its middle is sea, so follow it with the keyboard.
    page.get_by_role("link", name="France: 1 member").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "country=FR" in url)

    page.get_by_role("link", name="Mia Member").click()
    assert page.get_by_role("link", name=world.member.email).is_visible()
    check_accessibility(page)
    save_screenshot(page, "profile")

    page.goto("/people/invite")
    check_accessibility(page)
    page.get_by_role("button", name="Send the invitation").click()
    # Nothing was sent: the form is shown again with the empty required fields marked.
    assert page.url.endswith("/people/invite")
    assert page.get_by_role("alert").get_by_role("link").count() == 2
    assert page.get_by_label("Name").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Email address").get_attribute("aria-invalid") == "true"
    check_accessibility(page)
    save_screenshot(page, "invite-errors")

    page.get_by_role("link", name=re.compile("Inbox")).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Inbox"
    # The only notification of this world is the member's.
    assert page.locator("main .inbox-item").count() == 0
    assert page.locator("main .empty").is_visible()
    check_accessibility(page)
    save_screenshot(page, "inbox")
    page.goto("/notifications/preferences")
    # Every kind starts at its default: at once when it needs the member, otherwise the digest.
    conflict = page.get_by_role("group", name="Your amendment needs a rebase")
    assert conflict.get_by_role("radio", name="Mail me at once").is_checked()
    update = page.get_by_role("group", name="News about your amendments")
    assert update.get_by_role("radio", name="In the daily digest").is_checked()
    check_accessibility(page)
    save_screenshot(page, "notification-settings")


def test_member_inbox_and_error_pages(page: Any, world: SimpleNamespace) -> None:
    sign_in(page, world.member)
    page.get_by_role("link", name=re.compile("Inbox")).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Inbox"
    check_accessibility(page)
    page.goto(f"/notifications/{world.notification.id}")
    check_accessibility(page)
    page.get_by_role("button", name="Mark as read", exact=True).click()
    page.goto(f"/notifications/{world.notification.id}")
    assert page.get_by_role("button", name="Mark as read", exact=True).count() == 0

    page.goto("/people/invite")
    assert page.get_by_role("heading", level=1).inner_text() == "You may not do this"
    check_accessibility(page)
    save_screenshot(page, "error-403")
    page.goto("/no/such/page")
    check_accessibility(page)
    save_screenshot(page, "error-404")


def test_an_api_token_is_made_copied_and_revoked_with_the_keyboard(
    page: Any, world: SimpleNamespace
) -> None:
    sign_in(page, world.member)
    page.goto(f"/people/{world.member.id}")
    page.get_by_role("link", name="API tokens").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/api-tokens")
    check_accessibility(page)

    page.get_by_label("Name").focus()
    page.keyboard.type("Minutes script")
    page.keyboard.press("Tab")
    page.keyboard.type("not the password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    password = page.get_by_label("Your password")
    assert password.get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Name").input_value() == "Minutes script", "the name is kept"
    check_accessibility(page)

    password.fill(world.password)
    password.press("Enter")
    shown = page.get_by_label("The token")
    token = shown.input_value()
    assert token.startswith("ce_") and shown.get_attribute("readonly") is not None
    check_accessibility(page)
    save_screenshot(page, "api-token-made")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the token fits its box
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport

    page.get_by_role("link", name="I have copied it").click()
    row = page.get_by_role("row", name=re.compile("Minutes script"))
    assert "In use" in row.inner_text() and token not in page.content()
    row.get_by_role("button", name="Revoke").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "is revoked" in page.locator("main").inner_text()
    assert "Revoked" in page.get_by_role("row", name=re.compile("Minutes script")).inner_text()
    check_accessibility(page)
    save_screenshot(page, "api-tokens")
