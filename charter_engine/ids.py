"""Ids of rows: 32-bit integer columns on both databases, so a larger number names nothing (and
PostgreSQL would refuse to compare it with a column rather than find no row)."""

from __future__ import annotations

import re
from typing import TypeGuard

MAX_ID = 2**31 - 1


def is_id(value: object) -> TypeGuard[int]:
    """``value`` is a whole number that can name a row."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


# More digits than MAX_ID has would only be refused (and a very long run would not convert).
_DIGITS = re.compile(r"[0-9]{1,10}")


def whole_number(raw: str | None, *, minimum: int = 0) -> int | None:
    """The whole number written in ``raw`` (a query parameter or a form field; spaces around it
    allowed), when it is from ``minimum`` to :data:`MAX_ID`; otherwise None."""
    text = (raw or "").strip()
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if minimum <= value <= MAX_ID else None
