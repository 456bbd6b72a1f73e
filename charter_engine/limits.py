"""How long each piece of free text may be: the one table that the operations, the forms, the
API's OpenAPI document and the schema read, so that a limit is said once and holds everywhere.

Lengths count characters (code points): what Python's ``len``, JSON Schema's ``maxLength``,
WTForms' ``Length`` and SQL's ``length()`` count on both databases. A text is measured as it was
given, before surrounding spaces are trimmed, so that the API accepts exactly what its OpenAPI
document describes.

The operations check every limit (:func:`check_length`), so the browser, the API and the command
line refuse the same texts with the same message: the API answers 422 naming the field, a form shows
the message next to the field. The forms also declare the limit (``maxlength`` in the page).
In the schema, ``String(n)`` columns carry the short limits and the long texts stored as ``Text``
carry a CHECK constraint (:func:`length_check`) as the last guard, on PostgreSQL.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import CheckConstraint

from charter_engine.errors import ValidationError

# One line.
TITLE: Final = 300  # an amendment's or a ballot's title
CHARTER_TITLE: Final = 200
NAME: Final = 200  # a person's name
ORGANISATION: Final = 200
ROLE_TITLE: Final = 200
AREAS: Final = 500  # areas of work, comma-separated
PHONE: Final = 50
EMAIL: Final = 320
# The work of hashing grows with the length; no one types more.
PASSWORD: Final = 500
FILENAME: Final = 255  # the name of an imported file, kept in the first revision's note
TOKEN_NAME: Final = 100

# Paragraphs.
RATIONALE: Final = 20_000
COMMENT: Final = 20_000
QUOTE: Final = 5_000  # the passage a comment quotes
BIO: Final = 2_000
REASON: Final = 2_000  # why the secretariat made an editorial change

# Charter text: generous, for whole documents.
DOCUMENT: Final = 2_000_000  # an imported charter, or an amendment given as the edited document
# The text proposed for one clause, and all of an amendment's texts together: an imported
# document may be a single block, and an amendment must be able to restate it.
CLAUSE_TEXT: Final = DOCUMENT


def check_length(value: str, limit: int, *, field: str, what: str) -> str:
    """``value`` when it is at most ``limit`` characters long; otherwise a
    :class:`~charter_engine.errors.ValidationError` naming ``field`` ("The rationale is longer
    than 20,000 characters")."""
    if len(value) > limit:
        raise ValidationError(
            f"{what[:1].upper()}{what[1:]} is longer than {limit:,} characters "
            f"({len(value):,} given).",
            field=field,
        )
    return value


def required_text(value: object, limit: int, *, field: str, what: str, missing: str) -> str:
    """``value`` with surrounding spaces trimmed, when it is text that is not blank and at most
    ``limit`` characters long (measured before trimming); otherwise a
    :class:`~charter_engine.errors.ValidationError` naming ``field``: ``missing`` ("Write something
    to comment.") when it is blank or not text, the :func:`check_length` message when too long."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(missing, field=field)
    return check_length(value, limit, field=field, what=what).strip()


def length_check(column: str, limit: int) -> CheckConstraint:
    """The schema's own guard for a long text column: ``CHECK (length(column) <= limit)``.

    PostgreSQL only. It already enforces every ``String(n)``; SQLite ignores declared lengths, and
    adding a CHECK there means rebuilding the table, which other tables reference (with foreign keys
    on, dropping the old table would cascade). On SQLite the operations are the guard.
    """
    return CheckConstraint(f"length({column}) <= {limit}", name=f"{column}_length").ddl_if(
        dialect="postgresql"
    )
