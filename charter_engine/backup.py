"""Backing up a database to a file and restoring it into an empty one.

* **SQLite**: SQLite's online backup API copies the database page by page in a consistent state
  while the application keeps running (readers and writers wait at most for one step); the
  backup is itself an SQLite file, ready to be opened.
* **PostgreSQL**: ``pg_dump --format=custom`` takes one consistent snapshot of the database while
  it serves, and ``pg_restore`` loads it in a single transaction, so a restore that fails leaves
  the target as it was. These are PostgreSQL's client tools, which must be installed (and not be
  older than the server).

A restore goes only into a database without tables (a new one): it never mixes two histories or
overwrites one, and the restored database is exactly the one backed up — same rows, same audit
chain. A backup taken while a secret ballot is open holds what every copy of the database holds
then: who voted and what was voted can be linked until the ballot closes (see README, *Secret
ballots*).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404  # runs pg_dump/pg_restore by name, never a shell
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from charter_engine.db import is_sqlite, make_engine

CLIENT_TOOLS_HINT = (
    "install PostgreSQL's client tools, as recent as the server "
    "(Debian and Ubuntu: apt-get install postgresql-client)"
)


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why, in one line."""


def backup_database(database_url: str, target: Path) -> None:
    """Write a consistent copy of the database to ``target`` (replaced only once complete)."""
    partial = target.with_name(target.name + ".partial")
    try:
        if is_sqlite(database_url):
            _sqlite_backup(_sqlite_path(database_url), partial)
        else:
            _run_tool("pg_dump", database_url, "--format=custom", "--no-owner", "--file", partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def restore_database(database_url: str, source: Path) -> None:
    """Load the backup ``source`` into the database, which must have no tables."""
    if not source.is_file():
        raise BackupError(f"no such backup file: {source}")
    if not is_sqlite(database_url):
        _find_tool("pg_restore")  # before anything else: the most likely thing to be missing
    _ensure_empty(database_url)
    if is_sqlite(database_url):
        _sqlite_restore(source, _sqlite_path(database_url))
    else:
        _run_tool(
            "pg_restore", database_url, "--no-owner", "--single-transaction", "--exit-on-error",
            str(source),
        )  # fmt: skip


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up or restore")
    return Path(database)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=1024)  # in steps, so writers are never held up for long
        finally:
            dst.close()
    src.close()


def _sqlite_restore(source: Path, target: Path) -> None:
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not an SQLite backup ({exc})") from None
    if "audit_head" not in tables:
        src.close()
        raise BackupError(f"{source} is not a backup of a Charter Engine database")
    target.parent.mkdir(parents=True, exist_ok=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _ensure_empty(database_url: str) -> None:
    if is_sqlite(database_url) and not _sqlite_path(database_url).exists():
        return
    engine = make_engine(database_url)
    try:
        tables = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise BackupError(
            f"the database at {engine.url.render_as_string(hide_password=True)} is not empty "
            f"({len(tables)} tables): restore into a new, empty database"
        )


def _run_tool(tool: str, database_url: str, *args: str | Path) -> None:
    """Run a PostgreSQL client tool on the database; its password goes in the environment."""
    program = _find_tool(tool)
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    command = [program, "--dbname", _libpq_uri(url), *(str(a) for a in args)]
    # A fixed program and our own arguments, as a list, without a shell.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # nosec B603
    if done.returncode != 0:
        detail = " ".join(done.stderr.split()) or f"exit status {done.returncode}"
        raise BackupError(f"{tool} failed: {detail}")


def _find_tool(tool: str) -> str:
    program = shutil.which(tool)
    if program is None:
        raise BackupError(f"{tool} was not found on the PATH: {CLIENT_TOOLS_HINT}")
    return program


def _libpq_uri(url: URL) -> str:
    """The URL as libpq takes it (no SQLAlchemy driver name, no password)."""
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False)
