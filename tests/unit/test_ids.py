"""Numbers read from query parameters and form fields."""

from __future__ import annotations

import pytest

from charter_engine.ids import MAX_ID, whole_number


@pytest.mark.parametrize(
    ("raw", "minimum", "expected"),
    [
        ("7", 0, 7),
        (" 12 ", 0, 12),
        ("0", 0, 0),
        ("0", 1, None),
        (str(MAX_ID), 1, MAX_ID),
        (str(MAX_ID + 1), 1, None),
        ("9" * 5000, 0, None),  # too long to be an id (and to convert)
        ("²", 0, None),  # a digit to str.isdigit, not a number
        ("-3", 0, None),
        ("3.0", 0, None),
        ("", 0, None),
        (None, 0, None),
    ],
)
def test_whole_number(raw: str | None, minimum: int, expected: int | None) -> None:
    assert whole_number(raw, minimum=minimum) == expected
