"""A throwaway PostgreSQL server for the tests that stop and start one (database outages).

The cluster is made with the server's own tools (``initdb``, ``pg_ctl``) in a fresh directory and
listens on 127.0.0.1 and a free port. ``initdb`` refuses to run as root, so as root every tool
runs as the ``postgres`` system account (``runuser``), which owns the directory.
:func:`throwaway_cluster` skips the test with a message when the tools are not installed.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SERVER_TOOLS = Path("/usr/lib/postgresql")


def server_bin() -> Path | None:
    """The newest installed PostgreSQL server's bin directory (with initdb and pg_ctl), or None."""
    found = [p.parent for p in SERVER_TOOLS.glob("*/bin/initdb") if (p.parent / "pg_ctl").exists()]
    if not found:
        return None
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Cluster:
    """One PostgreSQL server in ``directory``, listening on 127.0.0.1:``port``."""

    def __init__(self, bin_dir: Path, directory: Path, port: int, run_as: str | None) -> None:
        self.bin_dir, self.directory, self.port, self.run_as = bin_dir, directory, port, run_as
        self.data = directory / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self.directory / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} failed: {done.stdout}{done.stderr}{tail}")

    def init(self) -> None:
        # -N: no fsync while the files are created; the server itself runs with the defaults.
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-N")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.directory / "log"),
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop the server as an operator does for maintenance: connections are cut at once."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")


def _run_as() -> str | bool | None:
    """None: run the tools as ourselves; a name: as that account; False: impossible."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return "postgres" if shutil.which("runuser") else False


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """A started server in a new directory; stopped and removed afterwards."""
    bin_dir = server_bin()
    if bin_dir is None:
        pytest.skip(f"no PostgreSQL server tools (initdb, pg_ctl) under {SERVER_TOOLS}/*/bin")
    run_as = _run_as()
    if run_as is False:
        pytest.skip("running as root without a 'postgres' account and runuser: initdb refuses root")
    # Not under pytest's tmp_path: its parents are private to the user running the tests.
    directory = Path(tempfile.mkdtemp(prefix="charter-pg-"))
    if isinstance(run_as, str):
        account = pwd.getpwnam(run_as)
        os.chown(directory, account.pw_uid, account.pw_gid)
    cluster = Cluster(bin_dir, directory, free_port(), run_as if isinstance(run_as, str) else None)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(RuntimeError):  # already stopped, or never started
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
