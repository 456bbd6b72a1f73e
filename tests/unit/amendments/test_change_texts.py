"""The old and new text of a change, as every page, ballot and export shows it."""

from __future__ import annotations

import pytest

from charter_engine.amendments.queries import change_texts


@pytest.mark.parametrize(
    ("kind", "base", "proposed", "expected"),
    [
        (
            "replace",
            "Members meet.\n\n",
            "Members meet twice.\n\n",
            ("Members meet.\n\n", "Members meet twice.\n\n"),
        ),
        ("insert", None, "A new clause.\n\n", (None, "A new clause.\n\n")),
        ("insert", "ignored", "A new clause.\n\n", (None, "A new clause.\n\n")),
        ("delete", "Gone.\n\n", None, ("Gone.\n\n", None)),
        ("move", "Moved.\n\n", None, ("Moved.\n\n", "Moved.\n\n")),
        # A move that also adjusts the blank lines after the clause proposes that text.
        ("move", "Moved.\n\n", "Moved.\n", ("Moved.\n\n", "Moved.\n")),
    ],
)
def test_change_texts(
    kind: str, base: str | None, proposed: str | None, expected: tuple[str | None, str | None]
) -> None:
    assert change_texts(kind, base, proposed) == expected
