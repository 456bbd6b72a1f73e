"""The JSON API under ``/api/v1``: bearer-token authentication, one error format, OpenAPI.

The API is one blueprint, :data:`api_bp` (made in :mod:`.core`, with authentication and the error
answers). Each endpoint module declares its routes on it, each with :func:`.spec.endpoint`: the
pydantic models of its body, query and answers, which validate the request and make the OpenAPI
document (:mod:`.spec`). The endpoint modules are the ones imported below; a new one is added there
and to :data:`ENDPOINT_MODULES`.
:func:`charter_engine.app.create_app` registers the blueprint.

Every handler is a unit of work: it reads the validated body, calls operations, commits once and
answers.
Any error answers ``{"error": {"code", "message"}}`` with a 4xx status and changes nothing.
"""

from charter_engine.api.core import api_bp

# isort: off
from charter_engine.api import core, charters, amendments, amendment_workflow, comments
from charter_engine.api import ballots, votes, proxies, releases, provenance

# isort: on

ENDPOINT_MODULES = (
    core,
    charters,
    amendments,
    amendment_workflow,
    comments,
    ballots,
    votes,
    proxies,
    releases,
    provenance,
)

__all__ = ["ENDPOINT_MODULES", "api_bp"]
