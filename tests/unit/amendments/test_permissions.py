"""The pure permission function: roles, authorship, inactive users, unknown permissions."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from charter_engine.accounts.permissions import can, ensure_can, roles_that_can
from charter_engine.errors import PermissionDenied


@dataclass
class U:
    id: int
    role: str
    active: bool = True


@dataclass
class A:
    author_id: int


MEMBER, OTHER, SEC, OBS = U(1, "member"), U(2, "member"), U(3, "secretariat"), U(4, "observer")


def test_authors_edit_their_own_amendments_only() -> None:
    mine = A(author_id=1)
    assert can(MEMBER, "amendment:edit", mine)
    assert not can(OTHER, "amendment:edit", mine)
    assert not can(SEC, "amendment:edit", mine)
    assert can(OTHER, "amendment:back", mine) and not can(MEMBER, "amendment:back", mine)


WRITE_PERMISSIONS = [
    "amendment:propose",
    "amendment:edit",
    "amendment:submit",
    "amendment:back",
    "comment:create",
    "vote:cast",
    "proxy:give",
    "ballot:open",
    "amendment:merge",
    "charter:import",
]


def test_observers_read_but_never_act() -> None:
    assert can(OBS, "charter:read") and can(OBS, "amendment:read")
    for permission in WRITE_PERMISSIONS:
        assert not can(OBS, permission, A(author_id=4)), permission


@pytest.mark.parametrize(
    "permission", ["amendment:merge", "ballot:open", "charter:import", "user:invite"]
)
def test_secretariat_only(permission: str) -> None:
    assert can(SEC, permission)
    assert not can(MEMBER, permission)
    with pytest.raises(PermissionDenied):
        ensure_can(MEMBER, permission)


def test_inactive_users_and_anonymous_and_unknown_permissions_are_refused() -> None:
    assert not can(U(9, "secretariat", active=False), "amendment:merge")
    assert not can(None, "charter:read")
    assert not can(SEC, "no:such-permission")


def test_roles_that_can_agree_with_can() -> None:
    assert roles_that_can("vote:cast") == ("member", "secretariat")
    assert roles_that_can("ballot:open") == ("secretariat",)
    assert roles_that_can("charter:read") == ("member", "secretariat", "observer")
    assert roles_that_can("no:such-permission") == ()
    for permission in WRITE_PERMISSIONS:
        for user in (MEMBER, SEC, OBS):
            if permission not in ("amendment:edit", "amendment:submit", "amendment:back"):
                assert (user.role in roles_that_can(permission)) == can(user, permission)
