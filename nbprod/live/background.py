"""One daemon thread for the slow parts: hashing data files and saving the record.

The cell's critical path only puts a job here (a list append and an ``Event.set``); the
thread waits until the kernel has been idle for ``IDLE`` seconds before it saves, so a
cell never waits for a whole-file rewrite. Hashing reads in 1 MiB blocks (the GIL is
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
        """Save once the kernel is idle (later calls replace a save not yet done)."""
        self.save = save
        self._kick()

    def _kick(self) -> None:
        self.kicked = time.monotonic()
        self.idle.clear()
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="nbprod-live", daemon=True)
            self._thread.start()
        self._event.set()

    def _loop(self) -> None:
        while not self._stop:
            self._event.wait()
            self._event.clear()
            while self.jobs:
                job = self.jobs.pop(0)
                self._run(job)
            if self.save is not None:
                wait = IDLE - (time.monotonic() - self.kicked)
                if (wait > 0 or self.busy()) and not self._forced:
                    time.sleep(max(wait, 0.05))
                    self._event.set()
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
        self._event.set()
        return self.idle.wait(timeout)

    def stop(self) -> None:
        """Let the thread end after its current job."""
        self._stop = True
        self._event.set()
