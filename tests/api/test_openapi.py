"""The OpenAPI document: every /api/v1 route is in it (and nothing else), and it is a well-formed
OpenAPI 3.1 document whose references all resolve."""

from __future__ import annotations

import re
from typing import Any

from openapi_spec_validator import validate

PREFIX = "/api/v1"
METHODS = {"get", "put", "post", "delete", "patch"}
_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _document(client: Any) -> dict[str, Any]:
    # The document is public: integrations fetch it before they have a token.
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.get_json()
    return document


def _routes(app: Any) -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = _CONVERTER.sub(r"{\1}", rule.rule[len(PREFIX) :])
        routes.setdefault(path, set()).update(m.lower() for m in rule.methods or ())
    return {path: methods & METHODS for path, methods in routes.items()}


def test_every_api_route_is_documented_and_nothing_else(app: Any, client: Any) -> None:
    documented = _document(client)["paths"]
    routes = _routes(app)
    missing = sorted(
        f"{method.upper()} {path}"
        for path, methods in routes.items()
        for method in methods
        if method not in documented.get(path, {})
    )
    assert not missing, f"routes missing from the OpenAPI document: {missing}"
    stale = sorted(
        f"{method.upper()} {path}"
        for path, operations in documented.items()
        for method in operations
        if method in METHODS and method not in routes.get(path, set())
    )
    assert not stale, f"documented operations that no route serves: {stale}"


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"only local references are used: {ref}"
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"unresolved reference {ref}"
        node = node[part]
    return node


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_the_document_is_well_formed(client: Any) -> None:
    document = _document(client)
    assert document["openapi"].startswith("3.1.")
    assert document["info"]["title"] and document["info"]["version"]
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
    }
    for node in _walk(document):
        if isinstance(node.get("$ref"), str):
            _resolve(document, node["$ref"])

    operation_ids: list[str] = []
    for path, item in document["paths"].items():
        assert path.startswith("/") and not path.startswith(PREFIX), path
        templated = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            assert method in METHODS | {"parameters", "summary", "description"}, (path, method)
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            if "operationId" in operation:
                operation_ids.append(operation["operationId"])
            parameters = [
                _resolve(document, p["$ref"]) if "$ref" in p else p
                for p in item.get("parameters", []) + operation.get("parameters", [])
            ]
            for parameter in parameters:
                assert parameter["in"] in {"path", "query", "header", "cookie"}, where
                assert "schema" in parameter or "content" in parameter, where
                if parameter["in"] == "path":
                    assert parameter["required"] is True, where
            declared = {p["name"] for p in parameters if p["in"] == "path"}
            assert declared == templated, f"{where}: path parameters {declared} != {templated}"
            responses = operation["responses"]
            assert responses, where
            assert any(code.startswith("2") for code in responses), where
            for code, response in responses.items():
                assert re.fullmatch(r"[1-5][0-9][0-9]|[1-5]XX|default", code), (where, code)
                response = _resolve(document, response["$ref"]) if "$ref" in response else response
                assert response.get("description"), (where, code)
                if code.startswith(("4", "5")) and "content" in response:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (where, code)
            if method in {"get", "delete"}:
                assert operation.get("requestBody", {}).get("required") is not True, where
            if "requestBody" in operation:
                assert operation["requestBody"]["content"], where
    assert len(operation_ids) == len(set(operation_ids)), "operationIds must be unique"


def test_the_document_passes_the_openapi_validator(client: Any) -> None:
    validate(_document(client))


def test_error_schema_matches_what_errors_look_like(client: Any) -> None:
    error = client.get(f"{PREFIX}/charters").get_json()  # no token
    document = _document(client)
    schema = document["components"]["schemas"]["Error"]
    assert set(schema["required"]) <= set(error)
    inner = schema["properties"]["error"]
    inner = _resolve(document, inner["$ref"]) if "$ref" in inner else inner
    assert set(inner["required"]) <= set(error["error"])
