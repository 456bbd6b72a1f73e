"""Deliver mail right after a request whose transaction queued some, once the response is sent.

The outbox rows were committed by the view; delivery runs when the server closes the response (so
the person waits for nothing) in its own session. Whatever is not delivered here — no SMTP server
configured, the server down, the process stopped — stays in the outbox for
``charter-engine mail send``.
"""

from __future__ import annotations

import logging

from flask import Flask, g
from werkzeug.wrappers import Response

from charter_engine.context import AppState
from charter_engine.mail.outbox import OUTBOX_COMMITTED, deliver_outbox

log = logging.getLogger(__name__)


def deliver_now(state: AppState) -> None:
    try:
        report = deliver_outbox(state.session_factory, state.settings)
        if report.failed:
            log.warning("%d mail(s) left in the outbox after errors", report.failed)
    except Exception:  # delivery must never break a response; the CLI retries
        log.exception("mail delivery after the request failed")


def init_mail_after_commit(app: Flask) -> None:
    state: AppState = app.extensions["charter_engine"]

    @app.after_request
    def _deliver_after_response(response: Response) -> Response:
        session = g.get("_db")
        committed = session is not None and session.info.pop(OUTBOX_COMMITTED, False)
        if committed and state.settings.smtp_host:
            response.call_on_close(lambda: deliver_now(state))
        return response
