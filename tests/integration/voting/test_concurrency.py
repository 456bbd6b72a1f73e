"""Real commits from many threads at once: one vote per voter however often they press the button,
and a close in the middle of a rush of votes loses no accepted vote and lets none in after it.

Each thread has its own session from the test's engine; a barrier releases them together.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.db import make_engine, make_session_factory
from charter_engine.voting.casting import AlreadyVoted, BallotClosed, CastResult, cast_vote
from charter_engine.voting.closing import close_ballot
from charter_engine.voting.models import Participation, SecretBallot, Vote
from charter_engine.voting.queries import get_ballot
from tests.conftest import USE_POSTGRES

pytestmark = pytest.mark.slow

SAME_VOTER_THREADS = 32
SAME_VOTER_ROUNDS = 50
RUSH_VOTERS = 200
RUSH_WORKERS = 24
RUSH_ROUNDS = 30


@pytest.fixture
def threaded_engine(database_url: str) -> Iterator[Engine]:
    """An engine with a connection for every thread (SQLite opens one per use anyway)."""
    kwargs: dict[str, Any] = {"pool_size": 40, "max_overflow": 0} if USE_POSTGRES else {}
    engine = make_engine(database_url, **kwargs)
    yield engine
    engine.dispose()


def _cast(session: Session, ballot_id: int, person: int, choice: str) -> CastResult:
    """One attempt, by the voter's own account."""
    actor = session.get(User, person)
    assert actor is not None
    return cast_vote(session, ballot_id, actor=actor, choice=choice)


def _run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released at the same instant; results or exceptions."""
    barrier = threading.Barrier(count)
    out: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = work(i)
        except Exception as exc:  # the test inspects every outcome
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
        assert not t.is_alive(), "a voting thread hung"
    return out


def test_the_same_voter_voting_32_times_at_once_leaves_one_vote(
    session: Session,
    threaded_engine: Engine,
    voters: Any,
    make_ballot: Any,
    create_charter: Any,
) -> None:
    people = voters(SAME_VOTER_ROUNDS)
    ballots = [
        make_ballot("adoption", allow_change=False),
        make_ballot("adoption", target=create_charter(title="Changes")),
        make_ballot("adoption", target=create_charter(title="Secret"), secrecy="secret"),
    ]
    factory = make_session_factory(threaded_engine)

    ballots = [(b.id, b.allow_change, b.secrecy) for b in ballots]
    people = [p.id for p in people]
    for round_no, person in enumerate(people):
        ballot_id, allow_change, secrecy = ballots[round_no % len(ballots)]

        def attempt(
            i: int,
            ballot_id: int = ballot_id,
            person_id: int = person,
        ) -> Any:
            with factory() as s:
                result = _cast(s, ballot_id, person_id, ("yes", "no")[i % 2])
                s.commit()
                return result

        outcomes = _run_together(SAME_VOTER_THREADS, attempt)
        errors = [o for o in outcomes if isinstance(o, Exception)]
        assert all(isinstance(e, AlreadyVoted) for e in errors), errors
        accepted = [o for o in outcomes if not isinstance(o, Exception)]
        created = [o for o in accepted if not o.changed]
        assert len(created) == 1, (round_no, outcomes)
        if allow_change and secrecy == "named":
            assert len(accepted) == SAME_VOTER_THREADS
        else:
            assert len(accepted) == 1 and len(errors) == SAME_VOTER_THREADS - 1
        table = Participation if secrecy == "secret" else Vote
        rows = session.execute(
            select(func.count())
            .select_from(table)
            .where(table.ballot_id == ballot_id, table.voter_id == person)
        ).scalar_one()
        session.rollback()  # end the read: on SQLite it holds the write lock
        assert rows == 1, round_no

    secret = ballots[2][0]
    participations = session.execute(
        select(func.count()).select_from(Participation).where(Participation.ballot_id == secret)
    ).scalar_one()
    secret_rows = session.execute(
        select(func.count()).select_from(SecretBallot).where(SecretBallot.ballot_id == secret)
    ).scalar_one()
    assert participations == secret_rows == len(people[2::3])


class Rush:
    """One round: workers cast then change each voter's vote while one thread closes the ballot
    after ``close_after`` attempts."""

    def __init__(
        self,
        factory: Callable[[], Session],
        ballot_id: int,
        plan: dict[int, tuple[str, str]],
        close_after: int,
        secretariat_id: int,
        order: list[int],
    ) -> None:
        self.factory, self.ballot_id, self.plan = factory, ballot_id, plan
        self.close_after, self.secretariat_id = close_after, secretariat_id
        self.queue = order
        self.lock = threading.Lock()
        self.attempts = 0
        self.time_to_close = threading.Event()
        self.last_accepted: dict[int, str] = {}
        self.refused: list[BallotClosed] = []
        self.unexpected: list[BaseException] = []

    def one(self, person: int, choice: str) -> None:
        try:
            with self.factory() as s:
                _cast(s, self.ballot_id, person, choice)
                s.commit()
        except BallotClosed as exc:
            with self.lock:
                self.refused.append(exc)
        except BaseException as exc:
            with self.lock:
                self.unexpected.append(exc)
        else:
            with self.lock:
                self.last_accepted[person] = choice
        finally:
            with self.lock:
                self.attempts += 1
                if self.attempts >= self.close_after:
                    self.time_to_close.set()

    def worker(self) -> None:
        while True:
            with self.lock:
                if not self.queue:
                    return
                person = self.queue.pop()
            first, second = self.plan[person]
            self.one(person, first)
            self.one(person, second)

    def closer(self) -> str | None:
        self.time_to_close.wait(timeout=60)
        with self.factory() as s:
            closed = close_ballot(
                s, get_ballot(s, self.ballot_id), actor=s.get(User, self.secretariat_id)
            )
            s.commit()
            return closed.result

    def run(self, workers: int) -> str | None:
        results = _run_together(
            workers + 1, lambda i: self.closer() if i == workers else self.worker()
        )
        stored = results[workers]
        assert isinstance(stored, str), stored
        return stored


def test_closing_during_a_rush_of_votes_loses_none_and_admits_none_after(
    session: Session,
    threaded_engine: Engine,
    voters: Any,
    make_ballot: Any,
    create_charter: Any,
    secretariat: Any,
) -> None:
    people = [p.id for p in voters(RUSH_VOTERS)]
    factory = make_session_factory(threaded_engine)
    rng = random.Random(20261125)
    choices = ("yes", "no", "abstain")

    closed_mid_rush = 0
    for round_no in range(RUSH_ROUNDS):
        ballot_id = make_ballot("adoption", target=create_charter(title=f"Rush {round_no}")).id
        session.rollback()
        order = list(people)
        rng.shuffle(order)
        rush = Rush(
            factory,
            ballot_id,
            plan={p: (rng.choice(choices), rng.choice(choices)) for p in people},
            close_after=rng.randrange(0, 2 * RUSH_VOTERS),
            secretariat_id=secretariat.id,
            order=order,
        )
        stored = rush.run(RUSH_WORKERS)
        assert stored is not None
        assert not rush.unexpected, rush.unexpected[:3]
        assert all("votes are no longer accepted" in e.message for e in rush.refused)
        expected = Counter(rush.last_accepted.values())
        simple = json.loads(stored)["simple"]
        assert {k: simple[k] for k in choices} == {k: expected.get(k, 0) for k in choices}
        in_db = dict(
            session.execute(
                select(Vote.voter_id, Vote.choice).where(Vote.ballot_id == ballot_id)
            ).all()
        )
        session.rollback()
        assert in_db == rush.last_accepted, round_no
        assert rush.attempts == 2 * RUSH_VOTERS
        closed_mid_rush += bool(rush.refused and rush.last_accepted)
    # On SQLite the close really lands in the middle of the votes, not before or after all of
    # them. PostgreSQL lets new share locks join while an update waits, so there a close asked for
    # during an unbroken stream of votes usually waits until the stream ends (see
    # voting/operations.py); the guarantees above hold either way.
    if not USE_POSTGRES:
        assert closed_mid_rush >= RUSH_ROUNDS // 2
