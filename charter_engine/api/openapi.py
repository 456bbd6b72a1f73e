"""The OpenAPI 3.1 document. Each endpoint module registers the paths it serves, beside its code."""

from __future__ import annotations

from typing import Any

PATHS: dict[str, dict[str, Any]] = {}
SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": "string"},
                    "details": {},
                },
            }
        },
    }
}


def register_paths(paths: dict[str, dict[str, Any]], schemas: dict[str, Any] | None = None) -> None:
    for path, operations in paths.items():
        PATHS.setdefault(path, {}).update(operations)
    SCHEMAS.update(schemas or {})


def error_responses(*codes: int) -> dict[str, Any]:
    text = {
        400: "Malformed request",
        401: "Missing or invalid bearer token",
        403: "Not allowed for this user",
        404: "Unknown object",
        409: "Conflict with the current state",
        415: "The body is not JSON",
        422: "Invalid input",
    }
    return {
        str(code): {
            "description": text.get(code, "Error"),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in codes
    }


PATH_PARAMETER_DESCRIPTIONS = {
    "slug": "The charter's slug",
    "clause_id": "A clause id (stable across revisions)",
    "amendment_id": "An amendment id",
}


def path_params(*names: str) -> list[dict[str, Any]]:
    """Path parameters named as in the route; slugs are strings, everything else an id."""
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": PATH_PARAMETER_DESCRIPTIONS.get(name, name),
            "schema": {"type": "string"}
            if name == "slug"
            else {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        }
        for name in names
    ]


def query_param(
    name: str, description: str = "", schema: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An optional query parameter (a revision number unless ``schema`` says otherwise)."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description or f"The {name.replace('_', ' ')} (a number)",
        "schema": schema or {"type": "integer", "minimum": 1},
    }


def json_body(schema_ref: str | dict[str, Any]) -> dict[str, Any]:
    schema = (
        {"$ref": f"#/components/schemas/{schema_ref}"}
        if isinstance(schema_ref, str)
        else schema_ref
    )
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def json_response(description: str, schema: dict[str, Any] | str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"description": description}
    if schema is not None:
        ref = {"$ref": f"#/components/schemas/{schema}"} if isinstance(schema, str) else schema
        body["content"] = {"application/json": {"schema": ref}}
    return body


def document(version: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Charter Engine API",
            "version": version,
            "description": (
                "Draft a charter together: charters, amendments, comments and ballots. "
                "Authenticate with `Authorization: Bearer <token>` "
                "(`charter-engine create-user ... --token`)."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": dict(sorted(PATHS.items())),
    }
