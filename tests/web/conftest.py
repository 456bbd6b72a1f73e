"""Fixtures for the browser-UI tests: a world of users per role and signed-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from charter_engine.subscribers import make_app_sessions
from tests.web.route_table import ROLES, WORLD_BUILDERS, build_accounts_world
from tests.web.support import PASSWORD, app_engine, count_queries, login


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that behave as the app's: what a test changes through them notifies people, just
    as a change made in the browser does."""
    return make_app_sessions(engine)


@pytest.fixture
def world(app: Any, session: Session) -> SimpleNamespace:
    """One user per role (with the test password) and the objects the route table needs."""
    return make_world(app, session, WORLD_BUILDERS)


@pytest.fixture
def people(app: Any, session: Session) -> SimpleNamespace:
    """The users of :func:`world` and the accounts objects only (no charters, no ballots).

    A test module that wants this smaller world everywhere (``client_as`` included) overrides
    ``world``: ``@pytest.fixture def world(people): return people``.
    """
    return make_world(app, session, [build_accounts_world])


def make_world(
    app: Any, session: Session, builders: list[Callable[[Session, SimpleNamespace], None]]
) -> SimpleNamespace:
    from charter_engine.accounts.operations import create_user

    world = SimpleNamespace(password=PASSWORD, secret_key=app.config["SECRET_KEY"])
    world.secretariat = create_user(
        session,
        email="secretariat@example.org",
        name="Sam Secretariat",
        role="secretariat",
        password=PASSWORD,
    )
    world.observer = create_user(
        session,
        email="observer@example.org",
        name="Olga Observer",
        role="observer",
        password=PASSWORD,
    )
    world.member = create_user(
        session,
        email="member@example.org",
        name="Mia Member",
        role="member",
        password=PASSWORD,
        country="FR",
    )
    world.other_member = create_user(
        session,
        email="other@example.org",
        name="Omar Other",
        role="member",
        password=PASSWORD,
        country="SN",
    )
    session.flush()
    for build in builders:
        build(session, world)
    session.commit()
    return world


@pytest.fixture
def client_as(app: Any, world: SimpleNamespace) -> Callable[[str], Any]:
    """``client_as("member")``: a test client signed in as that role (``"anonymous"``: not)."""

    def make(role: str) -> Any:
        assert role in ROLES
        client = app.test_client()
        if role != "anonymous":
            login(client, getattr(world, role))
        return client

    return make


@pytest.fixture
def query_counter(app: Any) -> Callable[[], Any]:
    """``with query_counter() as q: client.get(url)``, then ``q.count`` / ``q.statements``."""
    return lambda: count_queries(app_engine(app))


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: the tests hash many passwords; strength is not under test here."""
    from argon2 import PasswordHasher

    from charter_engine.accounts import operations

    monkeypatch.setattr(
        operations, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


class MailSink:
    """Collects what a real local SMTP server (aiosmtpd) receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.greetings: list[str] = []  # the name each message's sender gave in EHLO

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes
        from email.policy import default

        self.messages.append(message_from_bytes(envelope.content, policy=default))
        self.greetings.append(session.host_name)
        return "250 OK"

    def to(self, address: str) -> list[Any]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def smtp(app: Any) -> Iterator[MailSink]:
    """A real SMTP server on 127.0.0.1; the app is configured to send through it."""
    from aiosmtpd.controller import Controller

    sink = MailSink()
    # A fixed server name: else aiosmtpd looks its host up (socket.getfqdn) on each connection.
    controller = Controller(
        sink, hostname="127.0.0.1", port=_free_port(), server_hostname="mail.charter.test"
    )
    controller.start()
    state = app.extensions["charter_engine"]
    state.settings = state.settings.with_overrides(
        smtp_host="127.0.0.1", smtp_port=controller.port, base_url="https://charter.example.org"
    )
    try:
        yield sink
    finally:
        controller.stop()
