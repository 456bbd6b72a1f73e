"""The shared real charters read as their authors wrote them, in a real Chromium: on the charter
page, the compare page and an adoption ballot, paragraphs flow (no rendered line of a paragraph
ends where the source merely wrapped its line) and headings render as headings, never as raw
``#`` or underlines."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.operations import propose_amendment
from charter_engine.charters.operations import import_charter
from charter_engine.voting.operations import create_ballot
from tests.browser.helpers import check_accessibility, save_screenshot, sign_in
from tests.shared_data import require_shared_data

pytestmark = pytest.mark.browser

# (history, a heading each page must show as a heading)
HISTORIES = [
    ("cncf-charter", "1. Mission of the Cloud Native Computing Foundation."),
    ("pep-0013", "Abstract"),
]

# For every paragraph and list item with a soft line break in its source (the browser keeps
# the newline in the text node), find the rendered lines and report each line that ends although
# the next word would have fitted after it: a break the layout did not need. Breaks that follow a
# <br> (a hard break the author wrote) are the author's.
FORCED_BREAKS = r"""(selector) => {
  const found = [];
  let checked = 0;
  for (const block of document.querySelectorAll(selector)) {
    if (!block.textContent.includes("\n")) continue;
    checked += 1;
    const words = [];
    // A word starts its own line legitimately after a <br>, or when it is in another block
    // (a nested list item, a paragraph) than the word before it.
    const blockOf = (node) => {
      let el = node.parentElement;
      while (el !== block && getComputedStyle(el).display.startsWith("inline")) {
        el = el.parentElement;
      }
      return el;
    };
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    let afterBreak = false;
    let previousBlock = null;
    let node;
    while ((node = walker.nextNode())) {
      if (node.nodeType === Node.ELEMENT_NODE) {
        if (node.tagName === "BR") afterBreak = true;
        continue;
      }
      const text = node.textContent;
      const pattern = /\S+/g;
      let match;
      while ((match = pattern.exec(text))) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const rects = range.getClientRects();
        if (!rects.length) continue;
        const inBlock = blockOf(node);
        words.push({
          text: match[0],
          first: rects[0],
          last: rects[rects.length - 1],
          afterBreak: afterBreak || (previousBlock !== null && inBlock !== previousBlock),
        });
        afterBreak = false;
        previousBlock = inBlock;
      }
    }
    const box = block.getBoundingClientRect();
    const style = getComputedStyle(block);
    const right = box.right - parseFloat(style.paddingRight);
    const space = (() => {
      const probe = document.createElement("span");
      probe.textContent = "\u00a0";
      block.appendChild(probe);
      const width = probe.getBoundingClientRect().width;
      probe.remove();
      return width;
    })();
    for (let i = 0; i + 1 < words.length; i++) {
      const here = words[i];
      const next = words[i + 1];
      const newLine = next.first.top > here.last.top + here.last.height / 2;
      if (!newLine || next.afterBreak) continue;
      const width = next.first.width;
      if (here.last.right + space + width <= right - 1) {
        found.push(here.text + " ⏎ " + next.text);
      }
    }
  }
  return {checked, found};
}"""


def _version(name: str, which: str) -> str:
    folder = Path(require_shared_data("histories", name))
    path = sorted(p for p in folder.iterdir() if p.name.startswith("v"))[
        0 if which == "first" else -1
    ]
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def _reads_well(page: Any, selector: str, body: str, heading: str) -> int:
    """Assert the text in ``selector`` flows (paragraphs and list items in its ``body``
    elements) and its headings render; return how many paragraphs with soft breaks were
    checked."""
    result = page.evaluate(FORCED_BREAKS, f"{selector} {body} p, {selector} {body} li")
    assert result["found"] == [], result["found"][:10]
    raw = page.evaluate(
        r"""(selector) => Array.from(document.querySelectorAll(selector))
            .flatMap(el => el.innerText.split("\n"))
            .filter(line => /^\s*#{1,6}\s/.test(line)
                            || /^\s*([=~^-])\1{3,}\s*$/.test(line))""",
        selector,
    )
    assert raw == [], raw[:5]
    headings = page.locator(
        f"{selector} :is(h2, h3, h4, h5, h6)", has_text=heading
    ).all_inner_texts()
    assert any(text.strip().endswith(heading) for text in headings), headings
    return int(result["checked"])


@pytest.mark.parametrize(("name", "heading"), HISTORIES)
def test_real_charters_read_as_flowing_paragraphs_with_headings(
    page: Any, world: SimpleNamespace, session: Session, name: str, heading: str
) -> None:
    first = _version(name, "first")
    charter = import_charter(session, title=name, text=first, actor=world.secretariat)
    amendment = propose_amendment(
        session,
        charter,
        actor=world.secretariat,
        title="Up to date",
        base_revision=1,
        text=_version(name, "last"),
        submit=True,
    )
    merge_amendment(session, amendment, actor=world.secretariat, editorial=True)
    ballot = create_ballot(session, charter, actor=world.secretariat, kind="adoption")
    session.commit()
    sign_in(page, world.member)

    checked = 0
    page.goto(f"/charters/{charter.slug}/")
    checked += _reads_well(page, ".charter-text", ".clause-body", heading)
    check_accessibility(page)
    save_screenshot(page, f"reading-{name}-charter")

    page.goto(f"/charters/{charter.slug}/compare?from=1&to=2&all=1")
    checked += _reads_well(page, ".compare-list", ".redline-body", heading)
    check_accessibility(page)
    save_screenshot(page, f"reading-{name}-compare")

    page.goto(f"/ballots/{ballot.id}")
    checked += _reads_well(page, ".ballot-charter", ".clause-body", heading)
    save_screenshot(page, f"reading-{name}-adoption-ballot")
    if name == "pep-0013":
        assert checked > 50  # the PEP wraps its lines: the check had work to do

    # And the check does see a break the layout did not need, were the source lines shown.
    page.goto(f"/charters/{charter.slug}/")
    page.evaluate(
        """() => { for (const p of document.querySelectorAll('.charter-text p'))
                     p.style.whiteSpace = 'pre-line'; }"""
    )
    shown_as_source = page.evaluate(FORCED_BREAKS, ".charter-text .clause-body p")
    if name == "pep-0013":
        assert shown_as_source["found"], "the check must notice lines broken as in the source"
