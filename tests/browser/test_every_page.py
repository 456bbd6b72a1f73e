"""Every page of the route table, as each role, on a phone (390 × 844) and on a laptop (1366 × 768):
no page scrolls sideways, and none has a serious or critical axe-core violation.

One served app, one browser and one signed-in context per role serve the whole walk, so the test
costs one world and about two page loads per (page, role). axe-core runs on every page at phone
width (where layouts break) and again at laptop width on the main pages, whose screenshots at both
widths are kept in test-artifacts/screenshots/ (``pages-<endpoint>-<role>-<width>.png``).

Downloads (CSV, PDF, Markdown exports) are not pages: they are recognised by their response and
left to the publication tests. ``other_member`` is the member role without ownership, so the
member stands for both.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tests.browser.helpers import check_accessibility, save_screenshot, sign_in
from tests.web.route_table import ROUTES

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
ROLES = ("anonymous", "observer", "member", "secretariat")

# Other views of the same pages (tabs and switches a reader uses), besides the table's URLs.
EXTRA_VIEWS = [
    ("charters.compare", "/charters/{charter.slug}/compare?from=1&to=2&view=side"),
    ("amendments.show", "/charters/{charter.slug}/amendments/{amendment.number}?view=side"),
    ("amendments.propose", "/charters/{charter.slug}/amendments/new?kind=replace"),
    ("amendments.propose", "/charters/{charter.slug}/amendments/new?kind=document"),
    ("amendments.show", "/charters/{charter.slug}/amendments/{conflicted.number}"),
    ("ballots.show", "/ballots/{vb_closed.id}"),
    ("ballots.results", "/ballots/{vb_closed_secret.id}/results"),
]

# Pages whose screenshots are kept and which are checked with axe-core at both widths.
MAIN_PAGES = {
    "home.index",
    "charters.show",
    "charters.compare",
    "charters.clause",
    "amendments.index",
    "amendments.show",
    "amendments.propose",
    "amendments.resolve",
    "people.directory",
    "people.country_map",
    "ballots.overview",
    "ballots.show",
    "ballots.results",
    "notifications.inbox",
    "desk.index",
    "publication.releases",
}

SCROLL_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# Charts and the map keep a legible size on a phone (they scroll inside their own box instead).
SQUEEZED = """() => [...document.querySelectorAll('figure.chart svg, svg.country-map')]
  .filter((svg) => svg.getBoundingClientRect().width < 500)
  .map((svg) => `${svg.getAttribute('class')} ${Math.round(svg.getBoundingClientRect().width)}`)"""
# The elements sticking out past the right edge, to say what to fix.
WIDEST = """() => {
  const limit = window.innerWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > limit + 1 && r.width > 0) {
      const name = `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
      out.push(`${name} right=${Math.round(r.right)}`);
    }
  }
  return out.slice(0, 6);
}"""


def _pages(world: SimpleNamespace) -> list[tuple[str, str]]:
    urls = [(r.endpoint, r.url(world)) for r in ROUTES if r.method == "GET"]
    urls += [(endpoint, path.format(**vars(world))) for endpoint, path in EXTRA_VIEWS]
    return urls


def _is_download(context: Any, url: str) -> bool:
    response = context.request.get(url, max_redirects=5)
    kind = response.headers.get("content-type", "")
    disposition = response.headers.get("content-disposition", "")
    return "attachment" in disposition or not kind.startswith("text/html")


def test_no_page_scrolls_sideways_and_every_page_passes_axe(
    browser: Any, live_server: str, world: SimpleNamespace
) -> None:
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for role in ROLES:
        context = browser.new_context(
            base_url=live_server, locale="en-GB", timezone_id="UTC", viewport=PHONE
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            if role != "anonymous":
                sign_in(page, getattr(world, role))
            for endpoint, url in _pages(world):
                if _is_download(context, url):
                    continue
                page.set_viewport_size(PHONE)
                response = page.goto(url)
                # Pages a role cannot see lead to the login page or an error page: check each of
                # those once per role.
                landed = (role, page.url if "/login" in page.url else url)
                if response is not None and response.status >= 400:
                    landed = (role, f"error {response.status}")
                main = endpoint in MAIN_PAGES
                for size in (PHONE, LAPTOP):
                    # The same page at the other width: the layout follows the viewport.
                    page.set_viewport_size(size)
                    scroll, inner = page.evaluate(SCROLL_WIDTH)
                    if scroll > inner:
                        problems.append(
                            f"{url} as {role} at {size['width']} px scrolls sideways: "
                            f"{scroll} > {inner}; widest: {page.evaluate(WIDEST)}"
                        )
                    squeezed = page.evaluate(SQUEEZED) if size is PHONE else []
                    if squeezed:
                        problems.append(
                            f"{url} as {role}: graphics squeezed on a phone: {squeezed}"
                        )
                    if (size is PHONE or main) and (landed, size["width"]) not in seen:
                        seen.add((landed, size["width"]))
                        try:
                            check_accessibility(page)
                        except AssertionError as failure:
                            problems.append(f"as {role} at {size['width']} px: {failure}")
                    if main and role in ("member", "secretariat"):
                        query = url.partition("?")[2].replace("&", "-").replace("=", "-")
                        name = f"pages-{endpoint}{'-' + query if query else ''}"
                        save_screenshot(page, f"{name}-{role}-{size['width']}")
        finally:
            context.close()
    assert not problems, "\n".join(problems)
