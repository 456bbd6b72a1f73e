"""The main navigation: the entries the app factory lists, shown to those allowed to use them.

:func:`charter_engine.app.create_app` passes its ``NAVIGATION`` to :func:`init_navigation`; the
layout shows the entries in that order, each to the users for whom ``can(user, permission)`` holds
(``permission=None`` shows it to everyone, ``signed_in=True`` to every signed-in user).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, current_app, request, url_for

from charter_engine.accounts.permissions import can
from charter_engine.web.security import current_account

_EXTENSION = "charter_engine.navigation"


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    permission: str | None = None
    signed_in: bool = False
    # Endpoints whose pages count as "inside" this entry (for aria-current), by prefix.
    active_prefix: str | None = None


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool


def init_navigation(app: Flask, items: Iterable[NavItem]) -> None:
    app.extensions[_EXTENSION] = tuple(items)


def nav_items() -> list[NavLink]:
    items: tuple[NavItem, ...] = current_app.extensions[_EXTENSION]
    user = current_account()
    links = []
    endpoint = request.endpoint or ""
    for item in items:
        if item.signed_in and user is None:
            continue
        if item.permission is not None and not can(user, item.permission):
            continue
        prefix = item.active_prefix or item.endpoint.split(".")[0] + "."
        links.append(NavLink(item.label, url_for(item.endpoint), endpoint.startswith(prefix)))
    return links
