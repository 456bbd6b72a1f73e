"""Releases: what a release records, who may publish one, and that published rows never change."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from charter_engine.audit.models import AuditEvent
from charter_engine.charters.queries import get_revision, revision_text
from charter_engine.errors import Conflict, PermissionDenied, ValidationError
from charter_engine.publication.models import EXPORT_FORMATS, ExportFile, Release, ReleaseFile
from charter_engine.publication.operations import publish_release
from charter_engine.publication.queries import (
    get_release,
    latest_release,
    list_releases,
    release_file,
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_release_records_its_text_and_every_file_with_their_sha256(
    session: Session, create_charter: Callable[..., Any], secretariat: Any
) -> None:
    charter = create_charter()
    release = publish_release(
        session, charter, label="1.0", notes="  The first edition.  ", actor=secretariat
    )
    session.commit()

    text_bytes = revision_text(session, get_revision(session, charter, 1)).encode("utf-8")
    assert release.revision_number == 1
    assert release.text_sha256 == _sha(text_bytes)
    assert release.notes == "The first edition."
    assert release.released_by_id == secretariat.id
    assert sorted(f.format for f in release.files) == sorted(EXPORT_FORMATS)
    for stored in release.files:
        content = release_file(session, release, stored.format).content
        assert stored.sha256 == _sha(content)
    assert release_file(session, release, "md").content == text_bytes
    assert get_release(session, charter, "1.0").id == release.id
    assert latest_release(session, charter) is not None


def test_publishing_records_an_audit_event_with_the_hashes(
    session: Session, create_charter: Callable[..., Any], secretariat: Any
) -> None:
    charter = create_charter()
    release = publish_release(session, charter, label="1.0", actor=secretariat)
    session.commit()
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "release.published")
    ).scalar_one()
    payload = json.loads(event.payload)
    assert event.actor_id == secretariat.id
    assert (payload["label"], payload["revision"]) == ("1.0", 1)
    assert payload["sha256"] == release.text_sha256
    assert payload["files"] == {f.format: f.sha256 for f in release.files}


def test_any_revision_can_be_released_and_releases_list_newest_first(
    session: Session, create_charter: Callable[..., Any], secretariat: Any
) -> None:
    from charter_engine.amendments.editorial import editorial_change
    from charter_engine.charters.queries import revision_clauses

    charter = create_charter()
    clause = revision_clauses(session, get_revision(session, charter))[2]
    editorial_change(
        session,
        charter,
        clause_id=clause.clause_id,
        text="The Core Group drafts a charter together.\n\n",
        reason="Shorter",
        actor=secretariat,
    )
    session.commit()
    first = publish_release(session, charter, label="0.9", revision_number=1, actor=secretariat)
    session.commit()
    second = publish_release(session, charter, label="1.0", actor=secretariat)
    session.commit()
    assert (first.revision_number, second.revision_number) == (1, 2)
    assert [r.label for r in list_releases(session, charter)] == ["1.0", "0.9"]


def test_a_label_is_used_once_per_charter(
    session: Session, create_charter: Callable[..., Any], secretariat: Any
) -> None:
    charter = create_charter()
    other = create_charter(title="Another charter")
    publish_release(session, charter, label="1.0", actor=secretariat)
    session.commit()
    with pytest.raises(Conflict):
        publish_release(session, charter, label="1.0", actor=secretariat)
    session.rollback()
    publish_release(session, other, label="1.0", actor=secretariat)
    session.commit()
    assert session.execute(select(Release.label)).scalars().all() == ["1.0", "1.0"]


def test_the_unique_constraint_refuses_a_second_release_with_the_same_label(
    session: Session, create_charter: Callable[..., Any], secretariat: Any
) -> None:
    charter = create_charter()
    release = publish_release(session, charter, label="1.0", actor=secretariat)
    session.commit()
    session.add(
        Release(
            charter_id=charter.id,
            label="1.0",
            notes="",
            revision_number=1,
            text_sha256=release.text_sha256,
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()


@pytest.mark.parametrize(
    "label", ["", "   ", "-1", "1.", "a b", "1.0.pdf", "v2.DOCX", "x" * 41, "ü1", None, 3]
)
def test_a_bad_label_is_refused(
    session: Session, create_charter: Callable[..., Any], secretariat: Any, label: Any
) -> None:
    charter = create_charter()
    with pytest.raises(ValidationError):
        publish_release(session, charter, label=label, actor=secretariat)
    session.rollback()
    assert session.execute(select(Release)).first() is None


def test_an_unknown_revision_is_refused(
    session: Session, create_charter: Callable[..., Any], secretariat: Any
) -> None:
    charter = create_charter()
    with pytest.raises(ValidationError, match="has no revision 7"):
        publish_release(session, charter, label="1.0", revision_number=7, actor=secretariat)


@pytest.mark.parametrize("role", ["member", "observer"])
def test_only_the_secretariat_publishes(
    session: Session, create_charter: Callable[..., Any], create_user: Callable[..., Any], role: str
) -> None:
    charter = create_charter()
    with pytest.raises(PermissionDenied):
        publish_release(session, charter, label="1.0", actor=create_user(role))
    session.rollback()
    assert session.execute(select(Release)).first() is None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE releases SET notes = 'rewritten'",
        "UPDATE releases SET revision_number = 1, label = 'other'",
        "DELETE FROM releases",
        "UPDATE release_files SET sha256 = 'x'",
        "DELETE FROM release_files",
        "UPDATE export_files SET content = :blob",
        "DELETE FROM export_files",
    ],
)
def test_the_database_refuses_to_change_what_was_published(
    session: Session, create_charter: Callable[..., Any], secretariat: Any, statement: str
) -> None:
    charter = create_charter()
    publish_release(session, charter, label="1.0", actor=secretariat)
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(text(statement), {"blob": b"forged"} if ":blob" in statement else {})
    session.rollback()
    assert session.execute(select(Release.notes)).scalar_one() == ""
    files = session.execute(select(ReleaseFile)).scalars().all()
    assert len(files) == len(EXPORT_FORMATS)
    for stored in files:
        assert session.get(ExportFile, stored.export_file_id).sha256 == stored.sha256  # type: ignore[union-attr]
