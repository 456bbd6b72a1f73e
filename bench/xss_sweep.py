"""The full cross-site scripting sweep: every payload of ``tests/browser/xss.py`` (over 200) in
every user-text field, each page that shows them loaded in Chromium, with dialog and
CSP-violation listeners and a look for runnable markup. Zero of each is the goal.

The suite runs an evenly spread subset of the payloads (``tests/browser/test_xss.py``); this runs
the same test with all of them. It takes several minutes (about 1,000 page loads).

Run from the project root: ``.venv/bin/python bench/xss_sweep.py`` (SQLite), or with
``CHARTER_TEST_DATABASE_URL=postgresql://…`` to seed PostgreSQL. It prints the number of payloads
and page loads and what was found, and exits non-zero if anything ran.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    env = {**os.environ, "CHARTER_XSS_PAYLOADS": "all", "CHARTER_REQUIRE_BROWSER": "1"}
    command = [
        sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
        "tests/browser/test_xss.py",
    ]  # fmt: skip
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
