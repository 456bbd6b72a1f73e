"""The web app chains the audit events its requests leave to be chained later, and those a previous
process left behind."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from charter_engine.app import create_app
from charter_engine.audit.chainer import AUDIT_CHAINER
from charter_engine.audit.operations import record_event, verify_chain
from charter_engine.db import make_session_factory
from tests.conftest import chain_audit_events


def _record_deferred(session: Any, count: int) -> None:
    for i in range(count):
        record_event(
            session, "vote.cast", actor_id=None, object_type="ballot", object_id=i, chain_later=True
        )
    session.commit()


def _unchained(engine: Engine) -> int:
    with make_session_factory(engine)() as session:
        return verify_chain(session).unchained


def _wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    pause = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        pause.wait(0.01)
    raise AssertionError("the app's chainer did not chain the events")


def test_a_request_may_leave_its_events_to_the_apps_chainer(app: Any, engine: Engine) -> None:
    from charter_engine.context import db, state

    with app.test_request_context("/", method="POST"):
        session = db()
        assert session.info[AUDIT_CHAINER] is state().chainer
        _record_deferred(session, 3)
    _wait_until(lambda: _unchained(engine) == 0)
    with make_session_factory(engine)() as session:
        result = verify_chain(session)
    assert result.ok and result.checked == 3


def test_the_helper_chains_what_the_app_left_waiting(app: Any, engine: Engine) -> None:
    state = app.extensions["charter_engine"]
    state.chainer.close()  # so that only the helper chains here
    with state.session_factory() as session:
        _record_deferred(session, 2)
    assert _unchained(engine) == 2
    assert chain_audit_events(app) == 2
    assert _unchained(engine) == 0


def test_events_left_unchained_by_a_previous_process_are_chained_when_the_app_starts(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    with make_session_factory(engine, info={AUDIT_CHAINER: _NoThread()})() as session:
        _record_deferred(session, 4)
    assert _unchained(engine) == 4
    app = create_app(
        {"database_url": database_url, "secret_key": "x", "instance_dir": tmp_path, "testing": True}
    )
    try:
        _wait_until(lambda: _unchained(engine) == 0)
    finally:
        app.extensions["charter_engine"].close()
    with make_session_factory(engine)() as session:
        assert verify_chain(session).ok


class _NoThread:
    def poke(self) -> None:
        pass
