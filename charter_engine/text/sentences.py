"""Where sentences end: the units a merge charges each change to.

A unit is a sentence, or a line when a line break comes first. A merge may combine two sides'
word changes only when they touch different units, so the rule that ends a sentence decides how
close two edits may be and still merge: a sentence end missed fuses two sentences (and two
members' edits in them conflict for nothing), a sentence end invented splits one (and edits that
belong together merge).
"""

from __future__ import annotations

from collections.abc import Sequence

from .tokens import is_space, is_word

# Punctuation that ends a sentence, and closing marks that may follow it before the space.
_SENTENCE_ENDERS = frozenset(".!?…;:。！？؟۔।॥")
_SPACELESS_ENDERS = frozenset("。！？")
_CLOSERS = frozenset(")]}\"'”’»」』）")


def sentence_units(tokens: Sequence[str]) -> tuple[list[int], list[int]]:
    """Unit number of each token (units are sentences or lines) and where each unit starts."""
    n = len(tokens)
    # Only a line break, a spaceless ender, or the space after a sentence ender and its
    # closing marks can end a unit: check just those instead of every token.
    candidates: set[int] = set()
    for j, token in enumerate(tokens):
        if token in _SENTENCE_ENDERS:
            candidates.add(j)
            k = j + 1
            while k < n and tokens[k] in _CLOSERS:
                k += 1
            candidates.add(k)
        elif "\n" in token or "\r" in token:
            candidates.add(j)
    starts = [0]
    starts.extend(k + 1 for k in sorted(candidates) if k + 1 < n and ends_unit(tokens, k))
    units: list[int] = []
    for unit, (start, end) in enumerate(zip(starts, [*starts[1:], n], strict=True)):
        units.extend([unit] * (end - start))
    return units, starts


def ends_unit(tokens: Sequence[str], k: int) -> bool:
    """Whether a unit ends after ``tokens[k]`` (which must not be the last token)."""
    token = tokens[k]
    nxt = tokens[k + 1]
    if is_space(token):
        if "\n" in token or "\r" in token:
            return True
        j = k - 1
        while j >= 0 and tokens[j] in _CLOSERS:
            j -= 1
        if j < 1 or tokens[j] not in _SENTENCE_ENDERS:
            return False
        before = tokens[j - 1]
        if before.isdigit():
            # "… under Article 12. The secretariat …" ends a sentence; "1. Mission" and
            # "1.2. Scope" open a line with a list or section number. (Looking back only
            # after a capitalised word keeps the scans short: each stops at the last one.)
            return is_word(nxt) and nxt[0].isupper() and _closes_a_line_of_words(tokens, j - 1)
        # "e.g. the" and "No. 5" are not sentence ends.
        if not is_word(before) or len(before) < 2:
            return False
        return not (is_word(nxt) and (nxt[0].islower() or nxt[0].isdigit()))
    return token in _SPACELESS_ENDERS and not is_space(nxt) and nxt not in _CLOSERS


def _closes_a_line_of_words(tokens: Sequence[str], k: int) -> bool:
    """Whether a word with letters comes before ``tokens[k]`` on its line."""
    for j in range(k - 1, -1, -1):
        token = tokens[j]
        if "\n" in token or "\r" in token:
            return False
        if is_word(token) and not token.isdigit():
            return True
    return False
