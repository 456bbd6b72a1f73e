"""Two-step sign-in in a real browser: set it up from the profile by reading the secret off the
page, keep the recovery codes, sign out, and sign in again with the password and then a code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pyotp
import pytest

from tests.browser.helpers import check_accessibility, save_screenshot, sign_in
from tests.web.support import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def world(people: SimpleNamespace) -> SimpleNamespace:
    return people


def test_setting_up_two_step_sign_in_and_signing_in_with_a_code(
    page: Any, world: SimpleNamespace
) -> None:
    sign_in(page, world.member)
    page.goto(f"/people/{world.member.id}")
    page.get_by_role("link", name="Two-step sign-in").click()
    page.get_by_role("button", name="Set up two-step sign-in").click()
    secret = page.locator(".totp-secret").inner_text().replace(" ", "")
    assert page.get_by_role("img", name="QR code holding the secret shown below").is_visible()
    check_accessibility(page)
    save_screenshot(page, "two-step-set-up")
    totp = pyotp.TOTP(secret)
    # This step's code now, the next step's later: each is still accepted if the step changes
    # before the app checks it, and the second is never the first again.
    page.get_by_label("Code from your app").fill(totp.at(datetime.now(UTC)))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    assert page.locator(".recovery-codes li").count() == 10
    page.get_by_role("link", name="I have kept them").click()
    assert "is on" in page.locator("main").inner_text()

    page.get_by_role("button", name="Sign out").click()
    page.goto("/login")
    page.get_by_label("Email address").fill(world.member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/login/code")
    check_accessibility(page)
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    assert "not right" in page.locator("main").inner_text()
    page.get_by_label("Code").fill(totp.at(datetime.now(UTC) + timedelta(seconds=30)))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert f"Welcome, {world.member.name}." in page.locator("body").inner_text()
