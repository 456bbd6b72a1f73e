"""Real charters, replayed: import the first version, then every later version as an amendment
of the whole document, merged; every revision must equal that version byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.charters.operations import import_charter
from charter_engine.charters.queries import get_revision, revision_text
from tests.integration.charters.history import read_versions, replay_history
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
    versions = read_versions(require_shared_data("histories", name))
    charter, version_of = replay_history(session, secretariat, name, versions)
    assert charter.head_revision_number == len(version_of) > 1
    # Every revision on the way is exactly its version, byte for byte.
    for number, index in version_of.items():
        text = revision_text(session, get_revision(session, charter, number))
        assert text == versions[index], f"{name} revision {number} (v{index:03})"


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
