"""Where the text of a charter comes from: blame, provenance and the changelog.

* :func:`revision_blame` — each clause of a revision split into passages, each passage naming
  the revision (import, amendment or editorial change) that introduced it
  (:mod:`charter_engine.text.blame` over the whole history), with the :class:`Origin` of every
  revision named: its cause, who made it, the amendment with its author, co-sponsors and
  rationale, and the ballot that adopted it with its tally. ``clause.history`` lists the
  revisions that gave the clause a new version.
* :func:`clause_provenance` — one clause: the revisions that shaped it, oldest first, with
  their origins, and its passages in a revision.
* :func:`changelog` — every revision after ``from_number`` up to ``to_number`` (amendments
  adopted and merged, editorial changes) with its origin: the record a secretariat attaches to an
  official charter.

Every result has ``to_json()`` giving plain JSON types (dates as ISO 8601 strings), the form the
JSON export and the API use. Each function runs a fixed number of queries whatever the length
of the history. Nothing here writes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cachetools import LRUCache, cached
from sqlalchemy import select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.amendments.models import Amendment, AmendmentBacker
from charter_engine.charters.models import Charter, ClauseVersion, Revision, RevisionClause
from charter_engine.charters.queries import get_clause, get_revision, revision_identity
from charter_engine.errors import NotFound
from charter_engine.text.blame import Passage, Slot, Step, blame
from charter_engine.voting.models import Ballot, BallotOption
from charter_engine.voting.rules import DEFAULT_OPTION


def _int(value: Hashable) -> int:
    """A clause, version or revision number from the text engine's opaque keys."""
    assert isinstance(value, int)
    return value


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class BallotSummary:
    """The ballot that decided an amendment, and its count."""

    id: int
    title: str
    kind: str  # amendment | ranked
    closed_at: datetime | None
    outcome: str | None  # adopted | rejected | kept | tie | void
    voters: int | None
    tally: dict[str, Any]  # amendment ballots: yes/no/abstain; ranked: winner, for/against keep

    @property
    def summary(self) -> str:
        """One line: "Adopted: 12 yes, 3 no, 1 abstaining (16 voters)"."""
        outcome = (self.outcome or "open").replace("_", " ").capitalize()
        if {"yes", "no", "abstain"} <= set(self.tally):
            yes, no, abstain = (self.tally[k] for k in ("yes", "no", "abstain"))
            counts = f"{yes} yes, {no} no, {abstain} abstaining"
        elif "for" in self.tally:
            counts = f"{self.tally['for']} to {self.tally['against']} against keeping the text"
        else:
            counts = ""
        voters = f" ({self.voters} voter{'s' if self.voters != 1 else ''})" if self.voters else ""
        return f"{outcome}: {counts}{voters}" if counts else f"{outcome}{voters}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "closed_at": _iso(self.closed_at),
            "outcome": self.outcome,
            "voters": self.voters,
            "tally": self.tally,
            "summary": self.summary,
        }


@dataclass(frozen=True)
class AmendmentSummary:
    id: int
    number: int
    title: str
    rationale: str
    author: str
    cosponsors: tuple[str, ...]
    editorial: bool
    ballot: BallotSummary | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "title": self.title,
            "rationale": self.rationale,
            "author": self.author,
            "cosponsors": list(self.cosponsors),
            "editorial": self.editorial,
            "ballot": self.ballot.to_json() if self.ballot else None,
        }


@dataclass(frozen=True)
class Origin:
    """What made a revision: the import, a merged amendment or an editorial change."""

    revision: int
    cause: str  # import | amendment | editorial
    editorial: bool  # an editorial change, or an amendment merged without a vote
    created_at: datetime
    actor: str | None  # who imported, merged or made the change
    note: str | None
    amendment: AmendmentSummary | None

    @property
    def label(self) -> str:
        """ "Amendment #4: Clearer quorum", "Editorial change", "Imported"."""
        if self.amendment is not None:
            return f"Amendment #{self.amendment.number}: {self.amendment.title}"
        return {"import": "Imported", "editorial": "Editorial change"}.get(self.cause, self.cause)

    def to_json(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "cause": self.cause,
            "editorial": self.editorial,
            "created_at": _iso(self.created_at),
            "actor": self.actor,
            "note": self.note,
            "label": self.label,
            "amendment": self.amendment.to_json() if self.amendment else None,
        }


@dataclass(frozen=True)
class ClauseBlame:
    clause_id: int
    version_id: int
    passages: tuple[Passage, ...]  # Passage.origin: the revision number that introduced it
    history: tuple[int, ...]  # revisions that gave the clause a new version, oldest first

    def to_json(self) -> dict[str, Any]:
        return {
            "clause_id": self.clause_id,
            "version_id": self.version_id,
            "history": list(self.history),
            "passages": [{"text": p.text, "revision": p.origin} for p in self.passages],
        }


@dataclass(frozen=True)
class RevisionBlame:
    revision: int
    clauses: tuple[ClauseBlame, ...]
    origins: dict[int, Origin]  # every revision named by a passage or a clause's history

    def clause(self, clause_id: int) -> ClauseBlame:
        for clause in self.clauses:
            if clause.clause_id == clause_id:
                return clause
        raise NotFound(f"Revision {self.revision} has no clause {clause_id}.")

    def to_json(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "clauses": [c.to_json() for c in self.clauses],
            "origins": {str(n): o.to_json() for n, o in sorted(self.origins.items())},
        }


@dataclass(frozen=True)
class ClauseProvenance:
    clause_id: int
    shaped_by: tuple[Origin, ...]  # the revisions that gave it a new version, oldest first
    blame: ClauseBlame | None  # its passages in the revision asked for (None: not in it)
    origins: dict[int, Origin]

    def to_json(self) -> dict[str, Any]:
        return {
            "clause_id": self.clause_id,
            "shaped_by": [o.to_json() for o in self.shaped_by],
            "blame": self.blame.to_json() if self.blame else None,
        }


# ---------------------------------------------------------------------------------------------
# origins


def _ballot_tally(ballot: Ballot) -> tuple[int | None, dict[str, Any]]:
    try:
        result = json.loads(ballot.result) if ballot.result else {}
    except ValueError:
        result = {}
    voters = result.get("voters") if isinstance(result.get("voters"), int) else None
    simple = result.get("simple")
    if isinstance(simple, dict):
        return voters, {k: simple.get(k) for k in ("yes", "no", "abstain")}
    ranked = result.get("ranked")
    if isinstance(ranked, dict):
        winner = ranked.get("winner")
        tally: dict[str, Any] = {"winner": winner}
        for pair in ranked.get("pairwise", []):
            if pair.get("for") == winner and pair.get("against") == DEFAULT_OPTION:
                tally["for"] = pair.get("votes")
            if pair.get("for") == DEFAULT_OPTION and pair.get("against") == winner:
                tally["against"] = pair.get("votes")
        return voters, tally
    return voters, {}


def _ballots_of(session: Session, amendment_ids: set[int]) -> dict[int, BallotSummary]:
    """The last closed ballot on each amendment (amendment and ranked ballots)."""
    rows = session.execute(
        select(BallotOption.amendment_id, Ballot)
        .join(Ballot, Ballot.id == BallotOption.ballot_id)
        .where(BallotOption.amendment_id.in_(amendment_ids), Ballot.state == "closed")
        .order_by(Ballot.closed_at, Ballot.id)
    ).all()
    out: dict[int, BallotSummary] = {}
    for amendment_id, ballot in rows:
        if amendment_id is None:
            continue
        voters, tally = _ballot_tally(ballot)
        out[amendment_id] = BallotSummary(
            ballot.id, ballot.title, ballot.kind, ballot.closed_at, ballot.outcome, voters, tally
        )
    return out


def origins_of(session: Session, revisions: Iterable[Revision]) -> dict[int, Origin]:
    """The origin of each revision, by number (four queries, whatever the revisions)."""
    revisions = list(revisions)
    amendment_ids = {r.amendment_id for r in revisions if r.amendment_id is not None}
    amendments = {
        a.id: a for a in session.scalars(select(Amendment).where(Amendment.id.in_(amendment_ids)))
    }
    cosponsors: dict[int, list[int]] = {}
    for amendment_id, user_id in session.execute(
        select(AmendmentBacker.amendment_id, AmendmentBacker.user_id)
        .where(
            AmendmentBacker.amendment_id.in_(amendment_ids),
            AmendmentBacker.kind == "cosponsor",
        )
        .order_by(AmendmentBacker.created_at, AmendmentBacker.id)
    ):
        cosponsors.setdefault(amendment_id, []).append(user_id)
    user_ids = {r.actor_id for r in revisions if r.actor_id is not None}
    user_ids |= {a.author_id for a in amendments.values()}
    user_ids |= {u for ids in cosponsors.values() for u in ids}
    names: dict[int, str] = dict(
        session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all()
    )
    ballots = _ballots_of(session, amendment_ids)
    out: dict[int, Origin] = {}
    for revision in revisions:
        amendment = amendments.get(revision.amendment_id or 0)
        summary = None
        if amendment is not None:
            summary = AmendmentSummary(
                amendment.id,
                amendment.number,
                amendment.title,
                amendment.rationale or "",
                names.get(amendment.author_id, "?"),
                tuple(names.get(u, "?") for u in cosponsors.get(amendment.id, [])),
                revision.editorial,
                ballots.get(amendment.id),
            )
        out[revision.number] = Origin(
            revision.number,
            revision.cause,
            revision.editorial,
            revision.created_at,
            names.get(revision.actor_id) if revision.actor_id else None,
            revision.note,
            summary,
        )
    return out


# ---------------------------------------------------------------------------------------------
# blame


@dataclass(frozen=True)
class BlamedHistory:
    """The blame of one revision over the history that led to it, as plain values."""

    slots: tuple[tuple[int, int], ...]  # (clause id, version id) of each clause, in order
    passages: dict[int, tuple[Passage, ...]]  # by version id, for the versions in ``slots``
    histories: dict[int, tuple[int, ...]]  # by clause id: revisions that gave it a new version


@cached(
    LRUCache(maxsize=32),
    key=lambda session, charter, head: revision_identity(session, head),
    lock=threading.Lock(),
)
def _blamed_history(session: Session, charter: Charter, head: Revision) -> BlamedHistory:
    """Revisions 1..head as blame steps (three queries), blamed once per process.

    Blaming a revision reads its whole history: on a charter of 400 clauses and 100 revisions
    that is 40,000 rows and a tenth of a second of work, for a result that never changes, so
    it is kept (per database and revision) for the next reader of any clause of the revision.
    """
    revisions = session.execute(
        select(Revision.id, Revision.number)
        .where(Revision.charter_id == charter.id, Revision.number <= head.number)
        .order_by(Revision.number)
    ).all()
    number_of = {r.id: r.number for r in revisions}
    rows = session.execute(
        select(
            RevisionClause.revision_id, RevisionClause.clause_id, RevisionClause.clause_version_id
        )
        .where(RevisionClause.revision_id.in_(list(number_of)))
        .order_by(RevisionClause.revision_id, RevisionClause.position)
    ).all()
    texts = dict(
        session.execute(
            select(ClauseVersion.id, ClauseVersion.text).where(
                ClauseVersion.id.in_({row.clause_version_id for row in rows})
            )
        ).all()
    )
    slots: dict[int, list[Slot]] = {r.id: [] for r in revisions}
    for revision_id, clause_id, version_id in rows:
        slots[revision_id].append(Slot(clause_id, version_id, texts[version_id]))
    steps = [Step(r.number, slots[r.id]) for r in revisions]
    passages = blame(steps)
    last = steps[-1].slots
    return BlamedHistory(
        tuple((_int(s.key), _int(s.version)) for s in last),
        {_int(s.version): tuple(passages[s.version]) for s in last},
        {k: tuple(v) for k, v in _clause_histories(steps).items()},
    )


def _clause_histories(steps: Sequence[Step]) -> dict[int, list[int]]:
    """For each clause, the revisions in which its version changed (or it appeared)."""
    out: dict[int, list[int]] = {}
    last: dict[Any, Any] = {}
    for step in steps:
        for slot in step.slots:
            if last.get(slot.key) != slot.version:
                out.setdefault(_int(slot.key), []).append(_int(step.origin))
                last[slot.key] = slot.version
    return out


def _origins_named(session: Session, charter: Charter, numbers: set[int]) -> dict[int, Origin]:
    """The origins of the revisions of ``charter`` with these numbers."""
    revisions = session.scalars(
        select(Revision).where(Revision.charter_id == charter.id, Revision.number.in_(numbers))
    )
    return origins_of(session, revisions)


def revision_blame(session: Session, charter: Charter, number: int | None = None) -> RevisionBlame:
    """Every clause of revision ``number`` (the head when None) in passages, each with the
    revision that introduced it."""
    revision = get_revision(session, charter, number)
    history = _blamed_history(session, charter, revision)
    clauses = tuple(
        ClauseBlame(
            clause_id, version_id, history.passages[version_id], history.histories[clause_id]
        )
        for clause_id, version_id in history.slots
    )
    named = {_int(p.origin) for c in clauses for p in c.passages}
    named |= {n for c in clauses for n in c.history}
    return RevisionBlame(revision.number, clauses, _origins_named(session, charter, named))


def clause_provenance(
    session: Session, charter: Charter, clause_id: int, number: int | None = None
) -> ClauseProvenance:
    """The revisions that shaped one clause and its passages in revision ``number``."""
    get_clause(session, charter, clause_id)
    head = get_revision(session, charter, number)
    history = _blamed_history(session, charter, head)
    shaped = history.histories.get(clause_id, ())
    version_id = dict(history.slots).get(clause_id)
    clause_blame = None
    if version_id is not None:
        clause_blame = ClauseBlame(clause_id, version_id, history.passages[version_id], shaped)
    named = set(shaped) | (
        {_int(p.origin) for p in clause_blame.passages} if clause_blame else set()
    )
    origins = _origins_named(session, charter, named)
    return ClauseProvenance(
        clause_id, tuple(origins[n] for n in shaped if n in origins), clause_blame, origins
    )


# ---------------------------------------------------------------------------------------------
# the changelog


def changelog(session: Session, charter: Charter, from_number: int, to_number: int) -> list[Origin]:
    """Every revision after ``from_number`` up to and including ``to_number``, oldest first,
    with the amendment it merged (rationale, author, co-sponsors, ballot and tally) or the
    editorial change it made."""
    low, high = sorted((from_number, to_number))
    get_revision(session, charter, low)
    get_revision(session, charter, high)
    revisions = session.execute(
        select(Revision)
        .where(Revision.charter_id == charter.id, Revision.number > low, Revision.number <= high)
        .order_by(Revision.number)
    ).scalars()
    origins = origins_of(session, revisions)
    return [origins[n] for n in sorted(origins)]
