"""Notifications: who hears about what, mail at once or in the daily digest, preferences, the inbox,
and mail delivered through a real SMTP server after the transaction commits."""

from __future__ import annotations

import socket
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.operations import propose_amendment
from charter_engine.charters.queries import current_entries
from charter_engine.comments.operations import create_comment
from charter_engine.config import Settings
from charter_engine.db import utcnow
from charter_engine.mail import outbox
from charter_engine.mail.models import OutboxMessage
from charter_engine.mail.outbox import deliver_outbox, queue_mail
from charter_engine.notifications.models import Notification
from charter_engine.notifications.operations import send_digest
from tests.web.support import login, post

CLAUSE = "Decisions are taken by simple majority of the votes cast.\n\n"
DOC = "# Charter\n\n## Decisions\n\n" + CLAUSE + "## Amendments\n\nThis charter may be amended.\n"


@pytest.fixture
def world(people: SimpleNamespace) -> SimpleNamespace:
    """Only people and their inbox: these tests count notifications and mails exactly."""
    return people


def _settings(app: Any) -> Settings:
    settings: Settings = app.extensions["charter_engine"].settings
    return settings


def _deliver(app: Any, settings: Settings | None = None) -> Any:
    """Send what waits in the outbox, with the app's sessions, as it does after a request."""
    state = app.extensions["charter_engine"]
    return deliver_outbox(state.session_factory, settings or state.settings)


def _rows(session: Session, user: Any) -> list[Notification]:
    """The user's notifications, read in a transaction that ends at once (SQLite writers wait)."""
    rows = list(
        session.execute(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
            .execution_options(populate_existing=True)
        ).scalars()
    )
    session.commit()
    return rows


@pytest.fixture
def conflict(app: Any, world: SimpleNamespace, session: Session, create_charter: Any) -> Any:
    """The member's and the other member's amendments overlap; the secretariat merges the
    other member's, so the member's needs a rebase."""
    charter = create_charter(DOC)
    clause_id = next(
        cid for cid, v in current_entries(session, charter) if v.text.startswith("Decisions")
    )

    def replace(actor: Any, new: str) -> Any:
        return propose_amendment(
            session,
            charter,
            actor=actor,
            title=f"Say {new}",
            submit=True,
            changes=[
                {
                    "kind": "replace",
                    "clause_id": clause_id,
                    "text": CLAUSE.replace("simple majority", new),
                }
            ],
        )

    mine = replace(world.member, "two-thirds majority")
    theirs = replace(world.other_member, "consensus")
    session.commit()
    merge_amendment(session, theirs, actor=world.secretariat, editorial=True)
    session.commit()
    return SimpleNamespace(charter=charter, mine=mine, theirs=theirs)


def test_a_conflict_is_mailed_at_once_to_its_author_only(
    app: Any, world: SimpleNamespace, session: Session, conflict: Any, smtp: Any
) -> None:
    report = _deliver(app)
    assert report.failed == 0
    [mail] = smtp.to(world.member.email)
    assert "needs a rebase" in mail["Subject"]
    assert "https://charter.example.org/notifications/" in mail.get_content()
    # The other member hears of their merge in the digest; nobody else gets mail at once,
    # and the secretariat is not told about its own merge.
    assert smtp.to(world.other_member.email) == []
    assert smtp.to(world.secretariat.email) == []
    assert all(
        n.actor_id != world.secretariat.id or n.user_id != world.secretariat.id
        for n in session.execute(select(Notification)).scalars()
    )
    mine = _rows(session, world.member)
    action = [n for n in mine if n.kind == "amendment_conflict"]
    assert len(action) == 1 and action[0].needs_action and action[0].mailed_at is not None
    assert not [n for n in _rows(session, world.secretariat) if n.actor_id == world.secretariat.id]


def test_the_daily_digest_collects_the_rest_once(
    app: Any, world: SimpleNamespace, session: Session, conflict: Any, smtp: Any
) -> None:
    queued = send_digest(session, utcnow())
    session.commit()
    assert queued >= 2
    _deliver(app)
    [digest] = smtp.to(world.other_member.email)
    body = digest.get_content()
    assert "was merged into the charter" in body and "New charter to draft" in body
    # Nothing twice: a second run finds nothing new.
    assert send_digest(session, utcnow() + timedelta(days=1)) == 0
    # The member's conflict went out at once, so it is not in their digest again.
    member_mails = smtp.to(world.member.email)
    assert all(
        "needs a rebase" not in m.get_content()
        for m in member_mails
        if m["Subject"].startswith("Charter Engine:")
    )


def test_preferences_turn_mail_off_but_keep_the_inbox(
    app: Any,
    world: SimpleNamespace,
    session: Session,
    client_as: Any,
    create_charter: Any,
    smtp: Any,
) -> None:
    member = client_as("member")
    form = {
        "amendment_conflict": "off",
        "ballot_opened": "immediate",
        "amendment_update": "digest",
        "comment_reply": "digest",
        "new_amendment": "off",
        "charter_update": "off",
        "ballot_closed": "digest",
    }
    assert post(member, "/notifications/preferences", form).status_code == 302
    page = member.get("/notifications/preferences").get_data(as_text=True)
    assert (
        'value="off" checked' in page
        or 'checked id="charter_update-2"' in page
        or "checked" in page
    )
    create_charter(DOC, title="Second charter")
    assert send_digest(session, utcnow()) >= 1
    session.commit()
    _deliver(app)
    # Charter updates are off for the member, not for the other member.
    assert all("Second charter" not in m.get_content() for m in smtp.to(world.member.email))
    assert any("Second charter" in m.get_content() for m in smtp.to(world.other_member.email))
    assert any("Second charter" in n.title for n in _rows(session, world.member))


def test_replies_and_comments_on_ones_amendment_notify_the_right_people(
    app: Any, world: SimpleNamespace, session: Session, create_charter: Any
) -> None:
    charter = create_charter(DOC)
    clause_id = current_entries(session, charter)[0][0]
    amendment = propose_amendment(
        session,
        charter,
        actor=world.member,
        title="Clarify",
        submit=True,
        changes=[{"kind": "replace", "clause_id": clause_id, "text": "# Charter of all\n\n"}],
    )
    first = create_comment(
        session, charter, actor=world.other_member, body="Why?", amendment=amendment
    )
    session.commit()
    create_comment(
        session,
        charter,
        actor=world.member,
        body="Because.",
        amendment=amendment,
        parent_id=first.id,
    )
    session.commit()
    other = [n.kind for n in _rows(session, world.other_member)]
    mine = [n.title for n in _rows(session, world.member)]
    assert "comment_reply" in other
    assert any(t.startswith("New comment on Amendment") for t in mine)
    # The member's own reply does not notify the member.
    assert sum(t.startswith("New comment on Amendment") for t in mine) == 1


def test_a_rolled_back_change_notifies_nobody(
    app: Any, world: SimpleNamespace, session: Session, create_charter: Any
) -> None:
    from charter_engine.charters.operations import import_charter

    before = session.execute(select(func.count()).select_from(Notification)).scalar_one()
    session.commit()
    import_charter(session, title="Never saved", text=DOC, actor=world.secretariat)
    session.flush()
    session.rollback()
    assert session.execute(select(func.count()).select_from(Notification)).scalar_one() == before
    assert session.execute(select(OutboxMessage)).first() is None


def test_the_senders_name_is_looked_up_once_per_process(
    app: Any, world: SimpleNamespace, session: Session, smtp: Any, monkeypatch: Any
) -> None:
    # Looking the host up may wait on DNS: one lookup, however many deliveries follow.
    lookups: list[str] = []

    def getfqdn(name: str = "") -> str:
        lookups.append(name)
        return "sender.charter.test"

    monkeypatch.setattr(socket, "getfqdn", getfqdn)
    outbox._ehlo_name.cache_clear()
    for address in ("first@example.org", "second@example.org"):
        queue_mail(session, to=address, subject="Hello", body="Hello.", kind="test")
        session.commit()
        assert _deliver(app).sent == 1
    outbox._ehlo_name.cache_clear()  # the real name again for whatever runs next
    assert smtp.greetings == ["sender.charter.test", "sender.charter.test"]
    assert len(lookups) == 1


def test_a_failed_delivery_stays_in_the_outbox_for_later(
    app: Any, world: SimpleNamespace, session: Session, conflict: Any
) -> None:
    dead = _settings(app).with_overrides(smtp_host="127.0.0.1", smtp_port=1)
    report = _deliver(app, dead)
    assert report.sent == 0 and report.failed >= 1
    session.expire_all()
    row = session.execute(select(OutboxMessage)).scalars().first()
    assert row is not None and row.sent_at is None and row.attempts == 1 and row.last_error
    unconfigured = _deliver(app, _settings(app).with_overrides(smtp_host=None))
    assert unconfigured.skipped


def test_inbox_shows_what_needs_action_and_marks_read(
    app: Any, world: SimpleNamespace, session: Session, conflict: Any
) -> None:
    client = app.test_client()
    login(client, world.member)
    home = client.get("/").get_data(as_text=True)
    assert "Waiting for you" in home and "needs a rebase" in home
    inbox = client.get("/notifications/?show=unread").get_data(as_text=True)
    assert "Needs you" in inbox
    [item_id] = [n.id for n in _rows(session, world.member) if n.kind == "amendment_conflict"]
    shown = client.get(f"/notifications/{item_id}")
    assert shown.status_code == 200
    assert post(client, f"/notifications/{item_id}/read", {"go": "1"}).status_code == 302
    assert [n.read_at for n in _rows(session, world.member) if n.id == item_id] != [None]
    # Reading about it does not do it: Home lists the conflict until it is resolved.
    assert "needs a rebase" in client.get("/").get_data(as_text=True)
    assert post(client, "/notifications/read-all").status_code == 302
    assert all(n.read_at for n in _rows(session, world.member))
    stranger = app.test_client()
    login(stranger, world.other_member)
    assert stranger.get(f"/notifications/{item_id}").status_code == 404


def test_proxies_tell_the_agent_and_a_deleted_ballot_tells_both_sides(
    app: Any, world: SimpleNamespace, session: Session, create_charter: Any, smtp: Any
) -> None:
    from charter_engine.voting.operations import create_ballot, delete_ballot
    from charter_engine.voting.proxies import give_proxy, revoke_proxy

    charter = create_charter(DOC)
    ballot = create_ballot(
        session, charter, actor=world.secretariat, kind="adoption", title="Adopt the charter"
    )
    session.commit()
    standing = give_proxy(session, actor=world.member, agent_id=world.other_member.id)
    session.commit()
    revoke_proxy(session, standing.id, actor=world.member)
    session.commit()
    give_proxy(session, actor=world.member, agent_id=world.other_member.id, ballot_id=ballot.id)
    session.commit()
    delete_ballot(session, ballot, actor=world.secretariat)
    session.commit()

    agent = [n for n in _rows(session, world.other_member) if n.kind == "proxy_update"]
    assert [n.title for n in agent] == [
        "Mia Member gave you their vote on every ballot",
        "Mia Member took back the vote they gave you on every ballot",
        "Mia Member gave you their vote on “Adopt the charter”",
        "Ballot deleted: Adopt the charter",
    ]
    assert agent[2].object_type == "ballot"
    principal = [n for n in _rows(session, world.member) if n.kind == "proxy_update"]
    assert [n.title for n in principal] == ["Ballot deleted: Adopt the charter"]
    # The secretariat, who deleted it, and members without a proxy hear nothing of it.
    assert not [n for n in _rows(session, world.secretariat) if n.kind == "proxy_update"]
    # Proxies are mailed at once (the kind's default).
    _deliver(app)
    subjects = [m["Subject"] for m in smtp.to(world.other_member.email)]
    assert any("gave you their vote" in s for s in subjects)


def test_the_inbox_and_the_digest_group_notifications_per_amendment(
    app: Any, world: SimpleNamespace, session: Session, create_charter: Any, smtp: Any
) -> None:
    from charter_engine.amendments.backers import add_backer

    charter = create_charter(DOC)
    clause_id = current_entries(session, charter)[0][0]
    amendment = propose_amendment(
        session,
        charter,
        actor=world.member,
        title="Clarify",
        submit=True,
        changes=[{"kind": "replace", "clause_id": clause_id, "text": "# Charter of all\n\n"}],
    )
    session.commit()
    for body in ("Why?", "And how?", "Who decides?"):
        create_comment(session, charter, actor=world.other_member, body=body, amendment=amendment)
        session.commit()
    add_backer(session, amendment, actor=world.other_member, kind="cosponsor")
    session.commit()
    rows = _rows(session, world.member)
    about = [n for n in rows if n.topic == f"amendment:{amendment.id}"]
    # Besides: the new charter (a topic of its own) and the world's one notification without one.
    assert len(about) == 4 and len(rows) == 6

    # The digest lists the amendment's news as one item, its earlier news under it.
    assert send_digest(session, utcnow()) >= 1
    session.commit()
    _deliver(app)
    [digest] = smtp.to(world.member.email)
    body = digest.get_content()
    assert body.count("* Amendment #1: Clarify got support") == 1
    assert body.count("  - earlier: New comment on Amendment #1: Clarify") == 3
    assert "* New charter to draft" in body

    member = app.test_client()
    login(member, world.member)
    inbox = member.get("/notifications/").get_data(as_text=True)
    assert inbox.count('class="inbox-item') == 3
    assert "4 updates, 4 unread" in inbox and "Earlier about this (3)" in inbox
    assert "Amendment #1: Clarify got support" in inbox.split("Earlier about this")[0]

    # "Mark all 4 as read" marks the amendment's notifications, not the others.
    latest = max(about, key=lambda n: (n.created_at, n.id))
    assert "Mark all 4 as read" in inbox
    post(member, f"/notifications/{latest.id}/read", {"group": "1"})
    unread = [n for n in _rows(session, world.member) if n.read_at is None]
    assert sorted(str(n.topic) for n in unread) == ["None", f"charter:{charter.id}"]
