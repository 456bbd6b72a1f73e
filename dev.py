#!/usr/bin/env python3
"""Set up and run Charter Engine with nothing but Python 3.11+.

    python3 dev.py start   # create .venv, install, migrate an SQLite database, load the demo, serve
    python3 dev.py test    # create .venv, install with test tools, lint, run the whole test suite
                           # on SQLite, then again on PostgreSQL when a server is reachable
    python3 dev.py lock    # pin the dependencies of pyproject.toml again (after changing them)

Installs come from the lock files, with every version pinned and every file's hash checked:
requirements.lock for the app, requirements-dev.lock for the app and the test tools.
pyproject.toml keeps the ranges; ``lock`` resolves them (with uv) for Python 3.11 and newer on
every platform. Settings come from CHARTER_* environment variables (see README.md).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/charter_test"
# The lock file of each install: the app alone, or the app with the test tools (extra "dev").
LOCKS = {"": ROOT / "requirements.lock", "dev": ROOT / "requirements-dev.lock"}
# The resolver that writes the lock files; installing from them needs only pip.
UV_VERSION = "0.13.9"
LOCK_MARK = "# dependencies of pyproject.toml: "


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*args: str | Path, env: dict[str, str] | None = None) -> int:
    return subprocess.call([str(a) for a in args], cwd=ROOT, env=env)


def create_env() -> None:
    if PYTHON.exists():
        return
    say(f"creating the virtual environment in {VENV}")
    try:
        venv.EnvBuilder(with_pip=True).create(VENV)
    except Exception as exc:
        shutil.rmtree(VENV, ignore_errors=True)
        sys.exit(f"could not create a virtual environment ({exc}); install python3-venv")


def declared_dependencies() -> str:
    """A digest of the dependencies pyproject.toml declares (the lock files record it)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [project["requires-python"], *sorted(project["dependencies"])]
    for extra, names in sorted(project.get("optional-dependencies", {}).items()):
        declared += [f"[{extra}]", *sorted(names)]
    return hashlib.sha256("\n".join(declared).encode()).hexdigest()[:16]


def ensure_env(extras: str) -> None:
    """Create the virtual environment and install from the lock file when it changed."""
    create_env()
    lock = LOCKS[extras]
    if LOCK_MARK + declared_dependencies() not in lock.read_text(encoding="utf-8"):
        sys.exit(
            f"{lock.name} does not match the dependencies in pyproject.toml: "
            "run 'python3 dev.py lock' and commit the lock files"
        )
    if installed(extras) or (not extras and installed("dev")):
        return  # the dev install holds the app's pinned versions too (its lock is constrained)
    say(f"installing Charter Engine and its dependencies from {lock.name} (first run only)")
    # Every file's hash is in the lock, so pip checks each download against it.
    if run(PYTHON, "-m", "pip", "install", "-q", "--require-hashes", "-r", lock) != 0:
        sys.exit("installing the dependencies failed (see above)")
    if run(PYTHON, "-m", "pip", "install", "-q", "--no-deps", "-e", ".") != 0:
        sys.exit("installing Charter Engine failed (see above)")
    stamp = VENV / f".installed-{extras or 'app'}"
    stamp.write_text(install_digest(extras))


def install_digest(extras: str) -> str:
    lock = LOCKS[extras]
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + lock.read_bytes()).hexdigest()


def installed(extras: str) -> bool:
    """Whether the environment holds the install of this lock file as it is now."""
    stamp = VENV / f".installed-{extras or 'app'}"
    return stamp.exists() and stamp.read_text() == install_digest(extras)


def lock(argv: list[str]) -> int:
    """Resolve pyproject.toml's ranges again into requirements.lock and requirements-dev.lock."""
    create_env()
    say(f"installing uv {UV_VERSION} into {VENV}")
    if run(PYTHON, "-m", "pip", "install", "-q", f"uv=={UV_VERSION}") != 0:
        sys.exit("installing uv failed (see above)")
    mark = LOCK_MARK + declared_dependencies()
    # The app's lock first; the dev lock keeps its versions, so both installs agree.
    for extras, constraints in (("", []), ("dev", ["--constraint", LOCKS[""]])):
        target = LOCKS[extras]
        say(f"resolving {target.name}")
        command = [
            BIN / "uv", "pip", "compile", "pyproject.toml", "--quiet",
            "--universal", "--python-version", "3.11", "--generate-hashes",
            "--custom-compile-command", "python3 dev.py lock",
            "--output-file", target, *constraints, *argv,
        ]  # fmt: skip
        if extras:
            command += ["--extra", extras]
        if run(*command) != 0:
            return 1
        target.write_text(mark + "\n" + target.read_text(encoding="utf-8"), encoding="utf-8")
    say("done: install with 'python3 dev.py test' and commit both lock files")
    return 0


def start(argv: list[str]) -> int:
    ensure_env("")
    env = dict(os.environ)
    env.setdefault("CHARTER_INSTANCE_DIR", str(ROOT / "instance"))
    cli = BIN / "charter-engine"
    if run(cli, "db", "upgrade", env=env) != 0:
        return 1
    if run(cli, "demo", env=env) != 0:
        return 1
    host = env.get("CHARTER_HOST", "127.0.0.1")
    port = env.get("CHARTER_PORT", "5000")
    say(f"open http://{host}:{port}/ in your browser")
    return run(cli, "serve", "--host", host, "--port", port, *argv, env=env)


def postgres_reachable(url: str) -> str | None:
    """None when a server answers at ``url``; otherwise the reason it does not."""
    code = (
        "import sys, psycopg\n"
        "from sqlalchemy.engine import make_url\n"
        "u = make_url(sys.argv[1])\n"
        "psycopg.connect(host=u.host or 'localhost', port=u.port or 5432, user=u.username,"
        " password=u.password, dbname='postgres', connect_timeout=3).close()\n"
    )
    result = subprocess.run(
        [str(PYTHON), "-c", code, url], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode == 0:
        return None
    lines = result.stderr.strip().splitlines()
    return lines[-1] if lines else "no answer"


def pytest_run(label: str, args: list[str], env: dict[str, str]) -> bool:
    say(f"test suite on {label}")
    code = run(PYTHON, "-m", "pytest", *args, env=env)
    if code == 5:
        print(f"pytest collected no tests on {label}: that is a failure, not a pass", flush=True)
        return False
    return code == 0


def test(argv: list[str]) -> int:
    ensure_env("dev")
    env = dict(os.environ)
    env.pop("CHARTER_DATABASE_URL", None)
    checks_ok = True
    if not argv:
        say("lint: ruff, mypy and bandit")
        checks_ok = (
            run(BIN / "ruff", "check", ".") == 0
            and run(BIN / "ruff", "format", "--check", ".") == 0
            and run(BIN / "mypy") == 0
            and run(BIN / "bandit", "-q", "-c", "pyproject.toml", "-r", "charter_engine") == 0
        )
    sqlite_env = {k: v for k, v in env.items() if k != "CHARTER_TEST_DATABASE_URL"}
    ok = pytest_run("SQLite", argv, sqlite_env)
    pg_url = env.get("CHARTER_TEST_POSTGRES_URL", DEFAULT_PG_URL)
    reason = postgres_reachable(pg_url)
    if reason is None:
        ok = pytest_run("PostgreSQL", argv, {**env, "CHARTER_TEST_DATABASE_URL": pg_url}) and ok
    elif env.get("CHARTER_REQUIRE_POSTGRES") == "1":
        print(f"PostgreSQL is required but not reachable at {pg_url}: {reason}", flush=True)
        ok = False
    else:
        print(
            f"PostgreSQL not reachable at {pg_url} ({reason}): the PostgreSQL run is skipped. "
            "Set CHARTER_TEST_POSTGRES_URL to test against a server.",
            flush=True,
        )
    if not checks_ok:
        print("lint failed (see above)", flush=True)
    return 0 if ok and checks_ok else 1


def main() -> int:
    commands = {"start": start, "test": test, "lock": lock}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
