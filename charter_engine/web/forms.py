"""Form helpers shared by the blueprints.

* :class:`Form` — the base class for every form (Flask-WTF's ``FlaskForm``: CSRF included), typed
  so that mypy accepts subclasses;
* :class:`EmailAddress` — a validator with the same rule as the accounts operations;
* :class:`TextLength` — the length limit of a textarea (:mod:`charter_engine.limits`);
* :func:`choices` — (value, label) pairs for ``SelectField``/``RadioField``;
* :func:`commit_or_show` — the unit of work of a view that handles a form: run the operations,
  and either commit or roll back and show the domain error on the form;
* :func:`commit_or_flash` — the same for a button: a refusal is flashed as an error;
* :func:`show_error` — a domain error next to the field it names, or above the form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectChoice
from wtforms.validators import ValidationError as FieldError

from charter_engine.accounts.operations import normalise_email
from charter_engine.context import db
from charter_engine.errors import CharterError, Conflict, InvalidTransition, ValidationError

if TYPE_CHECKING:

    class Form:
        """Typed stand-in for ``FlaskForm`` (which has no type information)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None: ...
        def __getattr__(self, name: str) -> Any: ...
        def __getitem__(self, name: str) -> Any: ...
        def validate_on_submit(self) -> bool: ...

else:
    Form = FlaskForm


class EmailAddress:
    """The same email rule as the accounts operations (no extra dependency)."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        try:
            normalise_email(field.data or "")
        except ValidationError as exc:
            raise FieldError(self.message or exc.message) from None


class TextLength:
    """At most ``maximum`` characters in a textarea, a line break counting as one.

    Browsers send every line break of a textarea as CR LF but count it as one character against
    the ``maxlength`` this validator puts in the page (WTForms' ``Length`` would count two, and
    refuse a text the browser let the person type). The message stands next to the field.
    """

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum
        self.field_flags = {"maxlength": maximum}

    def __call__(self, form: Any, field: Any) -> None:
        length = len((field.data or "").replace("\r\n", "\n"))
        if length > self.maximum:
            raise FieldError(f"This is longer than {self.maximum:,} characters ({length:,} given).")


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


def show_error(
    form: Any, exc: CharterError, *, field: str | None = None, aliases: Mapping[str, str] = {}
) -> None:
    """Show a domain error next to the field it is about — ``field``, else the error's own field
    as named in ``aliases`` (or as it is) — or above the form when the form shows no such field."""
    name = field or getattr(exc, "field", None) or ""
    name = aliases.get(name, name)
    target = getattr(form, name, None) if name and name != "csrf_token" else None
    if target is not None and hasattr(target, "errors") and target.type != "HiddenField":
        target.errors = [*list(target.errors or []), exc.message]
    else:
        form.form_errors.append(exc.message)


T = TypeVar("T")

# The refusals a page shows again with the message (anything else goes to the error pages).
FORM_REFUSALS: tuple[type[CharterError], ...] = (ValidationError, InvalidTransition, Conflict)


@dataclass(frozen=True)
class Done(Generic[T]):
    """What the work of :func:`commit_or_show` returned, once committed."""

    value: T


def commit_or_show(
    form: Any,
    work: Callable[[], T],
    *,
    errors: tuple[type[CharterError], ...] = (ValidationError,),
    aliases: Mapping[str, str] = {},
    on_error: Callable[[CharterError], None] | None = None,
) -> Done[T] | None:
    """Run ``work`` (operations on the request's session) as the view's one unit of work.

    When it raises one of ``errors``, the transaction is rolled back, the error is shown on
    ``form`` (:func:`show_error` with ``aliases``, or ``on_error``) and None is returned, for the
    view to show the form again. Otherwise the transaction is committed and the work's result
    returned in :class:`Done`. Other errors propagate to the error pages, which roll back too.
    """
    try:
        value = work()
    except errors as exc:
        db().rollback()
        if on_error is not None:
            on_error(exc)
        else:
            show_error(form, exc, aliases=aliases)
        return None
    db().commit()
    return Done(value)


def commit_or_flash(
    work: Callable[[], T],
    success: str | Callable[[T], str],
    *,
    errors: tuple[type[CharterError], ...] = FORM_REFUSALS,
) -> Done[T] | None:
    """:func:`commit_or_show` for a button (no form to show again): a refusal is rolled back and
    flashed as an error; otherwise the work is committed and ``success`` (or ``success(result)``)
    flashed. The view redirects either way."""
    done = commit_or_show(
        None, work, errors=errors, on_error=lambda exc: flash(exc.message, "error")
    )
    if done:
        flash(success if isinstance(success, str) else success(done.value), "success")
    return done
