"""The export tests keep pages of PDFs as PNGs for a person to look at; the run's summary names
them (CI's log shows where they are)."""

from __future__ import annotations

from typing import Any

from tests.integration.publication.exported import EXPORT_ARTIFACTS, kept_artifacts


def pytest_terminal_summary(terminalreporter: Any) -> None:
    kept = kept_artifacts()
    if kept:
        terminalreporter.write_sep("-", f"exported pages kept as PNG in {EXPORT_ARTIFACTS}")
        for path in kept:
            terminalreporter.write_line(str(path))
