"""The main navigation: blueprints register their entries here instead of editing the layout.

``register_nav("Charters", "charters.index", permission="charter:read", order=10)`` adds an entry;
the layout shows it to users for whom ``can(user, permission)`` holds (``permission=None`` shows it
to everyone, ``signed_in=True`` to every signed-in user). Entries whose endpoint is not registered
in the running app are skipped, so a blueprint can register before its routes exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for

from charter_engine.accounts.permissions import can


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    permission: str | None = None
    order: int = 50
    signed_in: bool = False
    # Endpoints whose pages count as "inside" this entry (for aria-current), by prefix.
    active_prefix: str | None = None


_ITEMS: dict[str, NavItem] = {}


def register_nav(
    label: str,
    endpoint: str,
    *,
    permission: str | None = None,
    order: int = 50,
    signed_in: bool = False,
    active_prefix: str | None = None,
) -> None:
    _ITEMS[endpoint] = NavItem(label, endpoint, permission, order, signed_in, active_prefix)


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool


def nav_items() -> list[NavLink]:
    from charter_engine.web.security import current_account

    user = current_account()
    links = []
    endpoint = request.endpoint or ""
    for item in sorted(_ITEMS.values(), key=lambda i: (i.order, i.label)):
        if item.endpoint not in current_app.view_functions:
            continue
        if item.signed_in and user is None:
            continue
        if item.permission is not None and not can(user, item.permission):
            continue
        prefix = item.active_prefix or item.endpoint.split(".")[0] + "."
        links.append(NavLink(item.label, url_for(item.endpoint), endpoint.startswith(prefix)))
    return links
