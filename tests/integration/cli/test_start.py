"""``python3 dev.py start`` on a brand-new database and again on the same one: what it prints.

The real command runs in a subprocess (on an SQLite file of its own, the way a newcomer starts it)
until it says where to open the app; the server it started is then stopped.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from charter_engine.demo import DEMO_PASSWORD, PEOPLE

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_output(tmp_path: Path) -> list[str]:
    """Lines ``dev.py start`` prints up to "open http://…" (then the server is stopped)."""
    env = {
        **os.environ,
        "CHARTER_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite'}",
        "CHARTER_INSTANCE_DIR": str(tmp_path / "instance"),
        "CHARTER_PORT": str(_free_port()),
        "PYTHONUNBUFFERED": "1",
    }
    lines: list[str] = []
    with subprocess.Popen(
        [sys.executable, str(ROOT / "dev.py"), "start"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line.rstrip("\n"))
                if "in your browser" in line:
                    break
        finally:
            # The server it started runs in the process group of this one command.
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    assert any("in your browser" in line for line in lines), "\n".join(lines)
    return lines


def _assert_every_account_is_listed(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert "..." not in text and "…" not in text
    assert f"password {DEMO_PASSWORD}" in text
    for email, name, role, *_ in PEOPLE:
        line = next((line for line in lines if email in line), None)
        assert line is not None, f"{email} not printed:\n{text}"
        assert name in line and role in line


def test_start_lists_every_demo_account_on_a_new_database_and_again_later(tmp_path: Path) -> None:
    first = _start_output(tmp_path)
    text = "\n".join(first)
    assert "created the database schema" in text
    assert "up to date" not in text
    assert "demo charter loaded" in text
    _assert_every_account_is_listed(first)

    again = _start_output(tmp_path)
    text = "\n".join(again)
    assert "already up to date" in text
    assert "created the database schema" not in text
    assert "the demo is already loaded" in text
    _assert_every_account_is_listed(again)
