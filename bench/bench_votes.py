"""Benchmark of voting on PostgreSQL: votes cast per second through the API, against a baseline.

Both servers are started the same way — Granian in a subprocess on a loopback port, with the same
workers and threads (by default those of ``charter-engine serve``: a worker per core, at most four,
and four threads each) — and driven by the same 50 concurrent clients (threads in this process,
one keep-alive connection each) for a fixed number of requests, in rounds that alternate between
the two:

- the app: ``charter-engine serve``, ``POST /api/v1/ballots/<id>/votes`` (bearer token, JSON),
  one new vote per request, each by a different voter on one open named ballot;
- the baseline: a minimal Flask app whose one endpoint inserts one row into a table of the same
  database with the same engine settings.

It prints requests per second, p50 and p99 latency of both in each round, the CPU each request
cost the server and PostgreSQL, and the median of the rounds' ratios and of the app's p99 (goals:
the app at least 0.3 of the baseline's rate, p99 under 250 ms). Counting is measured by
``bench/bench_tally.py``.

Run from the project root: ``.venv/bin/python bench/bench_votes.py [--clients 50]
[--requests 60] [--rounds 3] [--workers N] [--threads 4]``. The database is
``CHARTER_BENCH_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/charter_bench_votes``);
it is created if needed and its schema is rebuilt on every run. Everything listens on 127.0.0.1
only.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/charter_bench_votes"
WARMUP_REQUESTS = 100
RATE_GOAL = 0.3  # of the baseline's requests per second, in the same run
P99_GOAL_MS = 250


# ---------------------------------------------------------------------------------------------
# the baseline server (run as a subprocess of this script)


def baseline_app(url: str) -> Any:
    from flask import Flask, jsonify, request
    from sqlalchemy import text

    from charter_engine.db import make_engine

    engine = make_engine(url)
    app = Flask("baseline")

    @app.post("/insert")
    def insert() -> Any:
        body = request.get_json(silent=True) or {}
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO bench_baseline (voter, choice) VALUES (:v, :c)"),
                {"v": int(body.get("voter", 0)), "c": str(body.get("choice", "yes"))},
            )
        return jsonify(ok=True), 201

    return app


def serve_baseline(url: str, port: int, workers: int, threads: int) -> None:
    """Serve the baseline as ``charter-engine serve`` serves the app."""
    from granian import Granian
    from granian.constants import Interfaces

    server = Granian(
        "baseline",
        address="127.0.0.1",
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        websockets=False,
    )
    server.serve(target_loader=functools.partial(baseline_app, url), wrap_loader=False)


# ---------------------------------------------------------------------------------------------
# set-up


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


def prepare_database(url: str, voters: int) -> tuple[int, list[str], str]:
    """A fresh schema, a secretariat, ``voters`` members with tokens and one open ballot."""
    from sqlalchemy import text

    from charter_engine import migrate
    from charter_engine.accounts.operations import create_user, issue_token
    from charter_engine.charters.operations import import_charter
    from charter_engine.db import make_engine, make_session_factory
    from charter_engine.voting.operations import create_ballot, open_ballot

    ensure_database(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, voter integer NOT NULL, "
                "choice varchar(10) NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
            )
        )
    with make_session_factory(engine)() as session:
        staff = create_user(
            session, email="sec@bench.example", name="Secretariat", role="secretariat"
        )
        staff_token = issue_token(session, staff)
        tokens = []
        for i in range(voters):
            user = create_user(
                session,
                email=f"voter{i}@bench.example",
                name=f"Voter {i}",
                organisation=f"Org {i % 40}",
            )
            tokens.append(issue_token(session, user))
            if i % 1000 == 999:
                session.commit()  # one huge transaction would slow down as the session grows
        charter = import_charter(
            session,
            title="Bench Charter",
            actor=staff,
            text="# Charter\n\n## Article 1\n\nThe Core Group drafts a charter.\n",
        )
        ballot = create_ballot(session, charter, actor=staff, kind="adoption")
        session.commit()
        open_ballot(session, ballot, actor=staff)
        session.commit()
        ballot_id = ballot.id
    engine.dispose()
    return ballot_id, tokens, staff_token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(port: int, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on port {port} did not start within {seconds} s")


def start(command: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """Start a server; its output goes to ``log``."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out)
    try:
        wait_for(port, process)
    except SystemExit:
        print(log.read_text(errors="replace")[-2000:], file=sys.stderr)
        raise
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# ---------------------------------------------------------------------------------------------
# driving


@dataclass
class Run:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    statuses: dict[int, int]
    server_cpu: float = 0.0  # seconds of CPU the server process used during the run
    database_cpu: float = 0.0  # seconds of CPU the PostgreSQL backends used during the run

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def drive(
    name: str, port: int, jobs: list[list[tuple[str, dict[str, str], dict[str, Any]]]]
) -> Run:
    """Each client sends its jobs one after the other on one keep-alive connection."""
    barrier = threading.Barrier(len(jobs) + 1)
    latencies: list[list[float]] = [[] for _ in jobs]
    statuses: list[dict[int, int]] = [{} for _ in jobs]

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        barrier.wait()
        for path, headers, body in jobs[i]:
            started = time.perf_counter()
            conn.request("POST", path, body=json.dumps(body), headers=headers)
            response = conn.getresponse()
            response.read()
            latencies[i].append(time.perf_counter() - started)
            statuses[i][response.status] = statuses[i].get(response.status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join(timeout=600)
    seconds = time.perf_counter() - started
    merged: dict[int, int] = {}
    for counts in statuses:
        for status, n in counts.items():
            merged[status] = merged.get(status, 0) + n
    flat = [x for xs in latencies for x in xs]
    return Run(name, len(flat), seconds, flat, merged)


def vote_jobs(
    ballot_id: int, tokens: list[str], clients: int
) -> list[list[tuple[str, dict[str, str], dict[str, Any]]]]:
    rng = random.Random(1)
    jobs: list[list[tuple[str, dict[str, str], dict[str, Any]]]] = [[] for _ in range(clients)]
    for i, token in enumerate(tokens):
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        choice = rng.choice(["yes", "no", "abstain"])
        jobs[i % clients].append(
            (f"/api/v1/ballots/{ballot_id}/votes", headers, {"choice": choice})
        )
    return jobs


def insert_jobs(
    count: int, clients: int, offset: int = 0
) -> list[list[tuple[str, dict[str, str], dict[str, Any]]]]:
    headers = {"Content-Type": "application/json"}
    jobs: list[list[tuple[str, dict[str, str], dict[str, Any]]]] = [[] for _ in range(clients)]
    for i in range(count):
        jobs[i % clients].append(("/insert", headers, {"voter": offset + i, "choice": "yes"}))
    return jobs


def report(run: Run) -> None:
    print(
        f"{run.name:<10} {run.requests:>6} requests in {run.seconds:6.2f} s: "
        f"{run.rate:8.1f}/s   p50 {run.percentile(0.50):6.1f} ms   "
        f"p99 {run.percentile(0.99):6.1f} ms   statuses {dict(sorted(run.statuses.items()))}   "
        f"CPU per request: server {run.server_cpu / run.requests * 1000:.2f} ms, "
        f"PostgreSQL {run.database_cpu / run.requests * 1000:.2f} ms"
    )


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) a process has used so far, from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu(pid: int) -> float:
    """CPU seconds a server has used so far: its main process and its worker processes."""
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # the parent's pid
            workers.append(int(stat.parent.name))
    return process_cpu(pid) + sum(process_cpu(worker) for worker in workers)


def backend_pids(url: str) -> list[int]:
    """The PostgreSQL backends connected to the benchmark's database (they run on this host)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [row[0] for row in rows]


def measured(
    name: str,
    url: str,
    server: subprocess.Popen[bytes],
    port: int,
    jobs: list[list[tuple[str, dict[str, str], dict[str, Any]]]],
) -> Run:
    """``drive`` the server, and count the CPU it and the database backends used meanwhile."""
    before_db = {pid: process_cpu(pid) for pid in backend_pids(url)}
    before_server = server_cpu(server.pid)
    run = drive(name, port, jobs)
    run.server_cpu = server_cpu(server.pid) - before_server
    # Backends stay connected in the servers' pools; one started during the run counts from 0.
    run.database_cpu = sum(process_cpu(pid) - before_db.get(pid, 0.0) for pid in backend_pids(url))
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=60, help="per client and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, help="server processes, both servers")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker, both servers")
    parser.add_argument("--baseline-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workers is None:
        from charter_engine.cli import default_workers

        args.workers = default_workers()  # as charter-engine serve
    url = os.environ.get("CHARTER_BENCH_DATABASE_URL", DEFAULT_URL)
    if args.baseline_server:
        serve_baseline(url, args.baseline_server, args.workers, args.threads)
        return
    if not url.startswith("postgres"):
        raise SystemExit("this benchmark runs on PostgreSQL (CHARTER_BENCH_DATABASE_URL)")

    per_round = args.clients * args.requests
    total = per_round * args.rounds
    print(f"preparing {url}: {total + WARMUP_REQUESTS} voters ...", flush=True)
    ballot_id, tokens, _staff = prepare_database(url, total + WARMUP_REQUESTS)
    warm_tokens, tokens = tokens[:WARMUP_REQUESTS], tokens[WARMUP_REQUESTS:]

    app_runs: list[Run] = []
    base_runs: list[Run] = []
    with tempfile.TemporaryDirectory() as instance:
        env = {
            **os.environ,
            "CHARTER_DATABASE_URL": url,
            "CHARTER_INSTANCE_DIR": instance,
            "CHARTER_SECRET_KEY": "bench",
        }
        app_port, base_port = free_port(), free_port()
        server_options = ["--workers", str(args.workers), "--threads", str(args.threads)]
        app_server = start(
            [
                str(Path(sys.executable).parent / "charter-engine"),
                "serve",
                "--port",
                str(app_port),
                *server_options,
            ],
            env,
            app_port,
            Path(instance) / "app.log",
        )
        base_server = start(
            [sys.executable, __file__, "--baseline-server", str(base_port), *server_options],
            env,
            base_port,
            Path(instance) / "baseline.log",
        )
        try:
            drive("warm-up", app_port, vote_jobs(ballot_id, warm_tokens, 10))
            drive("warm-up", base_port, insert_jobs(WARMUP_REQUESTS, 10, offset=10**6))
            # Rounds alternate between the two, so that a noisy moment on a shared machine
            # weighs on both; the ratio is taken per round and the median reported.
            for r in range(args.rounds):
                batch = tokens[r * per_round : (r + 1) * per_round]
                votes = vote_jobs(ballot_id, batch, args.clients)
                inserts = insert_jobs(per_round, args.clients, r * per_round)
                app_runs.append(measured("app", url, app_server, app_port, votes))
                base_runs.append(measured("baseline", url, base_server, base_port, inserts))
        finally:
            stop(app_server)
            stop(base_server)
            if any(status >= 500 for run in app_runs for status in run.statuses):
                print((Path(instance) / "app.log").read_text(errors="replace")[-3000:])

    from sqlalchemy import text

    from charter_engine.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT count(*) FROM votes WHERE ballot_id = :b"), {"b": ballot_id}
        ).scalar_one()
    engine.dispose()

    print(
        f"\n{args.clients} concurrent clients, {args.requests} requests each per round, "
        f"{args.rounds} rounds; servers: Granian, {args.workers} worker(s) x {args.threads} "
        "threads; PostgreSQL"
    )
    ratios = []
    for app_run, base_run in zip(app_runs, base_runs, strict=True):
        report(app_run)
        report(base_run)
        ratios.append(app_run.rate / base_run.rate)
    p99 = statistics.median(run.percentile(0.99) for run in app_runs)
    print(
        f"app / baseline rate per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
        f"median {statistics.median(ratios):.2f} (goal >= {RATE_GOAL})"
    )
    print(f"app p99, median of rounds: {p99:.1f} ms (goal < {P99_GOAL_MS} ms)")
    accepted = sum(run.statuses.get(201, 0) for run in app_runs)
    print(f"votes stored: {stored} (accepted {accepted} + warm-up {WARMUP_REQUESTS})")


if __name__ == "__main__":
    main()
