"""A closed secret ballot links no voter to a choice, for a reader of the whole database.

Thirty members vote through the API in a known order, each vote a request of its own. After the
close the test reads every row of every table — with ``xmin`` and ``ctid`` on PostgreSQL, ``rowid``
on SQLite, and the order rows come back in — and attacks: for every table whose rows show a choice
it orders those rows by every column, both ways, and compares the choices with the voting order;
and it joins every column of the rows that name a voter with every column of the rows that show a
choice. No attempt may recover more than 60 % of the choices (chance is about a third).

While the ballot is open the same attack succeeds on PostgreSQL (the papers lie in the table in the
order they were cast), which is the documented exposure of an open ballot and shows that the attack
finds a link where there is one.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, inspect

from tests.api.conftest import Api, assert_error
from tests.conftest import USE_POSTGRES

VOTES = 30
CHOICES = ("yes", "no", "abstain")
# Ten of each, in an order fixed for the test.
ORDER = random.Random(20261206).sample([c for c in CHOICES for _ in range(VOTES // 3)], VOTES)
_CHOICE_IN_JSON = re.compile(r'"choice"\s*:\s*"(yes|no|abstain)"')

Row = dict[str, Any]


def _read_everything(engine: Engine) -> dict[str, list[Row]]:
    """Every row of every table, with the storage's own columns, in the order they come back."""
    tables = inspect(engine).get_table_names()
    out = {}
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        for table in tables:
            if USE_POSTGRES:
                query = (
                    f'SELECT xmin::text::bigint AS "~xmin", ctid::text AS "~ctid", * FROM "{table}"'
                )
            elif conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE name = ? AND sql LIKE '%WITHOUT ROWID%'",
                (table,),
            ).first():
                query = f'SELECT * FROM "{table}"'
            else:
                query = f'SELECT rowid AS "~rowid", * FROM "{table}"'
            rows = [dict(r._mapping) for r in conn.exec_driver_sql(query)]
            for position, row in enumerate(rows):
                row["~position"] = position
                if "~ctid" in row:  # "(page,item)" as numbers, so that they order as stored
                    page, item = row["~ctid"].strip("()").split(",")
                    row["~ctid"] = (int(page), int(item))
            out[table] = rows
    return out


def _choice_of(row: Row) -> str | None:
    """The one choice a row shows, in a column of its own or inside JSON, if it shows one."""
    found = set()
    for value in row.values():
        if isinstance(value, str):
            if value in CHOICES:
                found.add(value)
            found.update(_CHOICE_IN_JSON.findall(value))
    return found.pop() if len(found) == 1 else None


def _order_key(value: Any) -> tuple[bool, str, Any]:
    return (value is None, type(value).__name__, value)


def _orderings(rows: list[Row]) -> list[tuple[str, list[str]]]:
    """The choices of ``rows`` ordered by each column, ascending and descending."""
    out = []
    for column in rows[0]:
        ordered = sorted(rows, key=lambda row: _order_key(row[column]))
        choices = [_choice_of(row) or "" for row in ordered]
        out += [(column, choices), (f"{column} desc", choices[::-1])]
    return out


def _joins(
    voter_rows: list[Row], choice_rows: list[Row], truth: dict[int, str], voter_column: str
) -> list[tuple[str, int]]:
    """For every pair of columns, the choices a join on equal values gives the voters."""
    out = []
    for left in voter_rows[0]:
        left_values = Counter(row[left] for row in voter_rows)
        for right in choice_rows[0]:
            right_values = Counter(row[right] for row in choice_rows)
            by_value = {row[right]: _choice_of(row) for row in choice_rows}
            correct = sum(
                1
                for row in voter_rows
                if row[left] is not None
                and left_values[row[left]] == 1
                and right_values.get(row[left]) == 1
                and by_value[row[left]] == truth.get(row[voter_column])
            )
            out.append((f"{left} = {right}", correct))
    return out


def best_attack(engine: Engine, ballot_id: int, voters: list[int]) -> tuple[float, str]:
    """The best share of choices any attempt recovers, and how."""
    everything = _read_everything(engine)
    truth = dict(zip(voters, ORDER, strict=True))
    best, how = 0.0, "nothing"
    for table, rows in everything.items():
        choice_rows = [row for row in rows if _choice_of(row) is not None]
        if not choice_rows:
            continue
        for name, choices in _orderings(choice_rows):
            score = sum(a == b for a, b in zip(choices, ORDER, strict=False)) / VOTES
            if score > best:
                best, how = score, f"{table} ordered by {name}"
        for other, voter_rows in everything.items():
            for column in ("voter_id", "actor_id", "user_id"):
                named = [row for row in voter_rows if row.get(column) in truth]
                if not named:
                    continue
                for name, correct in _joins(named, choice_rows, truth, column):
                    if correct / VOTES > best:
                        best, how = correct / VOTES, f"{other} join {table} on {name}"
    return best, how


def test_a_closed_secret_ballot_links_no_voter_to_a_choice(
    sec_api: Api,
    api_as: Callable[..., Api],
    voting_charter: Any,
    engine: Engine,
) -> None:
    members = [api_as("member") for _ in range(VOTES)]
    created = sec_api.post(
        f"charters/{voting_charter.slug}/ballots",
        json={"kind": "adoption", "secrecy": "secret"},
    )
    assert created.status_code == 201, created.get_json()
    ballot_id = created.get_json()["id"]
    assert sec_api.post(f"ballots/{ballot_id}/open").status_code == 200
    receipts = []
    for member, choice in zip(members, ORDER, strict=True):
        answer = member.post(f"ballots/{ballot_id}/votes", json={"choice": choice})
        assert answer.status_code == 201, answer.get_json()
        receipts.append(answer.get_json()["receipt"])
    voters = [member.user.id for member in members]

    # Another voter's receipt changes nothing: refused, and both papers stay as they were.
    first, second = members[0], members[1]
    other = next(c for c in CHOICES if c not in (ORDER[0], ORDER[1]))
    for who, receipt in ((first, receipts[1]), (second, receipts[0])):
        refused = who.post(f"ballots/{ballot_id}/votes", json={"choice": other, "receipt": receipt})
        assert_error(refused, 422, "invalid")

    if USE_POSTGRES:
        open_score, how = best_attack(engine, ballot_id, voters)
        assert open_score == 1.0, how  # while open: the papers lie in the order of voting

    assert sec_api.post(f"ballots/{ballot_id}/close").status_code == 200
    score, how = best_attack(engine, ballot_id, voters)
    assert score <= 0.6, f"{score:.0%} of the choices recovered: {how}"

    results = sec_api.get(f"ballots/{ballot_id}/results").get_json()
    counts = Counter(ORDER)
    assert {c: results["simple"][c] for c in CHOICES} == {c: counts[c] for c in CHOICES}
    for who, receipt, choice in ((first, receipts[0], ORDER[0]), (second, receipts[1], ORDER[1])):
        found = who.post(f"ballots/{ballot_id}/receipts", json={"receipt": receipt})
        assert found.status_code == 200, found.get_json()
        assert found.get_json()["choice"] == choice
    # The published list holds every paper, by fingerprint only.
    counted = sec_api.get(f"ballots/{ballot_id}/counted").get_json()["ballots"]
    assert sorted(row["choice"] for row in counted) == sorted(ORDER)
    assert json.dumps(counted).count("voter") == 0
