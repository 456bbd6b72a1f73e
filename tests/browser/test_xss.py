"""No payload runs: known XSS payloads in every user-text field, rendered in Chromium with a
dialog listener, a CSP-violation listener and a look for runnable markup in the DOM.

The suite runs an evenly spread subset (``CHARTER_XSS_PAYLOADS``, default 24, ``all`` for every
one); ``bench/xss_sweep.py`` runs all of them.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.browser.helpers import sign_in
from tests.browser.xss import PAYLOADS, Findings, check_page, seed, subset, sweep, watch

pytestmark = pytest.mark.browser


def _chosen() -> list[str]:
    wanted = os.environ.get("CHARTER_XSS_PAYLOADS", "24")
    return list(PAYLOADS) if wanted == "all" else subset(int(wanted))


def test_there_are_over_two_hundred_distinct_payloads() -> None:
    assert len(set(PAYLOADS)) == len(PAYLOADS) >= 200


def test_the_listeners_catch_a_payload_that_runs(browser: Any, live_server: str) -> None:
    """The sweep can fail: an unescaped payload on a page without a CSP shows as a dialog and as
    markup; the same with the app's CSP shows as a violation."""
    context = browser.new_context(base_url=live_server)
    findings = Findings()
    page = watch(context, findings)
    unsafe = "<p>x</p><img src=x onerror=alert(1)>"
    page.route("**/probe-open", lambda route: route.fulfill(content_type="text/html", body=unsafe))
    csp = "default-src 'self'; script-src 'self'"
    page.route(
        "**/probe-csp",
        lambda route: route.fulfill(
            content_type="text/html", body=unsafe, headers={"Content-Security-Policy": csp}
        ),
    )
    check_page(page, findings, "/probe-open")
    page.wait_for_function("document.querySelector('img').complete")
    assert findings.dialogs and findings.markup
    before = len(findings.dialogs)
    check_page(page, findings, "/probe-csp")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert len(findings.dialogs) == before
    context.close()


def test_no_payload_runs_on_any_page(
    browser: Any, live_server: str, people: SimpleNamespace, session: Session
) -> None:
    payloads = _chosen()
    paths = seed(session, people, payloads)
    session.commit()
    context = browser.new_context(base_url=live_server)
    findings = Findings()
    page = watch(context, findings)
    sign_in(page, people.secretariat)
    sweep(page, paths, findings)
    context.close()
    print(f"\nXSS sweep: {len(payloads)} payloads, {findings.summary()}")
    assert findings.pages == len(paths)
    assert findings.clean, findings.summary()
