"""``charter-engine serve`` killed with ``kill -9`` in the middle of a stream of votes, three times,
and started again: no acknowledged vote is lost or counted twice, and the audit chain verifies.

A vote is acknowledged when its ``201`` reached the voter; a vote whose answer was lost with the
server is sent again after the restart (``409`` then means it had landed).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine.accounts.operations import create_user, issue_token
from charter_engine.audit.models import AuditEvent
from charter_engine.audit.operations import verify_chain
from charter_engine.charters.operations import import_charter
from charter_engine.voting.models import Vote
from charter_engine.voting.operations import create_ballot, open_ballot
from tests.integration.cli.test_serve import _free_port, _wait_for
from tests.integration.reliability.visitor import Visitor

CLI = Path(sys.executable).parent / "charter-engine"
KILLS = 3
MEMBERS = 90


def _serve(database_url: str, tmp_path: Path, port: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "CHARTER_DATABASE_URL": database_url,
        "CHARTER_INSTANCE_DIR": str(tmp_path / "instance"),
        "CHARTER_SECRET_KEY": "kill-test",
    }
    return subprocess.Popen(
        [str(CLI), "serve", "--port", str(port), "--workers", "1", "--threads", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group: kill -9 reaches the workers too
    )


def test_votes_survive_the_server_killed_three_times(
    database_url: str, session: Session, tmp_path: Path
) -> None:
    staff = create_user(session, email="sec@example.org", name="Sec", role="secretariat")
    tokens: dict[int, str] = {}
    for i in range(MEMBERS):
        member = create_user(session, email=f"m{i}@example.org", name=f"M{i}")
        tokens[member.id] = issue_token(session, member)
    charter = import_charter(session, title="C", actor=staff, text="# C\n\n## One\n\nText.\n")
    ballot = create_ballot(
        session, charter, actor=staff, kind="adoption", rules={"allow_change": False}
    )
    session.commit()
    open_ballot(session, ballot, actor=staff)
    session.commit()
    session.close()

    port = _free_port()
    waiting = list(tokens)
    acknowledged: set[int] = set()
    unanswered: set[int] = set()
    landed_earlier: set[int] = set()
    statuses: Counter[int | str] = Counter()
    lock = threading.Lock()

    def vote(voter: int, visitor: Visitor) -> None:
        try:
            answer = visitor.api(
                "POST", f"/ballots/{ballot.id}/votes", tokens[voter], {"choice": "yes"}
            )
        except OSError:  # the server died with the request: the answer is lost
            with lock:
                statuses["no answer"] += 1
                unanswered.add(voter)
            return
        with lock:
            statuses[answer.status] += 1
            if answer.status == 201:
                acknowledged.add(voter)
                unanswered.discard(voter)
            elif answer.status == 409 and voter in unanswered:
                landed_earlier.add(voter)
                unanswered.discard(voter)
            else:
                unanswered.add(voter)

    for kill in range(KILLS + 1):
        server = _serve(database_url, tmp_path, port)
        _wait_for(port, server, seconds=60)
        # Votes whose answer was lost with the last server are sent again first.
        for voter in sorted(unanswered):
            vote(voter, Visitor(port))
        target = len(acknowledged) + MEMBERS // (KILLS + 1)
        stop = threading.Event()

        def voters(stop: threading.Event = stop) -> None:
            visitor = Visitor(port)
            while not stop.is_set():
                with lock:
                    voter = waiting.pop() if waiting else None
                if voter is None:
                    return
                vote(voter, visitor)

        threads = [threading.Thread(target=voters) for _ in range(3)]
        for thread in threads:
            thread.start()
        if kill < KILLS:
            while len(acknowledged) < target and any(t.is_alive() for t in threads):
                threading.Event().wait(0.01)
            os.killpg(server.pid, signal.SIGKILL)  # mid-stream: requests are in flight
            server.wait(30)
            stop.set()
        for thread in threads:
            thread.join(120)
        if kill == KILLS:
            for voter in sorted(unanswered):
                vote(voter, Visitor(port))
            server.send_signal(signal.SIGTERM)
            server.wait(60)

    print(
        f"answers: {dict(statuses)}; acknowledged {len(acknowledged)}, "
        f"landed with the answer lost {len(landed_earlier)}"
    )
    assert not unanswered
    assert set(statuses) <= {201, 409, "no answer"}, statuses
    stored = set(session.scalars(select(Vote.voter_id).where(Vote.ballot_id == ballot.id)))
    assert acknowledged <= stored  # none lost
    assert stored == acknowledged | landed_earlier == set(tokens)
    events = session.scalar(select(func.count()).where(AuditEvent.action == "vote.cast"))
    assert events == len(stored)  # none twice
    assert verify_chain(session).ok
