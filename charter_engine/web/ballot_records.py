"""The records of a ballot: results with charts, turnout and quorum; the roll call of a named
ballot (page and CSV); the published list of counted secret ballots, where a posted receipt finds
its ballot.

Results are shown to everyone once the ballot closes and, while it is open, only to the secretariat
and never for secret ballots (see :func:`charter_engine.voting.records.ballot_results`).
"""

from __future__ import annotations

from fractions import Fraction

from flask import Response, flash, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from charter_engine.audit.operations import event_link
from charter_engine.context import db
from charter_engine.errors import Conflict, NotFound
from charter_engine.voting import charts, records
from charter_engine.voting import queries as q
from charter_engine.voting.models import Ballot
from charter_engine.voting.results import dropped_reason
from charter_engine.voting.rules import DEFAULT_OPTION, describe_quorum_outcome, fraction_text
from charter_engine.web.ballot_forms import CHOICE_LABELS, THRESHOLD_LABELS, ReceiptForm
from charter_engine.web.ballots import (
    OUTCOME_LABELS,
    ballot_page,
    bp,
    charter_of,
    option_labels,
    ranking_words,
    readable_ballot,
)

# --------------------------------------------------------------------------------------------
# results, roll call, receipts


def _quorum_text(ballot: Ballot, found: records.BallotResults | None) -> str:
    rules = q.rules_of(ballot)
    return describe_quorum_outcome(
        rules.quorum_kind,
        rules.quorum_value,
        found.quorum if found else None,
        met=found.simple.quorum_met if found and found.simple else None,
        ranked=ballot.kind == "ranked",
    )


def _charts(found: records.BallotResults, ballot: Ballot) -> list[Markup]:
    """Server-drawn SVG; the chart module escapes every piece of text it draws."""
    svgs: list[str] = []
    if found.simple is not None:
        svgs.append(charts.simple_result_svg(found.simple, title=f"Result: {ballot.title}"))
        svgs.append(
            charts.turnout_svg(
                found.simple.participation,
                found.roll_weight,
                found.quorum,
                title="Turnout and quorum",
            )
        )
    if found.ranked is not None:
        svgs.append(
            charts.ranked_result_svg(
                found.ranked,
                labels=option_labels(ballot),
                title=f"Pairwise count: {ballot.title}",
            )
        )
        # On ranked ballots the quorum applies per option (see the rules), not to turnout.
        svgs.append(
            charts.turnout_svg(found.ranked.total_weight, found.roll_weight, None, title="Turnout")
        )
    return [Markup(svg) for svg in svgs]  # nosec B704  # charts escape every text they draw


@bp.get("/ballots/<int:ballot_id>/results")
def results(ballot_id: int) -> ResponseReturnValue:
    user, ballot = readable_ballot(ballot_id)
    session = db()
    charter = charter_of(ballot)
    found: records.BallotResults | None = None
    unavailable = None
    try:
        found = records.ballot_results(session, ballot, viewer=user)
    except Conflict as exc:
        unavailable = exc.message
    labels = option_labels(ballot)
    quorum_needed = None
    if found is not None:
        quorum_needed = found.quorum
    return ballot_page(
        "ballots/results.html",
        ballot,
        charter,
        title=f"Results: {ballot.title}",
        crumb="Results",
        found=found,
        unavailable=unavailable,
        charts=_charts(found, ballot) if found else [],
        labels=labels,
        dropped_reason=lambda why: dropped_reason(why, labels),
        quorum_needed=quorum_needed,
        quorum_text=_quorum_text(ballot, found),
        fraction_text=fraction_text,
        number_text=number_text,
        outcome_labels=OUTCOME_LABELS,
        threshold_labels=THRESHOLD_LABELS,
        default_key=DEFAULT_OPTION,
        chain_link=(
            event_link(session, "ballot.closed", "ballot", ballot.id)
            if ballot.state == "closed"
            else None
        ),
    )


def number_text(value: object) -> str:
    """A count of votes for people: whole numbers as they are, fractions as decimals."""
    exact = Fraction(str(value)) if not isinstance(value, Fraction) else value
    if exact.denominator == 1:
        return str(exact.numerator)
    return f"{float(exact):.2f}".rstrip("0").rstrip(".")


def _roll_call_rows(ballot: Ballot) -> list[records.RollCallRow] | str:
    try:
        return records.roll_call(db(), ballot)
    except Conflict as exc:
        return exc.message


@bp.get("/ballots/<int:ballot_id>/roll-call")
def roll_call(ballot_id: int) -> ResponseReturnValue:
    _user, ballot = readable_ballot(ballot_id)
    charter = charter_of(ballot)
    rows = _roll_call_rows(ballot)
    labels = option_labels(ballot)
    return ballot_page(
        "ballots/roll_call.html",
        ballot,
        charter,
        title=f"Roll call: {ballot.title}",
        crumb="Roll call",
        rows=rows if isinstance(rows, list) else [],
        unavailable=rows if isinstance(rows, str) else None,
        ranking_words=lambda ranking: ranking_words(ranking, labels),
        choice_labels=CHOICE_LABELS,
        fraction_text=fraction_text,
    )


@bp.get("/ballots/<int:ballot_id>/roll-call.csv")
def roll_call_csv(ballot_id: int) -> ResponseReturnValue:
    _user, ballot = readable_ballot(ballot_id)
    rows = _roll_call_rows(ballot)
    if isinstance(rows, str):
        flash(rows, "error")
        return redirect(url_for("ballots.roll_call", ballot_id=ballot_id))
    return Response(
        records.roll_call_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="ballot-{ballot.id}-roll-call.csv"'},
    )


@bp.route("/ballots/<int:ballot_id>/receipts", methods=["GET", "POST"])
def receipts(ballot_id: int) -> ResponseReturnValue:
    """The counted ballots of a closed secret ballot; a POST checks a receipt against them (the
    receipt goes in the form, never in the URL, and the page is not stored by the browser)."""
    _user, ballot = readable_ballot(ballot_id)
    session = db()
    charter = charter_of(ballot)
    form = ReceiptForm()
    unavailable = None
    counted: list[records.CountedBallot] = []
    found: records.CountedBallot | None = None
    try:
        counted = records.counted_ballots(session, ballot)
    except Conflict as exc:
        unavailable = exc.message
    status = 200
    if request.method == "POST" and unavailable is None:
        if form.validate_on_submit():
            try:
                found = records.verify_receipt(session, ballot, form.code.data or "")
            except (NotFound, Conflict) as exc:
                form.code.errors = [exc.message]
                status = 400
        else:
            status = 400
    labels = option_labels(ballot)
    response = make_response(
        ballot_page(
            "ballots/receipts.html",
            ballot,
            charter,
            title=f"Counted ballots: {ballot.title}",
            crumb="Counted ballots",
            counted=counted,
            unavailable=unavailable,
            form=form,
            found=found,
            ranking_words=lambda ranking: ranking_words(ranking, labels),
            choice_labels=CHOICE_LABELS,
        ),
        status,
    )
    if request.method == "POST":
        response.headers["Cache-Control"] = "no-store"
    return response
