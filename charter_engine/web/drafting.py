"""Helpers shared by the drafting pages: loading a charter for a request, labels for clauses and
amendment states, and the diff renderings the pages show. Text from textareas is restated as the
engine stores it by :mod:`charter_engine.text.submitted`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from charter_engine.accounts.permissions import ensure_can
from charter_engine.charters.models import Charter, RevisionClause
from charter_engine.charters.queries import get_charter
from charter_engine.context import db
from charter_engine.text import diff_words
from charter_engine.text.render import diff_sides_html
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
    """The word diff of two texts (trailing blank lines aside), inline and side by side."""
    # Every piece of user text is escaped; only <del>/<ins> markup is added.
    inline, left, right = diff_sides_html(diff_words((old or "").rstrip(), (new or "").rstrip()))
    return DiffView(Markup(inline), Markup(left), Markup(right))  # nosec B704


def view_arg(raw: str | None, allowed: Sequence[str] = VIEWS) -> str:
    return raw if raw is not None and raw in allowed else allowed[0]
