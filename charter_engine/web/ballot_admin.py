"""The secretariat's ballot pages: creating a ballot, editing its rules while it is a draft, and
opening, closing or deleting it (each asks first, then does it on POST). They declare their routes
on :data:`charter_engine.web.ballots.bp`; the ballot page and voting are in :mod:`.ballots`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from charter_engine.accounts.permissions import ensure_can
from charter_engine.charters.queries import get_charter
from charter_engine.context import db
from charter_engine.errors import CharterError, StaleVersion
from charter_engine.ids import whole_number
from charter_engine.voting import closing, overview, views
from charter_engine.voting import operations as ops
from charter_engine.voting import queries as q
from charter_engine.voting.closing import settled_ballot
from charter_engine.web.ballot_forms import KIND_LABELS, BallotRulesForm, NewBallotForm
from charter_engine.web.ballots import (
    KIND_SHORT,
    STATE_LABELS,
    _crumbs,
    ballot_page,
    bp,
    charter_of,
)
from charter_engine.web.forms import FORM_REFUSALS, commit_or_flash, commit_or_show
from charter_engine.web.security import require_user


@bp.route("/charters/<slug>/ballots/new", methods=["GET", "POST"])
def create(slug: str) -> ResponseReturnValue:
    user = require_user()
    session = db()
    charter = get_charter(session, slug)
    ensure_can(user, "ballot:create", charter)
    form = NewBallotForm()
    amendments = overview.votable_amendments(session, charter)
    form.amendments.choices = [(a.id, f"Amendment #{a.number}: {a.title}") for a in amendments]
    form.set_roll_choices(overview.possible_agents(session, exclude_id=0))
    if request.method == "GET" and request.args.get("amendment", "").isdigit():
        form.amendments.data = [int(request.args["amendment"])]
    if request.method == "GET" and request.args.get("kind") in KIND_LABELS:
        form.kind.data = request.args["kind"]
    status = 200
    if form.validate_on_submit():
        kind = form.kind.data or "amendment"
        rules = form.rules(kind)
        if rules is not None:

            def refused(exc: CharterError) -> None:
                # A refused choice of amendments (not votable, competing) is about that field.
                field = "amendments" if kind != "adoption" else None
                form.show_error(getattr(exc, "field", field), exc.message)

            done = commit_or_show(
                form,
                lambda: (
                    ops.create_ballot(
                        session,
                        charter,
                        actor=user,
                        kind=kind,
                        amendments=None if kind == "adoption" else list(form.amendments.data or []),
                        title=(form.title.data or "").strip() or None,
                        rules=rules,
                    ).id
                ),
                errors=FORM_REFUSALS,
                on_error=refused,
            )
            if done:
                flash(
                    "The ballot is created as a draft. Check it, then open it when voting should "
                    "begin.",
                    "success",
                )
                return redirect(url_for("ballots.show", ballot_id=done.value))
        status = 400
    elif request.method == "POST":
        status = 400
    return (
        render_template(
            "ballots/new.html",
            title="New ballot",
            breadcrumbs=_crumbs(charter, ("New ballot", None)),
            charter=charter,
            form=form,
            has_amendments=bool(amendments),
        ),
        status,
    )


@bp.route("/ballots/<int:ballot_id>/edit", methods=["GET", "POST"])
def edit(ballot_id: int) -> ResponseReturnValue:
    user = require_user()
    session = db()
    ballot = settled_ballot(db(), ballot_id)
    ensure_can(user, "ballot:edit", ballot)
    charter = charter_of(ballot)
    if ballot.state != "draft":
        flash("The rules of a ballot are frozen once it opens.", "error")
        return redirect(url_for("ballots.show", ballot_id=ballot.id))
    form = BallotRulesForm() if request.method == "POST" else BallotRulesForm.for_ballot(ballot)
    form.set_roll_choices(overview.possible_agents(session, exclude_id=0))
    status = 200
    if form.validate_on_submit():
        rules = form.rules(ballot.kind)
        if rules is not None:
            version = form.version.data
            data = {**rules, "title": (form.title.data or "").strip() or ballot.title}

            def refused(exc: CharterError) -> None:
                if isinstance(exc, StaleVersion):
                    form.version.data = str(q.get_ballot(session, ballot_id).version)
                    form.form_errors.append(
                        "Someone changed this ballot while you were editing it. Your input is "
                        "kept below; check it against the ballot page and save again to "
                        f"overwrite. ({exc.message})"
                    )
                else:
                    form.show_error(getattr(exc, "field", None), exc.message)

            done = commit_or_show(
                form,
                lambda: ops.update_ballot(
                    session,
                    ballot,
                    actor=user,
                    data=data,
                    expected_version=whole_number(version),
                ),
                errors=FORM_REFUSALS,
                on_error=refused,
            )
            if done:
                flash("The ballot's rules are saved.", "success")
                return redirect(url_for("ballots.show", ballot_id=ballot.id))
        status = 400
    elif request.method == "POST":
        status = 400
    ballot = q.get_ballot(session, ballot_id)
    return (
        ballot_page(
            "ballots/edit.html",
            ballot,
            charter,
            title=f"Edit {ballot.title}",
            crumb="Edit",
            form=form,
        ),
        status,
    )


# What each lifecycle action needs the ballot to be, and the button that confirms it.
LIFECYCLE = {
    "open": ("draft", "Open the ballot now"),
    "close": ("open", "Close and count now"),
    "delete": ("draft", "Delete the draft ballot"),
}
LIFECYCLE_OPERATIONS: dict[str, Callable[..., object]] = {
    "open": ops.open_ballot,
    "close": closing.close_ballot,
    "delete": ops.delete_ballot,
}


def _lifecycle(ballot_id: int, action: str) -> ResponseReturnValue:
    """GET: what opening/closing/deleting will do, and the button. POST: do it."""
    user = require_user()
    session = db()
    ballot = settled_ballot(db(), ballot_id)
    ensure_can(user, f"ballot:{action}", ballot)
    charter = charter_of(ballot)
    wanted, button = LIFECYCLE[action]
    if ballot.state != wanted:
        flash(
            "This ballot is already open."
            if action == "open" and ballot.state == "open"
            else f"This ballot is {STATE_LABELS[ballot.state].lower()}; it cannot be "
            f"{action.rstrip('e')}ed now.",
            "error",
        )
        return redirect(url_for("ballots.show", ballot_id=ballot.id))
    if request.method == "POST":
        done = commit_or_flash(
            lambda: LIFECYCLE_OPERATIONS[action](session, ballot, actor=user),
            {
                "open": "The ballot is open: the text is pinned and the roll is fixed.",
                "close": "The ballot is closed and counted.",
                "delete": f"The draft ballot “{ballot.title}” was deleted.",
            }[action],
        )
        if not done or action == "open":
            return redirect(url_for("ballots.show", ballot_id=ballot_id))
        if action == "delete":
            return redirect(url_for("ballots.index", slug=charter.slug))
        return redirect(url_for("ballots.results", ballot_id=ballot_id))
    detail = views.ballot_detail(session, ballot)
    return ballot_page(
        "ballots/lifecycle.html",
        ballot,
        charter,
        title=f"{action.title()} {ballot.title}",
        crumb=f"{action.title()} the ballot",
        action=action,
        button=button,
        detail=detail,
        proxies_given=(
            sum(1 for p in q.proxies_for_ballot(session, ballot) if p.ballot_id)
            if action == "delete"
            else 0
        ),
        possible_voters=(
            len(overview.possible_agents(session, exclude_id=0)) if action == "open" else 0
        ),
        kind_short=KIND_SHORT,
    )


@bp.route("/ballots/<int:ballot_id>/open", methods=["GET", "POST"])
def open_ballot(ballot_id: int) -> ResponseReturnValue:
    return _lifecycle(ballot_id, "open")


@bp.route("/ballots/<int:ballot_id>/close", methods=["GET", "POST"])
def close_ballot(ballot_id: int) -> ResponseReturnValue:
    return _lifecycle(ballot_id, "close")


@bp.route("/ballots/<int:ballot_id>/delete", methods=["GET", "POST"])
def delete_ballot(ballot_id: int) -> ResponseReturnValue:
    return _lifecycle(ballot_id, "delete")
