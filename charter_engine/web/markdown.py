"""User Markdown to safe HTML: markdown-it-py with raw HTML disabled, then sanitised with nh3.

Two layers on purpose: markdown-it never passes raw HTML through, and nh3 removes anything a future
plugin or a crafted link might still slip in (``javascript:`` URLs, event attributes, styles).
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
    "s",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
# Headings in user text are shifted down so they never compete with the page's own h1/h2.
HEADING_SHIFT = {"h1": "h3", "h2": "h4", "h3": "h5", "h4": "h6", "h5": "h6", "h6": "h6"}


def _link_allowed(url: str) -> bool:
    """Relative links and http(s)/mailto only; ``javascript:`` and ``data:`` never."""
    scheme, colon, _ = url.strip().partition(":")
    return not colon or "/" in scheme or scheme.lower() in URL_SCHEMES


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    setattr(md, "validateLink", _link_allowed)  # noqa: B010 - markdown-it's documented hook
    return md


def _shift_headings(html: str) -> str:
    for old, new in sorted(HEADING_SHIFT.items(), reverse=True):
        html = html.replace(f"<{old}>", f"<{new}>").replace(f"</{old}>", f"</{new}>")
    return html


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown as sanitised HTML, safe to put into a template as is."""
    if not text:
        return Markup("")
    html = _parser().render(text)
    html = _shift_headings(html)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(clean)
