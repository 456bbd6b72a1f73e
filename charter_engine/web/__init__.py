"""The browser UI: blueprints, forms, templates glue and error pages.

The app factory (:mod:`charter_engine.app`) wires it: security (sessions, the deny-by-default gate,
headers), the Jinja helpers, the error pages, mail after commit, then the blueprints, the main
navigation and the link builders it lists. A new feature adds its blueprint to ``BLUEPRINTS`` there,
its menu entry to ``NAVIGATION`` and, when other pages link to its objects, a builder to ``LINKS``.

Building a page
  * Views need a signed-in user unless decorated with ``@public`` (:mod:`.security`); a view
    starts with ``user = require_user()``, loads its object, ``ensure_can(user, "x:y", obj)``,
    and commits once. The request's session is :func:`charter_engine.context.db`.
  * Templates extend ``base.html``: ``{% set title = ... %}``, ``{% set breadcrumbs = [...] %}``,
    ``{% block content %}`` with one ``<h1>`` (``ui.page_header``). Macros: ``_macros/ui.html``
    (page_header, flashes, breadcrumbs, post_button, pagination, time, badge, empty) and
    ``_macros/forms.html`` (field, errors_summary, form_errors, submit). Buttons shown with
    ``can(current_user, "x:y", obj)`` or ``may("x:y", obj)``. No inline scripts or styles (CSP).
  * Forms subclass :class:`.forms.Form`; choices via :func:`.forms.choices`.
  * A stale edit answers :func:`.errors.render_conflict` (the 409 page keeps the user's input).
  * User Markdown: ``{{ text|markdown }}`` or :func:`.markdown.render_markdown`.
  * Link to objects with :func:`.links.object_url`; lists with :func:`.pagination.paginate`.
  * Add every route to ``tests/web/route_table.py``.
"""
