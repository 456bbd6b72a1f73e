"""A database outage under load: PostgreSQL stopped and started again while members vote and read.

The served app runs against a throwaway PostgreSQL server (``cluster.py``). While it is down,
pages answer with a plain "briefly unavailable, nothing that was saved is lost" page and the API
with a 503 and ``Retry-After``, never a stack trace. Once it is back, the very next request is
served — no restart, no request spent on finding out — and no acknowledged vote is lost or
counted twice.
Members whose vote got the 503 send it again, as the page tells them to.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from charter_engine import migrate
from charter_engine.accounts.operations import create_user, issue_token
from charter_engine.app import create_app
from charter_engine.audit.models import AuditEvent
from charter_engine.audit.operations import verify_chain
from charter_engine.charters.operations import import_charter
from charter_engine.db import make_engine, make_session_factory
from charter_engine.voting.models import Vote
from charter_engine.voting.operations import create_ballot, open_ballot
from tests.integration.reliability.cluster import Cluster, throwaway_cluster
from tests.integration.reliability.visitor import Answer, Visitor
from tests.live import serving

MEMBERS = 60
PASSWORD = "correct horse battery staple"


@dataclass
class World:
    ballot_id: int
    slug: str
    tokens: dict[int, str]  # voter id → API token
    reader_email: str


@dataclass
class Seen:
    """What the load saw, gathered from its threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: set[int] = field(default_factory=set)
    landed_earlier: set[int] = field(default_factory=set)  # 409 on resending: the first one landed
    retry: list[int] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    unavailable_votes: list[Answer] = field(default_factory=list)
    unavailable_pages: list[Answer] = field(default_factory=list)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with throwaway_cluster() as cluster:
        yield cluster


def _database(cluster: Cluster) -> str:
    admin = make_engine(cluster.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql('CREATE DATABASE "charter"')
    admin.dispose()
    url = cluster.database_url("charter")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def _world(engine: Engine) -> World:
    with make_session_factory(engine)() as session:
        staff = create_user(session, email="sec@example.org", name="Sec", role="secretariat")
        reader = create_user(session, email="reader@example.org", name="Reader", password=PASSWORD)
        tokens = {}
        for i in range(MEMBERS):
            member = create_user(session, email=f"m{i}@example.org", name=f"Member {i}")
            tokens[member.id] = issue_token(session, member)
        charter = import_charter(
            session, title="Charter", actor=staff, text="# Charter\n\n## One\n\nWe draft.\n"
        )
        ballot = create_ballot(session, charter, actor=staff, kind="adoption")
        session.commit()
        open_ballot(session, ballot, actor=staff)
        session.commit()
        assert reader.id not in tokens
        return World(ballot.id, charter.slug, tokens, reader.email)


def _vote(visitor: Visitor, world: World, voter: int, seen: Seen, *, resent: bool) -> None:
    answer = visitor.api(
        "POST", f"/ballots/{world.ballot_id}/votes", world.tokens[voter], {"choice": "yes"}
    )
    with seen.lock:
        seen.statuses[answer.status] += 1
        if answer.status in (200, 201):
            seen.acknowledged.add(voter)
        elif answer.status == 409 and resent:
            seen.landed_earlier.add(voter)
        elif answer.status == 503:
            seen.unavailable_votes.append(answer)
            seen.retry.append(voter)


def _read(visitor: Visitor, path: str, seen: Seen) -> None:
    answer = visitor.get(path)
    with seen.lock:
        seen.statuses[answer.status] += 1
        if answer.status == 503:
            seen.unavailable_pages.append(answer)


def test_postgresql_stopped_and_started_under_load(cluster: Cluster, tmp_path: Path) -> None:
    url = _database(cluster)
    engine = make_engine(url)
    world = _world(engine)
    app = create_app(
        {"database_url": url, "secret_key": "outage-test", "instance_dir": tmp_path / "instance"}
    )
    seen = Seen()
    waiting = list(world.tokens)
    running = threading.Event()  # cleared: the load pauses between requests
    running.set()
    done = threading.Event()
    try:
        with serving(app, threads=4) as port:
            reader = Visitor(port)
            assert reader.sign_in(world.reader_email, PASSWORD).status == 302

            def voters() -> None:
                visitor = Visitor(port)
                while not done.is_set():
                    running.wait()
                    with seen.lock:
                        voter = waiting.pop() if waiting else None
                    if voter is None:
                        return
                    _vote(visitor, world, voter, seen, resent=False)

            def readers() -> None:
                anonymous = Visitor(port)
                while not done.is_set():
                    running.wait()
                    _read(anonymous, "/published/", seen)
                    _read(reader, f"/charters/{world.slug}/", seen)

            threads = [threading.Thread(target=voters) for _ in range(2)]
            threads.append(threading.Thread(target=readers))
            for thread in threads:
                thread.start()
            try:
                _wait_until(lambda: len(seen.acknowledged) >= 10, "10 votes before the outage")
                cluster.stop()
                _wait_until(
                    lambda: len(seen.unavailable_votes) >= 3 and len(seen.unavailable_pages) >= 2,
                    "votes and pages answered while the database was down",
                )
                running.clear()
                time.sleep(0.5)  # let the requests in flight finish: the next ones are ours
                cluster.start()
                started = time.monotonic()
                # The first requests after the database is back are served: no restart, no retry.
                first_page = reader.get(f"/charters/{world.slug}/")
                voter = seen.retry.pop()
                first_vote = reader.api(
                    "POST",
                    f"/ballots/{world.ballot_id}/votes",
                    world.tokens[voter],
                    {"choice": "yes"},
                )
                back_after = time.monotonic() - started
                assert first_page.status == 200, first_page.text[:500]
                assert first_vote.status in (200, 201, 409), first_vote.text
                (seen.acknowledged if first_vote.status != 409 else seen.landed_earlier).add(voter)
                print(f"served again {back_after:.3f} s after PostgreSQL accepted connections")

                running.set()
                for thread in threads[:2]:
                    thread.join(120)
                # The members whose vote got a 503 send it again.
                for voter in list(seen.retry):
                    _vote(reader, world, voter, seen, resent=True)
                done.set()
                threads[2].join(60)
            finally:
                done.set()
                running.set()
                for thread in threads:
                    thread.join(60)
    finally:
        done.set()
        running.set()
        app.extensions["charter_engine"].chainer.flush()
        app.extensions["charter_engine"].close()

    print(
        f"answers: {dict(seen.statuses)}; votes acknowledged {len(seen.acknowledged)}, "
        f"landed with the answer lost {len(seen.landed_earlier)}, "
        f"503 to votes {len(seen.unavailable_votes)}, 503 to pages {len(seen.unavailable_pages)}"
    )
    # Never a stack trace, never a 500: served, refused as a duplicate, or "briefly unavailable".
    assert set(seen.statuses) <= {200, 201, 409, 503}, seen.statuses
    for answer in seen.unavailable_votes:
        assert answer.headers.get("Retry-After", "").isdigit(), answer.headers
        assert answer.json()["error"]["code"] == "unavailable"
        assert "Nothing that was saved is lost" in answer.json()["error"]["message"]
    for answer in seen.unavailable_pages:
        assert "briefly unavailable" in answer.text
        assert "Nothing that was saved is lost" in answer.text
        assert "Traceback" not in answer.text and "psycopg" not in answer.text
        assert answer.headers.get("Retry-After", "").isdigit()
        assert re.search(r'<a href="/(published|charters/charter)/">Try again</a>', answer.text)

    with Session(engine) as session:
        voters_in_db = set(session.scalars(select(Vote.voter_id)))
        cast_events = Counter(
            session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "vote.cast"))
        )
        assert seen.acknowledged <= voters_in_db  # no acknowledged vote lost
        assert voters_in_db == seen.acknowledged | seen.landed_earlier == set(world.tokens)
        assert cast_events == Counter({str(world.ballot_id): len(voters_in_db)})  # none twice
        assert session.scalar(select(func.count()).where(AuditEvent.seq.is_(None))) == 0
        assert verify_chain(session).ok
    engine.dispose()


def _wait_until(condition: Any, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)
