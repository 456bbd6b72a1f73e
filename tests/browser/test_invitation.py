"""The whole invitation story in a browser, with mail through a real local SMTP server: the
secretariat invites, the mail arrives after the response, the newcomer chooses a password and is in;
signing out really ends the session."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

from tests.browser.helpers import check_accessibility, save_screenshot, sign_in, wait_for_mail

pytestmark = pytest.mark.browser


@pytest.fixture
def world(people: SimpleNamespace) -> SimpleNamespace:
    """Only people and their inbox: these tests count notifications and mails exactly."""
    return people


def test_invite_accept_and_sign_out(
    page: Any, browser: Any, live_server: str, world: SimpleNamespace, smtp: Any, app: Any
) -> None:
    # The smtp fixture points links at a fixed address; here they must reach the live server.
    state = app.extensions["charter_engine"]
    state.settings = state.settings.with_overrides(base_url=live_server)

    sign_in(page, world.secretariat)
    page.goto("/people/invite")
    page.get_by_label("Name").fill("Nia Newcomer")
    page.get_by_label("Email address").fill("nia@example.org")
    page.get_by_label("Country").select_option("GH")
    page.get_by_role("button", name="Send the invitation").click()
    assert "is invited" in page.locator(".flash").inner_text()
    check_accessibility(page)

    mail = wait_for_mail(smtp, "nia@example.org", page, app)
    link = re.search(r"(http://127\.0\.0\.1:\d+/invite/\S+)", mail.get_content())
    assert link, mail.get_content()

    newcomer = browser.new_context(base_url=live_server).new_page()
    newcomer.goto(link.group(1))
    check_accessibility(newcomer)
    save_screenshot(newcomer, "accept-invitation")
    newcomer.get_by_label("New password", exact=True).fill("a long and unusual password")
    newcomer.get_by_label("Repeat the new password").fill("a long and unusual password")
    newcomer.get_by_role("button", name="Accept and sign in").click()
    assert newcomer.get_by_role("heading", level=1).inner_text() == "Edit your profile"
    check_accessibility(newcomer)
    save_screenshot(newcomer, "edit-profile")
    newcomer.get_by_label("Areas of work").fill("water, health")
    newcomer.get_by_role("button", name="Save the profile").click()
    assert newcomer.get_by_role("heading", level=1).inner_text() == "Nia Newcomer"

    cookies = newcomer.context.cookies()
    newcomer.get_by_role("button", name="Sign out").click()
    assert "signed out" in newcomer.locator(".flash").inner_text()
    # A copy of the old cookie no longer opens anything.
    thief = browser.new_context(base_url=live_server)
    thief.add_cookies(cookies)
    stolen = thief.new_page()
    stolen.goto("/people/")
    assert "/login" in stolen.url
    thief.close()
    newcomer.context.close()
