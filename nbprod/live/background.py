"""One daemon thread for the slow parts: hashing data files and saving the record.

The cell's critical path does nothing for the save: the thread looks every ``IDLE``
seconds at a counter the cells move anyway (the session's execution count, ``watch``) and
saves once it has stood still for that long, so a cell never waits for a whole-file
rewrite. Other changes ask for a save with ``save_soon`` (two attribute stores: no lock,
no wake-up). Jobs (hashing a data file) wake it at once. Hashing reads in 1 MiB blocks
(the GIL is released while reading and hashing).
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
        self.activity: Callable[[], int] | None = None  # see ``watch``
        self.watched: Callable[[], Any] | None = None
        self._mark: int | None = None
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

    def watch(self, activity: Callable[[], int], save: Callable[[], Any]) -> None:
        """Run ``save`` once ``activity()`` has moved and then stood still for ``IDLE`` seconds."""
        self.activity, self.watched = activity, save
        self._mark = activity()
        if self._thread is None:
            self._start()

    def _moved(self) -> bool:
        """True (and a save is due) when the watched counter moved since the last look."""
        if self.activity is None:
            return False
        mark = self.activity()
        if mark == self._mark:
            return False
        self._mark = mark
        self.kicked = time.monotonic()
        if self.save is None:
            self.save = self.watched
        return True

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
            self._moved()
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
        if (
            self.save is not None
            or self.jobs
            or (self.activity is not None and self.activity() != self._mark)
        ):
            self.idle.clear()
        self._event.set()
        return self.idle.wait(timeout)

    def stop(self) -> None:
        """Let the thread end after its current job."""
        self._stop = True
        self._event.set()
