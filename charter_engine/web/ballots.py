"""Voting pages: the ballots (all, and per charter), the ballot page with the exact text voted on
and the vote forms (one's own and those cast as a proxy), and the page that answers a vote — with
a secret vote's receipt, shown there once and kept nowhere, neither in the session cookie nor in a
URL. On the same blueprint: creating and running ballots (the secretariat) in
:mod:`.ballot_admin`, results, roll calls and receipts in :mod:`.ballot_records`, proxies in
:mod:`.ballot_proxies`.

Every view loads its ballot and checks the permission first, calls the voting operations and
commits once. A ballot whose opening or closing time has passed is opened or closed before it is
shown or voted on (in its own write transaction), so a late vote is refused with a clear message
even when the scheduler has not run. Results are shown to everyone once the ballot closes, and
while it is open only to the secretariat (never for secret ballots).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    make_response,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from werkzeug.routing import BuildError

from charter_engine.accounts.models import User
from charter_engine.accounts.permissions import can, ensure_can
from charter_engine.charters.models import Charter
from charter_engine.charters.queries import get_charter
from charter_engine.context import db
from charter_engine.db import utcnow
from charter_engine.errors import (
    CharterError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from charter_engine.text.render import diff_html
from charter_engine.voting import casting, closing, overview, views
from charter_engine.voting import queries as q
from charter_engine.voting.closing import settled_ballot
from charter_engine.voting.models import Ballot
from charter_engine.voting.rules import (
    describe_quorum,
    describe_roll,
    fraction_text,
    ratio_text,
)
from charter_engine.web.ballot_forms import (
    CHOICE_LABELS,
    SECRECY_LABELS,
    THRESHOLD_LABELS,
    UNRANKED_LABELS,
    WEIGHTING_LABELS,
    ProxyForm,
    VoteInput,
    rank_field,
    read_vote,
)
from charter_engine.web.forms import FORM_REFUSALS, commit_or_show
from charter_engine.web.links import object_url
from charter_engine.web.security import require_user

bp = Blueprint("ballots", __name__)


def ballot_url(obj: Any) -> str:
    """The page of a ballot (given as a row or an id)."""
    return url_for("ballots.show", ballot_id=getattr(obj, "id", obj))


KIND_SHORT = {
    "amendment": "Yes/no on an amendment",
    "ranked": "Ranked choice between amendments",
    "adoption": "Adoption of the charter",
}
STATE_LABELS = {"draft": "Upcoming", "open": "Open", "closed": "Closed"}
OUTCOME_LABELS = {
    "adopted": ("Adopted", "good"),
    "rejected": ("Rejected", "bad"),
    "kept": ("Current text kept", "neutral"),
    "tie": ("Unresolved tie", "warn"),
    "void": ("Void", "warn"),
}


# --------------------------------------------------------------------------------------------
# helpers


def _settle_listed(ballots: list[Ballot]) -> bool:
    """Settle the listed ballots that are due; True when any was."""
    due = [b.id for b in ballots if closing.ballot_due(b)]
    for ballot_id in due:
        settled_ballot(db(), ballot_id)
    return bool(due)


def readable_ballot(ballot_id: int) -> tuple[User, Ballot]:
    """The signed-in reader, allowed to read ballots, and the ballot ``ballot_id``, settled
    first (opened or closed if its time has come)."""
    user = require_user()
    ensure_can(user, "ballot:read")
    return user, settled_ballot(db(), ballot_id)


def charter_of(ballot: Ballot) -> Charter:
    charter = db().get(Charter, ballot.charter_id)
    if charter is None:  # pragma: no cover - a foreign key guarantees it
        raise NotFound("That charter no longer exists.")
    return charter


def charter_url(charter: Charter) -> str:
    """The charter's own page when the app has one, else its ballots."""
    return object_url("charter", charter) or url_for("ballots.index", slug=charter.slug)


def _crumbs(charter: Charter, *tail: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [
        ("Home", url_for("home.index")),
        (charter.title, charter_url(charter)),
        ("Ballots", url_for("ballots.index", slug=charter.slug)),
        *tail,
    ]


def ballot_crumbs(
    charter: Charter, ballot: Ballot, *tail: tuple[str, str | None]
) -> list[tuple[str, str | None]]:
    if not tail:
        return _crumbs(charter, (ballot.title, None))
    return _crumbs(charter, (ballot.title, url_for("ballots.show", ballot_id=ballot.id)), *tail)


def ballot_page(
    template: str,
    ballot: Ballot,
    charter: Charter,
    *,
    title: str,
    crumb: str | None = None,
    **context: Any,
) -> str:
    """A page about one ballot: ``title``, the breadcrumbs down to the ballot (and ``crumb``, the
    page's own step below it), and the ballot and its charter for the template."""
    tail = ((crumb, None),) if crumb else ()
    return render_template(
        template,
        title=title,
        breadcrumbs=ballot_crumbs(charter, ballot, *tail),
        ballot=ballot,
        charter=charter,
        **context,
    )


def _amendment_url(charter: Charter, number: int | None) -> str | None:
    """The amendment's page (built from the number: no query per option)."""
    if number is None:
        return None
    try:
        return url_for("amendments.show", slug=charter.slug, number=number)
    except BuildError:  # an app without the amendment pages
        return None


def ranking_words(ranking: dict[str, int] | None, labels: dict[str, str]) -> str:
    if not ranking:
        return ""
    ordered = sorted(ranking.items(), key=lambda kv: (kv[1], kv[0]))
    return "; ".join(f"{rank}. {labels.get(key, key)}" for key, rank in ordered)


def option_labels(ballot: Ballot) -> dict[str, str]:
    return {o.key: o.label for o in ballot.options}


def _grouped(ballots: list[Any], key: Any = lambda item: item) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = {"open": [], "draft": [], "closed": []}
    for item in ballots:
        groups[key(item).state].append(item)
    return groups


# --------------------------------------------------------------------------------------------
# lists


@bp.get("/ballots/", endpoint="overview")
def overview_page() -> ResponseReturnValue:
    user = require_user()
    ensure_can(user, "ballot:read")
    session = db()
    rows = overview.list_all_ballots(session)
    if _settle_listed([b for b, _c in rows]):
        rows = overview.list_all_ballots(session)
    ids = [b.id for b, _c in rows]
    return render_template(
        "ballots/index.html",
        title="Votes",
        breadcrumbs=[("Home", url_for("home.index")), ("Votes", None)],
        charter=None,
        groups=_grouped(rows, key=lambda row: row[0]),
        voted=overview.ballots_voted(session, ids, user.id),
        counts=overview.votes_cast_by_ballot(session, ids),
        kind_short=KIND_SHORT,
        outcome_labels=OUTCOME_LABELS,
    )


@bp.get("/charters/<slug>/ballots")
def index(slug: str) -> ResponseReturnValue:
    user = require_user()
    ensure_can(user, "ballot:read")
    session = db()
    charter = get_charter(session, slug)
    ballots = list(q.list_ballots(session, charter))
    if _settle_listed(ballots):
        charter = get_charter(session, slug)
        ballots = list(q.list_ballots(session, charter))
    ids = [b.id for b in ballots]
    return render_template(
        "ballots/index.html",
        title=f"Ballots on {charter.title}",
        breadcrumbs=[
            ("Home", url_for("home.index")),
            (charter.title, charter_url(charter)),
            ("Ballots", None),
        ],
        charter=charter,
        groups=_grouped([(b, charter) for b in ballots], key=lambda row: row[0]),
        voted=overview.ballots_voted(session, ids, user.id),
        counts=overview.votes_cast_by_ballot(session, ids),
        kind_short=KIND_SHORT,
        outcome_labels=OUTCOME_LABELS,
    )


# --------------------------------------------------------------------------------------------
# the ballot page and voting


def _change_views(text: overview.BallotText) -> dict[str, list[dict[str, Any]]]:
    views: dict[str, list[dict[str, Any]]] = {}
    for option in text.options:
        rows = []
        for change in option.changes:
            # diff_html escapes every piece of text; only <del>/<ins> markup is added.
            diff = Markup(diff_html(change.old_text, change.new_text))  # nosec B704
            rows.append({"change": change, "diff": diff})
        views[option.option.key] = rows
    return views


def _render_ballot(
    ballot: Ballot,
    *,
    vote: VoteInput | None = None,
    vote_error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    user = require_user()
    session = db()
    charter = charter_of(ballot)
    detail = views.ballot_detail(session, ballot)
    text = overview.ballot_text(session, charter, detail)
    now = utcnow()
    me = views.voter_status(session, ballot, user, now=now)
    accepting = q.accepting_votes(ballot, now)
    may_give_proxy = (
        can(user, "proxy:give")
        and ballot.state != "closed"
        and me.proxy_given is None
        and not me.voted
        and (views.on_roll(session, ballot, user) if ballot.state == "draft" else me.on_roll)
    )
    proxy_form = None
    if may_give_proxy:
        proxy_form = ProxyForm(data={"ballot_id": str(ballot.id)})
        proxy_form.agent_id.choices = [
            (p.id, p.name + (f" ({p.organisation})" if p.organisation else ""))
            for p in overview.possible_agents(session, exclude_id=user.id)
        ]
    labels = option_labels(ballot)
    return (
        ballot_page(
            "ballots/show.html",
            ballot,
            charter,
            title=ballot.title,
            detail=detail,
            text=text,
            changes=_change_views(text),
            my=me,
            accepting=accepting,
            vote=vote,
            vote_error=vote_error,
            proxy_form=proxy_form,
            labels=labels,
            my_ranking_words=ranking_words(me.ranking, labels),
            amendment_links={
                o.key: _amendment_url(charter, o.amendment_number) for o in detail.options
            },
            rank_field=rank_field,
            choice_labels=CHOICE_LABELS,
            kind_short=KIND_SHORT,
            threshold_labels=THRESHOLD_LABELS,
            secrecy_labels=SECRECY_LABELS,
            weighting_labels=WEIGHTING_LABELS,
            unranked_labels=UNRANKED_LABELS,
            quorum_text=describe_quorum(detail.rules.quorum_kind, detail.rules.quorum_value),
            roll_text=describe_roll(detail.rules.roll, len(detail.rules.roll_members)),
            chosen_names=views.chosen_names(session, detail.rules),
            ratio_text=ratio_text,
            fraction_text=fraction_text,
            outcome_labels=OUTCOME_LABELS,
            state_labels=STATE_LABELS,
        ),
        status,
    )


@bp.get("/ballots/<int:ballot_id>")
def show(ballot_id: int) -> ResponseReturnValue:
    _user, ballot = readable_ballot(ballot_id)
    return _render_ballot(ballot)


@bp.post("/ballots/<int:ballot_id>/vote")
def vote(ballot_id: int) -> ResponseReturnValue:
    user = require_user()
    ensure_can(user, "vote:cast")
    session = db()
    ballot = settled_ballot(db(), ballot_id)
    given = read_vote(ballot, request.form)
    if not given.ok:
        return _render_ballot(ballot, vote=given, status=400)
    refusals: list[CharterError] = []
    done = commit_or_show(
        None,
        lambda: casting.cast_vote(
            session,
            ballot.id,
            actor=user,
            choice=given.choice,
            ranking=given.ranking,
            on_behalf_of=given.on_behalf_of,
            receipt=given.receipt,
        ),
        errors=(*FORM_REFUSALS, PermissionDenied),
        on_error=refusals.append,
    )
    if not done:
        (exc,) = refusals
        if not isinstance(exc, ValidationError):  # 409 (not open, closed meanwhile) or 403
            return _render_ballot(
                q.get_ballot(session, ballot_id),
                vote=given,
                vote_error=exc.message,
                status=exc.status,
            )
        # A receipt error goes next to the receipt field, which only secret ballots have.
        field = "receipt" if exc.field == "receipt" and ballot.secrecy == "secret" else "form"
        given.errors[field] = exc.message
        return _render_ballot(q.get_ballot(session, ballot_id), vote=given, status=400)
    result = done.value
    return _confirmation(ballot, user, result, given)


def _confirmation(
    ballot: Ballot, user: User, result: casting.CastResult, given: VoteInput
) -> ResponseReturnValue:
    """The page that answers a vote: what was recorded and, on a secret ballot's first vote, the
    receipt. It is shown this once and kept nowhere — not in the session cookie, not in a URL —
    and the browser is told not to store the page."""
    charter = charter_of(ballot)
    voter = user if result.voter_id == user.id else db().get(User, result.voter_id)
    labels = option_labels(ballot)
    response = make_response(
        ballot_page(
            "ballots/confirmation.html",
            ballot,
            charter,
            title="Your vote is recorded",
            crumb="Your vote",
            result=result,
            voter=voter,
            for_someone_else=voter is not None and voter.id != user.id,
            choice_label=CHOICE_LABELS.get(given.choice or "", ""),
            ranking_words=ranking_words(given.ranking, labels),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response
