"""``charter-engine serve``: the production server, run as an operator runs it (a subprocess)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine.accounts.operations import create_user, issue_token
from charter_engine.audit.models import AuditEvent
from charter_engine.audit.operations import verify_chain
from charter_engine.charters.operations import import_charter
from charter_engine.cli import STOP_TIMEOUT, main
from charter_engine.voting.models import Vote
from charter_engine.voting.operations import create_ballot, open_ballot

CLI = Path(sys.executable).parent / "charter-engine"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start_server(
    database_url: str, tmp_path: Path, *options: str
) -> tuple[int, subprocess.Popen[str]]:
    """``charter-engine serve`` on a free port of 127.0.0.1, output and errors in one pipe."""
    port = _free_port()
    env = {
        **os.environ,
        "CHARTER_DATABASE_URL": database_url,
        "CHARTER_INSTANCE_DIR": str(tmp_path / "instance"),
    }
    server = subprocess.Popen(
        [str(CLI), "serve", "--port", str(port), *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return port, server


def _wait_for(port: int, process: subprocess.Popen[str], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.communicate()[0]
            pytest.fail(f"the server exited with {process.returncode}:\n{output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    process.kill()
    pytest.fail(f"the server did not listen within {seconds} s:\n{process.communicate()[0]}")


def _voting_world(session: Session) -> tuple[int, str]:
    """An open adoption ballot and the token of a member on its roll."""
    staff = create_user(session, email="sec@example.org", name="Sec", role="secretariat")
    member = create_user(session, email="mia@example.org", name="Mia")
    token = issue_token(session, member)
    charter = import_charter(
        session, title="Charter", actor=staff, text="# Charter\n\n## One\n\nWe draft.\n"
    )
    ballot = create_ballot(session, charter, actor=staff, kind="adoption")
    session.commit()
    open_ballot(session, ballot, actor=staff)
    session.commit()
    return ballot.id, token


def test_serve_answers_votes_and_chains_their_events_when_stopped(
    database_url: str, session: Session, tmp_path: Path
) -> None:
    ballot_id, token = _voting_world(session)
    port, server = _start_server(database_url, tmp_path, "--threads", "2")
    try:
        _wait_for(port, server)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(
            "POST",
            f"/api/v1/ballots/{ballot_id}/votes",
            body=json.dumps({"choice": "yes"}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        answer = conn.getresponse()
        body: dict[str, Any] = json.loads(answer.read())
        conn.close()
        assert answer.status == 201, body
        assert body["changed"] is False
    finally:
        # Stopped the way a service manager stops it, right after the vote.
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0]
    assert server.returncode == 0, output
    assert f"Charter Engine is running at http://127.0.0.1:{port}/" in output
    assert "Traceback" not in output

    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Vote)) == 1
    # No audit event of those requests is left waiting for a chainer: all are in the chain.
    assert session.scalar(select(func.count()).where(AuditEvent.seq.is_(None))) == 0
    assert session.scalar(select(func.count()).where(AuditEvent.action == "vote.cast")) == 1
    assert verify_chain(session).ok


def test_a_stop_while_the_workers_start_still_stops_the_server(
    database_url: str, tmp_path: Path
) -> None:
    """A stop signal can reach a worker before it listens for one; the server stops anyway."""
    port, server = _start_server(database_url, tmp_path, "--workers", "2", "--threads", "1")
    _wait_for(port, server)  # the port opens before the workers are ready
    server.send_signal(signal.SIGTERM)
    try:
        output = server.communicate(timeout=STOP_TIMEOUT + 30)[0]
    except subprocess.TimeoutExpired:
        server.kill()
        pytest.fail(f"the server did not stop:\n{server.communicate()[0]}")
    assert server.returncode == 0, output
    assert "Traceback" not in output


def test_serve_on_a_busy_port_fails_in_one_line(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHARTER_DATABASE_URL", database_url)
    monkeypatch.setenv("CHARTER_INSTANCE_DIR", str(tmp_path / "instance"))
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in result.output
    assert "Traceback" not in result.output


def test_each_worker_warms_its_app_up_and_freezes_what_lives_as_long_as_the_process(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full garbage collection then walks only what requests create, not the app itself."""
    import gc

    from charter_engine.cli import served_app

    monkeypatch.setenv("CHARTER_DATABASE_URL", database_url)
    monkeypatch.setenv("CHARTER_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("CHARTER_SECRET_KEY", "test-secret")
    gc.unfreeze()
    try:
        app = served_app()
        frozen = gc.get_freeze_count()
        cache = app.jinja_env.cache
        loaded = {key[1] for key, _template in cache.items()} if cache is not None else set()
        assert set(app.jinja_env.list_templates()) <= loaded  # every template compiled
        assert frozen > 10_000  # the modules, templates and mappers of the app
        assert app.test_client().get("/login").status_code == 200
        app.extensions["charter_engine"].close()
    finally:
        gc.unfreeze()
