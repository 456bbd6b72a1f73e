"""Each API endpoint is declared once, on its handler, with pydantic models; that declaration
validates the request and generates the OpenAPI document.

:func:`endpoint` wraps spectree's ``validate``: the body model, the query model and the response
models of every status the handler answers go there. Spectree checks the query string and the JSON
body against the models before the handler runs (a refused query is a ``400``, a refused body a
``422`` naming the field, both in the API's one error format, with the validator's findings in
``details.errors``) and checks every JSON answer against the model declared for its status. The
handler reads the parsed values with :func:`body` and :func:`query`: typed objects, never raw JSON.
The endpoints of one module share the tag they are listed under: the module declares them with
:func:`endpoints_tagged`.

Path parameters are declared by the route itself: ids use :data:`ID` (``1 … 2³¹−1``), so an id
that cannot name a row does not match the route and answers ``404`` with no query.

The body is read more strictly than spectree does by itself (:class:`StrictJsonPlugin`): it must
be UTF-8 JSON sent as ``application/json`` (``415`` otherwise), an object, without NUL characters
or unpaired surrogates anywhere (``400``); an empty body counts as ``{}`` where the body is
optional.

:func:`document` serves the generated document with the paths relative to ``/api/v1``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Annotated, Any, ClassVar, TypeVar

from flask import current_app, request, url_for
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic import ValidationError as SchemaError
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData, Server
from spectree.plugins.base import Context
from spectree.plugins.flask_plugin import FlaskPlugin
from spectree.utils import get_multidict_items
from werkzeug.routing import BaseConverter

from charter_engine import __version__, limits
from charter_engine.ids import MAX_ID

PREFIX = "/api/v1"


class IdConverter(BaseConverter):
    """A path segment that names a row: a whole number from 1 to 2³¹−1, written plainly.

    The bounds are in the pattern itself, so that a number no row can have matches no route and
    answers 404 (a converter that refused it after matching would answer 405 where another method
    is routed on the same path)."""

    regex = (
        r"(?:[1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}"
        r"|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}"
        r"|21474836[0-3][0-9]|214748364[0-7])"
    )
    weight = 50

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return str(int(value))


# In a route: ``f"/ballots/<{ID}:ballot_id>"``. The blueprint registers the converter.
ID = "api_id"
_ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

# Text that a column can store: no NUL character (JSON Schema's pattern, so the document says it).
NO_NUL = r"^[^\x00]*$"

T = TypeVar("T", bound=BaseModel)


def _text(max_length: int) -> Any:
    return StringConstraints(max_length=max_length, pattern=NO_NUL)


# Texts, with the limits of :mod:`charter_engine.limits`; none may hold a NUL character.
PlainText = Annotated[str, StringConstraints(pattern=NO_NUL)]
Title = Annotated[str, _text(limits.TITLE)]
CharterTitle = Annotated[str, _text(limits.CHARTER_TITLE)]
Filename = Annotated[str, _text(limits.FILENAME)]
Rationale = Annotated[str, _text(limits.RATIONALE)]
CommentText = Annotated[str, _text(limits.COMMENT)]
Quote = Annotated[str, _text(limits.QUOTE)]
Reason = Annotated[str, _text(limits.REASON)]
Document = Annotated[str, _text(limits.DOCUMENT)]
ClauseText = Annotated[str, _text(limits.CLAUSE_TEXT)]
Notes = Annotated[str, _text(limits.RATIONALE)]


def _integral(value: Any) -> Any:
    """JSON has one kind of number: 2.0 is the integer 2 (as JSON Schema says), 2.5 is not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


IdValue = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_integral)]
Number = IdValue  # a revision or version number
Offset = Annotated[int, Field(ge=0, le=MAX_ID), BeforeValidator(_integral)]  # in a text


def _digits(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{1,10}", value):
        raise ValueError("give a whole number in digits")
    return value


# A number in the query string: plain ASCII digits (not "1.0", "1_0" or "١").
QueryNumber = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_digits)]


def _omit_null(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """In the document, an optional member that may not be null is only optional."""
    nullable: frozenset[str] = getattr(model, "NULLABLE", frozenset())
    for name, prop in schema.get("properties", {}).items():
        if name in nullable or "anyOf" not in prop:
            continue
        kept = [option for option in prop["anyOf"] if option != {"type": "null"}]
        if len(kept) == len(prop["anyOf"]):
            continue
        prop.pop("anyOf")
        if prop.get("default", 0) is None:
            prop.pop("default")
        if len(kept) == 1:
            prop.update(kept[0])
        else:
            prop["anyOf"] = kept


class Body(BaseModel):
    """A request body: every member declared, an unknown one refused, no type coerced.

    A member that may be left out is not thereby nullable: ``null`` is refused unless the member
    is in ``NULLABLE`` (where null means something, such as "no quorum")."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_omit_null)
    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("leave it out rather than send null")
        return value


class Query(BaseModel):
    """Query parameters: given as text, read as the declared types; unknown ones are ignored. A
    query string has no null: a parameter is given (and valid) or left out."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_omit_null)


MAX_PAGE_SIZE = 100
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE), BeforeValidator(_digits)]
R = TypeVar("R")


class PageQuery(Query):
    """One page of a list: ``?page=2&per_page=20``. The answer's ``next`` is the link to the
    next page, null on the last one."""

    page: QueryNumber = Field(1, description="Which page, from 1")
    per_page: PageSize = Field(50, description=f"How many per page, at most {MAX_PAGE_SIZE}")

    @property
    def limit(self) -> int:
        """Rows to read: one more than a page, to know whether another page follows."""
        return self.per_page + 1

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def cut(self, rows: Sequence[R]) -> tuple[Sequence[R], str | None]:
        """The page's rows (``rows`` read with :attr:`limit` and :attr:`offset`), and the link
        to the next page when there is one."""
        if len(rows) <= self.per_page:
            return rows, None
        args: dict[str, Any] = {
            **request.args.to_dict(),
            "page": self.page + 1,
            "per_page": self.per_page,
        }
        return rows[: self.per_page], url_for(
            request.endpoint or "", **(request.view_args or {}), **args
        )


class Answer(BaseModel):
    """A JSON answer (checked against its model before it leaves)."""

    model_config = ConfigDict(extra="forbid")


class Paged(Answer):
    """A page of a list (see :class:`PageQuery`)."""

    next: str | None = Field(description="The link to the next page; null on the last page")


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    details: Any = None


class Error(BaseModel):
    """Every refusal: ``{"error": {"code", "message", "field"?, "details"?}}``."""

    error: ErrorDetail


class RequestRefused(Exception):
    """The request does not match its declaration (raised before the handler runs)."""

    def __init__(self, status: int, message: str, field: str | None = None, errors: Any = None):
        super().__init__(message)
        self.status, self.message, self.field, self.errors = status, message, field, errors


def _check_strings(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            texts: Iterable[str] = (item,)
        elif isinstance(item, dict):
            texts = item.keys()
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
            continue
        else:
            continue
        for piece in texts:
            if "\x00" in piece:
                raise RequestRefused(400, "Text may not contain NUL characters.")
            try:
                piece.encode("utf-8")
            except UnicodeEncodeError:
                raise RequestRefused(
                    400, "The body holds an unpaired surrogate; it is not text."
                ) from None


def read_json_object(*, optional: bool = False) -> dict[str, Any]:
    """The request body as a JSON object, or :class:`RequestRefused` saying what is wrong."""
    raw = request.get_data()
    if not raw and optional:
        return {}
    if not request.is_json:
        raise RequestRefused(
            415 if raw else 400, "Send a JSON object with 'Content-Type: application/json'."
        )
    try:
        parsed = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise RequestRefused(400, "The body is not valid UTF-8.") from None
    except (ValueError, RecursionError):
        raise RequestRefused(400, "The body is not valid JSON.") from None
    if not isinstance(parsed, dict):
        raise RequestRefused(400, "The body must be a JSON object.")
    _check_strings(parsed)
    return parsed


def _errors(exc: SchemaError) -> list[dict[str, Any]]:
    return [
        {"loc": [str(part) for part in e["loc"]], "message": e["msg"]}
        for e in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


def _refusal(exc: SchemaError, status: int, where: str) -> RequestRefused:
    first = exc.errors(include_url=False)[0]
    loc = [str(part) for part in first["loc"]]
    name = loc[0] if loc else None
    if first["type"] == "extra_forbidden":
        unknown = sorted(
            str(e["loc"][0]) for e in exc.errors() if e["type"] == "extra_forbidden" and e["loc"]
        )
        message = f"Unknown field(s): {', '.join(unknown)}."
    elif where == "query":
        message = f"The query parameter '{name}' is not valid: {first['msg']}."
    elif first["type"] == "string_too_long":
        what = str(loc[-1]).replace("_", " ") if loc else "text"
        message = (
            f"The {what} is longer than {first['ctx']['max_length']:,} characters "
            f"({len(first['input']):,} given)."
        )
    elif first["type"] == "missing":
        message = f"The field '{name}' is required."
    else:
        message = f"The field '{'.'.join(loc)}' is not valid: {first['msg']}."
    return RequestRefused(status, message, field=name, errors=_errors(exc))


class StrictJsonPlugin(FlaskPlugin):
    """Spectree's Flask plugin, reading bodies strictly (see the module docstring) and refusing
    in the API's error format."""

    def request_validation(
        self, request: Any, query: Any, json: Any, form: Any, headers: Any, cookies: Any
    ) -> None:
        query_value = None
        if query is not None:
            try:
                query_value = query.model_validate(get_multidict_items(request.args, query))
            except SchemaError as exc:
                raise _refusal(exc, 400, "query") from None
        json_value = None
        if json is not None:
            view = current_app.view_functions.get(request.endpoint or "")
            raw = read_json_object(optional=getattr(view, "optional_body", False))
            try:
                json_value = json.model_validate(raw)
            except SchemaError as exc:
                raise _refusal(exc, 422, "body") from None
        request.context = Context(query_value, json_value, None, None, None)


spec = SpecTree(
    backend=StrictJsonPlugin,
    mode="strict",
    annotations=False,
    title="Charter Engine API",
    version=__version__,
    description=(
        "Draft a charter together: charters, amendments, comments and ballots. "
        "Authenticate with `Authorization: Bearer <token>` (`charter-engine create-user ... "
        "--token`). Lists come in pages: follow `next` until it is null."
    ),
    openapi_version="3.1.0",
    servers=[Server(url=PREFIX)],
    security_schemes=[
        SecurityScheme(
            name="bearer", data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer")
        )
    ],
    security={"bearer": []},
    validation_error_status=422,
    validation_error_model=Error,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    page_templates={},
)

ERROR_TEXT = {
    400: "Malformed request",
    401: "Missing or invalid bearer token",
    403: "Not allowed for this user",
    404: "Unknown object",
    409: "Conflict with the current state",
    413: "The body is too large",
    415: "The body is not JSON",
    422: "Invalid input, or refused by a rule",
}

# What the models cannot say, by operationId: other media types, optional bodies, public access.
_EXTRA: dict[str, dict[str, Any]] = {}


def endpoint(
    *,
    operation_id: str,
    tags: str,
    ok: Mapping[int, type[BaseModel] | None],
    errors: Iterable[int] = (),
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    body_optional: bool = False,
    content: Mapping[int, Mapping[str, Any]] | None = None,
    public: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an endpoint: its body, query and answers (the summary is the handler's docstring's
    first line, the description the rest). Every operation may also answer 401; those with a body
    400, 415 and 422; those with a query 400."""
    codes = set(errors)
    if not public:
        codes.add(401)
    if body is not None:
        codes |= {400, 415, 422}
    if query is not None:
        codes.add(400)
    responses: dict[str, Any] = {}
    for status, model in ok.items():
        responses[f"HTTP_{status}"] = model
    for status in sorted(codes):
        responses[f"HTTP_{status}"] = (Error, ERROR_TEXT.get(status, "Error"))
    _EXTRA[operation_id] = {
        "codes": {str(status) for status in (*ok, *codes)},
        "query": query.__name__ if query is not None else None,
        "body_optional": body_optional,
        "content": dict(content or {}),
        "public": public,
    }

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        validated = spec.validate(
            json=body,
            query=query,
            resp=Response(**responses),
            tags=(tags,),
            operation_id=operation_id,
        )(func)
        validated.optional_body = body_optional
        wrapped: Callable[..., Any] = validated
        return wrapped

    return decorate


def endpoints_tagged(tag: str) -> partial[Callable[[Callable[..., Any]], Callable[..., Any]]]:
    """:func:`endpoint` for the endpoints of one module, which the document lists under one tag."""
    return partial(endpoint, tags=tag)


def request_body(model: type[T]) -> T:
    """The request body, as validated against ``model`` by the endpoint's declaration."""
    value = request.context.json  # type: ignore[attr-defined]
    assert isinstance(value, model)
    return value


def request_query(model: type[T]) -> T:
    """The query parameters, as validated against ``model`` by the endpoint's declaration."""
    value = request.context.query  # type: ignore[attr-defined]
    assert isinstance(value, model)
    return value


_TEMPLATE = re.compile(r"{([^}]+)}")


def document() -> dict[str, Any]:
    """The OpenAPI document of the API, paths relative to the server URL ``/api/v1``."""
    generated = spec.spec
    paths: dict[str, Any] = {}
    for path, item in generated["paths"].items():
        if not path.startswith(PREFIX + "/"):
            continue
        operations: dict[str, Any] = {}
        for method, operation in item.items():
            operation = dict(operation)
            extra = _EXTRA.get(operation["operationId"], {})
            if not operation.get("description"):
                operation.pop("description", None)
            if extra.get("public"):
                operation["security"] = []
            if extra.get("body_optional") and "requestBody" in operation:
                operation["requestBody"] = {**operation["requestBody"], "required": False}
            responses = {}
            for code, response in operation["responses"].items():
                if code not in extra.get("codes", ()):
                    continue  # spectree adds a 422 to every operation; ours say where it is
                media = extra.get("content", {}).get(int(code))
                if media is not None:
                    response = {**response, "content": dict(media)}
                responses[code] = response
            operation["responses"] = responses
            for parameter in operation["parameters"]:
                if parameter["in"] == "path" and parameter["name"].endswith("_id"):
                    parameter["schema"] = dict(_ID_SCHEMA)
                if not parameter.get("description"):
                    parameter["description"] = parameter["name"].replace("_", " ")
                parameter["schema"].pop("title", None)
            operations[method] = operation
        paths[path[len(PREFIX) :]] = operations
    out = {key: value for key, value in generated.items() if key != "paths"}
    # Query models become parameters; their schemas are not referenced.
    queries = {extra["query"] for extra in _EXTRA.values() if extra["query"]}
    out["components"] = {
        **out["components"],
        "schemas": {
            name: schema
            for name, schema in out["components"]["schemas"].items()
            if name not in queries
        },
    }
    out["paths"] = dict(sorted(paths.items()))
    out["tags"] = sorted(out.get("tags", []), key=lambda tag: tag["name"])
    return out
