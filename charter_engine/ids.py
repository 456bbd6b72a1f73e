"""Ids of rows: 32-bit integer columns on both databases, so a larger number names nothing (and
PostgreSQL would refuse to compare it with a column rather than find no row)."""

from __future__ import annotations

from typing import TypeGuard

MAX_ID = 2**31 - 1


def is_id(value: object) -> TypeGuard[int]:
    """``value`` is a whole number that can name a row."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
