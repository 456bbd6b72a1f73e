"""Where an object lives in the UI: ``object_url("amendment", amendment_or_id)``.

Notifications and generic pages link to objects without knowing every blueprint. The app factory
passes its ``LINKS`` (object type → builder) to :func:`init_links`. A builder receives whatever was
passed (a model instance or an id as a string or int) and returns a URL, or ``None`` when it cannot
link it. Builders may query ``db()``; keep them to one query.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, current_app, url_for
from markupsafe import Markup, escape
from werkzeug.routing import BuildError

LinkBuilder = Callable[[Any], "str | None"]
_EXTENSION = "charter_engine.links"


def init_links(app: Flask, builders: Mapping[str, LinkBuilder]) -> None:
    app.extensions[_EXTENSION] = dict(builders)


def object_url(object_type: str | None, obj: Any) -> str | None:
    builders: dict[str, LinkBuilder] = current_app.extensions[_EXTENSION]
    builder = builders.get(object_type or "")
    if builder is None or obj is None:
        return None
    try:
        return builder(obj)
    except BuildError:
        return None


class IdLink:
    """The URLs of one endpoint for many ids, built once: ``IdLink("charters.clause", "clause_id",
    slug=slug)(7)``. A long page (a 400-clause charter) links every clause several times;
    building each URL with ``url_for`` cost more than the rest of the page. The result is markup,
    escaped once here, so that the template does not escape it again.
    """

    # An id no row has, replaced by the real one in the URL built with it.
    _MARK = 987654321987654321

    def __init__(self, endpoint: str, key: str, **values: Any) -> None:
        arguments: dict[str, Any] = {**values, key: self._MARK}
        url = url_for(endpoint, **arguments)
        head, found, tail = url.partition(str(self._MARK))
        if not found:
            raise ValueError(f"{endpoint} does not put {key} in its URL")
        self._head, self._tail = str(escape(head)), str(escape(tail))

    def __call__(self, object_id: int) -> Markup:
        # Both halves were escaped once, and the id is an int.
        return Markup(f"{self._head}{int(object_id)}{self._tail}")  # nosec B704
