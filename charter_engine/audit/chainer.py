"""The audit chainer: links the events recorded with ``chain_later`` soon after they are committed.

A process that serves requests owns one :class:`AuditChainer` and gives it to its sessions as
``session.info[AUDIT_CHAINER]``. A transaction that wrote events to be chained later pokes it after
its COMMIT; poking only sets a flag, and a single background thread, started on the first poke,
waits a tenth of a second to gather more events, then runs
:func:`~charter_engine.audit.operations.chain_pending` — the one chaining algorithm, explained
there — in batches, each in its own short transaction. Nothing is lost if the process stops in
between: the events are committed, and the next chainer, any write that chains in its own
transaction, or ``charter-engine audit chain`` links them.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from charter_engine.audit.operations import AUDIT_CHAINER, chain_pending, has_waiting
from charter_engine.db import begin_reading

__all__ = ["AUDIT_CHAINER", "AuditChainer"]

log = logging.getLogger(__name__)


class AuditChainer:
    """Chains waiting audit events in a background thread when poked, or on demand (:meth:`flush`).

    ``session_factory`` makes the sessions it chains in; they should not carry a chainer themselves.
    ``gather_delay`` is how long the thread waits after a poke so that one batch covers many
    transactions; ``retry_delay`` how long it waits after an error (a database restart, say).
    """

    def __init__(
        self,
        session_factory: Callable[[], Session],
        *,
        batch_size: int = 1000,
        gather_delay: float = 0.1,
        retry_delay: float = 1.0,
    ) -> None:
        self._session_factory = session_factory
        self.batch_size = batch_size
        self.gather_delay = gather_delay
        self.retry_delay = retry_delay
        self._poked = threading.Event()
        self._closing = threading.Event()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        # The process that started the thread: after a fork the child has no thread, only its name.
        self._thread_pid: int | None = None

    def poke(self) -> None:
        """Ask for the waiting events to be chained soon. Cheap; called after every such commit."""
        self._poked.set()
        if self._thread_pid != os.getpid():
            self._start()

    def flush(self) -> int:
        """Chain every event waiting now, in this thread; returns how many were chained."""
        total = 0
        while True:
            chained = self._chain_batch()
            total += chained
            if chained < self.batch_size:
                return total

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread (waiting up to ``timeout`` seconds for a batch in progress to finish).

        Events still waiting stay in the database, unchained, for the next chainer; call
        :meth:`flush` first to chain them now.
        """
        self._closing.set()
        self._poked.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive() and self._thread_pid == os.getpid()

    def _start(self) -> None:
        with self._start_lock:
            if self._thread_pid == os.getpid() or self._closing.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="audit-chainer", daemon=True)
            self._thread_pid = os.getpid()
            self._thread.start()

    def _run(self) -> None:
        while True:
            self._poked.wait()
            if self._closing.is_set():
                return
            # Let the transactions that commit right after this one join the batch.
            if self._closing.wait(self.gather_delay):
                return
            # Cleared before chaining: a poke that comes while chaining runs asks for another round.
            self._poked.clear()
            try:
                self.flush()
            except OperationalError as exc:  # the database is down or restarting
                log.warning(
                    "audit events wait for the database (%s); trying again in %.1f s",
                    exc.orig,
                    self.retry_delay,
                )
                self._poked.set()
                if self._closing.wait(self.retry_delay):
                    return
            except Exception:
                log.exception(
                    "chaining audit events failed; trying again in %.1f s", self.retry_delay
                )
                self._poked.set()
                if self._closing.wait(self.retry_delay):
                    return

    def _chain_batch(self) -> int:
        with self._session_factory() as session:
            # A read first: the head lock (on SQLite, the whole database) only when there is work.
            begin_reading(session)
            if not has_waiting(session):
                return 0
            session.rollback()
            chained = chain_pending(session, limit=self.batch_size)
            session.commit()
        return chained
