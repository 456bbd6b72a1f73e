"""Named permissions and the one pure function that decides them: ``can(user, permission, obj)``.

Views, API handlers and templates all ask this function, so what a page offers and what the server
enforces cannot disagree. Deny by default: an unknown permission is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from charter_engine.accounts.models import ROLES
from charter_engine.errors import PermissionDenied


class Actor(Protocol):
    """Whoever acts: an account, or the token holder an API request authenticated."""

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> str: ...

    @property
    def active(self) -> bool: ...


def _is_staff(user: Actor) -> bool:
    return user.role == "secretariat"


def _is_participant(user: Actor) -> bool:
    return user.role in {"member", "secretariat"}


def _is_author(user: Actor, obj: Any) -> bool:
    return obj is not None and getattr(obj, "author_id", None) == user.id


def _reader(user: Actor, obj: Any) -> bool:
    return True


def _participant(user: Actor, obj: Any) -> bool:
    return _is_participant(user)


def _staff(user: Actor, obj: Any) -> bool:
    return _is_staff(user)


def _author(user: Actor, obj: Any) -> bool:
    return _is_participant(user) and _is_author(user, obj)


def _backer(user: Actor, obj: Any) -> bool:
    return _is_participant(user) and not _is_author(user, obj)


RULES: dict[str, Callable[[Actor, Any], bool]] = {
    # the charter space
    "charter:read": _reader,
    "charter:import": _staff,
    "charter:edit_editorial": _staff,
    "charter:export": _reader,
    # amendments
    "amendment:read": _reader,
    "amendment:propose": _participant,
    "amendment:edit": _author,
    "amendment:submit": _author,
    "amendment:withdraw": _author,
    "amendment:resolve": _author,
    "amendment:back": _backer,
    "amendment:open_discussion": _staff,
    "amendment:start_voting": _staff,
    "amendment:decide": _staff,
    "amendment:merge": _staff,
    "amendment:merge_editorial": _staff,
    "amendment:supersede": _staff,
    "amendment:flag_conflict": _staff,
    # comments
    "comment:read": _reader,
    "comment:create": _participant,
    # ballots
    "ballot:read": _reader,
    "ballot:create": _staff,
    "ballot:edit": _staff,
    "ballot:delete": _staff,
    "ballot:open": _staff,
    "ballot:close": _staff,
    "ballot:results_early": _staff,
    "vote:cast": _participant,
    "proxy:give": _participant,
    # people
    # Everyone signed in sees the directory; contact details only members and the secretariat.
    "directory:view": _reader,
    "directory:contact": _participant,
    "user:invite": _staff,
    "user:deactivate": _staff,
    "user:change_role": lambda user, obj: _is_staff(user) and (obj is None or obj.id != user.id),
    "user:edit_self": lambda user, obj: obj is not None and obj.id == user.id,
    "notifications:read": _reader,
    "desk:view": _staff,
    "audit:view": _staff,
    "release:publish": _staff,
}


def can(user: Actor | None, permission: str, obj: Any = None) -> bool:
    if user is None or not getattr(user, "active", False):
        return False
    rule = RULES.get(permission)
    return bool(rule and rule(user, obj))


def ensure_can(user: Actor | None, permission: str, obj: Any = None) -> None:
    """Raise :class:`PermissionDenied` unless ``can(user, permission, obj)``."""
    if not can(user, permission, obj):
        message = _DENIED.get(permission) or _DENIED.get(permission.split(":")[0])
        raise PermissionDenied(message or "You may not do this.")


@dataclass(frozen=True)
class _Role:
    role: str
    id: int = 0
    active: bool = True


def roles_that_can(permission: str) -> tuple[str, ...]:
    """The roles whose active accounts hold ``permission`` on anything: for a statement that
    checks the permission itself, in the database."""
    return tuple(role for role in ROLES if can(_Role(role), permission))


# The refusal a person reads: for the permission itself, else for its kind of object.
_DENIED = {
    "amendment:propose": "Only members and the secretariat may propose amendments; as an "
    "observer you can read the charter, its amendments and their discussion.",
    "amendment:edit": "Only the author of this amendment may edit it.",
    "amendment:submit": "Only the author of this amendment may submit it.",
    "amendment:withdraw": "Only the author of this amendment may withdraw it.",
    "amendment:resolve": "Only the author of this amendment may resolve its conflict.",
    "amendment:back": "Only members and the secretariat, other than its author, may co-sponsor "
    "this amendment.",
    "charter": "Only the secretariat may change the charter directly.",
    "amendment": "You may not take this action on this amendment.",
    "comment": "Only members and the secretariat may comment.",
    "ballot": "Only the secretariat may manage ballots.",
    "vote": "You are not eligible to vote.",
    "proxy": "Only members may give a proxy.",
    "directory": "Contact details are visible to members and the secretariat only.",
    "user": "Only the secretariat may manage members.",
}
