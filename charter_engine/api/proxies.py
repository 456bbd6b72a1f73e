"""Proxy endpoints of the JSON API: the proxies I gave and hold, give my vote to another member,
revoke a proxy; and their OpenAPI paths."""

from __future__ import annotations

from typing import Any, Literal

from flask import jsonify
from flask.typing import ResponseReturnValue
from pydantic import Field
from sqlalchemy import select

from charter_engine.accounts.models import User
from charter_engine.api.core import actor, api_bp, commit, iso_time
from charter_engine.api.spec import (
    ID,
    Answer,
    Body,
    IdValue,
    Paged,
    PageQuery,
    endpoints_tagged,
    request_body,
    request_query,
)
from charter_engine.context import db
from charter_engine.voting import proxies as proxy_ops
from charter_engine.voting import queries as q
from charter_engine.voting.models import Proxy


class ProxyRequest(Body):
    NULLABLE = frozenset({"ballot_id"})

    agent_id: IdValue = Field(description="The member who will vote for you")
    ballot_id: IdValue | None = Field(
        None, description="One ballot; null or left out for all ballots until revoked"
    )


class PersonRef(Answer):
    id: int
    name: str | None


class ProxyOut(Answer):
    id: int
    principal: PersonRef
    agent: PersonRef
    ballot_id: int | None
    scope: Literal["ballot", "all"]
    active: bool
    created_at: str | None
    revoked_at: str | None


class Proxies(Paged):
    given: list[ProxyOut]
    held: list[ProxyOut]


# --------------------------------------------------------------------------------------------
# helpers


def proxy_json(proxy: Proxy, people: dict[int, User] | None = None) -> dict[str, Any]:
    """The proxy; the people it names are looked up in ``people`` when given."""
    session = db()
    principal = people.get(proxy.principal_id) if people else session.get(User, proxy.principal_id)
    agent = people.get(proxy.agent_id) if people else session.get(User, proxy.agent_id)
    return {
        "id": proxy.id,
        "principal": {"id": proxy.principal_id, "name": principal.name if principal else None},
        "agent": {"id": proxy.agent_id, "name": agent.name if agent else None},
        "ballot_id": proxy.ballot_id,
        "scope": "ballot" if proxy.ballot_id else "all",
        "active": proxy.revoked_at is None,
        "created_at": iso_time(proxy.created_at),
        "revoked_at": iso_time(proxy.revoked_at),
    }


# --------------------------------------------------------------------------------------------
# proxies


endpoint = endpoints_tagged("proxies")


@api_bp.get("/proxies")
@endpoint(operation_id="listProxies", query=PageQuery, ok={200: Proxies})
def list_proxies() -> ResponseReturnValue:
    """Proxies I gave and proxies I hold, active ones first, newest first

    A page holds up to `per_page` of each; `next` is there while either list goes on.
    """
    session = db()
    page = request_query(PageQuery)
    given, held = q.list_proxies(session, actor(), limit=page.limit, offset=page.offset)
    given, next_given = page.cut(given)
    held, next_held = page.cut(held)
    ids = {p.principal_id for p in (*given, *held)} | {p.agent_id for p in (*given, *held)}
    people = {u.id: u for u in session.execute(select(User).where(User.id.in_(ids))).scalars()}
    return jsonify(
        given=[proxy_json(p, people) for p in given],
        held=[proxy_json(p, people) for p in held],
        next=next_given or next_held,
    )


@api_bp.post("/proxies")
@endpoint(operation_id="giveProxy", body=ProxyRequest, ok={201: ProxyOut}, errors=(403, 409))
def give_proxy() -> ResponseReturnValue:
    """Give my vote to another member, for one ballot or until revoked"""
    data = request_body(ProxyRequest)
    proxy = proxy_ops.give_proxy(
        db(), actor=actor(), agent_id=data.agent_id, ballot_id=data.ballot_id
    )
    commit()
    return jsonify(proxy_json(proxy)), 201


@api_bp.post(f"/proxies/<{ID}:proxy_id>/revoke")
@endpoint(operation_id="revokeProxy", ok={200: ProxyOut}, errors=(404, 409))
def revoke_proxy(proxy_id: int) -> ResponseReturnValue:
    """Revoke a proxy (refused once it was used for its one ballot)"""
    proxy = proxy_ops.revoke_proxy(db(), proxy_id, actor=actor())
    commit()
    return jsonify(proxy_json(proxy))
