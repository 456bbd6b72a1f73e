"""User Markdown to safe HTML for templates: :func:`charter_engine.text.render.render_markdown`
(markdown-it-py with raw HTML disabled, then sanitised with nh3) wrapped as ``Markup``.

Two layers on purpose: markdown-it never passes raw HTML through, and nh3 removes anything a future
plugin or a crafted link might still slip in (``javascript:`` URLs, event attributes, styles).
Charter clauses are rendered by :mod:`charter_engine.text.render` as well, with their structure
(see :mod:`charter_engine.charters.display`).
"""

from __future__ import annotations

from markupsafe import Markup

from charter_engine.text.render import render_markdown as _render_markdown


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown as sanitised HTML, safe to put into a template as is."""
    return Markup(_render_markdown(text))  # nosec B704  # sanitised by nh3
