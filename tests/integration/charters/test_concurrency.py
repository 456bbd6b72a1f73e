"""Concurrent writers with real commits: numbers stay unique and no revision is lost or doubled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.amendments.merging import merge_amendment
from charter_engine.amendments.models import Amendment
from charter_engine.amendments.operations import propose_amendment
from charter_engine.amendments.queries import get_amendment
from charter_engine.charters.models import Revision
from charter_engine.charters.queries import (
    current_entries,
    get_charter,
    get_revision,
    revision_text,
)
from charter_engine.errors import CharterError
from tests.threads import all_at_once

DOC = "# Charter\n\n" + "".join(f"Clause {i} says something.\n\n" for i in range(8))


def test_concurrent_proposals_get_distinct_numbers(
    session_factory: Callable[[], Session], create_charter: Any, create_user: Any
) -> None:
    charter = create_charter(DOC)
    author = create_user()
    with session_factory() as s:
        clause_ids = [cid for cid, _ in current_entries(s, get_charter(s, charter.slug))][1:]

    def propose(i: int) -> None:
        with session_factory() as s:
            c = get_charter(s, charter.slug)
            propose_amendment(
                s,
                c,
                actor=author,
                title=f"A{i}",
                changes=[
                    {
                        "kind": "replace",
                        "clause_id": clause_ids[i],
                        "text": f"Clause {i} says something else.\n\n",
                    }
                ],
            )
            s.commit()

    assert all_at_once(8, propose) == []
    with session_factory() as s:
        numbers = s.execute(select(Amendment.number)).scalars().all()
    assert sorted(numbers) == list(range(1, 9))


def test_concurrent_merges_make_consecutive_revisions_and_lose_nothing(
    session_factory: Callable[[], Session], create_charter: Any, create_user: Any, secretariat: Any
) -> None:
    charter = create_charter(DOC)
    author = create_user()
    ids = []
    with session_factory() as s:
        c = get_charter(s, charter.slug)
        clause_ids = [cid for cid, _ in current_entries(s, c)][1:]
        for i in range(6):
            a = propose_amendment(
                s,
                c,
                actor=author,
                title=f"A{i}",
                submit=True,
                changes=[
                    {
                        "kind": "replace",
                        "clause_id": clause_ids[i],
                        "text": f"Clause {i} was amended.\n\n",
                    }
                ],
            )
            ids.append(a.id)
        s.commit()

    def merge(i: int) -> None:
        with session_factory() as s:
            try:
                merge_amendment(s, get_amendment(s, ids[i]), actor=secretariat, editorial=True)
                s.commit()
            except CharterError:
                s.rollback()
                raise

    assert all_at_once(6, merge) == []
    with session_factory() as s:
        c = get_charter(s, charter.slug)
        numbers = (
            s.execute(
                select(Revision.number).where(Revision.charter_id == c.id).order_by(Revision.number)
            )
            .scalars()
            .all()
        )
        assert numbers == list(range(1, 8))
        final = revision_text(s, get_revision(s, c))
    for i in range(6):
        assert f"Clause {i} was amended." in final
