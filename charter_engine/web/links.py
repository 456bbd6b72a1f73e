"""Where an object lives in the UI: ``object_url("amendment", amendment_or_id)``.

Notifications and generic pages link to objects without knowing every blueprint. A blueprint
registers how to link its objects, e.g. in its module:

    register_link("amendment", lambda obj: url_for("amendments.show", amendment_id=_id(obj)))

A builder receives whatever was passed (a model instance or an id as a string or int) and returns a
URL, or ``None`` when it cannot link it. Builders may query ``db()``; keep them to one query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import BuildError

LinkBuilder = Callable[[Any], "str | None"]
_BUILDERS: dict[str, LinkBuilder] = {}


def register_link(object_type: str, builder: LinkBuilder) -> None:
    _BUILDERS[object_type] = builder


def object_url(object_type: str | None, obj: Any) -> str | None:
    builder = _BUILDERS.get(object_type or "")
    if builder is None or obj is None:
        return None
    try:
        return builder(obj)
    except BuildError:
        return None
