"""Every goal of publishing in one run: the exports (PDF against bare WeasyPrint, DOCX), then the
redline of two 400-clause revisions and the blame of the longest shared histories.

Run from the project root: ``.venv/bin/python bench/bench_publication.py``. Each part is also a
script of its own (``bench/bench_exports.py``, ``bench/bench_history.py``).
"""

from __future__ import annotations

import bench_exports
import bench_history

if __name__ == "__main__":
    print("== Exports")
    bench_exports.main()
    print("\n== Redlines and blame")
    bench_history.main()
