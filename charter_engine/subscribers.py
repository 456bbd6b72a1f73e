"""What follows from a commit in the application's sessions, installed in one place.

The web app (:func:`charter_engine.app.create_app`) and the command line make their sessions with
:func:`make_app_sessions`; tests that need the same behaviour install it the same way. In those
sessions, and only in those:

* the audit events of each transaction become notifications (and queued mail) in the same
  transaction (:func:`charter_engine.notifications.operations.install`);
* a commit that queued mail is flagged, so that the web app sends it right after the response
  (:func:`charter_engine.mail.outbox.install`).

Sessions made with :func:`charter_engine.db.make_session_factory` alone (domain tests, scripts)
record audit events and nothing more, whatever ran in the process before. The audit log's own
listeners are still attached to every ``Session`` by :mod:`charter_engine.audit.operations`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from charter_engine.db import make_session_factory
from charter_engine.mail import outbox
from charter_engine.notifications import operations as notifications


def install_subscribers(sessions: sessionmaker[Session]) -> None:
    """Install, on ``sessions`` only, everything the application does around a commit."""
    outbox.install(sessions)
    notifications.install(sessions)


def make_app_sessions(
    engine: Engine, *, info: dict[str, Any] | None = None
) -> sessionmaker[Session]:
    """Sessions on ``engine`` that behave as the application's (``info`` as for
    :func:`~charter_engine.db.make_session_factory`)."""
    sessions = make_session_factory(engine, info=info)
    install_subscribers(sessions)
    return sessions
