"""Word tokenisation shared by every text operation (diff, merge, anchors, similarity).

A token is a word (a run of letters, digits and combining marks, with apostrophes allowed
between letters), a run of whitespace, a single ideograph or syllable of a script written
without spaces, or any other single character. Concatenating the tokens always gives back
the original text exactly, which is what lets every diff and merge be replayed byte for byte.
"""

from __future__ import annotations

import re
import unicodedata

# Scripts written without spaces between words: each character is treated as its own token,
# otherwise a whole sentence would become one "word" and every edit would replace all of it.
_SPACELESS = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3005-\u3007\u3021-\u3029\u3038-\u303c"  # CJK ideographic marks and numerals
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u31f0-\u31ff"  # Katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0003134f"  # CJK extensions B..G
)

_WORD_CHAR = rf"[^\W_{_SPACELESS}]"
_TOKEN_RE = re.compile(
    rf"{_WORD_CHAR}+(?:['\u2019]{_WORD_CHAR}+)*"
    rf"|[{_SPACELESS}]"
    r"|\s+"
    r"|.",
    re.DOTALL,
)

# Zero-width joiners are part of words in Persian, Indic scripts and emoji sequences.
_JOINERS = frozenset("\u200c\u200d")


def _is_mark(token: str) -> bool:
    if len(token) != 1:
        return False
    char = token
    if char in _JOINERS:
        return True
    if char.isascii() or char.isalnum() or char.isspace():
        return False
    return unicodedata.category(char).startswith("M")


def tokenize(text: str) -> list[str]:
    """Split ``text`` into word, whitespace and punctuation tokens; ``"".join`` restores it."""
    tokens: list[str] = _TOKEN_RE.findall(text)
    if text.isascii():
        return tokens
    # Python's \w does not include combining marks (Arabic harakat, Indic vowel signs), so a
    # word containing them comes out of the regex in pieces: glue the pieces back together.
    out: list[str] = []
    gluing = False
    for token in tokens:
        if _is_mark(token) and out and not out[-1][-1].isspace():
            out[-1] += token
            gluing = True
            continue
        if gluing and token[0].isalnum() and not _is_spaceless(token[0]):
            out[-1] += token
            gluing = False
            continue
        gluing = False
        out.append(token)
    return out


_SPACELESS_RE = re.compile(rf"[{_SPACELESS}]")


def _is_spaceless(char: str) -> bool:
    return _SPACELESS_RE.match(char) is not None


def is_word(token: str) -> bool:
    """True when ``token`` is a word (letters or digits), not whitespace or punctuation."""
    if not token:
        return False
    first = token[0]
    # ASCII punctuation and spaces, most tokens that are not words, skip the script check.
    return first.isalnum() or (not first.isascii() and _is_spaceless(first))


def is_space(token: str) -> bool:
    """True when ``token`` is a whitespace run."""
    return token.isspace()
