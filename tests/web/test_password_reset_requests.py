"""Asking for a password reset link: throttled per email and per address (mail through a real
SMTP server), and the same work — the same statements — whether or not the address has an
account, the account being looked up only once the answer is sent."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine.accounts.throttle import RESET_ADDRESS, RESET_EMAIL
from charter_engine.mail.models import OutboxMessage
from tests.web.support import app_engine, count_queries, csrf_token


@pytest.fixture
def world(people: SimpleNamespace) -> SimpleNamespace:
    return people


def _ask(client: Any, email: str, address: str, token: str | None = None) -> Any:
    response = client.post(
        "/reset",
        data={"email": email, "csrf_token": token or csrf_token(client, "/reset")},
        environ_base={"REMOTE_ADDR": address},
    )
    response.close()  # what the server does once the answer is sent
    return response


def _outbox(session: Session) -> int:
    """How many mails the app has queued (read in a transaction of its own, ended at once so the
    app's next write does not wait for it)."""
    try:
        count: int = session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
    finally:
        session.rollback()
    return count


def test_requests_for_one_email_are_limited_and_only_those_allowed_send_mail(
    app: Any, world: SimpleNamespace, smtp: Any
) -> None:
    client = app.test_client()
    email = world.member.email
    # From different addresses: the limit is on the mailbox, wherever the requests come from.
    statuses = [
        _ask(client, email, f"192.0.2.{n}").status_code for n in range(RESET_EMAIL.attempts + 2)
    ]
    assert statuses == [302] * RESET_EMAIL.attempts + [429, 429]
    assert len(smtp.to(email)) == RESET_EMAIL.attempts
    refused = _ask(client, email, "192.0.2.99")
    assert refused.status_code == 429
    assert "Too many requests for a reset link" in refused.get_data(as_text=True)
    assert len(smtp.to(email)) == RESET_EMAIL.attempts


def test_requests_from_one_address_are_limited(app: Any, world: SimpleNamespace, smtp: Any) -> None:
    client = app.test_client()
    for n in range(RESET_ADDRESS.attempts):
        assert _ask(client, f"person{n}@example.org", "203.0.113.9").status_code == 302
    assert _ask(client, world.member.email, "203.0.113.9").status_code == 429
    assert smtp.to(world.member.email) == []
    assert _ask(client, world.member.email, "198.51.100.1").status_code == 302
    assert len(smtp.to(world.member.email)) == 1


def test_the_answer_does_the_same_work_for_known_and_unknown_addresses(
    app: Any, world: SimpleNamespace, smtp: Any, session: Session
) -> None:
    engine = app_engine(app)
    answers, responses = {}, []
    for email, address in ((world.member.email, "192.0.2.1"), ("nobody@example.org", "192.0.2.2")):
        client = app.test_client()
        token = csrf_token(client, "/reset")
        with count_queries(engine) as queries:
            response = client.post(
                "/reset",
                data={"email": email, "csrf_token": token},
                environ_base={"REMOTE_ADDR": address},
            )
        answers[email] = (response.status_code, response.headers["Location"], queries.statements)
        responses.append(response)
    known, unknown = answers[world.member.email], answers["nobody@example.org"]
    assert known == unknown
    assert all("users" not in statement for statement in known[2])  # no account looked up
    # Until the answers are sent, nothing is queued, for either.
    assert _outbox(session) == 0 and smtp.messages == []
    for response in responses:
        response.close()  # what the server does once the answer is sent
    # Then the link goes to the member, and nothing to the unknown address.
    [mail] = smtp.messages
    assert mail["To"] == world.member.email and mail["Subject"] == "Reset your password"
    assert _outbox(session) == 1
