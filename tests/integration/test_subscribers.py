"""What follows from a commit happens in the application's sessions only.

The web app and the command line make their sessions with ``make_app_sessions``: changes made in
them notify people, and a commit that queued mail is flagged for delivery. Sessions made otherwise
(domain tests, scripts) do neither, even after an app was created in the same process — so a
domain test behaves the same whatever ran before it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from charter_engine.charters.operations import import_charter
from charter_engine.mail.outbox import OUTBOX_COMMITTED, queue_mail
from charter_engine.notifications.models import Notification
from charter_engine.subscribers import make_app_sessions

TEXT = "# Charter\n\nMembers meet twice a year.\n"


def _notifications(session: Session) -> int:
    count = session.scalar(select(func.count()).select_from(Notification))
    session.commit()
    return int(count or 0)


def test_only_the_application_sessions_notify(
    app: Any, engine: Engine, session: Session, secretariat: Any, create_user: Any
) -> None:
    create_user("member")
    import_charter(session, title="Plain", text=TEXT, actor=secretariat)
    session.commit()
    assert _notifications(session) == 0

    with make_app_sessions(engine)() as app_session:
        import_charter(app_session, title="Notified", text=TEXT, actor=secretariat)
        app_session.commit()
    # Everyone active hears of a new charter, except the secretariat who imported it.
    assert _notifications(session) == 1


def test_only_the_application_sessions_flag_committed_mail(
    engine: Engine, session: Session
) -> None:
    queue_mail(session, to="a@example.org", subject="S", body="B", kind="test")
    session.commit()
    assert OUTBOX_COMMITTED not in session.info

    with make_app_sessions(engine)() as app_session:
        queue_mail(app_session, to="a@example.org", subject="S", body="B", kind="test")
        app_session.rollback()
        assert OUTBOX_COMMITTED not in app_session.info
        queue_mail(app_session, to="a@example.org", subject="S", body="B", kind="test")
        app_session.commit()
        assert app_session.info[OUTBOX_COMMITTED] is True
