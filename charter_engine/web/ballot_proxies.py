"""Proxies: the member gives their vote to another member for one ballot (from the ballot's page)
or for every ballot until revoked (from the proxies page), and revokes it. The agent casts the
principal's vote on the ballot page (see :mod:`charter_engine.web.ballots`).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from charter_engine.accounts.models import User
from charter_engine.accounts.permissions import can, ensure_can
from charter_engine.context import db
from charter_engine.errors import (
    CharterError,
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from charter_engine.ids import is_id
from charter_engine.voting import overview
from charter_engine.voting import proxies as proxy_ops
from charter_engine.voting import queries as q
from charter_engine.voting.models import Ballot, Proxy
from charter_engine.web.ballot_forms import ProxyForm
from charter_engine.web.ballots import bp
from charter_engine.web.forms import FORM_REFUSALS, commit_or_flash, commit_or_show
from charter_engine.web.security import require_user

# --------------------------------------------------------------------------------------------
# proxies


def _proxy_rows(proxies: Any) -> list[dict[str, Any]]:
    session = db()
    people = {p.id: p for p in overview.possible_agents(session, exclude_id=0)}
    ids = {p.principal_id for p in proxies} | {p.agent_id for p in proxies}
    missing = ids - set(people)
    names = {pid: people[pid].name for pid in ids if pid in people}
    if missing:
        for uid, name in session.execute(select(User.id, User.name).where(User.id.in_(missing))):
            names[uid] = name
    ballots = {
        b.id: b
        for b in (session.get(Ballot, bid) for bid in {p.ballot_id for p in proxies if p.ballot_id})
        if b is not None
    }
    return [
        {
            "proxy": p,
            "principal": names.get(p.principal_id, "a former member"),
            "agent": names.get(p.agent_id, "a former member"),
            "ballot": ballots.get(p.ballot_id or -1),
        }
        for p in proxies
    ]


def _render_proxies(form: ProxyForm, status: int = 200) -> ResponseReturnValue:
    user = require_user()
    given, held = q.list_proxies(db(), user)
    return (
        render_template(
            "ballots/proxies.html",
            title="Proxies",
            breadcrumbs=[
                ("Home", url_for("home.index")),
                ("Votes", url_for("ballots.overview")),
                ("Proxies", None),
            ],
            form=form,
            may_give=can(user, "proxy:give"),
            given=_proxy_rows(given),
            held=_proxy_rows(held),
        ),
        status,
    )


def _agent_choices(form: ProxyForm, user: User) -> None:
    form.agent_id.choices = [
        (p.id, p.name + (f" ({p.organisation})" if p.organisation else ""))
        for p in overview.possible_agents(db(), exclude_id=user.id)
    ]


@bp.get("/proxies")
def proxies() -> ResponseReturnValue:
    user = require_user()
    ensure_can(user, "ballot:read")
    form = ProxyForm()
    _agent_choices(form, user)
    return _render_proxies(form)


@bp.post("/proxies")
def give_proxy() -> ResponseReturnValue:
    user = require_user()
    ensure_can(user, "proxy:give")
    session = db()
    form = ProxyForm()
    _agent_choices(form, user)
    raw_ballot = (form.ballot_id.data or "").strip()
    ballot_id = int(raw_ballot) if raw_ballot.isdigit() else None
    back = url_for("ballots.show", ballot_id=ballot_id) if ballot_id else url_for("ballots.proxies")
    if raw_ballot and ballot_id is None:
        flash("That ballot is not known.", "error")
        return redirect(url_for("ballots.proxies"))
    if not form.validate_on_submit():
        if ballot_id:
            flash("Choose the member who will vote for you.", "error")
            return redirect(back)
        return _render_proxies(form, 400)
    refusals: list[CharterError] = []
    done = commit_or_show(
        form,
        lambda: (
            proxy_ops.give_proxy(
                session, actor=user, agent_id=form.agent_id.data, ballot_id=ballot_id
            ).agent_id
        ),
        errors=(*FORM_REFUSALS, PermissionDenied),
        on_error=refusals.append,
    )
    if not done:
        (exc,) = refusals
        if isinstance(exc, ValidationError) and not ballot_id:
            form.agent_id.errors = [exc.message]
            return _render_proxies(form, 400)
        flash(exc.message, "error")
        return redirect(back)
    agent = session.get(User, done.value)
    what = "on this ballot" if ballot_id else "on every ballot until you revoke it"
    flash(f"{agent.name if agent else 'The member'} now votes for you {what}.", "success")
    return redirect(back)


@bp.post("/proxies/<int:proxy_id>/revoke")
def revoke_proxy(proxy_id: int) -> ResponseReturnValue:
    user = require_user()
    session = db()
    proxy = session.get(Proxy, proxy_id) if is_id(proxy_id) else None
    if proxy is None or proxy.principal_id != user.id:
        raise NotFound("You have no such proxy.")
    back = (
        url_for("ballots.show", ballot_id=proxy.ballot_id)
        if proxy.ballot_id and request.form.get("back") == "ballot"
        else url_for("ballots.proxies")
    )
    commit_or_flash(
        lambda: proxy_ops.revoke_proxy(session, proxy_id, actor=user),
        "The proxy is revoked: you vote yourself again.",
        errors=(Conflict, InvalidTransition),
    )
    return redirect(back)
