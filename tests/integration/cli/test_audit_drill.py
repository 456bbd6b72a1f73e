"""The audit drill: the database is tampered with behind the application's back, the way someone
with write access to it could, and ``charter-engine audit verify`` names what was done.

Each test starts from a verifying database with charters, amendments, closed named and secret
ballots and an open one (``tests/integration/reliability/world.py``), makes one change with plain
SQL, and reads the command's answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from charter_engine.db import make_engine
from tests.integration.reliability.world import World, build_world


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


@pytest.fixture
def raw(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _tamper(raw: Engine, sql: str, **params: Any) -> None:
    with raw.begin() as conn:
        conn.execute(text(sql), params)


def _verify_fails(cli: Any) -> str:
    result = cli("audit", "verify")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    output: str = result.output
    return output


def test_an_untouched_database_verifies_and_shows_its_chain_head(cli: Any, world: World) -> None:
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.output
    assert "chain head: event " in result.output
    assert "stored votes and results agree with the audit log" in result.output


def test_an_edited_payload_is_named(cli: Any, world: World, raw: Engine) -> None:
    _tamper(raw, "UPDATE audit_events SET payload = '{\"forged\": true}' WHERE seq = 5")
    assert "audit chain broken: event 5 was altered" in _verify_fails(cli)


def test_a_deleted_event_is_named(cli: Any, world: World, raw: Engine) -> None:
    _tamper(raw, "DELETE FROM audit_events WHERE seq = 7")
    assert "audit chain broken: event 7 is missing" in _verify_fails(cli)


def test_two_reordered_events_are_named(cli: Any, world: World, raw: Engine) -> None:
    # Swap the places of events 3 and 4, hashes and all, as a reordering in place would.
    _tamper(
        raw,
        "UPDATE audit_events SET seq = CASE seq WHEN 3 THEN -4 ELSE -3 END WHERE seq IN (3, 4)",
    )
    _tamper(raw, "UPDATE audit_events SET seq = -seq WHERE seq < 0")
    assert "audit chain broken: event 3 does not link to event 2" in _verify_fails(cli)


def test_two_events_whose_contents_were_swapped_are_named(
    cli: Any, world: World, raw: Engine
) -> None:
    # Subtler: the links stay in place and only what the events say changes places.
    with raw.begin() as conn:
        rows = {
            seq: (action, payload)
            for seq, action, payload in conn.execute(
                text("SELECT seq, action, payload FROM audit_events WHERE seq IN (3, 4)")
            )
        }
        for seq, other in ((3, 4), (4, 3)):
            conn.execute(
                text("UPDATE audit_events SET action = :a, payload = :p WHERE seq = :s"),
                {"a": rows[other][0], "p": rows[other][1], "s": seq},
            )
    assert "audit chain broken: event 3 was altered" in _verify_fails(cli)


def test_a_changed_named_vote_is_named(cli: Any, world: World, raw: Engine) -> None:
    voter = world.voters[2]  # voted "no" on the named ballot
    _tamper(
        raw,
        "UPDATE votes SET choice = 'yes' WHERE ballot_id = :b AND voter_id = :v",
        b=world.named_ballot,
        v=voter,
    )
    output = _verify_fails(cli)
    assert "audit chain intact" in output  # the log itself is untouched
    assert (
        f"ballot {world.named_ballot}: the vote of member {voter} reads 'yes', "
        "but the audit log recorded 'no'"
    ) in output
    # The ballot is closed: its stored result no longer follows from its votes either.
    assert f"ballot {world.named_ballot}: counting its stored votes again" in output


def test_a_vote_added_to_an_open_ballot_is_named(cli: Any, world: World, raw: Engine) -> None:
    voter = world.voters[3]
    _tamper(
        raw,
        "INSERT INTO votes (ballot_id, voter_id, cast_by_id, choice, cast_at, change_count) "
        "SELECT ballot_id, :v, :v, 'yes', cast_at, 0 FROM votes WHERE ballot_id = :b",
        b=world.open_ballot,
        v=voter,
    )
    assert (
        f"ballot {world.open_ballot}: member {voter} has a vote the audit log never recorded"
    ) in _verify_fails(cli)


def test_a_deleted_vote_is_named(cli: Any, world: World, raw: Engine) -> None:
    voter = world.voters[0]
    _tamper(raw, "DELETE FROM votes WHERE ballot_id = :b", b=world.open_ballot)
    assert (
        f"ballot {world.open_ballot}: the audit log records a vote of member {voter}"
    ) in _verify_fails(cli)


def test_a_changed_secret_paper_is_named(cli: Any, world: World, raw: Engine) -> None:
    _tamper(
        raw,
        "UPDATE secret_ballots SET choice = 'yes' WHERE ballot_id = :b AND choice = 'no'",
        b=world.secret_ballot,
    )
    assert (
        f"ballot {world.secret_ballot}: counting its stored votes again does not give the result"
    ) in _verify_fails(cli)


def test_a_rewritten_result_is_named(cli: Any, world: World, raw: Engine) -> None:
    _tamper(
        raw,
        "UPDATE ballots SET result = replace(result, '\"voters\": 5', '\"voters\": 6') "
        "WHERE id = :b",
        b=world.named_ballot,
    )
    output = _verify_fails(cli)
    assert f"ballot {world.named_ballot}: its stored result is not the one recorded" in output
