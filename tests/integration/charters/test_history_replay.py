"""Real charters, replayed: import the first version, then every later version as an amendment
of the whole document, merged; every revision must equal that version byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.operations import propose_amendment
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


def test_numbers_follow_the_outline_and_a_title_is_not_numbered(
    session: Session, secretariat: Any
) -> None:
    from charter_engine.charters.queries import revision_clauses

    text = (
        "# Charter\n\nPreamble.\n\n## Members\n\nWho.\n\n### Observers\n\nMay read.\n\n"
        "## Votes\n\nHow.\n"
    )
    charter = import_charter(session, title="Numbers", text=text, actor=secretariat)
    rows = revision_clauses(session, get_revision(session, charter))
    assert [(r.number, r.depth) for r in rows] == [
        ("", 0),
        ("1", 1),
        ("2", 1),
        ("2.1", 2),
        ("2.2", 2),
        ("2.2.1", 3),
        ("3", 1),
        ("3.1", 2),
    ]
    two_titles = import_charter(
        session, title="Two", text="# One\n\nA.\n\n# Two\n\nB.\n", actor=secretariat
    )
    rows = revision_clauses(session, get_revision(session, two_titles))
    assert [r.number for r in rows] == ["1", "1.1", "2", "2.1"]
