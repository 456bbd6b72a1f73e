"""Benchmark of a big charter against a small one: every main page and API list, served.

Two datasets are built through the project's own operations, in the application's sessions (so
every change notifies people, as in the app):

- big: a 400-clause charter, 200 members, 2,000 amendments (submitted, in discussion, drafts,
  withdrawn, merged, needing a rebase after the merges), 5,000 comments, 20 ballots (closed, open
  with votes, drafts);
- small: 20 clauses, 10 members, 20 amendments, 50 comments, 2 ballots, built the same way.

Each lives in its own PostgreSQL database, reused from one run to the next (building the big one
takes minutes on a 2-core machine) until the dataset's recipe or the schema changes; ``--rebuild``
builds them again. Both are served at once, each by a Granian worker as ``charter-engine serve``
runs it (``served_app``: templates compiled, long-lived objects frozen), wrapped so that each
answer carries the number of SQL statements the request ran. One client then asks for every page
in turn, small beside big, and the script prints median, p95 and statements, with a trivial page
(``/healthz``) as baseline. ``--no-freeze`` serves the app without :func:`gc.freeze`, to compare.

``merge`` measures one merge on PostgreSQL: an amendment on a clause with 200 pending amendments
on it (150 rebase cleanly, 50 conflict) and 1,400 pending on other clauses, against the same merge
with nothing pending elsewhere.

``gc`` measures what a full garbage collection costs in a served app that has answered every
page of the big dataset: the objects it walks and its CPU time, with the app frozen at start (as
served) and with nothing frozen.

Run from the project root::

    .venv/bin/python bench/bench_scale.py [--requests 40] [--rebuild] [--no-freeze]
    .venv/bin/python bench/bench_scale.py merge
    .venv/bin/python bench/bench_scale.py gc

Databases: ``CHARTER_BENCH_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/charter_bench_scale``) with ``_big``, ``_small`` and
``_merge`` appended to its name; they are created if needed. Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/charter_bench_scale"
PASSWORD = "bench-password-123"
STAFF_EMAIL = "secretariat@bench.example"
# Bump when the recipe below changes, so that a cached dataset is built again.
RECIPE = 1


@dataclass(frozen=True)
class Spec:
    clauses: int
    members: int
    amendments: int
    comments: int
    ballots: int


SPECS = {
    "small": Spec(clauses=20, members=10, amendments=20, comments=50, ballots=2),
    "big": Spec(clauses=400, members=200, amendments=2000, comments=5000, ballots=20),
}


def database_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    base = make_url(os.environ.get("CHARTER_BENCH_DATABASE_URL", DEFAULT_URL))
    return base.set(database=f"{base.database}_{name}").render_as_string(hide_password=False)


def ensure_database(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from charter_engine.db import make_engine

    target = make_url(make_engine(url).url)
    admin = make_engine(
        target.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        ).first()
        if not found:
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


def fresh_schema(url: str) -> Any:
    from charter_engine import migrate
    from charter_engine.db import make_engine

    ensure_database(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    migrate.upgrade(engine)
    return engine


# ---------------------------------------------------------------------------------------------
# building a dataset through the operations


def charter_text(clauses: int) -> str:
    """A title, then articles of nine two-sentence paragraphs each: ``clauses`` blocks."""
    parts = ["# The Charter of the Core Group\n\n"]
    article = 0
    for i in range(clauses - 1):
        if i % 10 == 0:
            article += 1
            parts.append(f"## Article {article}\n\n")
        else:
            parts.append(
                f"Clause {i}: the members of the Core Group agree that decisions on topic {i} "
                "are taken openly and with due notice. They are recorded in the minutes and "
                "published to every member in good time.\n\n"
            )
    return "".join(parts)


def _script_head() -> str:
    """The newest migration of the code, as the dataset's schema must be."""
    from alembic.script import ScriptDirectory

    from charter_engine import migrate

    return ",".join(sorted(ScriptDirectory.from_config(migrate.alembic_config()).get_heads()))


def analyze(url: str) -> None:
    """Gather the planner's statistics, as autovacuum does on a production server (the one on
    these machines runs with autovacuum off, and a freshly built database has none: PostgreSQL
    then guesses a few dozen rows per table and picks nested loops over thousands)."""
    from sqlalchemy import text

    from charter_engine.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def cached(url: str, spec: Spec) -> bool:
    """Whether ``url`` holds a complete dataset of this recipe and spec on the current schema."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from charter_engine.db import make_engine

    try:
        ensure_database(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT recipe, spec, head FROM bench_scale_dataset")).first()
        engine.dispose()
    except SQLAlchemyError:
        return False
    return row is not None and tuple(row) == (RECIPE, json.dumps(asdict(spec)), _script_head())


def build(url: str, spec: Spec, *, log: Any = print) -> float:
    """Build the dataset of ``spec`` in a fresh schema at ``url``; returns the seconds it took."""
    from sqlalchemy import select, text

    from charter_engine.accounts.operations import create_user, issue_token
    from charter_engine.amendments.merging import merge_amendment
    from charter_engine.amendments.models import Amendment
    from charter_engine.amendments.operations import propose_amendment
    from charter_engine.amendments.transitions import transition_amendment
    from charter_engine.charters.operations import import_charter
    from charter_engine.charters.queries import current_entries
    from charter_engine.comments.operations import create_comment
    from charter_engine.subscribers import make_app_sessions
    from charter_engine.voting.casting import cast_vote
    from charter_engine.voting.closing import close_ballot
    from charter_engine.voting.operations import create_ballot, open_ballot

    started = time.perf_counter()
    engine = fresh_schema(url)
    rng = random.Random(13)
    countries = ("FR", "KE", "BR", "IN", "CA", "CH", "ES", "JP", "SN", "MX")
    with make_app_sessions(engine)() as s:
        staff = create_user(
            s, email=STAFF_EMAIL, name="Sam Secretariat", role="secretariat", password=PASSWORD
        )
        s.execute(
            text("CREATE TABLE bench_scale_tokens (role text PRIMARY KEY, token text)"),
        )
        s.execute(
            text("INSERT INTO bench_scale_tokens VALUES ('secretariat', :t)"),
            {"t": issue_token(s, staff)},
        )
        members = [
            create_user(
                s,
                email=f"member{i}@bench.example",
                name=f"Member {i:03}",
                organisation=f"Organisation {i % 40}",
                country=countries[i % len(countries)],
            )
            for i in range(spec.members)
        ]
        charter = import_charter(
            s, title="The Charter of the Core Group", text=charter_text(spec.clauses), actor=staff
        )
        s.commit()
        log(f"  {spec.members} members, a {spec.clauses}-clause charter")
        paragraphs = [
            (clause_id, version.text)
            for clause_id, version in current_entries(s, charter)
            if version.text.startswith("Clause ")
        ]

        def rewrite(text: str, j: int) -> str:
            # Even amendments rewrite the first sentence, odd ones the second: a merge of an
            # even one conflicts with the other even ones on its clause, not with the odd ones.
            if j % 2 == 0:
                return text.replace("taken openly", f"taken openly (variant {j})", 1)
            return text.replace("in good time", f"in good time (variant {j})", 1)

        amendments = []
        for j in range(spec.amendments):
            clause_id, clause_text = paragraphs[j % len(paragraphs)]
            amendments.append(
                propose_amendment(
                    s,
                    charter,
                    actor=members[j % len(members)],
                    title=f"Amendment {j}: say more about topic {j % len(paragraphs)}",
                    rationale="It reads better, and it says what the group already does.",
                    changes=[
                        {"kind": "replace", "clause_id": clause_id, "text": rewrite(clause_text, j)}
                    ],
                    submit=j % 25 != 0,  # one in 25 stays a draft
                )
            )
            s.commit()
            if j % 500 == 499:
                log(f"  {j + 1} amendments proposed")
        submitted = [a for a in amendments if a.state == "submitted"]
        for a in submitted[::7]:
            transition_amendment(s, a, "open_discussion", actor=staff)
        for a in submitted[3::60]:
            if a.state == "submitted":
                transition_amendment(s, a, "withdraw", actor=s.get(type(staff), a.author_id))
        s.commit()
        # Merges: even amendments on distinct clauses, each one a new revision.
        merged_clauses: set[int] = set()
        to_merge = max(1, spec.amendments * 48 // 1000)
        for j, a in enumerate(amendments):
            if len(merged_clauses) >= to_merge:
                break
            clause_id = a.changes[0].clause_id or 0
            if j % 2 or clause_id in merged_clauses or a.state not in ("submitted", "discussion"):
                continue
            merge_amendment(s, a, actor=staff, editorial=True)
            s.commit()
            merged_clauses.add(clause_id)
        log(f"  {len(merged_clauses)} amendments merged")
        # Ballots on amendments of untouched clauses: the first 40 % closed, 40 % open with
        # votes (at least one of each), the rest drafts.
        candidates = [
            a
            for a in amendments
            if a.state in ("submitted", "discussion")
            and (a.changes[0].clause_id or 0) not in merged_clauses
        ]
        rng.shuffle(candidates)
        voted_clauses: set[int] = set()
        ballots = 0
        closing = max(1, spec.ballots * 4 // 10)
        opening = closing + max(1, spec.ballots * 4 // 10)
        for a in candidates:
            if ballots >= spec.ballots:
                break
            clause_id = a.changes[0].clause_id or 0
            if clause_id in voted_clauses:
                continue
            voted_clauses.add(clause_id)
            ballot = create_ballot(s, charter, actor=staff, kind="amendment", amendments=[a.id])
            s.commit()
            ballots += 1
            if ballots > opening:
                continue
            open_ballot(s, ballot, actor=staff)
            s.commit()
            for i, member in enumerate(members):
                if rng.random() < 0.6:
                    cast_vote(s, ballot, actor=member, choice=("yes", "no", "abstain")[i % 3])
                    s.commit()
            if ballots <= closing:
                close_ballot(s, ballot, actor=staff)
                s.commit()
        log(f"  {ballots} ballots")
        # Comments: most on clauses, the rest on amendments; one in four answers the one before.
        previous = None
        for k in range(spec.comments):
            author = members[rng.randrange(len(members))]
            if previous is not None and k % 4 == 3:
                previous = create_comment(
                    s,
                    charter,
                    actor=author,
                    body=f"I agree, and would add a point ({k}).",
                    parent_id=previous.id,
                )
            elif k % 10 < 7:
                previous = create_comment(
                    s,
                    charter,
                    actor=author,
                    body=f"A remark on this clause, number {k}: the wording could be clearer.",
                    clause_id=paragraphs[rng.randrange(len(paragraphs))][0],
                )
            else:
                previous = create_comment(
                    s,
                    charter,
                    actor=author,
                    body=f"On this amendment ({k}): I support the idea.",
                    amendment=amendments[rng.randrange(len(amendments))],
                )
            if k % 20 == 19:
                s.commit()
            if k % 1000 == 999:
                log(f"  {k + 1} comments")
        s.commit()
        states: dict[str, int] = dict(
            s.execute(select(Amendment.state, text("count(*)")).group_by(Amendment.state)).all()
        )
        log(f"  amendments by state: {states}")
        seconds = time.perf_counter() - started
        s.execute(
            text(
                "CREATE TABLE bench_scale_dataset (recipe integer, spec text, head text, "
                "seconds real, built_at timestamptz DEFAULT now())"
            )
        )
        s.execute(
            text("INSERT INTO bench_scale_dataset VALUES (:r, :s, :h, :sec, now())"),
            {"r": RECIPE, "s": json.dumps(asdict(spec)), "h": _script_head(), "sec": seconds},
        )
        s.commit()
    engine.dispose()
    return seconds


def dataset_facts(url: str) -> dict[str, Any]:
    """What the dataset holds, and the ids the pages need."""
    from sqlalchemy import text

    from charter_engine.db import make_engine

    engine = make_engine(url)
    queries = {
        "slug": "SELECT slug FROM charters ORDER BY id LIMIT 1",
        "clauses": "SELECT count(*) FROM clauses",
        "revisions": "SELECT count(*) FROM revisions",
        "amendments": "SELECT count(*) FROM amendments",
        "comments": "SELECT count(*) FROM comments",
        "members": "SELECT count(*) FROM users",
        "ballots": "SELECT count(*) FROM ballots",
        "notifications": "SELECT count(*) FROM notifications",
        "busiest_clause": "SELECT clause_id FROM comments WHERE clause_id IS NOT NULL "
        "GROUP BY clause_id ORDER BY count(*) DESC, clause_id LIMIT 1",
        "amendment": "SELECT number FROM amendments WHERE state = 'submitted' ORDER BY id LIMIT 1",
        "amendment_id": "SELECT id FROM amendments WHERE state = 'submitted' ORDER BY id LIMIT 1",
        "ballot": "SELECT id FROM ballots WHERE state = 'open' ORDER BY id LIMIT 1",
        "closed_ballot": "SELECT id FROM ballots WHERE state = 'closed' ORDER BY id LIMIT 1",
        "token": "SELECT token FROM bench_scale_tokens WHERE role = 'secretariat'",
        "built_in": "SELECT seconds FROM bench_scale_dataset",
    }
    with engine.connect() as conn:
        facts = {name: conn.execute(text(sql)).scalar() for name, sql in queries.items()}
        facts["states"] = dict(
            conn.execute(text("SELECT state, count(*) FROM amendments GROUP BY state")).all()
        )
    engine.dispose()
    return facts


# ---------------------------------------------------------------------------------------------
# serving, with the statements of each request counted


def counting_app(freeze: bool) -> Any:
    """The app as ``charter-engine serve`` builds it, with an ``X-Statements`` header."""
    import gc

    from sqlalchemy import event

    from charter_engine.cli import served_app

    if not freeze:
        real_freeze = gc.freeze
        gc.freeze = lambda: None
    try:
        app = served_app()
    finally:
        if not freeze:
            gc.freeze = real_freeze
    local = threading.local()

    def count(*_args: Any) -> None:
        local.count = getattr(local, "count", 0) + 1

    event.listen(app.extensions["charter_engine"].engine, "before_cursor_execute", count)
    wsgi = app.wsgi_app

    def counted(environ: dict[str, Any], start_response: Any) -> Any:
        local.count = 0

        def start(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            return start_response(status, [*headers, ("X-Statements", str(local.count))], *exc)

        return wsgi(environ, start)

    app.wsgi_app = counted  # type: ignore[method-assign]
    return app


def serve(port: int, freeze: bool) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    server = Granian(
        "bench_scale",
        address="127.0.0.1",
        port=port,
        interface=Interfaces.WSGI,
        workers=1,
        blocking_threads=4,
        websockets=False,
    )
    server.serve(target_loader=functools.partial(counting_app, freeze), wrap_loader=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(url: str, freeze: bool, instance: Path) -> tuple[int, subprocess.Popen[bytes]]:
    port = free_port()
    env = {
        **os.environ,
        "CHARTER_DATABASE_URL": url,
        "CHARTER_INSTANCE_DIR": str(instance),
        "CHARTER_SECRET_KEY": "bench",
    }
    command = [sys.executable, __file__, "--serve", str(port)]
    if not freeze:
        command.append("--no-freeze")
    log = instance / f"server-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(log.read_text(errors="replace")[-3000:])
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return port, process
        except OSError:
            time.sleep(0.2)


class Client:
    """One keep-alive connection, signed in as the secretariat (cookie for pages, token for the
    API)."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}
        self.token = token
        page = self.get("/login")[2].decode()
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert csrf, "no CSRF token on the login page"
        body = (
            f"csrf_token={csrf.group(1)}&email={STAFF_EMAIL.replace('@', '%40')}"
            f"&password={PASSWORD}"
        )
        status, _, _ = self.request(
            "POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert status == 302, f"sign-in failed: {status}"

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, int, bytes]:
        headers = dict(headers or {})
        if path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {self.token}"
        elif self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError) as exc:
            print(f"    {path}: {exc.__class__.__name__}; reconnecting", flush=True)
            self.conn.close()
            return 599, -1, b""
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.split(";", 1)[0].partition("=")
            self.cookies[name] = rest
        return response.status, int(response.headers.get("X-Statements", "-1")), data

    def get(self, path: str) -> tuple[int, int, bytes]:
        return self.request("GET", path)


PAGES = [
    ("trivial page (baseline)", "/healthz"),
    ("home", "/"),
    ("charters", "/charters/"),
    ("charter (reading page)", "/charters/{slug}/"),
    ("revisions", "/charters/{slug}/revisions"),
    ("compare, last revision", "/charters/{slug}/compare"),
    ("clause with most comments", "/charters/{slug}/clauses/{busiest_clause}"),
    ("amendments list", "/charters/{slug}/amendments/"),
    ("amendment", "/charters/{slug}/amendments/{amendment}"),
    ("desk", "/desk/?charter={slug}"),
    ("ballots", "/ballots/"),
    ("charter's ballots", "/charters/{slug}/ballots"),
    ("open ballot", "/ballots/{ballot}"),
    ("closed ballot's results", "/ballots/{closed_ballot}/results"),
    ("directory", "/people/"),
    ("map", "/people/map"),
    ("notifications", "/notifications/"),
    ("API charters", "/api/v1/charters"),
    ("API revisions", "/api/v1/charters/{slug}/revisions"),
    ("API amendments", "/api/v1/charters/{slug}/amendments"),
    ("API ballots", "/api/v1/charters/{slug}/ballots"),
    ("API clause comments", "/api/v1/charters/{slug}/clauses/{busiest_clause}/comments"),
    ("API amendment comments", "/api/v1/amendments/{amendment_id}/comments"),
]


@dataclass
class Measure:
    status: int
    statements: int
    size: int
    median: float
    p95: float


def measure(client: Client, path: str, requests: int) -> Measure:
    for _ in range(3):
        client.get(path)
    samples = []
    status = statements = size = 0
    for _ in range(requests):
        started = time.perf_counter()
        status, statements, data = client.get(path)
        samples.append(time.perf_counter() - started)
        size = len(data)
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return Measure(status, statements, size, statistics.median(samples) * 1000, p95 * 1000)


def pages(args: argparse.Namespace) -> None:
    urls = {name: database_url(name) for name in SPECS}
    for name, spec in SPECS.items():
        if args.rebuild or not cached(urls[name], spec):
            print(f"building the {name} dataset in {urls[name]} ...", flush=True)
            seconds = build(urls[name], spec, log=lambda m: print(m, flush=True))
            print(f"  built in {seconds:.0f} s", flush=True)
        analyze(urls[name])
    facts = {name: dataset_facts(url) for name, url in urls.items()}
    for name, f in facts.items():
        print(
            f"{name}: {f['clauses']} clauses, {f['revisions']} revisions, {f['amendments']} "
            f"amendments {f['states']}, {f['comments']} comments, {f['members']} users, "
            f"{f['ballots']} ballots, {f['notifications']} notifications "
            f"(built in {f['built_in']:.0f} s)"
        )
    print(f"load before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as instance:
        servers = {
            name: start_server(url, args.freeze, Path(instance)) for name, url in urls.items()
        }
        try:
            clients = {
                name: Client(port, facts[name]["token"]) for name, (port, _) in servers.items()
            }
            print(
                f"\n{'page':<28} {'small: median':>13} {'p95':>7} {'SQL':>4} "
                f"{'big: median':>12} {'p95':>7} {'SQL':>4} {'big KB':>7}"
            )
            for label, template in PAGES:
                row = {}
                for name in SPECS:
                    path = template.format(**facts[name])
                    row[name] = measure(clients[name], path, args.requests)
                small, big = row["small"], row["big"]
                flag = "" if small.statements == big.statements else "  ≠ statements"
                bad = [n for n, m in row.items() if m.status != 200]
                print(
                    f"{label:<28} {small.median:>11.1f}ms {small.p95:>5.1f}ms "
                    f"{small.statements:>4} "
                    f"{big.median:>10.1f}ms {big.p95:>5.1f}ms {big.statements:>4} "
                    f"{big.size / 1024:>7.0f}{flag}"
                    + (f"  status {[row[n].status for n in bad]}" if bad else ""),
                    flush=True,
                )
        finally:
            for _, process in servers.values():
                process.terminate()
                process.wait(timeout=30)
            for log in Path(instance).glob("server-*.log"):
                errors = [
                    line for line in log.read_text(errors="replace").splitlines() if "rror" in line
                ]
                if errors:
                    print(f"{log.name}: {len(errors)} error lines, last: {errors[-1][:300]}")
    print(f"load after: {os.getloadavg()}  (gc.freeze {'on' if args.freeze else 'off'})")


# ---------------------------------------------------------------------------------------------
# one merge, with and without pending amendments elsewhere


ROUNDS = 3


def merge_rounds(url: str) -> dict[str, list[tuple[float, int]]]:
    """Seconds and statements of merging one amendment of a clause with 200 pending amendments
    on it, a quarter of which overlap the merged edit: ``alone`` in a charter with nothing else
    pending, ``crowded`` in one with about 1,400 amendments pending on other clauses. The two
    alternate, ``ROUNDS`` times each, so that a noisy moment weighs on both."""
    from sqlalchemy import event

    from charter_engine.accounts.operations import create_user
    from charter_engine.amendments.merging import merge_amendment
    from charter_engine.amendments.operations import propose_amendment
    from charter_engine.charters.operations import import_charter
    from charter_engine.charters.queries import current_entries
    from charter_engine.subscribers import make_app_sessions

    engine = fresh_schema(url)
    with make_app_sessions(engine)() as s:
        staff = create_user(s, email="s@bench.example", name="S", role="secretariat")
        authors = [create_user(s, email=f"a{i}@bench.example", name=f"A{i}") for i in range(10)]

        def paragraphs(charter: Any) -> list[tuple[int, str]]:
            return [
                (clause_id, version.text)
                for clause_id, version in current_entries(s, charter)
                if version.text.startswith("Clause ")
            ]

        def propose(charter: Any, clause_id: int, new: str, i: int) -> Any:
            amendment = propose_amendment(
                s,
                charter,
                actor=authors[i % len(authors)],
                title=f"E{i}",
                submit=True,
                changes=[{"kind": "replace", "clause_id": clause_id, "text": new}],
            )
            s.commit()
            return amendment

        def crowd(charter: Any, clause_id: int, clause: str) -> Any:
            """200 pending amendments on the clause, and the one to merge."""
            for i in range(200):  # a quarter overlap the merged edit
                old = "taken openly" if i % 4 == 0 else "in good time"
                propose(charter, clause_id, clause.replace(old, f"{old} ({i})", 1), i)
            new = clause.replace("taken openly", "taken in public", 1)
            return propose(charter, clause_id, new, 0)

        cases: dict[str, list[Any]] = {"alone": [], "crowded": []}
        for r in range(ROUNDS):
            charter = import_charter(s, title=f"Alone {r}", text=charter_text(400), actor=staff)
            cases["alone"].append(crowd(charter, *paragraphs(charter)[0]))
        charter = import_charter(s, title="Crowded", text=charter_text(400), actor=staff)
        rows = paragraphs(charter)
        for r in range(ROUNDS):
            cases["crowded"].append(crowd(charter, *rows[r]))
        others = rows[ROUNDS:]
        for i in range(1400 - 200 * (ROUNDS - 1)):
            clause_id, other = others[i % len(others)]
            propose(charter, clause_id, other.replace("in good time", f"in good time ({i})", 1), i)
        count = [0]

        def tally(*_args: Any) -> None:
            count[0] += 1

        analyze(url)
        event.listen(engine, "before_cursor_execute", tally)
        results: dict[str, list[tuple[float, int]]] = {"alone": [], "crowded": []}
        for r in range(ROUNDS):
            for name in ("alone", "crowded"):
                count[0] = 0
                started = time.perf_counter()
                merge_amendment(s, cases[name][r], actor=staff, editorial=True)
                s.commit()
                results[name].append((time.perf_counter() - started, count[0]))
        event.remove(engine, "before_cursor_execute", tally)
    engine.dispose()
    return results


def merges(_args: argparse.Namespace) -> None:
    url = database_url("merge")
    print(f"load before: {os.getloadavg()}")
    results = merge_rounds(url)
    medians = {}
    for name, label in (
        ("alone", "200 pending on its clause, nothing else"),
        ("crowded", "the same and ~1,400 pending elsewhere"),
    ):
        times = [seconds * 1000 for seconds, _ in results[name]]
        medians[name] = statistics.median(times)
        runs = ", ".join(f"{t:.0f}" for t in times)
        statements = sorted({n for _, n in results[name]})
        print(
            f"merge, {label:<40} median {medians[name]:6.1f} ms (runs: {runs} ms), "
            f"statements {statements}"
        )
    ratio = medians["crowded"] / medians["alone"]
    print(f"ratio {ratio:.2f} (goals: crowded under 300 ms, ratio at most 1.5)")
    print(f"load after: {os.getloadavg()}")


def gc_pauses(_args: argparse.Namespace) -> None:
    """A full garbage collection in a served app that answered every page of the big dataset
    once: objects it walks and CPU time, with the app's objects frozen and without."""
    import gc

    from charter_engine.cli import served_app

    url = database_url("big")
    facts = dataset_facts(url)
    os.environ.update(
        CHARTER_DATABASE_URL=url,
        CHARTER_SECRET_KEY="bench",
        CHARTER_INSTANCE_DIR=tempfile.mkdtemp(prefix="bench-scale-"),
    )
    app = served_app()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert csrf
    client.post(
        "/login", data={"csrf_token": csrf.group(1), "email": STAFF_EMAIL, "password": PASSWORD}
    )
    for _label, template in PAGES:
        if not template.startswith("/api/"):
            client.get(template.format(**facts))

    def pause() -> tuple[int, float]:
        samples = []
        for _ in range(7):
            started = time.process_time()
            gc.collect()
            samples.append(time.process_time() - started)
        return len(gc.get_objects()), statistics.median(samples) * 1000

    frozen = pause()
    gc.unfreeze()
    thawed = pause()
    print(f"load before: {os.getloadavg()}")
    print(f"full collection, app frozen at start:  {frozen[0]:>7} objects  {frozen[1]:6.1f} ms CPU")
    print(f"full collection, nothing frozen:       {thawed[0]:>7} objects  {thawed[1]:6.1f} ms CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", choices=("pages", "merge", "gc"), default="pages")
    parser.add_argument("--requests", type=int, default=40, help="per page and dataset")
    parser.add_argument("--rebuild", action="store_true", help="build the datasets again")
    parser.add_argument("--no-freeze", dest="freeze", action="store_false")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.freeze)
    elif args.what == "merge":
        merges(args)
    elif args.what == "gc":
        gc_pauses(args)
    else:
        pages(args)


if __name__ == "__main__":
    main()
