"""Browser-test fixtures: the real app served on a loopback port, and Chromium driven by Playwright.

* ``live_server``: the app (against this test's database) served by waitress in a background
  thread on 127.0.0.1 and a free port; yields its base URL. The app's ``base_url`` setting is
  pointed at it, so links in mails work in the browser.
* ``browser``: one Chromium per run — the system ``/usr/bin/chromium`` (Playwright's own browser
  download is not used). When it is missing the browser tests are skipped with a message, or fail
  when ``CHARTER_REQUIRE_BROWSER=1``.
* ``page``: a fresh browser context and page per test, with ``base_url`` set, so ``page.goto("/")``
  works.
Helpers (accessibility checks, screenshots, signing in) are in :mod:`tests.browser.helpers`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live import serving
from tests.web.conftest import (  # noqa: F401
    client_as,
    fast_password_hashing,
    people,
    session_factory,
    smtp,
    world,
)

CHROMIUM = Path(os.environ.get("CHARTER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    # A real HTTP server: it closes each response once sent (as the WSGI servers do), which is
    # when the mail queued by a request is delivered.
    with serving(app, threads=4) as port:
        url = f"http://127.0.0.1:{port}"
        state = app.extensions["charter_engine"]
        state.settings = state.settings.with_overrides(base_url=url)
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium"
        if os.environ.get("CHARTER_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (CHARTER_REQUIRE_BROWSER=1)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server, locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
