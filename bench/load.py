"""Load test: 200 simulated Core Group members on the served application, on PostgreSQL (Locust).

The members (``bench/locustfile.py``) sign in and then read the charter, its clauses, the
amendments, the ballots, the directory and their inbox, comment on clauses, propose amendments and
vote (and change their votes) on ten open ballots, waiting 2 to 8 seconds between two actions.
The application is served as in production, ``charter-engine serve`` (Granian; by default a worker
per core, at most four, four threads each), on a loopback port.

It prints, for the whole run: requests, p50/p95/p99 latency, errors (any answer but 2xx/3xx, or
no answer), and the memory (RSS) of each server worker process from 20 s after the last sign-in to
the end, with the growth and the memory every five minutes (so a long run shows whether it levels
off). Goals: p95 under 200 ms, p99 under 500 ms, no error, worker memory growth under 10 %.
The exit status is 1 when a goal is missed. The planner's statistics are gathered after the
set-up and every minute of the run, as autovacuum does on a production server (the PostgreSQL of
these machines runs without it).

Locust is not among the test tools (CI does not run this). Install it into the virtual
environment first::

    .venv/bin/pip install 'locust>=2.20'

Then, from the project root::

    .venv/bin/python bench/load.py                  # 10 minutes, 200 members
    .venv/bin/python bench/load.py --minutes 30     # the soak run
    .venv/bin/python bench/load.py --minutes 2 --users 200   # a short run

The database is ``CHARTER_BENCH_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/charter_bench_load``); it is created if needed and its
schema is rebuilt on every run. Locust's CSV statistics and the server's log are kept in
``test-artifacts/load/``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scale import analyze  # noqa: E402
from bench_votes import ensure_database, free_port, server_cpu, start, stop  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/charter_bench_load"
OUT = ROOT / "test-artifacts" / "load"
PASSWORD = "load test password"
BALLOTS = 10
P95_GOAL_MS = 200
P99_GOAL_MS = 500
MEMORY_GROWTH_GOAL = 0.10
SETTLE_SECONDS = 20
MEMORY_SAMPLE_SECONDS = 5
# The memory of each worker is also printed at every mark of this many seconds.
MEMORY_MARK_SECONDS = 300
# Statistics are gathered again this often while members add comments, amendments and votes, as
# autovacuum would on a production server (its default naptime is a minute).
ANALYZE_SECONDS = 60


def prepare(url: str, members: int) -> dict[str, object]:
    """A fresh schema; a secretariat, ``members`` members with passwords and tokens; the demo
    charter with an amendment and an open ballot (votes may change) per ballot."""
    from argon2 import PasswordHasher

    from charter_engine import migrate
    from charter_engine.accounts.operations import create_user, issue_token
    from charter_engine.amendments.operations import propose_amendment
    from charter_engine.charters.operations import import_charter
    from charter_engine.charters.queries import get_revision, revision_clauses
    from charter_engine.db import make_engine
    from charter_engine.subscribers import make_app_sessions
    from charter_engine.voting.operations import create_ballot, open_ballot

    ensure_database(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    migrate.upgrade(engine)
    # One hash, reused: hashing 200 passwords at full strength would only slow the set-up.
    hashed = PasswordHasher().hash(PASSWORD)
    text = (ROOT / "charter_engine" / "demo_data" / "charter.md").read_text(encoding="utf-8")
    with make_app_sessions(engine)() as session:
        staff = create_user(
            session, email="sec@load.example", name="Secretariat", role="secretariat"
        )
        people = []
        for i in range(members):
            user = create_user(
                session,
                email=f"member{i}@load.example",
                name=f"Member {i}",
                organisation=f"Organisation {i % 40}",
            )
            user.password_hash = hashed
            people.append({"email": user.email, "token": issue_token(session, user)})
        charter = import_charter(session, title="Load Charter", text=text, actor=staff)
        session.flush()
        rows = revision_clauses(session, get_revision(session, charter))
        paragraphs = [row.clause_id for row in rows if row.version.kind == "paragraph"]
        ballots, numbers = [], []
        for n in range(BALLOTS):
            amendment = propose_amendment(
                session,
                charter,
                actor=staff,
                title=f"Amendment {n + 1}",
                rationale="To be voted on.",
                changes=[
                    {
                        "kind": "replace",
                        "clause_id": paragraphs[n],
                        "text": f"The text as amendment {n + 1} would have it.\n\n",
                    }
                ],
                submit=True,
            )
            ballot = create_ballot(
                session,
                charter,
                actor=staff,
                kind="amendment",
                amendments=[amendment.id],
                rules={"allow_change": True},
            )
            session.flush()
            numbers.append(amendment.number)
            ballots.append(ballot)
        session.commit()
        for ballot in ballots:
            open_ballot(session, ballot, actor=staff)
        session.commit()
        fixture: dict[str, object] = {
            "password": PASSWORD,
            "slug": charter.slug,
            "members": people,
            "clauses": paragraphs[BALLOTS:],
            "amendment_numbers": numbers,
            "ballots": [ballot.id for ballot in ballots],
        }
    engine.dispose()
    return fixture


def worker_pids(pid: int) -> list[int]:
    """The server's worker processes: its children (Granian's workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def rss_kib(pid: int) -> int:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in lines if line.startswith("VmRSS:")), 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=4.0, help="members started per second")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    try:
        import locust  # noqa: F401
    except ImportError:
        print("Locust is not installed: .venv/bin/pip install 'locust>=2.20'", file=sys.stderr)
        return 2

    url = os.environ.get("CHARTER_BENCH_DATABASE_URL", DEFAULT_URL)
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"preparing {url} with {args.users} members …", flush=True)
    fixture = prepare(url, args.users)
    analyze(url)
    fixture_file = OUT / "fixture.json"
    fixture_file.write_text(json.dumps(fixture))

    port = free_port()
    env = {
        **os.environ,
        "CHARTER_DATABASE_URL": url,
        "CHARTER_INSTANCE_DIR": str(OUT / "instance"),
        "CHARTER_SECRET_KEY": "load-test",
    }
    serve = [str(ROOT / ".venv" / "bin" / "charter-engine"), "serve", "--port", str(port)]
    serve += ["--threads", str(args.threads)]
    if args.workers:
        serve += ["--workers", str(args.workers)]
    server = start(serve, env, port, OUT / "server.log")
    seconds = int(args.minutes * 60)
    ready = OUT / "ready"
    ready.unlink(missing_ok=True)
    print(
        f"{args.users} members for {seconds} s on port {port}; load: {os.getloadavg()}", flush=True
    )
    try:
        runner = subprocess.Popen(
            [
                sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
                "--headless", "--host", f"http://127.0.0.1:{port}",
                "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{seconds}s",
                "--csv", str(OUT / "stats"), "--only-summary", "--loglevel", "WARNING",
            ],
            env={
                **env, "CHARTER_LOAD_FIXTURE": str(fixture_file), "CHARTER_LOAD_READY": str(ready)
            },
            cwd=ROOT,
        )  # fmt: skip
        # Memory is sampled every few seconds once every member has signed in (and the memory
        # the password hashes took is given back); growth is from the first sample to the last.
        started = time.monotonic()
        steady_at: float | None = None
        samples: dict[int, list[int]] = {}
        load_during = os.getloadavg()
        cpu_at_start = 0.0
        analyzed = time.monotonic()
        while runner.poll() is None:
            time.sleep(MEMORY_SAMPLE_SECONDS)
            if time.monotonic() - analyzed > ANALYZE_SECONDS:
                analyze(url)
                analyzed = time.monotonic()
            if steady_at is None and ready.exists():
                steady_at = time.monotonic()
                cpu_at_start = server_cpu(server.pid)
            if steady_at is None or time.monotonic() - steady_at < SETTLE_SECONDS:
                continue
            if not samples:
                load_during = os.getloadavg()
            for pid in worker_pids(server.pid) or [server.pid]:
                rss = rss_kib(pid)
                if rss:
                    samples.setdefault(pid, []).append(rss)
        cpu = server_cpu(server.pid) - cpu_at_start
    finally:
        stop(server)
    if steady_at is None:
        print("not every member signed in before the end: run longer", file=sys.stderr)
        return 1
    steady = int(time.monotonic() - steady_at)
    print(f"every member signed in after {int(steady_at - started)} s; measured for {steady} s")
    return report(samples, load_during, cpu, steady)


def report(
    samples: dict[int, list[int]], load: tuple[float, float, float], cpu: float, seconds: int
) -> int:
    with (OUT / "stats_stats.csv").open() as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows["Aggregated"]
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    p50, p95, p99 = (float(total[p]) for p in ("50%", "95%", "99%"))
    print("\nonce every member had signed in (Locust's statistics are reset then):")
    print(f"requests: {requests} ({requests / seconds:.1f}/s)")
    print(f"server CPU: {cpu:.0f} s, {cpu / max(requests, 1) * 1000:.1f} ms per request")
    print(f"latency: p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms")
    print(f"errors: {failures}")
    for name, row in sorted(rows.items()):
        if name != "Aggregated" and int(row["Request Count"]):
            print(
                f"  {name}: {row['Request Count']} requests, p95 {row['95%']} ms, "
                f"p99 {row['99%']} ms, {row['Failure Count']} errors"
            )
    growth = 0.0
    for pid, rss in sorted(samples.items()):
        before, after = rss[0], rss[-1]
        change = (after - before) / before
        growth = max(growth, change)
        print(
            f"worker {pid}: {before / 1024:.1f} MiB at first, {after / 1024:.1f} MiB at the "
            f"end ({change:+.1%}), at most {max(rss) / 1024:.1f} MiB ({len(rss)} samples)"
        )
        every = MEMORY_MARK_SECONDS // MEMORY_SAMPLE_SECONDS
        marks = [f"{kib / 1024:.1f}" for kib in [*rss[::every], rss[-1]]]
        print(f"  every {MEMORY_MARK_SECONDS // 60} minutes (MiB): {', '.join(marks)}")
    print(
        f"load average (1, 5, 15 min) when measuring began: {load}; at the end: {os.getloadavg()}"
    )
    missed = [
        goal
        for goal, ok in (
            (f"p95 under {P95_GOAL_MS} ms", p95 < P95_GOAL_MS),
            (f"p99 under {P99_GOAL_MS} ms", p99 < P99_GOAL_MS),
            ("no errors", failures == 0),
            (f"worker memory growth under {MEMORY_GROWTH_GOAL:.0%}", growth < MEMORY_GROWTH_GOAL),
        )
        if not ok
    ]
    print("goals met" if not missed else "goals missed: " + ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
