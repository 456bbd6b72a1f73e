"""The command-line tool's fixture: ``cli(*args)`` runs it through click's runner on the test
database."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from charter_engine.cli import main


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CHARTER_DATABASE_URL", database_url)
    monkeypatch.setenv("CHARTER_INSTANCE_DIR", str(tmp_path / "instance"))
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke
