"""The same races as the integration tests, through the real HTTP stack: the app served by waitress
on a loopback port, clients in threads. One vote per voter, no vote after close, never a 5xx."""

from __future__ import annotations

import http.client
import json
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.live import serving

pytestmark = pytest.mark.slow

SAME_VOTER_THREADS = 32
SAME_VOTER_ROUNDS = 10
RACE_VOTERS = 60
RACE_CLIENTS = 16
RACE_ROUNDS = 5


class Http:
    def __init__(self, port: int) -> None:
        self.port = port

    def call(
        self, method: str, path: str, token: str, body: Any = None
    ) -> tuple[int, dict[str, Any]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            headers = {"Authorization": f"Bearer {token}"}
            data = None
            if body is not None:
                data = json.dumps(body)
                headers["Content-Type"] = "application/json"
            conn.request(method, f"/api/v1/{path}", body=data, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            return response.status, json.loads(payload) if payload else {}
        finally:
            conn.close()


@pytest.fixture
def live(app: Any) -> Iterator[Http]:
    with serving(app, threads=40) as port:
        yield Http(port)


def _together(count: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(count)
    out: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        out[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return out


def _ballot(live: Http, sec: Any, slug: str, **rules: Any) -> int:
    status, body = live.call(
        "POST", f"charters/{slug}/ballots", sec.token, {"kind": "adoption", **rules}
    )
    assert status == 201, body
    status, body = live.call("POST", f"ballots/{body['id']}/open", sec.token)
    assert status == 200, body
    ballot_id: int = body["id"]
    return ballot_id


def test_the_same_voter_posting_32_times_at_once_gets_one_vote(
    live: Http, sec_api: Any, api_as: Any, create_charter: Any
) -> None:
    voters = [api_as("member") for _ in range(SAME_VOTER_ROUNDS)]
    for round_no, voter in enumerate(voters):
        slug = create_charter(title=f"Same voter {round_no}").slug
        ballot_id = _ballot(live, sec_api, slug, allow_change=False)
        answers = _together(
            SAME_VOTER_THREADS,
            lambda i, v=voter, b=ballot_id: live.call(
                "POST", f"ballots/{b}/votes", v.token, {"choice": ("yes", "no")[i % 2]}
            ),
        )
        statuses = Counter(status for status, _b in answers)
        assert statuses == {201: 1, 409: SAME_VOTER_THREADS - 1}, (round_no, statuses, answers)
        assert {b["error"]["code"] for s, b in answers if s == 409} == {"already_voted"}
        status, results = live.call("POST", f"ballots/{ballot_id}/close", sec_api.token)
        assert status == 200
        status, results = live.call("GET", f"ballots/{ballot_id}/results", voter.token)
        assert results["voters"] == 1


def test_votes_racing_a_close_through_the_api(
    live: Http, sec_api: Any, api_as: Any, create_charter: Any
) -> None:
    voters = [api_as("member") for _ in range(RACE_VOTERS)]
    rng = random.Random(7)
    for round_no in range(RACE_ROUNDS):
        slug = create_charter(title=f"Race {round_no}").slug
        ballot_id = _ballot(live, sec_api, slug)
        plan = [
            (v, rng.choice(["yes", "no", "abstain"]), rng.choice(["yes", "no"])) for v in voters
        ]
        close_after = rng.randrange(RACE_VOTERS // 2, 2 * RACE_VOTERS)
        lock = threading.Lock()
        done = {"n": 0}
        go = threading.Event()
        accepted: dict[int, str] = {}
        answers: list[tuple[int, dict[str, Any]]] = []

        def client(
            i: int,
            ballot_id: int = ballot_id,
            plan: Any = plan,
            lock: Any = lock,
            done: Any = done,
            go: Any = go,
            accepted: Any = accepted,
            answers: Any = answers,
            close_after: int = close_after,
        ) -> Any:
            if i == RACE_CLIENTS:
                go.wait(timeout=60)
                return live.call("POST", f"ballots/{ballot_id}/close", sec_api.token)
            for voter, first, second in plan[i::RACE_CLIENTS]:
                for choice in (first, second):
                    status, body = live.call(
                        "POST", f"ballots/{ballot_id}/votes", voter.token, {"choice": choice}
                    )
                    with lock:
                        answers.append((status, body))
                        if status in (200, 201):
                            accepted[voter.user.id] = choice
                        done["n"] += 1
                        if done["n"] >= close_after:
                            go.set()
            go.set()
            return None

        out = _together(RACE_CLIENTS + 1, client)
        assert out[RACE_CLIENTS][0] == 200, out[RACE_CLIENTS]
        statuses = Counter(status for status, _b in answers)
        assert set(statuses) <= {200, 201, 409}, statuses
        refused = [b for s, b in answers if s == 409]
        assert all(b["error"]["code"] == "ballot_closed" for b in refused), refused[:3]
        status, results = live.call("GET", f"ballots/{ballot_id}/results", sec_api.token)
        assert status == 200
        expected = Counter(accepted.values())
        assert {k: results["simple"][k] for k in ("yes", "no", "abstain")} == {
            k: expected.get(k, 0) for k in ("yes", "no", "abstain")
        }, round_no
        status, roll = live.call("GET", f"ballots/{ballot_id}/roll-call", sec_api.token)
        recorded = {r["voter_id"]: r["choice"] for r in roll["voters"] if r["voted"]}
        assert recorded == accepted
