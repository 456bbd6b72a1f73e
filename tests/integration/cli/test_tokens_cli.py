"""``charter-engine create-token``: an operator makes an API token for an existing account, on
record; the person then sees it among their tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import ApiToken
from charter_engine.accounts.operations import token_holder
from charter_engine.accounts.profiles import deactivate_user
from charter_engine.audit.models import AuditEvent


def test_an_operator_makes_a_token_for_an_existing_account(
    cli: Any, session: Session, create_user: Any
) -> None:
    user = create_user("member", email="website@example.org")
    session.commit()

    result = cli("create-token", " Website@Example.org ", "--name", "our website")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    holder = token_holder(session, token)
    assert holder is not None and holder.id == user.id
    row = session.execute(select(ApiToken).where(ApiToken.user_id == user.id)).scalar_one()
    assert row.name == "our website"
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "token.issued")
    ).scalar_one()
    assert event.actor_id is None and event.object_id == str(user.id)  # an operator made it


def test_create_token_refuses_what_would_not_work(
    cli: Any, session: Session, create_user: Any, secretariat: Any
) -> None:
    gone = create_user("member", email="gone@example.org")
    deactivate_user(session, gone, actor=secretariat)
    session.commit()
    for args, message in [
        (("nobody@example.org", "--name", "x"), "no account for nobody@example.org"),
        (("gone@example.org", "--name", "x"), "deactivated"),
        (("gone@example.org",), "Missing option '--name'"),
    ]:
        result = cli("create-token", *args)
        assert result.exit_code != 0 and message in result.output, result.output
    member = create_user("member", email="member@example.org")
    session.commit()
    blank = cli("create-token", member.email, "--name", "  ")
    assert blank.exit_code != 0 and "Give the token a name" in blank.output
    session.rollback()
    assert session.execute(select(ApiToken)).first() is None
