"""Real charters, replayed: import the first version, then every later version as an amendment
of the whole document, merged; every revision must equal that version byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.amendments.operations import merge_amendment, propose_amendment
from charter_engine.charters.operations import import_charter
from charter_engine.charters.queries import get_revision, revision_text
from tests.shared_data import require_shared_data

HISTORIES = ("cncf-charter", "pep-0013")


def _versions(name: str) -> list[Path]:
    folder = require_shared_data("histories", name)
    return sorted(p for p in folder.iterdir() if p.name.startswith("v"))


@pytest.mark.parametrize("name", HISTORIES)
def test_import_then_export_is_byte_identical_for_every_version(
    session: Session, secretariat: Any, name: str
) -> None:
    for path in _versions(name):
        text = path.read_text(encoding="utf-8")
        charter = import_charter(
            session, title=f"{name} {path.stem}", text=text, actor=secretariat, filename=path.name
        )
        session.flush()
        assert revision_text(session, get_revision(session, charter)) == text, path.name


@pytest.mark.parametrize("name", HISTORIES)
def test_replaying_the_history_as_merged_amendments_reproduces_every_version(
    session: Session, secretariat: Any, name: str
) -> None:
    versions = _versions(name)
    first = versions[0].read_text(encoding="utf-8")
    charter = import_charter(
        session, title=name, text=first, actor=secretariat, filename=versions[0].name
    )
    session.commit()
    for step, path in enumerate(versions[1:], start=1):
        wanted = path.read_text(encoding="utf-8")
        previous = revision_text(session, get_revision(session, charter))
        if wanted == previous:
            continue
        amendment = propose_amendment(
            session,
            charter,
            actor=secretariat,
            title=f"Step {step}",
            base_revision=charter.head_revision_number,
            text=wanted,
            submit=True,
        )
        revision = merge_amendment(session, amendment, actor=secretariat, editorial=True)
        session.commit()
        assert revision_text(session, revision) == wanted, f"{name} step {step} ({path.name})"
    # And every revision on the way is still exactly reconstructable.
    for number in range(1, charter.head_revision_number + 1):
        assert revision_text(session, get_revision(session, charter, number))
