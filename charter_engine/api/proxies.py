"""Proxy endpoints of the JSON API: the proxies I gave and hold, give my vote to another member,
revoke a proxy; and their OpenAPI paths."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from charter_engine.accounts.models import User
from charter_engine.api.core import (
    abort_json,
    actor,
    api_bp,
    commit,
    iso_time,
    json_object,
    refuse_unknown_fields,
)
from charter_engine.api.openapi import error_responses, json_body, json_response, register_paths
from charter_engine.context import db
from charter_engine.voting import proxies as proxy_ops
from charter_engine.voting import queries as q
from charter_engine.voting.models import Proxy

PROXY_FIELDS = frozenset({"agent_id", "ballot_id"})


# --------------------------------------------------------------------------------------------
# helpers


def proxy_json(proxy: Proxy) -> dict[str, Any]:
    session = db()
    principal = session.get(User, proxy.principal_id)
    agent = session.get(User, proxy.agent_id)
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


@api_bp.get("/proxies")
def list_proxies() -> ResponseReturnValue:
    given, held = q.list_proxies(db(), actor())
    return jsonify(given=[proxy_json(p) for p in given], held=[proxy_json(p) for p in held])


@api_bp.post("/proxies")
def give_proxy() -> ResponseReturnValue:
    body = json_object()
    refuse_unknown_fields(body, PROXY_FIELDS)
    if "agent_id" not in body:
        abort_json(
            422, "invalid", "Name the member who will vote for you (agent_id).", field="agent_id"
        )
    proxy = proxy_ops.give_proxy(
        db(), actor=actor(), agent_id=body.get("agent_id"), ballot_id=body.get("ballot_id")
    )
    commit()
    return jsonify(proxy_json(proxy)), 201


@api_bp.post("/proxies/<int:proxy_id>/revoke")
def revoke_proxy(proxy_id: int) -> ResponseReturnValue:
    proxy = proxy_ops.revoke_proxy(db(), proxy_id, actor=actor())
    commit()
    return jsonify(proxy_json(proxy))


# --------------------------------------------------------------------------------------------
# OpenAPI

_SCHEMAS = {
    "Proxy": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "principal": {"type": "object"},
            "agent": {"type": "object"},
            "ballot_id": {"type": ["integer", "null"]},
            "scope": {"type": "string", "enum": ["ballot", "all"]},
            "active": {"type": "boolean"},
        },
    },
    "ProxyRequest": {
        "type": "object",
        "required": ["agent_id"],
        "additionalProperties": False,
        "properties": {
            "agent_id": {"type": "integer"},
            "ballot_id": {
                "type": ["integer", "null"],
                "description": "one ballot; omit for all ballots until revoked",
            },
        },
    },
}

register_paths(
    {
        "/proxies": {
            "get": {
                "summary": "Proxies I gave and proxies I hold",
                "tags": ["proxies"],
                "responses": {"200": json_response("Proxies"), **error_responses(401)},
            },
            "post": {
                "summary": "Give my vote to another member, for one ballot or until revoked",
                "tags": ["proxies"],
                "requestBody": json_body("ProxyRequest"),
                "responses": {
                    "201": json_response("The proxy", "Proxy"),
                    **error_responses(400, 401, 403, 409, 422),
                },
            },
        },
        "/proxies/{proxy_id}/revoke": {
            "post": {
                "summary": "Revoke a proxy (refused once it was used for its one ballot)",
                "tags": ["proxies"],
                "parameters": [
                    {
                        "name": "proxy_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {
                    "200": json_response("The revoked proxy", "Proxy"),
                    **error_responses(401, 404, 409),
                },
            }
        },
    },
    schemas=_SCHEMAS,
)
