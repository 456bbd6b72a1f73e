"""Schemathesis against the served OpenAPI document: a bounded, reproducible run over real HTTP,
once with a secretariat token and once with a member token.

Every operation gets schema-valid and schema-breaking requests (at most 25 of each per operation
and phase, generated deterministically), and four checks must hold for every answer: no 5xx, every
answer matches the schema declared for its status, every schema-valid request is accepted, every
schema-breaking request is refused. A schema-valid request may still break a rule of the charter
process and get the declared 422, and Schemathesis labels some mixed cases positive; the
configuration (``schemathesis/schemathesis.toml``) lets those answers through, and a fifth check
(``schemathesis/hooks.py``) fails the run where they would hide a fault.

The data the run meets is made here through the API: a charter, an amendment, a draft and an open
ballot, a proxy. Publishing releases and rendering files are left out (each renders PDF and DOCX
files: seconds apiece, nothing the schema checks learn from); ``tests/api/test_releases.py``
covers them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.conftest import SAMPLE_CHARTER
from tests.live import serving

HERE = Path(__file__).parent / "schemathesis"
ROOT = Path(__file__).resolve().parents[2]
CHECKS = ",".join(
    [
        "not_a_server_error",
        "response_schema_conformance",
        "positive_data_acceptance",
        "negative_data_rejection",
        "schema_valid_requests_pass_the_validator",
    ]
)
SLOW = ("publishRelease", "exportCharter", "exportRedline")


@pytest.fixture
def world(sec_api: Api, member_api: Api, other_member_api: Api, charter_slug: str) -> None:
    amendment = member_api.post(
        f"charters/{charter_slug}/amendments",
        json={"title": "A", "text": SAMPLE_CHARTER + "Added.\n", "submit": True},
    )
    assert amendment.status_code == 201, amendment.get_json()
    for kind, open_it in (("adoption", True), ("amendment", False)):
        body: dict[str, Any] = {"kind": kind}
        if kind == "amendment":
            body["amendments"] = [amendment.get_json()["id"]]
        ballot = sec_api.post(f"charters/{charter_slug}/ballots", json=body)
        assert ballot.status_code == 201, ballot.get_json()
        if open_it:
            opened = sec_api.post(f"ballots/{ballot.get_json()['id']}/open")
            assert opened.status_code == 200, opened.get_json()
    proxy = member_api.post("proxies", json={"agent_id": other_member_api.user.id})
    assert proxy.status_code == 201, proxy.get_json()


def _run(port: int, token: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI in ``workdir``, where it keeps its cache of failures (so a run never replays
    another run's)."""
    base = f"http://127.0.0.1:{port}/api/v1"
    command = [sys.executable, "-m", "schemathesis.cli", "--no-color"]
    command += ["--config-file", str(HERE / "schemathesis.toml"), "run", f"{base}/openapi.json"]
    command += ["--url", base, "-w", "1", "-n", "25"]
    command += ["--generation-deterministic", "--phases", "examples,coverage,fuzzing"]
    command += ["--checks", CHECKS]
    command += ["-H", f"Authorization: Bearer {token}"]
    for operation_id in SLOW:
        command += ["--exclude-operation-id", operation_id]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.api.schemathesis.hooks"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=900, check=False
    )


@pytest.mark.slow
@pytest.mark.parametrize("role", ["secretariat", "member"])
def test_the_served_api_keeps_its_document(
    app: Any, world: None, sec_api: Api, member_api: Api, role: str, tmp_path: Path
) -> None:
    token = sec_api.token if role == "secretariat" else member_api.token
    assert token is not None
    with serving(app, threads=2) as port:
        result = _run(port, token, tmp_path)
    report = result.stdout + result.stderr
    Path(os.environ.get("CHARTER_SCHEMATHESIS_REPORT", os.devnull)).write_text(report)
    report = report[-30000:]
    assert result.returncode == 0, report
    # Every generated case passed every check (the closing summary: "N generated, N passed").
    assert re.search(r"\b(\d+) generated, \1 passed\b", result.stdout), report
