"""Form helpers shared by the blueprints.

* :class:`Form` — the base class for every form (Flask-WTF's ``FlaskForm``: CSRF included), typed
  so that mypy accepts subclasses;
* :class:`EmailAddress` — a validator with the same rule as the accounts operations;
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


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]
