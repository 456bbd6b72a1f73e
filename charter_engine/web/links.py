"""Where an object lives in the UI: ``object_url("amendment", amendment_or_id)``.

Notifications and generic pages link to objects without knowing every blueprint. The app factory
passes its ``LINKS`` (object type → builder) to :func:`init_links`. A builder receives whatever was
passed (a model instance or an id as a string or int) and returns a URL, or ``None`` when it cannot
link it. Builders may query ``db()``; keep them to one query.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, current_app
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
