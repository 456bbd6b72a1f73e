"""The conflict-resolution page marks what changed on each side, as the other diffs do: from the
text the amendment was written against to what it proposed, and to what the text says now."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from tests.web.support import login
from tests.web.test_notifications import conflict  # noqa: F401  (a fixture)


def test_the_three_texts_of_a_conflict_mark_their_changes(
    app: Any,
    world: SimpleNamespace,
    conflict: Any,  # noqa: F811
) -> None:
    client = app.test_client()
    login(client, world.member)
    url = f"/charters/{conflict.charter.slug}/amendments/{conflict.mine.number}/resolve"
    page = str(client.get(url).get_data(as_text=True))
    passages = page.split('class="conflict-passages"', 1)[1].split("</section>", 1)[0]
    base, ours, theirs = passages.split('<p class="diff-caption">')[1:4]
    assert "<ins" not in base and "<del" not in base and "simple majority" in base
    assert '<del class="diff-del">simple</del>' in ours
    assert '<ins class="diff-ins">two-thirds</ins>' in ours
    assert '<ins class="diff-ins">consensus</ins>' in theirs
    assert "two-thirds" not in theirs and "consensus" not in ours
