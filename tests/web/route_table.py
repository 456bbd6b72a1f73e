"""Every browser route, and what each kind of visitor gets from it.

``ROUTES`` lists one :class:`Route` per (endpoint, method) of the app. ``test_routes.py`` fails when
the app has a route that is not listed here (or a listed one no longer exists), calls each route as
anonymous, observer, member, another member and secretariat, and compares the status codes with
the table. It also POSTs to every state-changing route without a CSRF token and checks that nothing
changed.

Adding your routes
  1. If your routes need objects, add a builder to ``WORLD_BUILDERS``: ``def build(session, world)``
     creates them *through the operations* and sets attributes on ``world`` (the users are already
     there: ``world.observer``, ``world.member``, ``world.other_member``, ``world.secretariat``; the
     member owns what "own" means, the other member is the same role without ownership).
  2. Append ``Route(endpoint, method, path, expect(...), data=...)`` entries. ``path`` is a format
     string over the world: ``"/charters/{charter.slug}/amendments/{amendment.number}"``.
     ``data`` is the POST body (a dict, or a function of the world); the CSRF token is added.
     Bodies may be empty: the table is about who may reach the route, not what it does.
  3. Statuses: 200 page, 302 redirect (anonymous visitors are redirected to the login page),
     400 invalid, 403 refused, 404 hidden, 409 conflict. Each route is called in ROLES order with
     a fresh world per route, so a role sees the effect of the roles before it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

ROLES = ("anonymous", "observer", "member", "other_member", "secretariat")

World = SimpleNamespace


def expect(
    anonymous: int,
    observer: int,
    member: int,
    secretariat: int,
    other_member: int | None = None,
) -> dict[str, int]:
    """Expected status per role; ``other_member`` defaults to ``member``."""
    return {
        "anonymous": anonymous,
        "observer": observer,
        "member": member,
        "other_member": member if other_member is None else other_member,
        "secretariat": secretariat,
    }


def everyone(status: int) -> dict[str, int]:
    return expect(status, status, status, status)


# Common patterns.
PUBLIC_PAGE = everyone(200)
SIGNED_IN_PAGE = expect(302, 200, 200, 200)
STAFF_PAGE = expect(302, 403, 403, 200)
STAFF_ACTION = expect(302, 403, 403, 302)
SIGNED_IN_ACTION = expect(302, 302, 302, 302)


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: str
    expect: Mapping[str, int]
    data: dict[str, Any] | Callable[[World], dict[str, Any]] = field(default_factory=dict)

    def url(self, world: World) -> str:
        return self.path.format(**vars(world))

    def body(self, world: World) -> dict[str, Any]:
        return dict(self.data(world) if callable(self.data) else self.data)

    @property
    def key(self) -> tuple[str, str]:
        return (self.endpoint, self.method)


# --- the world ---------------------------------------------------------------------------------


def build_accounts_world(session: Session, world: World) -> None:
    """People and an inbox item; an invited person who has not accepted yet, and their tokens; an
    API token of the member."""
    from charter_engine.accounts.models import ApiToken
    from charter_engine.accounts.operations import create_user
    from charter_engine.accounts.tokens import INVITATION, RESET, TokenSigner
    from charter_engine.notifications.models import Notification

    signer = TokenSigner(world.secret_key, 3600, 3600)
    world.target = create_user(
        session,
        email="target@example.org",
        name="Tara Target",
        role="member",
        country="KE",
        password=world.password,
    )
    world.pending = create_user(session, email="pending@example.org", name="Pat Pending")
    session.flush()
    world.invite_token = signer.make(INVITATION, world.pending)
    world.reset_token = signer.make(RESET, world.target)
    world.api_token = ApiToken(user_id=world.member.id, token_hash="0" * 64, name="old laptop")
    session.add(world.api_token)
    world.notification = Notification(
        user_id=world.member.id,
        kind="amendment_update",
        title="Something happened",
        needs_action=False,
    )
    session.add(world.notification)
    session.flush()


# Builders run in order after the users exist; add yours.
WORLD_BUILDERS: list[Callable[[Session, World], None]] = [build_accounts_world]


# --- the table ---------------------------------------------------------------------------------

ROUTES: list[Route] = [
    # home
    Route("home.index", "GET", "/", PUBLIC_PAGE),
    Route("home.healthz", "GET", "/healthz", PUBLIC_PAGE),
    # auth
    Route("auth.login", "GET", "/login", expect(200, 302, 302, 302)),
    Route("auth.login", "POST", "/login", expect(200, 302, 302, 302)),
    Route("auth.logout", "POST", "/logout", everyone(302)),
    Route("auth.accept", "GET", "/invite/{invite_token}", PUBLIC_PAGE),
    Route("auth.accept", "POST", "/invite/{invite_token}", PUBLIC_PAGE),
    Route("auth.reset_request", "GET", "/reset", PUBLIC_PAGE),
    Route("auth.reset_request", "POST", "/reset", PUBLIC_PAGE),
    Route("auth.reset", "GET", "/reset/{reset_token}", PUBLIC_PAGE),
    Route("auth.reset", "POST", "/reset/{reset_token}", PUBLIC_PAGE),
    Route("auth.password", "GET", "/account/password", SIGNED_IN_PAGE),
    Route("auth.password", "POST", "/account/password", SIGNED_IN_PAGE),
    # Without a password just checked there is no second step: back to the login page.
    Route("auth.login_code", "GET", "/login/code", everyone(302)),
    Route("auth.login_code", "POST", "/login/code", everyone(302), data={"code": "123456"}),
    # second factor (none set up in the world: confirming without starting goes back)
    Route("second_factor.manage", "GET", "/account/two-step", SIGNED_IN_PAGE),
    Route("second_factor.start", "POST", "/account/two-step/start", SIGNED_IN_ACTION),
    Route("second_factor.confirm", "GET", "/account/two-step/confirm", everyone(302)),
    Route("second_factor.confirm", "POST", "/account/two-step/confirm", everyone(302)),
    Route(
        "second_factor.renew",
        "POST",
        "/account/two-step/recovery-codes",
        expect(302, 303, 303, 303),
        data={"renew-code": "123456"},
    ),
    Route(
        "second_factor.turn_off",
        "POST",
        "/account/two-step/off",
        expect(302, 303, 303, 303),
        data={"off-code": "123456"},
    ),
    # API tokens (a wrong password: the form comes back; another person's token is not found)
    Route("api_tokens.manage", "GET", "/account/api-tokens", SIGNED_IN_PAGE),
    Route(
        "api_tokens.create",
        "POST",
        "/account/api-tokens",
        expect(302, 400, 400, 400),
        data={"name": "script", "password": "not the password"},
    ),
    Route(
        "api_tokens.revoke",
        "POST",
        "/account/api-tokens/{api_token.id}/revoke",
        expect(302, 404, 303, 404, other_member=404),
    ),
    # people
    Route("people.directory", "GET", "/people/", SIGNED_IN_PAGE),
    Route("people.country_map", "GET", "/people/map", SIGNED_IN_PAGE),
    Route("people.profile", "GET", "/people/{target.id}", SIGNED_IN_PAGE),
    Route("people.edit_profile", "GET", "/people/me/edit", SIGNED_IN_PAGE),
    Route("people.edit_profile", "POST", "/people/me/edit", SIGNED_IN_ACTION),
    Route("people.invite", "GET", "/people/invite", STAFF_PAGE),
    Route("people.invite", "POST", "/people/invite", STAFF_PAGE),
    Route("people.deactivate", "POST", "/people/{target.id}/deactivate", STAFF_ACTION),
    Route("people.reactivate", "POST", "/people/{target.id}/reactivate", STAFF_ACTION),
    Route("people.set_role", "POST", "/people/{target.id}/role", STAFF_ACTION),
    Route("people.resend", "POST", "/people/{pending.id}/invitation", STAFF_ACTION),
    # notifications
    Route("notifications.inbox", "GET", "/notifications/", SIGNED_IN_PAGE),
    Route(
        "notifications.open",
        "GET",
        "/notifications/{notification.id}",
        expect(302, 404, 200, 404, other_member=404),
    ),
    Route(
        "notifications.read",
        "POST",
        "/notifications/{notification.id}/read",
        expect(302, 404, 302, 404, other_member=404),
    ),
    Route("notifications.read_all", "POST", "/notifications/read-all", SIGNED_IN_ACTION),
    Route("notifications.settings_page", "GET", "/notifications/preferences", SIGNED_IN_PAGE),
    Route("notifications.settings_page", "POST", "/notifications/preferences", SIGNED_IN_ACTION),
]

# Endpoints outside this table: static files, and the JSON API (bearer tokens; tested in tests/api).
EXCLUDED_PREFIXES = ("api.",)
EXCLUDED_ENDPOINTS = {"static"}


# --- voting pages (ballots, votes, proxies, results) -------------------------------------------

from tests.web.ballot_world import build_ballot_world  # noqa: E402

WORLD_BUILDERS.append(build_ballot_world)

VOTER_ACTION = expect(302, 403, 302, 302)
_CHARTER_BALLOTS = "/charters/{vb_charter.slug}/ballots"
_RULES = {
    "threshold": "simple",
    "quorum_kind": "",
    "secrecy": "named",
    "weighting": "member",
    "allow_change": "y",
}

ROUTES += [
    Route("ballots.overview", "GET", "/ballots/", SIGNED_IN_PAGE),
    Route("ballots.index", "GET", _CHARTER_BALLOTS, SIGNED_IN_PAGE),
    Route("ballots.create", "GET", _CHARTER_BALLOTS + "/new", STAFF_PAGE),
    Route(
        "ballots.create",
        "POST",
        _CHARTER_BALLOTS + "/new",
        STAFF_ACTION,
        data={**_RULES, "kind": "adoption"},
    ),
    Route("ballots.show", "GET", "/ballots/{vb_open.id}", SIGNED_IN_PAGE),
    Route("ballots.edit", "GET", "/ballots/{vb_draft.id}/edit", STAFF_PAGE),
    Route("ballots.edit", "POST", "/ballots/{vb_draft.id}/edit", STAFF_ACTION, data=_RULES),
    Route("ballots.open_ballot", "GET", "/ballots/{vb_draft.id}/open", STAFF_PAGE),
    Route("ballots.open_ballot", "POST", "/ballots/{vb_draft.id}/open", STAFF_ACTION),
    Route("ballots.close_ballot", "GET", "/ballots/{vb_open.id}/close", STAFF_PAGE),
    Route("ballots.close_ballot", "POST", "/ballots/{vb_open.id}/close", STAFF_ACTION),
    Route("ballots.delete_ballot", "GET", "/ballots/{vb_draft.id}/delete", STAFF_PAGE),
    Route("ballots.delete_ballot", "POST", "/ballots/{vb_draft.id}/delete", STAFF_ACTION),
    # The answer to a vote is the confirmation page itself (a receipt is never carried over).
    Route(
        "ballots.vote",
        "POST",
        "/ballots/{vb_open.id}/vote",
        expect(302, 403, 200, 200),
        data={"choice": "yes"},
    ),
    Route("ballots.results", "GET", "/ballots/{vb_closed.id}/results", SIGNED_IN_PAGE),
    Route("ballots.roll_call", "GET", "/ballots/{vb_closed.id}/roll-call", SIGNED_IN_PAGE),
    Route("ballots.roll_call_csv", "GET", "/ballots/{vb_closed.id}/roll-call.csv", SIGNED_IN_PAGE),
    Route("ballots.receipts", "GET", "/ballots/{vb_closed_secret.id}/receipts", SIGNED_IN_PAGE),
    # A receipt is checked by POST; this one matches no counted ballot.
    Route(
        "ballots.receipts",
        "POST",
        "/ballots/{vb_closed_secret.id}/receipts",
        expect(302, 400, 400, 400),
        data={"code": "AAAA-BBBB-CCCC-DDDD"},
    ),
    Route("ballots.proxies", "GET", "/proxies", SIGNED_IN_PAGE),
    Route(
        "ballots.give_proxy",
        "POST",
        "/proxies",
        VOTER_ACTION,
        data=lambda w: {"agent_id": w.target.id},
    ),
    Route(
        "ballots.revoke_proxy",
        "POST",
        "/proxies/{vb_proxy.id}/revoke",
        expect(302, 404, 404, 404, other_member=302),
    ),
]


# --- drafting pages (charter, amendments, comments, desk) --------------------------------------


def build_drafting_world(session: Session, world: World) -> None:
    """A charter; the member's submitted amendment (supported by the other member), a draft, and
    one in needs_rebase after the other member's overlapping amendment was merged; a comment."""
    from charter_engine.amendments.backers import add_backer
    from charter_engine.amendments.merging import merge_amendment
    from charter_engine.amendments.operations import propose_amendment
    from charter_engine.charters.operations import import_charter
    from charter_engine.charters.queries import get_revision, revision_clauses
    from charter_engine.comments.operations import create_comment

    world.charter = import_charter(
        session, title="Drafting Charter", text=DRAFTING_TEXT, actor=world.secretariat
    )
    rows = revision_clauses(session, get_revision(session, world.charter))
    paragraphs = [rc for rc in rows if rc.version.kind == "paragraph"]
    world.clause_id = paragraphs[0].clause_id
    conflict_clause = paragraphs[1]

    def replace(clause: Any, text: str) -> list[dict[str, Any]]:
        return [{"kind": "replace", "clause_id": clause.clause_id, "text": text}]

    world.amendment = propose_amendment(
        session,
        world.charter,
        actor=world.member,
        title="Say who convenes",
        changes=replace(paragraphs[0], "The secretariat convenes the Core Group.\n\n"),
        submit=True,
    )
    add_backer(session, world.amendment, actor=world.other_member, kind="supporter")
    world.draft = propose_amendment(
        session,
        world.charter,
        actor=world.member,
        title="A draft",
        changes=[{"kind": "delete", "clause_id": paragraphs[2].clause_id}],
    )
    world.conflicted = propose_amendment(
        session,
        world.charter,
        actor=world.member,
        title="Weighted votes",
        changes=replace(conflict_clause, "Each organisation has two weighted votes.\n\n"),
        submit=True,
    )
    rival = propose_amendment(
        session,
        world.charter,
        actor=world.other_member,
        title="Equal votes",
        changes=replace(conflict_clause, "Each organisation has three equal votes.\n\n"),
        submit=True,
    )
    merge_amendment(session, rival, actor=world.secretariat, editorial=True)
    assert world.conflicted.state == "needs_rebase"
    world.comment = create_comment(
        session,
        world.charter,
        actor=world.member,
        body="A *first* thought.",
        clause_id=world.clause_id,
    )
    session.flush()


DRAFTING_TEXT = """# Drafting Charter

## Article 1

The Core Group meets online.

Each organisation has one vote.

Observers may attend.
"""

WORLD_BUILDERS.append(build_drafting_world)

MEMBER_PAGE = expect(302, 403, 200, 200)  # members and the secretariat; observers only read
AUTHOR_PAGE = expect(302, 403, 200, 403, other_member=403)
_C = "/charters/{charter.slug}"
_A = _C + "/amendments/{amendment.number}"

ROUTES += [
    # the charter
    Route("charters.index", "GET", "/charters/", SIGNED_IN_PAGE),
    Route("charters.show", "GET", _C + "/", SIGNED_IN_PAGE),
    Route("charters.revisions", "GET", _C + "/revisions", SIGNED_IN_PAGE),
    Route("charters.compare", "GET", _C + "/compare?from=1&to=2", SIGNED_IN_PAGE),
    Route("charters.clause", "GET", _C + "/clauses/{clause_id}", SIGNED_IN_PAGE),
    # amendments
    Route("amendments.index", "GET", _C + "/amendments/", SIGNED_IN_PAGE),
    Route("amendments.show", "GET", _A, SIGNED_IN_PAGE),
    Route("amendments.propose", "GET", _C + "/amendments/new?kind=insert", MEMBER_PAGE),
    Route("amendments.propose", "POST", _C + "/amendments/new?kind=insert", MEMBER_PAGE),
    Route(
        "amendments.preview",
        "POST",
        _C + "/amendments/preview",
        MEMBER_PAGE,
        data=lambda w: {"clause": w.clause_id, "text": "New words."},
    ),
    # Only the author submits; once submitted, a second submit is refused by permission first.
    Route(
        "amendments.act",
        "POST",
        _C + "/amendments/{draft.number}/act/submit",
        expect(302, 403, 302, 403, other_member=403),
    ),
    # The author cannot back their own amendment; the other member already supports it.
    Route(
        "amendments.back",
        "POST",
        _A + "/back",
        expect(302, 403, 403, 302, other_member=302),
        data={"kind": "cosponsor"},
    ),
    Route(
        "amendments.unback", "POST", _A + "/unback", expect(302, 403, 403, 404, other_member=302)
    ),
    Route("amendments.edit", "GET", _A + "/edit", AUTHOR_PAGE),
    Route("amendments.edit", "POST", _A + "/edit", AUTHOR_PAGE),
    Route("amendments.resolve", "GET", _C + "/amendments/{conflicted.number}/resolve", AUTHOR_PAGE),
    # The author's resend restates the amendment on the current text (then it has no conflict).
    Route(
        "amendments.resolve",
        "POST",
        _C + "/amendments/{conflicted.number}/resolve",
        expect(302, 403, 302, 403, other_member=403),
    ),
    Route("amendments.propose_sub", "GET", _A + "/sub-amendments/new", MEMBER_PAGE),
    Route("amendments.propose_sub", "POST", _A + "/sub-amendments/new", MEMBER_PAGE),
    Route("amendments.merge", "GET", _A + "/merge", STAFF_PAGE),
    Route("amendments.merge", "POST", _A + "/merge", STAFF_ACTION),
    # comments
    Route("comments.on_clause", "GET", _C + "/clauses/{clause_id}/comments", MEMBER_PAGE),
    Route("comments.on_clause", "POST", _C + "/clauses/{clause_id}/comments", MEMBER_PAGE),
    Route("comments.on_amendment", "GET", _A + "/comments", MEMBER_PAGE),
    Route("comments.on_amendment", "POST", _A + "/comments", MEMBER_PAGE),
    Route("comments.reply", "GET", _C + "/comments/{comment.id}/reply", MEMBER_PAGE),
    Route("comments.reply", "POST", _C + "/comments/{comment.id}/reply", MEMBER_PAGE),
    Route("comments.show", "GET", "/comments/{comment.id}", SIGNED_IN_ACTION),
    # the desk
    Route("desk.index", "GET", "/desk/", STAFF_PAGE),
    Route("desk.import_charter", "GET", "/desk/import", STAFF_PAGE),
    Route("desk.import_charter", "POST", "/desk/import", STAFF_PAGE),
]


# --- publication (public pages of releases; releases, exports and redlines for members) --------

# The drafting charter has no release, so it is not public: its public pages are 404 for everyone
# (tests/web/test_publication_pages.py reads the pages of a published charter, role by role).
_P = "/published/{charter.slug}"

ROUTES += [
    Route("publication.index", "GET", "/published/", PUBLIC_PAGE),
    Route("publication.latest", "GET", _P, everyone(404)),
    Route("publication.release", "GET", _P + "/1.0", everyone(404)),
    Route("publication.clause", "GET", _P + "/1.0/clauses/{clause_id}", everyone(404)),
    Route("publication.changes", "GET", _P + "/1.0/changes", everyone(404)),
    Route("publication.changes_file", "GET", _P + "/1.0/changes.pdf", everyone(404)),
    Route("publication.releases", "GET", _C + "/releases", SIGNED_IN_PAGE),
    # An empty label: the secretariat sees the form again with the error; nothing is published.
    Route("publication.releases", "POST", _C + "/releases", STAFF_PAGE, data={"label": ""}),
    Route("publication.export", "GET", _C + "/export?format=md", SIGNED_IN_PAGE),
    Route("publication.redline", "GET", _C + "/redline?format=html&from=1&to=2", SIGNED_IN_PAGE),
]
