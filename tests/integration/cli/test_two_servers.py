"""Two application servers against one PostgreSQL database: ``charter-engine serve`` run twice,
as two machines behind a load balancer would run it, with requests spread over both.

Votes, merges, sign-in sessions, the sign-in throttle and notifications behave as with one server:
everything they need is in the database (or, for sessions, in the signed cookie both servers can
check with the shared secret key), nothing in a process's memory.
"""

from __future__ import annotations

import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine.accounts.operations import create_user, issue_token
from charter_engine.amendments.models import Amendment
from charter_engine.amendments.operations import propose_amendment
from charter_engine.audit.models import AuditEvent
from charter_engine.audit.operations import verify_chain
from charter_engine.charters.models import Revision
from charter_engine.charters.operations import import_charter
from charter_engine.charters.queries import current_entries
from charter_engine.voting.models import Vote
from charter_engine.voting.operations import create_ballot, open_ballot
from tests.conftest import USE_POSTGRES
from tests.integration.cli.test_serve import _start_server, _wait_for
from tests.integration.reliability.visitor import Visitor
from tests.threads import all_at_once

PASSWORD = "correct horse battery staple"
MEMBERS = 16

pytestmark = pytest.mark.skipif(
    not USE_POSTGRES,
    reason="several servers share a PostgreSQL database (set CHARTER_TEST_DATABASE_URL)",
)


@dataclass
class World:
    ballot_id: int
    tokens: list[str]
    staff_token: str
    author_email: str
    merged: int  # an editorial amendment to merge
    pending: int  # another amendment on the same clause, by the author
    slug: str


def _world(session: Session) -> World:
    staff = create_user(session, email="sec@example.org", name="Sec", role="secretariat")
    author = create_user(session, email="ann@example.org", name="Ann", password=PASSWORD)
    create_user(session, email="target@example.org", name="Target", password=PASSWORD)
    members = [
        create_user(session, email=f"m{i}@example.org", name=f"M{i}") for i in range(MEMBERS)
    ]
    tokens = [issue_token(session, m) for m in members]
    charter = import_charter(
        session,
        title="Charter",
        actor=staff,
        text="# Charter\n\n## One\n\nWe draft the charter together.\n\n## Two\n\nWe vote.\n",
    )
    session.commit()
    clause = next(c for c, v in current_entries(session, charter) if v.text.startswith("We draft"))

    def amend(by: object, text: str) -> int:
        amendment = propose_amendment(
            session,
            charter,
            actor=by,  # type: ignore[arg-type]
            title=text[:40],
            changes=[{"kind": "replace", "clause_id": clause, "text": text}],
            submit=True,
        )
        session.commit()
        return amendment.id

    merged = amend(staff, "We draft the charter together, in the open.\n\n")
    pending = amend(author, "Together we draft the charter.\n\n")
    ballot = create_ballot(session, charter, actor=staff, kind="adoption")
    session.commit()
    open_ballot(session, ballot, actor=staff)
    staff_token = issue_token(session, staff)
    session.commit()
    return World(ballot.id, tokens, staff_token, author.email, merged, pending, charter.slug)


@pytest.fixture
def servers(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[int, int]]:
    # Both servers sign cookies with the same key, as every server of one site must.
    monkeypatch.setenv("CHARTER_SECRET_KEY", "two-servers-one-key")
    started = [_start_server(database_url, tmp_path, "--workers", "1", "--threads", "4")]
    started.append(_start_server(database_url, tmp_path, "--workers", "1", "--threads", "4"))
    try:
        for port, process in started:
            _wait_for(port, process, seconds=60)
        yield started[0][0], started[1][0]
    finally:
        for _port, process in started:
            process.send_signal(signal.SIGTERM)
        for _port, process in started:
            try:
                output = process.communicate(timeout=60)[0]
            except subprocess.TimeoutExpired:
                process.kill()
                output = process.communicate()[0]
            assert "Traceback" not in output, output


def test_two_servers_behave_as_one(
    servers: tuple[int, int], session: Session, database_url: str
) -> None:
    world = _world(session)
    session.close()
    a, b = servers
    ports = (a, b)

    # Votes: every member once, spread over both servers, all at once; and the first member
    # sending the same vote to both servers at the same moment.
    statuses: Counter[int] = Counter()

    def vote(i: int) -> None:
        token = world.tokens[i % MEMBERS]
        answer = Visitor(ports[i % 2]).api(
            "POST", f"/ballots/{world.ballot_id}/votes", token, {"choice": "yes"}
        )
        statuses[answer.status] += 1

    assert all_at_once(MEMBERS, vote) == []
    assert statuses == Counter({201: MEMBERS})
    twice: Counter[int] = Counter()

    def vote_again(i: int) -> None:
        answer = Visitor(ports[i]).api(
            "POST", f"/ballots/{world.ballot_id}/votes", world.tokens[0], {"choice": "no"}
        )
        twice[answer.status] += 1

    assert all_at_once(2, vote_again) == []
    assert twice == Counter({200: 2})  # two changes of the one vote, never a second vote

    # Merges: the same amendment merged through both servers at once lands once; the other
    # amendment on that clause is rebased, and both servers say so.
    merges: Counter[int] = Counter()

    def merge(i: int) -> None:
        answer = Visitor(ports[i]).api(
            "POST", f"/amendments/{world.merged}/merge", world.staff_token, {"editorial": True}
        )
        merges[answer.status] += 1

    assert all_at_once(2, merge) == []
    assert merges == Counter({200: 1, 409: 1})
    seen = {
        port: Visitor(port).api("GET", f"/amendments/{world.pending}", world.staff_token).json()
        for port in ports
    }
    assert seen[a] == seen[b] and seen[a]["state"] in ("submitted", "needs_rebase")

    # Sessions: signed in on one server, signed in on the other; signed out there, out here too.
    ann = Visitor(a)
    assert ann.sign_in(world.author_email, PASSWORD).status == 302
    assert ann.get("/notifications/", port=b).status == 200
    # Notifications: a comment made through server A reaches the author's inbox on server B.
    comment = ann.api(
        "POST",
        f"/amendments/{world.pending}/comments",
        world.tokens[1],
        {"body": "I support this wording."},
    )
    assert comment.status == 201, comment.text
    inbox = ann.get("/notifications/", port=b)
    assert "New comment on Amendment #2" in inbox.text and "I support this wording." in inbox.text
    # The merge made through both servers told her too.
    assert "needs a rebase" in inbox.text
    assert ann.post_form("/logout", {}, port=b).status == 302
    assert ann.get("/notifications/", port=a).status == 302  # back to the sign-in page

    # The sign-in throttle counts attempts in the database: five wrong passwords spread over both
    # servers, and the sixth is refused by either.
    guesser = Visitor(a)
    for i in range(5):
        wrong = guesser.sign_in("target@example.org", f"wrong {i}", port=ports[i % 2])
        assert wrong.status == 401
    assert guesser.sign_in("target@example.org", PASSWORD, port=b).status == 429
    assert guesser.sign_in("target@example.org", PASSWORD, port=a).status == 429

    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Vote)) == MEMBERS
    merged_revisions = session.scalar(
        select(func.count()).select_from(Revision).where(Revision.number > 1)
    )
    assert merged_revisions == 1
    amendment = session.get(Amendment, world.merged)
    assert amendment is not None and amendment.state == "merged"
    # Both servers' events went into the one chain, in turns, and it verifies.
    cast = session.scalar(select(func.count()).where(AuditEvent.action == "vote.cast"))
    assert cast == MEMBERS
    assert verify_chain(session).ok
    session.close()
