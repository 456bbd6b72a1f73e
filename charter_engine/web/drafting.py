"""Helpers shared by the drafting pages: loading a charter for a request, normalising text from
textareas, labels for clauses and amendment states, and the diff renderings the pages show.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from charter_engine.accounts.permissions import ensure_can
from charter_engine.charters.models import Charter, RevisionClause
from charter_engine.charters.queries import get_charter
from charter_engine.context import db
from charter_engine.text import diff_html, render_diff_html, side_by_side_html
from charter_engine.web.security import require_user
from charter_engine.web.templating import section

STATE_LABELS = {
    "draft": "Draft",
    "submitted": "Submitted",
    "discussion": "In discussion",
    "voting": "Being voted on",
    "adopted": "Adopted",
    "merged": "Merged",
    "withdrawn": "Withdrawn",
    "rejected": "Rejected",
    "superseded": "Superseded",
    "needs_rebase": "Needs rebase",
}
STATE_KINDS = {
    "draft": "neutral",
    "submitted": "neutral",
    "discussion": "neutral",
    "voting": "warn",
    "adopted": "good",
    "merged": "good",
    "withdrawn": "neutral",
    "rejected": "bad",
    "superseded": "neutral",
    "needs_rebase": "bad",
}
ACTION_LABELS = {
    "submit": "Submit for discussion",
    "open_discussion": "Open the discussion",
    "reject": "Reject",
    "withdraw": "Withdraw",
    "supersede": "Mark as superseded",
    "merge_editorial": "Merge as editorial…",
    "resolve": "Resolve the conflict…",
}
# Actions that cannot be undone: they go through a confirmation page first (works without JS).
CONFIRM_ACTIONS = frozenset({"reject", "withdraw", "supersede"})
CAUSE_LABELS = {"import": "Imported", "amendment": "Amendment merged", "editorial": "Editorial"}
VIEWS = ("inline", "side")


def load_charter(slug: str, permission: str = "charter:read") -> Charter:
    """The charter of the URL, after checking the current user may ``permission`` on it."""
    user = require_user()
    charter = get_charter(db(), slug)
    ensure_can(user, permission, charter)
    return charter


def normalise_newlines(submitted: str | None, reference: str) -> str:
    """Text from a textarea, with the line ends of the charter it belongs to.

    Browsers submit every line end of a textarea as CRLF; a charter written with LF line ends
    would otherwise see every line of an edited clause change. A charter that uses CRLF keeps them.
    """
    text = submitted or ""
    if "\r\n" in reference:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


_TRAILING_SPACE = re.compile(r"\s*\Z")


def restate_clause_text(submitted: str | None, original: str) -> str:
    """An edited clause as the engine stores it: the charter's line ends, and the blank lines
    that separated the clause from the next one kept as they were (a textarea easily loses them,
    and without them two clauses would run together)."""
    text = normalise_newlines(submitted, original)
    if not text.strip():
        return ""
    trailing = _TRAILING_SPACE.search(original)
    ending = trailing.group(0) if trailing else ""
    return text.rstrip() + ending


def new_clause_text(submitted: str | None, reference: str) -> str:
    """A new clause (an insert): line ends of the charter, and a blank line after it."""
    text = normalise_newlines(submitted, reference)
    if not text.strip():
        return ""
    newline = "\r\n" if "\r\n" in reference else "\n"
    return text.rstrip() + newline * 2


def clause_label(rc: RevisionClause | None) -> str:
    if rc is None:
        return "a clause no longer in the text"
    heading = rc.version.heading
    return section(rc.number) + (f" {heading}" if heading else "")


def clause_excerpt(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def clause_choices(rows: Sequence[RevisionClause]) -> list[tuple[str, str]]:
    """(clause id, "§ 1.2 Heading" or "§ 1.2.1 First words…") for select fields."""
    out = []
    for rc in rows:
        label = (
            f"{section(rc.number)} {rc.version.heading}"
            if rc.version.heading
            else f"{section(rc.number)} {clause_excerpt(rc.version.text, 60)}"
        )
        out.append((str(rc.clause_id), label))
    return out


@dataclass(frozen=True)
class DiffView:
    """A text change rendered three ways: inline, and left/right for side by side."""

    inline: Markup
    left: Markup
    right: Markup


def render_diff(old: str | None, new: str | None) -> DiffView:
    before, after = (old or "").rstrip(), (new or "").rstrip()
    left, right = side_by_side_html(before, after)
    # diff_html escapes every piece of user text; only <del>/<ins> markup is added.
    return DiffView(Markup(diff_html(before, after)), Markup(left), Markup(right))  # nosec B704


def render_pieces(pieces: Sequence[tuple[int, str]]) -> DiffView:
    """:func:`render_diff` for a diff the engine already computed."""
    pieces = list(pieces)
    # render_diff_html escapes every piece of user text.
    return DiffView(
        Markup(render_diff_html(pieces)),  # nosec B704
        Markup(render_diff_html(p for p in pieces if p[0] != 1)),  # nosec B704
        Markup(render_diff_html(p for p in pieces if p[0] != -1)),  # nosec B704
    )


def view_arg(raw: str | None, allowed: Sequence[str] = VIEWS) -> str:
    return raw if raw is not None and raw in allowed else allowed[0]


def int_arg(raw: str | None) -> int | None:
    if raw is None or not raw.strip().isdigit():
        return None
    value = int(raw)
    return value if value < 2**31 else None
