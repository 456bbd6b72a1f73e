"""Replaying a shared charter history as the engine is used: the first version imported, every
later version proposed as an amendment of the whole document and merged editorially."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.operations import propose_amendment
from charter_engine.charters.models import Charter
from charter_engine.charters.operations import import_charter
from charter_engine.charters.queries import get_revision, revision_text


def read_versions(folder: Path) -> list[str]:
    """The version files of a history (``v000…``), oldest first, exactly as stored."""
    out = []
    for path in sorted(p for p in folder.iterdir() if p.name.startswith("v")):
        with path.open(encoding="utf-8", newline="") as handle:
            out.append(handle.read())
    return out


def replay_history(
    session: Session, actor: Any, name: str, versions: list[str]
) -> tuple[Charter, dict[int, int]]:
    """Import ``versions[0]`` and merge each later version as an amendment, committing each
    step. Returns the charter and, for each revision number, the index of its version (an
    unchanged version makes no revision)."""
    charter = import_charter(session, title=name, text=versions[0], actor=actor, filename=name)
    session.commit()
    version_of = {1: 0}
    for step, text in enumerate(versions[1:], start=1):
        if text == revision_text(session, get_revision(session, charter)):
            continue
        amendment = propose_amendment(
            session,
            charter,
            actor=actor,
            title=f"Step {step}",
            base_revision=charter.head_revision_number,
            text=text,
            submit=True,
        )
        revision = merge_amendment(session, amendment, actor=actor, editorial=True)
        session.commit()
        assert revision is not None
        version_of[revision.number] = step
    return charter, version_of
