"""The app served over real HTTP on a loopback port, by waitress in a background thread of the test
process, so that it shares the test's database and fixtures (production serves with Granian's
worker processes; ``tests/integration/cli/test_serve.py`` runs that).

Shutting down happens on the server's own thread: the channels are closed by a thunk run through
waitress's trigger, so the event loop never polls a descriptor another thread has just closed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from waitress.server import create_server


@contextmanager
def serving(app: Any, *, threads: int, ident: str = "charter-test") -> Iterator[int]:
    """Serve ``app`` on 127.0.0.1 and a free port; yield the port."""
    server: Any = create_server(app, host="127.0.0.1", port=0, threads=threads, ident=ident)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:
        server.task_dispatcher.shutdown()

        def close_all() -> None:
            # The listening socket, the trigger and every connection still open: with the map
            # empty the loop returns, and nothing is left to the garbage collector.
            for channel in list(server._map.values()):
                channel.close()

        server.trigger.pull_trigger(close_all)
        thread.join(timeout=10)
