"""Comments: threads on clauses and amendments with replies; anchoring to a selected passage (the
JavaScript path fills start/end/quote) or a pasted one (found on the server when it occurs exactly
once); outdated anchors shown as such; Markdown rendered safely."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from charter_engine.amendments.editorial import editorial_change
from charter_engine.comments.models import Comment
from tests.web.support import post


def _text(response: Any) -> str:
    return response.get_data(as_text=True)


def _comments(session: Session, **where: Any) -> list[Comment]:
    stmt = (
        select(Comment)
        .options(selectinload(Comment.anchors))
        .order_by(Comment.id)
        .execution_options(populate_existing=True)
    )
    for key, value in where.items():
        stmt = stmt.where(getattr(Comment, key) == value)
    rows = list(session.execute(stmt).scalars())
    session.commit()
    return rows


def _url(world: SimpleNamespace) -> str:
    return f"/charters/{world.charter.slug}/clauses/{world.clause_id}/comments"


def test_selected_passage_anchors_the_comment(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("other_member")
    page = _text(client.get(f"/charters/{world.charter.slug}/clauses/{world.clause_id}"))
    assert 'data-anchorable="true"' in page and "anchor-select.js" in page
    response = post(
        client,
        _url(world),
        {
            "body": "Why online only?",
            "start": "21",
            "end": "28",
            "quote": "online.",
            "passage": "online.",
        },
    )
    assert response.status_code == 302
    comment = _comments(session, clause_id=world.clause_id)[-1]
    anchor = comment.anchors[0]
    assert (anchor.start_offset, anchor.end_offset, anchor.quote) == (21, 28, "online.")
    shown = _text(client.get(response.headers["Location"]))
    assert '<blockquote class="comment-quote">online.</blockquote>' in shown


def test_a_pasted_passage_is_found_when_it_occurs_once(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("member")
    response = post(client, _url(world), {"body": "On the group.", "passage": "Core Group\r\n"})
    assert response.status_code == 302
    anchor = _comments(session, clause_id=world.clause_id)[-1].anchors[0]
    assert (anchor.start_offset, anchor.end_offset, anchor.quote) == (4, 14, "Core Group")


def test_a_passage_that_is_ambiguous_or_absent_is_refused_next_to_the_field(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("member")
    before = len(_comments(session))
    twice = _text(post(client, _url(world), {"body": "My careful remark.", "passage": "e"}))
    error = re.search(r'<p class="error" id="passage-error">(.*?)</p>', twice, re.S)
    assert error and "occurs" in error.group(1) and "times" in error.group(1)
    assert "My careful remark." in twice  # the body is kept
    absent = _text(post(client, _url(world), {"body": "Another.", "passage": "not in the text"}))
    assert re.search(r'id="passage-error">.*not in the clause', absent, re.S)
    empty = _text(post(client, _url(world), {"body": ""}))
    assert re.search(r'id="body-error">.*Write something', empty, re.S)
    assert len(_comments(session)) == before


def test_an_anchor_whose_passage_changed_is_shown_outdated(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    client = client_as("member")
    post(client, _url(world), {"body": "About meeting online.", "passage": "meets online"})
    post(client, _url(world), {"body": "About the group.", "passage": "The Core Group"})
    editorial_change(
        session,
        world.charter,
        clause_id=world.clause_id,
        text="The Core Group meets in person.\n\n",
        reason="Meetings moved",
        actor=world.secretariat,
    )
    session.commit()
    page = _text(client.get(f"/charters/{world.charter.slug}/clauses/{world.clause_id}"))
    outdated = page[page.index("About meeting online.") - 700 : page.index("About meeting online.")]
    assert (
        '<blockquote class="comment-quote outdated"><del>meets online</del></blockquote>'
        in outdated
    )
    assert "This passage has since changed." in outdated
    kept = page[page.index("About the group.") - 400 : page.index("About the group.")]
    assert '<blockquote class="comment-quote">The Core Group</blockquote>' in kept
    assert "has since changed" not in kept


def test_markdown_is_rendered_with_raw_html_off_and_sanitised(
    world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    client = client_as("member")
    body = (
        "**Bold** and <script>alert(1)</script> and [x](javascript:alert(2)) <img src=x onerror=y>"
    )
    response = post(client, _url(world), {"body": body})
    page = _text(client.get(response.headers["Location"]))
    assert "<strong>Bold</strong>" in page
    assert "<script>alert(1)" not in page and "onerror" not in page.split("<main")[1].replace(
        "onerror=y&gt;", ""
    )
    assert 'href="javascript:' not in page


def test_replies_join_the_thread_on_clauses_and_amendments(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    other = client_as("other_member")
    reply = post(
        other,
        f"/charters/{world.charter.slug}/comments/{world.comment.id}/reply",
        {"body": "I agree."},
    )
    assert reply.status_code == 302
    page = _text(other.get(f"/charters/{world.charter.slug}/clauses/{world.clause_id}"))
    thread = page[page.index(f'id="comment-{world.comment.id}"') :]
    replies = thread[thread.index('class="comment-replies"') :]
    assert "I agree." in replies and "Omar Other" in replies
    # On an amendment, then a reply to that comment: both on the amendment's page.
    amendment_url = f"/charters/{world.charter.slug}/amendments/{world.amendment.number}"
    posted = post(other, amendment_url + "/comments", {"body": "Good idea."})
    assert posted.status_code == 302 and posted.headers["Location"].startswith(amendment_url)
    first = _comments(session, amendment_id=world.amendment.id)[0]
    post(
        client_as("member"),
        f"/charters/{world.charter.slug}/comments/{first.id}/reply",
        {"body": "Thanks."},
    )
    page = _text(other.get(amendment_url))
    assert "Discussion (2)" in page and "Good idea." in page and "Thanks." in page
    # The permalink of a comment leads to its place.
    link = other.get(f"/comments/{first.id}")
    assert link.headers["Location"].endswith(f"{amendment_url}#comment-{first.id}")


def test_observers_read_comments_but_get_no_form(
    world: SimpleNamespace, client_as: Callable[[str], Any]
) -> None:
    page = _text(
        client_as("observer").get(f"/charters/{world.charter.slug}/clauses/{world.clause_id}")
    )
    assert "A <em>first</em> thought." in page
    assert "Add a comment" not in page and "Reply" not in page.split('id="comments"')[1]


def test_a_long_discussion_is_shown_a_page_of_threads_at_a_time(
    world: SimpleNamespace, client_as: Callable[[str], Any], session: Session
) -> None:
    from charter_engine.comments.operations import create_comment
    from charter_engine.comments.queries import THREADS_PER_PAGE

    # The world's clause already has one comment: two full pages and five more threads.
    for i in range(2 * THREADS_PER_PAGE + 4):
        create_comment(
            session,
            world.charter,
            actor=world.member,
            body=f"Point {i}.",
            clause_id=world.clause_id,
        )
    session.commit()
    comments = _comments(session, clause_id=world.clause_id)
    first, last = comments[0], comments[-1]
    reader = client_as("other_member")
    clause_url = f"/charters/{world.charter.slug}/clauses/{world.clause_id}"
    page = _text(reader.get(clause_url))
    # The newest threads first come into view; the heading counts every comment.
    assert f"Comments ({len(comments)})" in page
    assert f'id="comment-{last.id}"' in page and f'id="comment-{first.id}"' not in page
    assert page.count('class="comment-thread"') == 5
    assert 'aria-label="Pages of comments"' in page and "Showing 61–65 of 65." in page
    assert f'href="{clause_url}?page=2#comments"' in page
    oldest = _text(reader.get(clause_url + "?page=1"))
    assert f'id="comment-{first.id}"' in oldest and f'id="comment-{last.id}"' not in oldest
    assert oldest.count('class="comment-thread"') == THREADS_PER_PAGE
    # A page past the end shows the last; a comment's link opens the page of its thread.
    assert f'id="comment-{last.id}"' in _text(reader.get(clause_url + "?page=99"))
    link = reader.get(f"/comments/{first.id}")
    assert link.headers["Location"].endswith(f"{clause_url}?page=1#comment-{first.id}")
    reply = post(
        reader, f"/charters/{world.charter.slug}/comments/{first.id}/reply", {"body": "Agreed."}
    )
    answer = _comments(session, parent_id=first.id)[-1]
    shown = reader.get(reply.headers["Location"])
    assert shown.headers["Location"].endswith(f"?page=1#comment-{answer.id}")
    # A reply to a reply stays in its thread, on its page.
    post(reader, f"/charters/{world.charter.slug}/comments/{answer.id}/reply", {"body": "Deep."})
    deeper = _comments(session, parent_id=answer.id)[-1]
    assert (
        reader.get(f"/comments/{deeper.id}")
        .headers["Location"]
        .endswith(f"?page=1#comment-{deeper.id}")
    )
    oldest = _text(reader.get(clause_url + "?page=1"))
    thread = oldest[oldest.index(f'id="comment-{first.id}"') :]
    thread = thread[: thread.index('class="comment-thread"')]
    assert "Agreed." in thread and "Deep." in thread
