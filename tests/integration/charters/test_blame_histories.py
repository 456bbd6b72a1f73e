"""Blame on real histories: every word of the last version is attributed to the step that
introduced it, checked against a reference computed here from the version files alone.

The charter is built the way it is used: the first version imported, every later version
proposed as an amendment of the whole document and merged. Blame then reads the stored history
(revisions, clause identities, versions). The reference ignores all of that: it cuts each version
file into paragraphs at blank lines, matches identical paragraphs between consecutive versions
with difflib (in order, and a paragraph found once on each side elsewhere as moved), and aligns
the words of the paragraphs in between with the engine's word diff. Words that line up keep their
origin, the others are new in that step.

Why the engine's word diff, not difflib, for words: difflib's matching blocks pair common words
across rewritten sentences ("the", "of", a full stop), which a semantic diff does not; on the
CNCF charter they disagree on 397 of 7,023 words. Comparing against difflib would test which
diff algorithm was chosen, not whether blame follows the history correctly.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.publication.provenance import revision_blame
from charter_engine.text.diff import diff_tokens
from charter_engine.text.tokens import tokenize
from tests.integration.charters.history import read_versions, replay_history
from tests.shared_data import require_shared_data, shared_data_dir

_PARAGRAPH = re.compile(r"(?:[^\n]*\S[^\n]*(?:\n|$))+\s*|\s+")


def _histories() -> list[str]:
    folder = shared_data_dir() / "histories"
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else ["-"]


def _versions(name: str) -> list[str]:
    return read_versions(Path(require_shared_data("histories", name)))


def _paragraphs(text: str) -> list[str]:
    found = _PARAGRAPH.findall(text)
    assert "".join(found) == text
    return found


def reference_blame(versions: list[str]) -> list[tuple[str, int]]:
    """(word, index of the version that introduced it) for every word of the last version."""
    old = _paragraphs(versions[0])
    origins = [[0] * len(tokenize(p)) for p in old]
    for step, text in enumerate(versions[1:], start=1):
        if text == "".join(old):
            continue  # an unchanged version makes no revision
        new = _paragraphs(text)
        found: list[list[int] | None] = [None] * len(new)
        used_old: set[int] = set()
        blocks = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
        for tag, i0, i1, j0, _j1 in blocks:
            if tag == "equal":
                for d in range(i1 - i0):
                    found[j0 + d] = origins[i0 + d]
                    used_old.add(i0 + d)
        for j, paragraph in enumerate(new):
            if found[j] is None and new.count(paragraph) == 1 and old.count(paragraph) == 1:
                i = old.index(paragraph)
                if i not in used_old:  # moved
                    found[j] = origins[i]
                    used_old.add(i)
        for tag, i0, i1, j0, j1 in blocks:
            if tag == "equal":
                continue
            gone = [i for i in range(i0, i1) if i not in used_old]
            came = [j for j in range(j0, j1) if found[j] is None]
            old_tokens = [t for i in gone for t in tokenize(old[i])]
            old_origins = [o for i in gone for o in origins[i]]
            new_tokens = [tokenize(new[j]) for j in came]
            flat = [t for tokens in new_tokens for t in tokens]
            attributed = [step] * len(flat)
            a = b = 0
            for op, count in diff_tokens(old_tokens, flat, by_lines=True) if old_tokens else []:
                if op == 0:
                    attributed[b : b + count] = old_origins[a : a + count]
                if op != 1:
                    a += count
                if op != -1:
                    b += count
            at = 0
            for j, tokens in zip(came, new_tokens, strict=True):
                found[j] = attributed[at : at + len(tokens)]
                at += len(tokens)
        old = new
        origins = [o if o is not None else [] for o in found]
    return [
        (token, origin)
        for paragraph, paragraph_origins in zip(old, origins, strict=True)
        for token, origin in zip(tokenize(paragraph), paragraph_origins, strict=True)
        if not token.isspace()
    ]


@pytest.mark.parametrize("name", _histories())
def test_blame_attributes_every_word_to_the_step_that_introduced_it(
    session: Session, secretariat: Any, name: str
) -> None:
    versions = _versions(name)
    charter, version_of = replay_history(session, secretariat, name, versions)
    result = revision_blame(session, charter)

    words = [
        (token, version_of[int(str(passage.origin))])
        for clause in result.clauses
        for passage in clause.passages
        for token in tokenize(passage.text)
        if not token.isspace()
    ]
    expected = reference_blame(versions)
    assert [w for w, _ in words] == [w for w, _ in expected]
    wrong = [
        (i, word, got, want)
        for i, ((word, got), (_w, want)) in enumerate(zip(words, expected, strict=True))
        if got != want
    ]
    assert not wrong, wrong[:20]
    # Not a vacuous agreement: real histories attribute words to many steps.
    assert len({origin for _w, origin in words}) >= 5
    # The passages are the text, byte for byte.
    assert "".join(p.text for c in result.clauses for p in c.passages) == versions[-1]
    # Every revision named has its origin: the import, or the amendment that made it.
    assert result.origins[1].cause == "import"
    assert all(o.amendment is not None for n, o in result.origins.items() if n > 1)
