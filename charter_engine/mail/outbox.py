"""Mail: queue messages in the outbox inside a transaction, deliver them over SMTP after commit.

* :func:`queue_mail` adds an :class:`OutboxMessage` to the current transaction. If the transaction
  rolls back, the mail disappears with it.
* :func:`deliver_outbox` sends what is waiting. Unlike an operation it is not part of its caller's
  unit of work: it takes a session factory and commits its own short transactions (claim a batch,
  then each send's outcome), because a sent mail cannot be rolled back. A claimed row is not picked
  up by another sender for :data:`CLAIM_TIMEOUT`, so two processes never send the same mail. A
  failed send stays in the outbox with its error and is retried up to :data:`MAX_ATTEMPTS` times.
* In the sessions of a factory passed to :func:`install` (the web app's), a commit that queued mail
  sets ``session.info[OUTBOX_COMMITTED]``: the web layer uses it to deliver right after the
  response; the CLI (``charter-engine mail send``) delivers the rest.

Bodies are plain text. The marker ``{base_url}`` in a body is replaced by the configured site
address when the mail is sent, so links are built from configuration, never from a request's Host.
"""

from __future__ import annotations

import functools
import logging
import smtplib
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from charter_engine.config import Settings
from charter_engine.db import utcnow
from charter_engine.mail.models import OutboxMessage

log = logging.getLogger(__name__)

BASE_URL_MARK = "{base_url}"
OUTBOX_PENDING = "charter_engine.outbox_pending"
OUTBOX_COMMITTED = "charter_engine.outbox_committed"
CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_ATTEMPTS = 5
SMTP_TIMEOUT = 15


def queue_mail(
    session: Session,
    *,
    to: str,
    subject: str,
    body: str,
    kind: str,
    user_id: int | None = None,
) -> OutboxMessage:
    """Put a mail in the outbox; it is sent only if this transaction commits."""
    message = OutboxMessage(
        to_address=to, subject=subject[:300], body=body, kind=kind, user_id=user_id, attempts=0
    )
    session.add(message)
    session.info[OUTBOX_PENDING] = True
    return message


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    skipped: str | None = None
    errors: list[str] = field(default_factory=list)


def _claim(session: Session, now: datetime, limit: int, ids: list[int] | None) -> list[int]:
    stmt = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.attempts < MAX_ATTEMPTS,
            or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(ids))
    candidates = list(session.execute(stmt).scalars())
    claimed = []
    for message_id in candidates:
        # The conditional update is the claim: only one sender sees rowcount 1.
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.sent_at.is_(None),
                or_(
                    OutboxMessage.claimed_at.is_(None),
                    OutboxMessage.claimed_at < now - CLAIM_TIMEOUT,
                ),
            )
            .values(claimed_at=now)
        )
        if getattr(result, "rowcount", 0) == 1:
            claimed.append(message_id)
    return claimed


def build_message(row: OutboxMessage, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="charter-engine")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body.replace(BASE_URL_MARK, settings.base_url))
    return message


@functools.cache
def _ehlo_name() -> str:
    """This host's name for EHLO, looked up once per process.

    ``smtplib`` would call ``socket.getfqdn()`` on every connection, and that may wait on DNS for
    seconds where the resolver is slow; the name does not change while the process runs.
    """
    return socket.getfqdn()


def _connect(settings: Settings) -> smtplib.SMTP:
    assert settings.smtp_host is not None
    smtp = smtplib.SMTP(
        settings.smtp_host, settings.smtp_port, local_hostname=_ehlo_name(), timeout=SMTP_TIMEOUT
    )
    if settings.smtp_starttls:
        smtp.starttls()
    if settings.smtp_username:
        smtp.login(settings.smtp_username, settings.smtp_password or "")
    return smtp


def deliver_outbox(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    limit: int = 200,
    ids: list[int] | None = None,
    now: datetime | None = None,
) -> DeliveryReport:
    """Send waiting mail through the configured SMTP server, in transactions of its own."""
    report = DeliveryReport()
    if not settings.smtp_host:
        report.skipped = "no SMTP server configured (CHARTER_SMTP_HOST)"
        return report
    with sessions() as session:
        _deliver(session, settings, report, now or utcnow(), limit, ids)
    return report


def _deliver(
    session: Session,
    settings: Settings,
    report: DeliveryReport,
    now: datetime,
    limit: int,
    ids: list[int] | None,
) -> None:
    claimed = _claim(session, now, limit, ids)
    # The claim must be visible to other senders before anything is sent.
    session.commit()
    if not claimed:
        return
    rows = (
        session.execute(
            select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
        )
        .scalars()
        .all()
    )
    smtp: Any = None
    try:
        for row in rows:
            row.attempts += 1
            try:
                if smtp is None:
                    smtp = _connect(settings)
                smtp.send_message(build_message(row, settings))
            except (OSError, smtplib.SMTPException) as exc:
                row.last_error = f"{exc.__class__.__name__}: {exc}"[:500]
                row.claimed_at = None
                report.failed += 1
                report.errors.append(f"mail {row.id} to {row.to_address}: {row.last_error}")
                log.warning("mail %s not sent: %s", row.id, row.last_error)
                _close(smtp)
                smtp = None
            else:
                row.sent_at = utcnow()
                row.last_error = None
                report.sent += 1
            # Each outcome is kept at once: a mail that left must never be sent again because a
            # later one failed or the process died.
            session.commit()
    finally:
        _close(smtp)


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except OSError:  # smtplib's errors are OSErrors too
        smtp.close()


def _after_commit(session: Session) -> None:
    if session.info.pop(OUTBOX_PENDING, False):
        session.info[OUTBOX_COMMITTED] = True


def _after_rollback(session: Session, *_args: Any) -> None:
    session.info.pop(OUTBOX_PENDING, None)


def install(sessions: sessionmaker[Session]) -> None:
    """Flag the commits that queued mail, in the sessions ``sessions`` makes (and no others)."""
    if not event.contains(sessions, "after_commit", _after_commit):
        event.listen(sessions, "after_commit", _after_commit)
        event.listen(sessions, "after_soft_rollback", _after_rollback)
