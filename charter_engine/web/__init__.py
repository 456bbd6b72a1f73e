"""The browser UI: blueprints, forms, templates glue and error pages.

:func:`register_web` wires, in order: security (sessions, the deny-by-default gate, headers), the
Jinja helpers, the error pages, the notification subscribers and mail after commit, and the
blueprints. Other features add their blueprint to :data:`BLUEPRINT_MODULES`: each module there has a
``bp`` (a :class:`flask.Blueprint`) and may call :func:`charter_engine.web.navigation.register_nav`.

Building a page
  * Views need a signed-in user unless decorated with ``@public`` (:mod:`.security`); a view
    starts with ``user = require_user()``, loads its object, ``ensure_can(user, "x:y", obj)``,
    and commits once.
  * Templates extend ``base.html``: ``{% set title = ... %}``, ``{% set breadcrumbs = [...] %}``,
    ``{% block content %}`` with one ``<h1>`` (``ui.page_header``). Macros: ``_macros/ui.html``
    (page_header, flashes, breadcrumbs, post_button, pagination, time, badge, empty) and
    ``_macros/forms.html`` (field, errors_summary, form_errors, submit). Buttons shown with
    ``can(current_user, "x:y", obj)`` or ``may("x:y", obj)``. No inline scripts or styles (CSP).
  * Forms subclass :class:`.forms.Form`; choices via :func:`.forms.choices`.
  * A stale edit answers :func:`.errors.render_conflict` (the 409 page keeps the user's input).
  * User Markdown: ``{{ text|markdown }}`` or :func:`.markdown.render_markdown`.
  * Link objects with :func:`.links.register_link`; lists with :func:`.pagination.paginate`.
  * Add every route to ``tests/web/route_table.py``.
"""

from __future__ import annotations

import importlib

from flask import Flask

# Modules holding a blueprint ``bp``, registered in this order. Add yours here.
BLUEPRINT_MODULES = (
    "charter_engine.web.home",
    "charter_engine.web.auth",
    "charter_engine.web.people",
    "charter_engine.web.notifications",
    "charter_engine.web.ballots",
    "charter_engine.web.charters",
    "charter_engine.web.amendments",
    "charter_engine.web.comments",
    "charter_engine.web.desk",
    "charter_engine.web.publication",
)


def register_web(app: Flask) -> None:
    """Register the browser blueprints, the helpers they share and the HTML error pages."""
    from charter_engine.notifications.operations import install as install_notifications
    from charter_engine.web.errors import register_error_handlers
    from charter_engine.web.mailer import init_mail_after_commit
    from charter_engine.web.security import init_security
    from charter_engine.web.templating import init_templating

    init_security(app)
    init_templating(app)
    register_error_handlers(app)
    install_notifications()
    init_mail_after_commit(app)
    for name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(name).bp)
