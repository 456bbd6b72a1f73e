"""A check for the Schemathesis run (:mod:`tests.api.test_schemathesis`), loaded through
``SCHEMATHESIS_HOOKS``.

The run accepts a ``422`` for a request that matches the schema, because a well-formed request can
still break a rule of the charter process (an empty title, a change that no longer applies), and
the document declares that ``422``. This check keeps that allowance honest: such a request must
never be refused by the schema validator itself — a refusal that lists ``details.errors`` means
that the document promised something the server does not take.
"""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.check
def schema_valid_requests_pass_the_validator(ctx: Any, response: Any, case: Any) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return None
    details = error.get("details")
    if isinstance(details, dict) and details.get("errors"):
        raise AssertionError(f"A schema-valid request was refused by the validator: {error}")
    return None
