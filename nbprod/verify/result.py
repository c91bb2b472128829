"""The result of verifying one notebook: per-cell comparisons, counts, cause, findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nbprod.report import Finding, NotebookReport
from nbprod.verify.causes import Cause
from nbprod.verify.runner import Failure

# per-cell statuses; "compared" = matched + differed
STATUSES = ("matched", "differed", "not-comparable", "empty", "failed", "not-run")


@dataclass
class CellResult:
    """One code cell: how its fresh outputs compare with the saved ones (and between runs)."""

    index: int
    id: str | None
    status: str
    detail: str = ""
    stderr_detail: str = ""
    nondeterministic: str = ""  # how two fresh runs differ here ("" when they agree)
    order_only: bool = False
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"cell": self.index, "cell_id": self.id, "status": self.status}
        for key in ("detail", "stderr_detail", "nondeterministic"):
            if getattr(self, key):
                d[key] = getattr(self, key)
        if self.notes:
            d["notes"] = list(self.notes)
        return d


@dataclass
class VerifyResult:
    """What ``nbprod verify`` found for one notebook.

    ``ran``: the first fresh run went top to bottom without an unexpected error.
    ``reproduced``: it ran and every compared cell matched its saved outputs (None when
    nothing could be compared, e.g. a notebook saved without outputs).
    ``deterministic``: two fresh runs agreed (None with a single run, or when a run failed).
    """

    path: str
    runs: int
    kernel: str
    cells: list[CellResult] = field(default_factory=list)
    failure: Failure | None = None
    cause: Cause | None = None
    seconds: list[float] = field(default_factory=list)
    run_failures: list[Failure | None] = field(default_factory=list)
    seed_hint: str | None = None
    notes: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ran(self) -> bool:
        return self.failure is None

    @property
    def counts(self) -> dict[str, int]:
        """Code cells by status, plus ``compared`` (matched + differed) and ``stderr_differed``."""
        counts = {s.replace("-", "_"): 0 for s in STATUSES}
        for c in self.cells:
            counts[c.status.replace("-", "_")] += 1
        counts["compared"] = counts["matched"] + counts["differed"]
        counts["cells"] = len(self.cells)
        counts["stderr_differed"] = sum(1 for c in self.cells if c.stderr_detail)
        counts["nondeterministic"] = sum(1 for c in self.cells if c.nondeterministic)
        return counts

    @property
    def reproduced(self) -> bool | None:
        if not self.ran:
            return False
        counts = self.counts
        if counts["compared"] == 0:
            return None
        return counts["differed"] == 0

    @property
    def deterministic(self) -> bool | None:
        if self.runs < 2 or len(self.run_failures) < 2:
            return None
        if any(c.nondeterministic for c in self.cells):
            return False
        kinds = {(f.cell, f.ename) if f else None for f in self.run_failures}
        if len(kinds) > 1:
            return False
        return None if self.failure is not None else True

    def summary(self) -> str:
        """One line: how many cells were compared and what came of it."""
        return self.summary_of(self.to_dict())

    @staticmethod
    def summary_of(data: dict[str, Any]) -> str:
        """The summary line from the ``extra["verify"]`` dict of a report."""
        c = data["counts"]
        times = "/".join(f"{s:.1f}" for s in data.get("seconds", []))
        tail = f"ran in {times} s ({data.get('kernel')})"
        if c["cells"] == 0:
            return f"no code cells; {tail}"
        parts = [
            f"{c['compared']} of {c['cells']} code cell(s) compared ({c['matched']} matched, {c['differed']} differed)"
        ]
        for key, label in (("not_comparable", "not comparable"), ("empty", "without outputs"),
                           ("failed", "failed"), ("not_run", "not run")):  # fmt: skip
            if c[key]:
                parts.append(f"{c[key]} {label}")
        if c["stderr_differed"]:
            parts.append(f"stderr differed in {c['stderr_differed']}")
        if data["reproduced"] is None and data["ran"]:
            parts.append("nothing to compare: no saved outputs")
        if data["deterministic"] is True:
            parts.append(f"{data['runs']} fresh runs agree")
        elif data["deterministic"] is False:
            parts.append(f"{data['runs']} fresh runs differ")
        return "; ".join(parts) + f"; {tail}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape under ``NotebookReport.extra["verify"]``."""
        d: dict[str, Any] = {
            "runs": self.runs,
            "kernel": self.kernel,
            "ran": self.ran,
            "reproduced": self.reproduced,
            "deterministic": self.deterministic,
            "counts": self.counts,
            "seconds": [round(s, 3) for s in self.seconds],
            "cells": [c.to_dict() for c in self.cells],
        }
        if self.failure is not None:
            d["failure"] = {"cell": self.failure.cell, "kind": self.failure.kind, "ename": self.failure.ename}
        if self.cause is not None:
            d["cause"] = {"kind": self.cause.kind, "message": self.cause.message, "name": self.cause.name,
                          "rule": self.cause.rule}  # fmt: skip
        if self.seed_hint:
            d["seed_hint"] = self.seed_hint
        if self.notes:
            d["notes"] = list(self.notes)
        return d

    def to_report(self, language: str = "python") -> NotebookReport:
        """A NotebookReport with the findings and the counts under ``extra["verify"]``."""
        return NotebookReport(self.path, language, list(self.findings), extra={"verify": self.to_dict()})
