"""One daemon thread for the slow parts: hashing data files and saving the record.

The cell's critical path only notes that a save is due (two attribute stores: no lock, no
wake-up); the thread looks every ``IDLE`` seconds and saves once no cell has run for that
long, so a cell never waits for a whole-file rewrite. Jobs (hashing a data file) wake it
at once. Hashing reads in 1 MiB blocks (the GIL is
released while reading and hashing).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("nbprod.live")
IDLE = 0.5  # seconds without a running cell before the record is saved


class Background:
    """Jobs run off the cell's critical path, in order, on one daemon thread."""

    def __init__(self, busy: Callable[[], bool]) -> None:
        self.busy = busy  # True while a cell runs
        self.jobs: list[Callable[[], Any]] = []
        self.save: Callable[[], Any] | None = None  # the pending save (one at most)
        self.kicked = 0.0
        self._event = threading.Event()
        self._thread: threading.Thread | None = None
        self._stop = False
        self._forced = False
        self.idle = threading.Event()  # set when nothing is queued (tests and final save wait on it)
        self.idle.set()

    def submit(self, job: Callable[[], Any]) -> None:
        """Run ``job`` soon, off the critical path."""
        self.jobs.append(job)
        self._kick()

    def save_soon(self, save: Callable[[], Any]) -> None:
        """Save once the kernel is idle (later calls replace a save not yet done).

        Called after every cell: two attribute stores, no lock, no wake-up; the thread
        looks every ``IDLE`` seconds."""
        self.save = save
        self.kicked = time.monotonic()
        if self._thread is None:
            self._start()

    def _kick(self) -> None:
        self.idle.clear()
        if self._thread is None:
            self._start()
        self._event.set()

    def _start(self) -> None:
        self.idle.clear()
        self._thread = threading.Thread(target=self._loop, name="nbprod-live", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop:
            self._event.wait(IDLE)
            self._event.clear()
            while self.jobs:
                job = self.jobs.pop(0)
                self._run(job)
            if self.save is not None:
                if not self._forced and (time.monotonic() - self.kicked < IDLE or self.busy()):
                    continue
                save, self.save = self.save, None
                self._run(save)
            if not self.jobs and self.save is None:
                self._forced = False
                self.idle.set()

    def _run(self, job: Callable[[], Any]) -> None:
        try:
            job()
        except Exception:
            log.warning("nbprod: background job failed (the cell is not affected)", exc_info=True)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued job and save has run (for tests and the final save)."""
        if self._thread is None:
            return True
        self._forced = True
        if self.save is not None or self.jobs:
            self.idle.clear()
        self._event.set()
        return self.idle.wait(timeout)

    def stop(self) -> None:
        """Let the thread end after its current job."""
        self._stop = True
        self._event.set()
