"""A check for the Schemathesis run (:mod:`tests.api.test_schemathesis`), loaded through
``SCHEMATHESIS_HOOKS``: schema-valid requests are accepted, judged part by part.

The run's own ``positive_data_acceptance`` is configured (``schemathesis.toml``) to let two answers
through, and this check takes them back where they would hide a fault:

* ``422``: a well-formed request can still break a rule of the charter process (an empty title, a
  change that no longer applies), and the document declares that 422. Such a request must never be
  refused by the schema validator itself: a refusal that lists ``details.errors`` means that the
  document promised something the server does not take.
* ``400``: Schemathesis 4 labels some coverage cases "positive" as a whole although one part (for
  example the body ``0`` sent with a boundary id in the path) was generated to break the schema;
  the case's metadata says so per part. A 400 is a fault only when every part was generated valid.
"""

from __future__ import annotations

from typing import Any

import schemathesis


def _all_parts_valid(meta: Any) -> bool:
    return all(info.mode.is_positive for info in meta.components.values())


@schemathesis.check
def schema_valid_requests_pass_the_validator(ctx: Any, response: Any, case: Any) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code == 400 and _all_parts_valid(meta):
        raise AssertionError(f"A schema-valid request was refused: {response.text[:500]}")
    if response.status_code not in (400, 422):
        return None
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return None
    details = error.get("details")
    if isinstance(details, dict) and details.get("errors") and _all_parts_valid(meta):
        raise AssertionError(f"A schema-valid request was refused by the validator: {error}")
    return None
