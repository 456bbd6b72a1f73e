"""Real charter histories replayed through the API: import the first version, then propose each
later version as an amendment of the whole document and merge it; every revision's text, read
back through the API, is that version byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.conftest import Api
from tests.shared_data import require_shared_data, shared_data_dir


def _histories() -> list[str]:
    folder = shared_data_dir() / "histories"
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else ["-"]


def _versions(name: str) -> list[Path]:
    folder = require_shared_data("histories", name)
    return sorted(p for p in folder.iterdir() if p.name.startswith("v"))


@pytest.mark.parametrize("name", _histories())
def test_replaying_a_history_through_the_api_reproduces_every_version(
    sec_api: Api, name: str
) -> None:
    versions = _versions(name)
    first = versions[0]
    created = sec_api.post(
        "charters",
        json={"title": name, "text": first.read_text(encoding="utf-8"), "filename": first.name},
    )
    assert created.status_code == 201, created.get_json()
    slug = created.get_json()["slug"]
    expected = {1: first.read_bytes()}
    for step, path in enumerate(versions[1:], start=1):
        wanted = path.read_bytes()
        head = max(expected)
        if wanted == expected[head]:
            continue  # an unchanged version makes no revision
        proposed = sec_api.post(
            f"charters/{slug}/amendments",
            json={
                "title": f"Step {step}: {path.name}",
                "base_revision": head,
                "text": wanted.decode("utf-8"),
                "submit": True,
            },
        )
        assert proposed.status_code == 201, (path.name, proposed.get_json())
        merged = sec_api.post(
            f"amendments/{proposed.get_json()['id']}/merge", json={"editorial": True}
        )
        assert merged.status_code == 200, (path.name, merged.get_json())
        assert merged.get_json()["revision"] == head + 1
        expected[head + 1] = wanted

    for number, wanted in expected.items():
        response = sec_api.get(f"charters/{slug}/text?revision={number}")
        assert response.status_code == 200
        assert response.get_data() == wanted, f"{name} revision {number}"
    revisions = sec_api.get(f"charters/{slug}/revisions").get_json()["revisions"]
    assert [r["number"] for r in revisions] == sorted(expected)
