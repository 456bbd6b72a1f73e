"""Per-request state shared by the browser UI and the JSON API: the app's settings and the database
session of the request (one unit of work per request).

Both delivery layers (:mod:`charter_engine.web`, :mod:`charter_engine.api`) take the session from
:func:`db`; neither imports the other. :func:`charter_engine.app.create_app` stores the
:class:`AppState` and closes the session when the request ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, request
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from charter_engine.audit.chainer import AuditChainer
from charter_engine.config import Settings
from charter_engine.db import begin_reading

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# What both layers answer when the database cannot be reached (PostgreSQL restarting, SQLite
# locked past its timeout): 503 with ``Retry-After``, and this message. Nothing is retried on the
# user's behalf: a write whose COMMIT got no answer may or may not have been saved, and only its
# sender can tell whether sending it again is what they want (a vote sent again is refused as
# "already voted", or becomes the same change). Reads need no retry: a pooled connection that died
# is replaced before its next use (``pool_pre_ping``), so the first request after the database is
# back is served.
UNAVAILABLE_RETRY_AFTER = 5
UNAVAILABLE_MESSAGE = (
    "The service is briefly unavailable. Nothing that was saved is lost; "
    "please try again in a few seconds."
)


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    # Links the audit events that requests record with chain_later (votes) after they commit.
    chainer: AuditChainer
    chainer_engine: Engine

    def close(self) -> None:
        """Stop the chainer and close every database connection (events left waiting stay so)."""
        self.chainer.close()
        if self.chainer_engine is not self.engine:
            self.chainer_engine.dispose()
        self.engine.dispose()


def state() -> AppState:
    result: AppState = current_app.extensions["charter_engine"]
    return result


def settings() -> Settings:
    return state().settings


def db() -> Session:
    """The request's session. Reads on SQLite begin deferred so they never queue behind writers."""
    session: Session | None = g.get("_db")
    if session is None:
        session = state().session_factory()
        if request and request.method in READ_METHODS:
            begin_reading(session)
        g._db = session
    return session


def close_db(_exc: BaseException | None = None) -> None:
    """End the request's session (rolling back what it did not commit). Also how an error answer
    lets go of a connection that died: closing, unlike a rollback, leaves the objects already
    loaded readable (the signed-in user, for the response's headers) without asking the database
    for them again."""
    session: Session | None = g.pop("_db", None)
    if session is None:
        return
    try:
        session.close()
    except OperationalError:
        # The connection died inside its transaction (the database stopped): there is nothing
        # left to roll back, so it is dropped from the pool instead.
        session.invalidate()
