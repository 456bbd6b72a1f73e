"""Domain errors. Operations raise these; the web, API and CLI layers turn them into answers.

Each carries a stable machine-readable ``code`` and a message written for the person who caused it.
"""

from __future__ import annotations

from typing import Any


class CharterError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationError(CharterError):
    """The input is malformed or breaks a rule (missing title, unknown clause, empty text)."""

    code = "invalid"
    status = 422

    def __init__(self, message: str, *, field: str | None = None, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.field = field


class NotFound(CharterError):
    code = "not_found"
    status = 404


class PermissionDenied(CharterError):
    code = "forbidden"
    status = 403


class InvalidTransition(CharterError):
    """A workflow action that the current state does not allow."""

    code = "invalid_transition"
    status = 409


class Conflict(CharterError):
    """The request collides with the current state: stale version, text conflict, duplicate."""

    code = "conflict"
    status = 409


class StaleVersion(Conflict):
    """Someone else changed the object since the user loaded it."""

    code = "stale"
