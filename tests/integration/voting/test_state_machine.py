"""A Hypothesis state machine drives open / cast / change / proxy / revoke / close against the real
database and a small in-memory model of the rules, and requires them to agree at every step:
the same successes, the same refusals (down to the error class) and the same count at close."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.charters.operations import import_charter
from charter_engine.db import utcnow
from charter_engine.errors import CharterError, Conflict, InvalidTransition, PermissionDenied
from charter_engine.voting.casting import AlreadyVoted, BallotClosed, cast_vote
from charter_engine.voting.closing import close_ballot
from charter_engine.voting.models import Participation, Proxy, Vote
from charter_engine.voting.operations import create_ballot, open_ballot
from charter_engine.voting.proxies import give_proxy, revoke_proxy
from charter_engine.voting.queries import count_ballot, get_ballot
from tests.integration.voting.conftest import DOC

MEMBERS = 4
CHOICES = ("yes", "no", "abstain")


@dataclass
class ModelProxy:
    principal: int
    agent: int
    for_ballot: bool
    active: bool = True


def _outcome(call: Callable[[Session], Any], factory: Callable[[], Session]) -> Any:
    """Run one unit of work; its result, or the domain error it raised (nothing committed then)."""
    with factory() as s:
        try:
            result = call(s)
        except CharterError as exc:
            s.rollback()
            return exc
        s.commit()
        return result


def test_ballots_behave_like_the_model(
    session_factory: Callable[[], Session], create_user: Any, secretariat: Any
) -> None:
    people = [secretariat.id] + [create_user("member").id for _ in range(MEMBERS)]
    staff_id = secretariat.id
    factory = session_factory
    counter = {"charters": 0}

    class BallotMachine(RuleBasedStateMachine):
        @initialize(
            secrecy=st.sampled_from(["named", "secret"]),
            allow_change=st.booleans(),
            open_now=st.booleans(),
        )
        def create(self, secrecy: str, allow_change: bool, open_now: bool) -> None:
            with factory() as s:
                s.execute(
                    update(Proxy).where(Proxy.revoked_at.is_(None)).values(revoked_at=utcnow())
                )
                staff = s.get(User, staff_id)
                assert staff is not None
                counter["charters"] += 1
                charter = import_charter(
                    s, title=f"Machine {counter['charters']}", text=DOC, actor=staff
                )
                ballot = create_ballot(
                    s,
                    charter,
                    actor=staff,
                    kind="adoption",
                    # The staff account votes in the machine too.
                    rules={
                        "secrecy": secrecy,
                        "allow_change": allow_change,
                        "roll": "members_and_secretariat",
                    },
                )
                s.commit()
                self.ballot_id = ballot.id
            self.secret = secrecy == "secret"
            self.allow_change = allow_change
            self.state = "draft"
            self.votes: dict[int, tuple[str, int]] = {}
            self.receipts: dict[int, str] = {}
            self.proxies: dict[int, ModelProxy] = {}
            if open_now:
                self.open()

        # -- the model ---------------------------------------------------------------------

        def applicable(self, voter: int) -> ModelProxy | None:
            active = [p for p in self.proxies.values() if p.principal == voter and p.active]
            for_ballot = [p for p in active if p.for_ballot]
            return (for_ballot or active or [None])[0]

        def expect(self, got: Any, error: type[Exception] | None) -> None:
            if error is None:
                assert not isinstance(got, Exception), got
            else:
                assert type(got) is error, (error, got)

        # -- rules ---------------------------------------------------------------------------

        @precondition(lambda self: self.state == "draft")
        @rule()
        def open(self) -> None:
            def call(s: Session) -> Any:
                return open_ballot(s, get_ballot(s, self.ballot_id), actor=s.get(User, staff_id))

            got = _outcome(call, factory)
            self.expect(got, None if self.state == "draft" else InvalidTransition)
            if self.state == "draft":
                self.state = "open"

        @rule(now=st.integers(min_value=0, max_value=3))
        def close(self, now: int) -> None:
            # Closing ends everything interesting: try it on one draw in four.
            if now:
                return

            def call(s: Session) -> Any:
                ballot = close_ballot(s, get_ballot(s, self.ballot_id), actor=s.get(User, staff_id))
                count = count_ballot(s, ballot)
                assert count.simple is not None
                return count.simple

            got = _outcome(call, factory)
            self.expect(got, None if self.state == "open" else InvalidTransition)
            if self.state == "open":
                self.state = "closed"
                tally = Counter(choice for choice, _by in self.votes.values())
                assert (got.yes, got.no, got.abstain) == (
                    tally["yes"],
                    tally["no"],
                    tally["abstain"],
                )

        @rule(
            actor=st.sampled_from(people),
            for_whom=st.none() | st.sampled_from(people),
            choice=st.sampled_from(CHOICES),
        )
        def cast(self, actor: int, for_whom: int | None, choice: str) -> None:
            voter = actor if for_whom is None else for_whom
            error: type[Exception] | None = None
            proxy = self.applicable(voter)
            existing = self.votes.get(voter)
            if self.state != "open":
                error = BallotClosed
            elif voter == actor and proxy is not None:
                error = Conflict
            elif voter != actor and (proxy is None or proxy.agent != actor):
                error = PermissionDenied
            elif existing is not None and (
                not self.allow_change or (actor != voter and existing[1] == voter)
            ):
                error = AlreadyVoted
            receipt = self.receipts.get(voter) if existing is not None else None

            def call(s: Session) -> Any:
                return cast_vote(
                    s,
                    self.ballot_id,
                    actor=s.get(User, actor),
                    choice=choice,  # type: ignore[arg-type]
                    on_behalf_of=None if voter == actor else voter,
                    receipt=receipt,
                )

            got = _outcome(call, factory)
            self.expect(got, error)
            if error is None:
                assert got.changed == (existing is not None)
                self.votes[voter] = (choice, actor)
                if got.receipt:
                    self.receipts[voter] = got.receipt

        @rule(
            principal=st.sampled_from(people),
            agent=st.sampled_from(people),
            for_ballot=st.booleans(),
        )
        def give(self, principal: int, agent: int, for_ballot: bool) -> None:
            if principal == agent:
                return
            error: type[Exception] | None = None
            if for_ballot and self.state == "closed":
                error = InvalidTransition
            elif for_ballot and self.state == "open" and principal in self.votes:
                error = AlreadyVoted
            elif any(
                p.principal == principal and p.active and p.for_ballot == for_ballot
                for p in self.proxies.values()
            ):
                error = Conflict

            def call(s: Session) -> Any:
                return give_proxy(
                    s,
                    actor=s.get(User, principal),
                    agent_id=agent,  # type: ignore[arg-type]
                    ballot_id=self.ballot_id if for_ballot else None,
                ).id

            got = _outcome(call, factory)
            self.expect(got, error)
            if error is None:
                self.proxies[got] = ModelProxy(principal, agent, for_ballot)

        @precondition(lambda self: bool(self.proxies))
        @rule(pick=st.integers(min_value=0, max_value=50))
        def revoke(self, pick: int) -> None:
            proxy_id = sorted(self.proxies)[pick % len(self.proxies)]
            proxy = self.proxies[proxy_id]
            error: type[Exception] | None = None
            if not proxy.active:
                error = InvalidTransition
            elif proxy.for_ballot and proxy.principal in self.votes:
                error = Conflict

            def call(s: Session) -> Any:
                return revoke_proxy(s, proxy_id, actor=s.get(User, proxy.principal))  # type: ignore[arg-type]

            got = _outcome(call, factory)
            self.expect(got, error)
            if error is None:
                proxy.active = False

        @invariant()
        def stored_votes_match(self) -> None:
            if not hasattr(self, "ballot_id"):
                return
            table = Participation if self.secret else Vote
            with factory() as s:
                rows = dict(
                    s.execute(
                        select(table.voter_id, table.cast_by_id).where(
                            table.ballot_id == self.ballot_id
                        )
                    ).all()
                )
                state = get_ballot(s, self.ballot_id).state
                s.rollback()
            assert state == self.state
            # who voted, and who cast each vote last (the voter or their proxy)
            assert rows == {v: by for v, (_c, by) in self.votes.items()}

    run_state_machine_as_test(
        BallotMachine,
        settings=settings(
            max_examples=50,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
