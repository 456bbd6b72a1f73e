"""The secretariat's desk: amendments by state, ballots to open or close with their deadlines,
participation, editorial merges; importing a charter with a preview of the clause split that
stores nothing until confirmed, keeps an uploaded file byte for byte, and keeps input on errors."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from charter_engine.accounts.models import User
from charter_engine.charters.models import Charter
from charter_engine.charters.queries import get_charter, get_revision, revision_text
from tests.web.support import csrf_token, post


def _text(response: Any) -> str:
    return response.get_data(as_text=True)


def _charters(session: Session) -> int:
    n = session.scalar(select(func.count(Charter.id)))
    session.commit()
    return int(n or 0)


def test_desk_shows_the_state_of_the_process(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    from charter_engine.voting.operations import create_ballot, open_ballot

    closes = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    draft = create_ballot(
        session, world.charter, actor=world.secretariat, kind="adoption", title="Adopt it"
    )
    ballot = create_ballot(
        session,
        world.charter,
        actor=world.secretariat,
        kind="amendment",
        amendments=[world.amendment.id],
        title="Vote on convening",
        rules={"closes_at": closes.isoformat()},
    )
    open_ballot(session, ballot, actor=world.secretariat)
    draft_id, ballot_id = draft.id, ballot.id
    session.commit()
    page = _text(client_as("secretariat").get(f"/desk/?charter={world.charter.slug}"))
    counts = {
        label: n
        for n, label in re.findall(r'class="stat-number">(\d+)</span> ([A-Za-z ]+)</a>', page)
    }
    assert counts["Draft"] == "1" and counts["Being voted on"] == "1"
    assert counts["Needs rebase"] == "1" and counts["Merged"] == "1"
    assert "Weighted votes" in page  # waiting: needs rebase
    assert f'href="/ballots/{draft_id}"' in page and "Adopt it" in page
    deadlines = page[page.index('id="deadlines-heading"') :]
    assert f'href="/ballots/{ballot_id}"' in deadlines and closes.isoformat() in deadlines
    participation = page[page.index('id="participation-heading"') :]
    # Two of the four participants proposed; one commented; nobody voted yet.
    rows = re.findall(r"<td>([a-z ]+)</td><td class=\"num\">(\d+)</td>", participation)
    assert dict(rows) == {"proposed an amendment": "2", "commented": "1", "voted": "0"}
    # Members only: the secretariat runs the process and is not counted among the participants.
    members = session.execute(
        select(func.count(User.id)).where(User.active.is_(True), User.role == "member")
    ).scalar_one()
    session.commit()
    assert f"Out of {members} active members (the secretariat is not counted)" in participation


def test_editorial_merges_are_offered_for_submitted_amendments(
    world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    page = _text(client_as("secretariat").get(f"/desk/?charter={world.charter.slug}"))
    editorial = page[page.index('id="editorial-heading"') : page.index('id="ballots-heading"')]
    assert f"/amendments/{world.amendment.number}/merge" in editorial
    assert f"/amendments/{world.draft.number}/merge" not in editorial  # a draft cannot be merged


PASTED = "# Rules\r\n\r\n## Article 1\r\n\r\nWe meet.\r\n\r\n## Article 2\r\n\r\nWe vote.\r\n"


def test_import_preview_stores_nothing_then_save_imports(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("secretariat")
    before = _charters(session)
    page = _text(
        post(client, "/desk/import", {"title": "The Rules", "text": PASTED, "intent": "save"})
    )
    # Saving before a preview shows the preview instead.
    assert "How the charter will be split (5 clauses, read as Markdown)" in page
    assert re.search(
        r"<td>§ 2</td>\s*<td>heading \(level 2\)</td>\s*<td><strong>Article 2</strong>", page
    )
    assert re.search(r"<td>§ 2\.1</td>\s*<td>paragraph</td>\s*<td>We vote\.</td>", page)
    assert _charters(session) == before
    assert "We meet." in page  # the text stays in the form
    digest = re.search(r'name="previewed" type="hidden" value="([0-9a-f]{64})"', page)
    assert digest
    response = post(
        client,
        "/desk/import",
        {"title": "The Rules", "text": PASTED, "previewed": digest.group(1), "intent": "save"},
    )
    assert response.status_code == 302
    assert _charters(session) == before + 1
    charter = get_charter(session, "the-rules")
    assert revision_text(session, get_revision(session, charter)) == PASTED.replace("\r\n", "\n")
    session.commit()
    assert "We vote." in _text(client.get(response.headers["Location"]))


def test_an_uploaded_file_round_trips_byte_for_byte(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("secretariat")
    original = "\ufeffRules\n=====\n\nFirst rule.  \n\nSecond rule.\r\n"
    upload = {
        "title": "",
        "upload": (io.BytesIO(original.encode("utf-8")), "rules.rst"),
        "intent": "preview",
        "csrf_token": csrf_token(client),
    }
    page = _text(client.post("/desk/import", data=upload, content_type="multipart/form-data"))
    # The title is missing: the error is next to it, and the file is kept for the next submit.
    assert re.search(r'id="title-error">.*Give the charter a title', page, re.S)
    source = re.search(r'name="source" type="hidden" value="([^"]+)"', page)
    assert source and "rules.rst" in page
    page = _text(
        post(
            client,
            "/desk/import",
            {
                "title": "RST Rules",
                "source": source.group(1),
                "filename": "rules.rst",
                "intent": "preview",
            },
        )
    )
    assert "read as reStructuredText" in page
    digest = re.search(r'name="previewed" type="hidden" value="([0-9a-f]{64})"', page)
    assert digest
    response = post(
        client,
        "/desk/import",
        {
            "title": "RST Rules",
            "source": source.group(1),
            "filename": "rules.rst",
            "previewed": digest.group(1),
            "intent": "save",
        },
    )
    assert response.status_code == 302
    charter = get_charter(session, "rst-rules")
    assert revision_text(session, get_revision(session, charter)) == original
    assert charter.source_format == "rst"
    session.commit()


def test_a_file_that_is_not_utf8_is_refused_next_to_the_upload_field(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("secretariat")
    before = _charters(session)
    page = _text(
        client.post(
            "/desk/import",
            data={
                "title": "Latin",
                "upload": (io.BytesIO("Règles".encode("latin-1")), "rules.txt"),
                "csrf_token": csrf_token(client),
            },
            content_type="multipart/form-data",
        )
    )
    assert re.search(r'id="upload-error">.*not UTF-8', page, re.S)
    assert 'value="Latin"' in page
    assert _charters(session) == before
