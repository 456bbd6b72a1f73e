"""Running work in real threads released together, for the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable


def all_at_once(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run ``work(0)`` … ``work(count - 1)`` in threads that start together; what they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors
