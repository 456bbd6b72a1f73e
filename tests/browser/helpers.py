"""Helpers for browser tests: accessibility checks with axe-core, screenshots, signing in.

check_accessibility(page)             # zero serious or critical axe-core violations
save_screenshot(page, "directory")    # test-artifacts/screenshots/directory.png
sign_in(page, user)                   # through the real login form
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.web.support import PASSWORD

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")


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
