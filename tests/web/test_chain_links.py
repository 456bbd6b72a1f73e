"""Closed ballots' result pages and release pages show where their event stands in the audit
chain — its number and hash — and ``charter-engine audit verify --event N`` prints the same hash,
so anyone can compare a page they kept with the log later."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from charter_engine.audit.operations import event_link
from charter_engine.cli import main
from charter_engine.publication.operations import publish_release
from tests.web.test_ballot_pages import main_of


def _verify_event(database_url: str, seq: int, monkeypatch: pytest.MonkeyPatch, tmp: Path) -> str:
    monkeypatch.setenv("CHARTER_DATABASE_URL", database_url)
    monkeypatch.setenv("CHARTER_INSTANCE_DIR", str(tmp / "instance"))
    result = CliRunner().invoke(main, ["audit", "verify", "--event", str(seq)])
    assert result.exit_code == 0, result.output
    output: str = result.output
    return output


def test_a_closed_ballot_shows_its_place_in_the_chain(
    world: SimpleNamespace,
    client_as: Callable[[str], Any],
    session: Session,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    link = event_link(session, "ballot.closed", "ballot", world.vb_closed.id)
    session.commit()  # on SQLite the test's transaction must not hold the database for the app
    assert link is not None
    page = main_of(client_as("observer").get(f"/ballots/{world.vb_closed.id}/results"))
    assert f"This close is event {link.seq} of the audit log" in page
    assert link.hash in page
    assert f"event {link.seq}: hash {link.hash}" in _verify_event(
        database_url, link.seq, monkeypatch, tmp_path
    )
    # An open ballot has no close to show.
    running = main_of(client_as("secretariat").get(f"/ballots/{world.vb_open.id}/results"))
    assert "of the audit log" not in running


def test_a_release_shows_its_place_in_the_chain(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    first = publish_release(session, world.charter, label="1.0", actor=world.secretariat)
    session.commit()
    second = publish_release(session, world.charter, label="1.0.1", actor=world.secretariat)
    session.commit()
    for release in (first, second):
        link = event_link(
            session,
            "release.published",
            "charter",
            world.charter.id,
            payload={"label": release.label},
        )
        session.commit()
        assert link is not None
        page = client_as("anonymous").get(f"/published/{world.charter.slug}/{release.label}")
        text = page.get_data(as_text=True)
        assert f"This release is event {link.seq} of the audit log" in text
        assert link.hash in text
