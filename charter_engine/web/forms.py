"""Form helpers shared by the blueprints.

* :class:`Form` — the base class for every form (Flask-WTF's ``FlaskForm``: CSRF included), typed
  so that mypy accepts subclasses;
* :class:`EmailAddress` — a validator with the same rule as the accounts operations;
* :class:`TextLength` — the length limit of a textarea (:mod:`charter_engine.limits`);
* :func:`choices` — (value, label) pairs for ``SelectField``/``RadioField``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask_wtf import FlaskForm
from wtforms import SelectChoice
from wtforms.validators import ValidationError as FieldError

from charter_engine.accounts.operations import normalise_email
from charter_engine.errors import ValidationError

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
