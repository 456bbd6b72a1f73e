"""Locust users for ``bench/load.py``: Core Group members reading, commenting, proposing, voting.

Each simulated member signs in through the login form (its session cookie then reads the pages a
member reads) and writes through the JSON API with its own bearer token, as the member's browser
and scripts do. Between two actions a member waits 2 to 8 seconds. ``bench/load.py`` writes the
accounts, charter and ballots to ``CHARTER_LOAD_FIXTURE`` (JSON) before it starts Locust.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from locust import HttpUser, between

if TYPE_CHECKING:
    # Locust is not among the test tools, so where mypy runs it is usually not installed and
    # everything imported from it is Any. Its task(weight) marks a method as a task of that weight
    # and returns the method itself (Locust's own annotation says so too): declared here with that
    # type, the decorated methods keep theirs.
    _Task = TypeVar("_Task", bound=Callable[..., None])

    def task(weight: int) -> Callable[[_Task], _Task]: ...

else:
    from locust import task

FIXTURE: dict[str, Any] = json.loads(Path(os.environ["CHARTER_LOAD_FIXTURE"]).read_text())
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_next_member = itertools.count()
_signed_in = itertools.count(1)
_lock = threading.Lock()
# Written when the last member has signed in; the statistics are reset then, so that they cover
# the steady reading and writing, not the burst of sign-ins (each hashes a password).
READY_FILE = Path(os.environ["CHARTER_LOAD_READY"])


# HttpUser is Any where Locust is not installed; installed, it brings its own types and the
# ignore is unused, hence unused-ignore.
class Member(HttpUser):  # type: ignore[misc, unused-ignore]
    wait_time = between(2, 8)

    def on_start(self) -> None:
        with _lock:
            n = next(_next_member) % len(FIXTURE["members"])
        self.me = FIXTURE["members"][n]
        self.api = {"Authorization": f"Bearer {self.me['token']}"}
        page = self.client.get("/login", name="/login")
        token = _CSRF.search(page.text)
        assert token, "no CSRF token on the login page"
        self.client.post(
            "/login",
            data={
                "email": self.me["email"],
                "password": FIXTURE["password"],
                "csrf_token": token[1],
            },
            name="/login [POST]",
        )
        with _lock:
            if next(_signed_in) == self.environment.runner.target_user_count:
                self.environment.stats.reset_all()
                READY_FILE.write_text("ready")

    # --- reading (most of what members do) ---------------------------------------------------

    @task(6)
    def read_charter(self) -> None:
        self.client.get(f"/charters/{FIXTURE['slug']}/", name="/charters/[slug]/")

    @task(4)
    def read_clause(self) -> None:
        clause = random.choice(FIXTURE["clauses"])
        self.client.get(
            f"/charters/{FIXTURE['slug']}/clauses/{clause}", name="/charters/[slug]/clauses/[id]"
        )

    @task(4)
    def read_amendments(self) -> None:
        self.client.get(f"/charters/{FIXTURE['slug']}/amendments/", name="/amendments/")
        number = random.choice(FIXTURE["amendment_numbers"])
        self.client.get(
            f"/charters/{FIXTURE['slug']}/amendments/{number}", name="/amendments/[number]"
        )

    @task(3)
    def read_ballots(self) -> None:
        self.client.get("/ballots/", name="/ballots/")
        self.client.get(f"/ballots/{random.choice(FIXTURE['ballots'])}", name="/ballots/[id]")

    @task(2)
    def read_people(self) -> None:
        self.client.get("/people/", name="/people/")
        self.client.get("/notifications/", name="/notifications/")

    # --- writing -------------------------------------------------------------------------------

    @task(2)
    def comment(self) -> None:
        clause = random.choice(FIXTURE["clauses"])
        self.client.post(
            f"/api/v1/charters/{FIXTURE['slug']}/clauses/{clause}/comments",
            json={"body": f"A thought on this clause from {self.me['email']}."},
            headers=self.api,
            name="/api/v1/…/comments [POST]",
        )

    @task(1)
    def propose(self) -> None:
        clause = random.choice(FIXTURE["clauses"])
        self.client.post(
            f"/api/v1/charters/{FIXTURE['slug']}/amendments",
            json={
                "title": f"A clearer clause {random.randrange(10**6)}",
                "rationale": "Shorter words read better.",
                "changes": [
                    {
                        "kind": "replace",
                        "clause_id": clause,
                        "text": f"A new text, version {random.randrange(10**6)}.\n\n",
                    }
                ],
            },
            headers=self.api,
            name="/api/v1/…/amendments [POST]",
        )

    @task(3)
    def vote(self) -> None:
        ballot = random.choice(FIXTURE["ballots"])
        self.client.post(
            f"/api/v1/ballots/{ballot}/votes",
            json={"choice": random.choice(["yes", "no", "abstain"])},
            headers=self.api,
            name="/api/v1/ballots/[id]/votes [POST]",
        )
