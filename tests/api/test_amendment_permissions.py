"""Every amendment action, in every state, as every role: whoever may not take an action is refused
with 403 whatever the state of the amendment and whatever version they name — never a 409 telling
them why it could not happen now — and whoever may gets 409 where the state rules it out. No
refused request changes anything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from charter_engine.accounts.permissions import can
from charter_engine.amendments.workflow import STATES, USER_ACTIONS
from charter_engine.charters.queries import get_charter
from tests.amendment_states import AMENDMENT_ACTIONS, amendments_in_every_state
from tests.api.conftest import Api

# How each action is asked for: (api, amendment, the version named) -> response.
Send = Callable[[Api, Any, int], Any]


def _workflow(action: str) -> Send:
    return lambda api, a, version: api.post(
        f"amendments/{a.id}/actions", json={"action": action, "version": version}
    )


SENDS: dict[str, Send] = {
    **{action: _workflow(action) for action in USER_ACTIONS},
    "merge": lambda api, a, version: api.post(
        f"amendments/{a.id}/merge", json={"version": version}
    ),
    "merge_editorial": lambda api, a, version: api.post(
        f"amendments/{a.id}/merge", json={"editorial": True, "version": version}
    ),
    "resolve": lambda api, a, version: api.post(
        f"amendments/{a.id}/resolve",
        json={
            "version": version,
            "changes": [{"kind": "delete", "clause_id": a.changes[0].clause_id}],
        },
    ),
    "edit": lambda api, a, version: api.patch(
        f"amendments/{a.id}", json={"version": version, "title": "Retitled"}
    ),
    "back": lambda api, a, _version: api.post(
        f"amendments/{a.id}/backers", json={"kind": "supporter"}
    ),
    "sub-amendment": lambda api, a, _version: api.post(
        f"amendments/{a.id}/sub-amendments",
        json={
            "title": "Another wording",
            "changes": [{"change_id": a.changes[0].id, "text": "Another wording.\n\n"}],
        },
    ),
}


@pytest.fixture
def callers(api_as: Callable[..., Api], secretariat: Any) -> dict[str, Api]:
    return {
        "author": api_as("member"),
        "other member": api_as("member"),
        "observer": api_as("observer"),
        "secretariat": api_as(user=secretariat),
    }


@pytest.mark.parametrize("name", sorted(AMENDMENT_ACTIONS))
def test_permission_is_checked_before_state_and_version(
    name: str,
    callers: dict[str, Api],
    session: Session,
    charter_slug: str,
    secretariat: Any,
    snapshot: Callable[[], dict[str, Any]],
) -> None:
    action, send = AMENDMENT_ACTIONS[name], SENDS[name]
    charter = get_charter(session, charter_slug)
    amendments = amendments_in_every_state(
        session, charter, author=callers["author"].user, secretariat=secretariat
    )
    before = snapshot()
    answers, expected = {}, {}
    for role, api in callers.items():
        for state in STATES:
            amendment = amendments[state]
            if not can(api.user, action.permission, amendment):
                # Refused for who they are, even naming a version that is long gone.
                answers[role, state] = send(api, amendment, amendment.version + 7).status_code
                expected[role, state] = 403
            elif not action.possible_in(state):
                answers[role, state] = send(api, amendment, amendment.version).status_code
                expected[role, state] = 409
    assert answers == expected
    assert 403 in expected.values()
    assert snapshot() == before
