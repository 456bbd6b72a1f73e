"""Helpers for browser tests: accessibility checks with axe-core, screenshots, signing in.

check_accessibility(page)             # zero serious or critical axe-core violations
save_screenshot(page, "directory")    # test-artifacts/screenshots/directory.png
sign_in(page, user)                   # through the real login form
wait_for_mail(smtp, address, page, app)  # the newest mail to address, delivered after a response
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from charter_engine.mail.models import OutboxMessage
from tests.web.support import PASSWORD

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")
MAIL_WAIT_SECONDS = 30


def _axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def check_accessibility(page: Any, *, context: Any = None, allow: tuple[str, ...] = ()) -> None:
    """Run axe-core on the page and fail on any violation of serious or critical impact.

    ``allow`` names rule ids to skip (say why next to the call). The message lists each violation
    with the elements it concerns, so the failure says what to fix.
    """
    results = _axe().run(page, context=context)
    violations = [
        v
        for v in results.response.get("violations", [])
        if v.get("impact") in BLOCKING_IMPACTS and v.get("id") not in allow
    ]
    if violations:
        lines = [f"axe-core found {len(violations)} serious/critical violation(s) on {page.url}:"]
        for violation in violations:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation.get("nodes", [])[:5]:
                lines.append(f"    {node.get('target')}: {node.get('failureSummary', '')[:300]}")
        raise AssertionError("\n".join(lines))


def save_screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG under test-artifacts/screenshots/ (git-ignored) and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"
    path = SCREENSHOTS / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_in(page: Any, user: Any, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def wait_for_mail(smtp: Any, address: str, page: Any, app: Any) -> Any:
    """The newest mail to ``address`` that the test SMTP server received.

    The application delivers after it has sent the response, so the mail arrives a moment later;
    on a loaded machine that can take seconds. If none comes, the message shows the outbox rows
    (attempts, claim, error), so a failure says whether the mail was never queued, never tried, or
    refused by the server.
    """
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while time.monotonic() < deadline:
        mails = smtp.to(address)
        if mails:
            return mails[-1]
        page.wait_for_timeout(100)
    with app.extensions["charter_engine"].session_factory() as session:
        rows = session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        outbox = [
            f"{row.to_address}: attempts={row.attempts} claimed_at={row.claimed_at} "
            f"sent_at={row.sent_at} last_error={row.last_error}"
            for row in rows
        ]
    received = [(m["To"], m["Subject"]) for m in smtp.messages]
    raise AssertionError(
        f"no mail to {address} within {MAIL_WAIT_SECONDS} s; received: {received}; outbox: {outbox}"
    )
