"""The amendment pages check who may act before anything else: every action, in every state, as
every role — 403 for whoever may not take the action, whatever the state; whoever may is told the
state rules it out (409) or sent back to the amendment. No refused request changes anything."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.accounts.permissions import can
from charter_engine.amendments.workflow import STATES, USER_ACTIONS
from charter_engine.charters.operations import import_charter
from tests.amendment_states import AMENDMENT_ACTIONS, amendments_in_every_state
from tests.conftest import SAMPLE_CHARTER
from tests.web.support import app_engine, db_snapshot, post

# Where each action is asked for, under the amendment's page, and the form sent.
PAGES: dict[str, tuple[str, Callable[[Any], dict[str, str]]]] = {
    **{action: (f"act/{action}", lambda _a: {"confirmed": "yes"}) for action in USER_ACTIONS},
    "merge_editorial": ("merge", lambda _a: {}),
    "back": ("back", lambda _a: {"kind": "supporter"}),
    "edit": ("edit", lambda a: {"title": "Retitled", "rationale": "", "version": str(a.version)}),
    "resolve": ("resolve", lambda a: {"version": str(a.version)}),
    "sub-amendment": ("sub-amendments/new", lambda _a: {"title": "Another wording"}),
}
ROLES = ("member", "other_member", "observer", "secretariat")


@pytest.fixture
def world(people: SimpleNamespace) -> SimpleNamespace:
    return people


@pytest.mark.parametrize("name", sorted(PAGES))
def test_permission_comes_first_on_every_page(
    name: str,
    app: Any,
    world: SimpleNamespace,
    session: Session,
    client_as: Callable[[str], Any],
) -> None:
    action, (path, form) = AMENDMENT_ACTIONS[name], PAGES[name]
    charter = import_charter(session, title="Charter", text=SAMPLE_CHARTER, actor=world.secretariat)
    session.commit()
    amendments = amendments_in_every_state(
        session, charter, author=world.member, secretariat=world.secretariat
    )
    clients = {role: client_as(role) for role in ROLES}
    before = db_snapshot(app_engine(app))
    for role, client in clients.items():
        for state in STATES:
            amendment = amendments[state]
            allowed = can(getattr(world, role), action.permission, amendment)
            if allowed and action.possible_in(state):
                continue  # it would happen: other tests follow it
            url = f"/charters/{charter.slug}/amendments/{amendment.number}/{path}"
            status = post(client, url, form(amendment)).status_code
            expected = (409, 302) if allowed else (403,)
            assert status in expected, (role, state, status)
    assert db_snapshot(app_engine(app)) == before
