"""Text typed into a form, restated as the engine stores it: the line ends of the charter it belongs
to, and a clause's trailing blank lines (which separate it from the next clause) kept.

Browsers submit every line end of a textarea as CRLF and easily lose trailing blank lines; without
this, a charter written with LF line ends would see every line of an edited clause change, and two
clauses would run together. The web pages and the API share these functions.
"""

from __future__ import annotations

import re


def normalise_newlines(submitted: str | None, reference: str) -> str:
    """Text from a textarea, with the line ends of the charter it belongs to.

    Browsers submit every line end of a textarea as CRLF; a charter written with LF line ends
    would otherwise see every line of an edited clause change. A charter that uses CRLF keeps them.
    """
    text = submitted or ""
    if "\r\n" in reference:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


_TRAILING_SPACE = re.compile(r"\s*\Z")


def restate_clause_text(submitted: str | None, original: str) -> str:
    """An edited clause as the engine stores it: the charter's line ends, and the blank lines
    that separated the clause from the next one kept as they were (a textarea easily loses them,
    and without them two clauses would run together)."""
    text = normalise_newlines(submitted, original)
    if not text.strip():
        return ""
    trailing = _TRAILING_SPACE.search(original)
    ending = trailing.group(0) if trailing else ""
    return text.rstrip() + ending


def new_clause_text(submitted: str | None, reference: str) -> str:
    """A new clause (an insert): line ends of the charter, and a blank line after it."""
    text = normalise_newlines(submitted, reference)
    if not text.strip():
        return ""
    newline = "\r\n" if "\r\n" in reference else "\n"
    return text.rstrip() + newline * 2
