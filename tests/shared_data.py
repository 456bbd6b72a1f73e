"""Where the shared real-world test data lives (charter histories, real merges, real elections).

The data sits in ``../shared/data`` beside the project checkout; ``CHARTER_SHARED_DATA`` overrides
it. Tests that need it skip with a clear message when it is absent, unless ``CI`` is set, where a
missing folder is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    override = os.environ.get("CHARTER_SHARED_DATA")
    return Path(override) if override else PROJECT_ROOT.parent / "shared" / "data"


def require_shared_data(*parts: str) -> Path:
    """Return the path to a shared data folder or file, skipping (failing in CI) when missing."""
    path = shared_data_dir().joinpath(*parts)
    if not path.exists():
        message = f"shared test data not found at {path} (set CHARTER_SHARED_DATA)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
