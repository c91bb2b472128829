"""The readiness checklist: items, scoring per section, overall = the weakest section.

The model only; no widget or plotting imports. ``shared/CHECKLIST.md`` is the source of
the items. Auto items are filled by ``nbprod.autochecks`` from rule findings, the session
record, re-execution and export state; manual items from the ticks file (``nbprod.manual``).
"""

from __future__ import annotations

import os

from nbprod.checklist_data import TABLE

# The text report's lines live in nbprod.report, which `nbprod check` imports without this module.
from nbprod.report import score_bar as _bar  # noqa: F401
from nbprod.report import summary_lines  # noqa: F401
from nbprod.values import Frozen, Value

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start

if TYPE_CHECKING:
    from typing import Any

    from nbprod.analysis.facts import NotebookFacts
    from nbprod.manual import Tick
    from nbprod.report import Finding

# status -> (icon, label); the score is decided by the evaluator, the status explains it
STATUS = {
    "pass": ("✔", "done, enforced"),
    "partial": ("◐", "partly done"),
    "fail": ("✘", "not done"),
    "unknown": ("?", "not known yet"),
    "n/a": ("–", "not applicable"),
    "ticked": ("☑", "ticked by hand"),
    "automated": ("✔", "ticked, automated"),
    "open": ("☐", "not assessed, awaits review"),
}
STATUS_COLORS = {"pass": "#2e7d32", "automated": "#2e7d32", "partial": "#c77700", "ticked": "#c77700",
                 "fail": "#c62828", "unknown": "#6a1b9a", "n/a": "#777777", "open": "#777777"}  # fmt: skip


class Item(Frozen):
    """One checklist item: ``kind`` is ``auto`` (filled by nbprod) or ``manual`` (ticked)."""

    id: str
    title: str
    kind: str
    filled_by: str
    rules: tuple[str, ...]

    __match_args__ = ("id", "title", "kind", "filled_by", "rules")

    def __init__(
        self,
        id: str,
        title: str,
        kind: str,
        filled_by: str = "",
        rules: tuple[str, ...] = (),
    ) -> None:
        _set = object.__setattr__  # frozen: past our own __setattr__
        _set(self, "id", id)
        _set(self, "title", title)
        _set(self, "kind", kind)
        _set(self, "filled_by", filled_by)
        _set(self, "rules", rules)


class Section(Frozen):
    """A checklist section with its items."""

    id: str
    title: str
    items: tuple[Item, ...]

    __match_args__ = ("id", "title", "items")

    def __init__(self, id: str, title: str, items: tuple[Item, ...]) -> None:
        _set = object.__setattr__  # frozen: past our own __setattr__
        _set(self, "id", id)
        _set(self, "title", title)
        _set(self, "items", items)


SECTIONS: tuple[Section, ...] = tuple(
    Section(sid, title, tuple(Item(*row) for row in rows)) for sid, title, rows in TABLE
)
ITEMS: dict[str, Item] = {item.id: item for s in SECTIONS for item in s.items}
MANUAL_IDS: tuple[str, ...] = tuple(i.id for i in ITEMS.values() if i.kind == "manual")
CHECKLIST_RULES: frozenset[str] = frozenset(r for i in ITEMS.values() for r in i.rules)


class ItemResult(Value):
    """An item's state: score 0/1/2 (None when not applicable), why, and what to do."""

    item: Item
    score: int | None
    status: str
    reason: str
    fix: str
    cell: int | None
    cell_id: str | None
    line: int | None
    tick: Tick | None

    __match_args__ = ("item", "score", "status", "reason", "fix", "cell", "cell_id", "line", "tick")

    def __init__(
        self,
        item: Item,
        score: int | None,
        status: str,
        reason: str = "",
        fix: str = "",
        cell: int | None = None,
        cell_id: str | None = None,
        line: int | None = None,
        tick: Tick | None = None,
    ) -> None:
        self.item = item
        self.score = score
        self.status = status
        self.reason = reason
        self.fix = fix
        self.cell = cell
        self.cell_id = cell_id
        self.line = line
        self.tick = tick

    @property
    def icon(self) -> str:
        return STATUS[self.status][0]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.item.id,
            "title": self.item.title,
            "kind": self.item.kind,
            "score": self.score,
            "status": self.status,
            "reason": self.reason,
            "fix": self.fix,
            "cell": self.cell,
            "cell_id": self.cell_id,
            "line": self.line,
        }
        if self.item.rules:
            d["rules"] = list(self.item.rules)
        if self.tick is not None:
            d["tick"] = self.tick.to_dict()
        return d


class SectionResult:
    """A section's items and its score = points / maximum over applicable items."""

    section: Section
    items: list[ItemResult]

    __match_args__ = ("section", "items")

    def __init__(self, section: Section, items: list[ItemResult]) -> None:
        self.section = section
        self.items = items

    def _tally(self) -> tuple[int, int]:
        points = maximum = 0
        for r in self.items:
            if r.score is not None:
                points += r.score
                maximum += 2
        return points, maximum

    @property
    def points(self) -> int:
        return self._tally()[0]

    @property
    def maximum(self) -> int:
        return self._tally()[1]

    @property
    def score(self) -> float:
        points, maximum = self._tally()
        return round(points / maximum, 3) if maximum else 0.0

    @property
    def assessed(self) -> bool:
        """False when every item is not applicable or awaits review: the section has no score yet."""
        return self._tally()[1] > 0

    def awaiting(self) -> list[ItemResult]:
        """Manual items nobody has ticked: not assessed, listed for review."""
        return [r for r in self.items if r.status == "open"]

    def next_steps(self) -> list[ItemResult]:
        """Items not fully done, lowest score first (auto items before manual ones)."""
        todo = [r for r in self.items if (r.score is not None and r.score < 2) or r.status == "open"]
        return sorted(todo, key=lambda r: (r.status == "open", r.score or 0, r.item.kind != "auto"))

    def to_dict(self) -> dict[str, Any]:
        points, maximum = self._tally()
        return {
            "id": self.section.id,
            "title": self.section.title,
            "score": round(points / maximum, 3) if maximum else 0.0,
            "assessed": maximum > 0,
            "awaiting_review": [r.item.id for r in self.awaiting()],
            "points": points,
            "max": maximum,
            "items": [r.to_dict() for r in self.items],
        }


class Checklist:
    """The checklist of one notebook: overall readiness = the weakest section's score."""

    path: str
    sections: list[SectionResult]
    ticks_path: str | None
    warnings: list[str]

    __match_args__ = ("path", "sections", "ticks_path", "warnings")

    def __init__(
        self,
        path: str,
        sections: list[SectionResult],
        ticks_path: str | None = None,
        warnings: list[str] | None = None,
    ) -> None:
        self.path = path
        self.sections = sections
        self.ticks_path = ticks_path
        self.warnings = [] if warnings is None else warnings

    @property
    def overall(self) -> float:
        """The lowest score of the sections that have anything assessed."""
        return min((s.score for s in self.sections if s.assessed), default=0.0)

    @property
    def weakest(self) -> SectionResult:
        """The section holding the notebook back (the first of equals, in checklist order)."""
        assessed = [s for s in self.sections if s.assessed] or self.sections
        return min(assessed, key=lambda s: s.score)

    def tally(self) -> dict[str, int]:
        """What automation verified (auto items at 2) and what still awaits review (unticked manual items)."""
        results = [r for s in self.sections for r in s.items]
        auto = [r for r in results if r.item.kind == "auto" and r.score is not None]
        return {
            "verified": sum(1 for r in auto if r.score == 2),
            "auto_assessed": len(auto),
            "ticked": sum(1 for r in results if r.item.kind == "manual" and r.score is not None),
            "awaiting_review": sum(1 for r in results if r.status == "open"),
        }

    def item(self, item_id: str) -> ItemResult:
        for s in self.sections:
            for r in s.items:
                if r.item.id == item_id:
                    return r
        raise KeyError(item_id)

    def section(self, section_id: str) -> SectionResult:
        return next(s for s in self.sections if s.section.id == section_id)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "overall": self.overall,
            "weakest": self.weakest.section.id,
            "tally": self.tally(),
            "ticks_file": self.ticks_path,
            "sections": [s.to_dict() for s in self.sections],
        }
        if self.warnings:
            d["warnings"] = list(self.warnings)
        return d

    @classmethod
    def from_dict(cls, path: str, data: dict[str, Any]) -> Checklist:
        """Rebuild a checklist from its JSON form (``NotebookReport.extra["checklist"]``)."""
        from nbprod.manual import Tick

        sections = []
        by_id = {s.get("id"): s for s in data.get("sections", [])}
        for section in SECTIONS:
            items = {i.get("id"): i for i in by_id.get(section.id, {}).get("items", [])}
            results = []
            for item in section.items:
                d = items.get(item.id, {})
                tick = Tick(**d["tick"]) if isinstance(d.get("tick"), dict) else None
                r = ItemResult(item, d.get("score"), d.get("status", "unknown"), d.get("reason", ""))
                r.fix, r.cell, r.cell_id, r.line, r.tick = (
                    d.get("fix", ""),
                    d.get("cell"),
                    d.get("cell_id"),
                    d.get("line"),
                    tick,
                )
                results.append(r)
            sections.append(SectionResult(section, results))
        return cls(path, sections, data.get("ticks_file"), list(data.get("warnings", [])))

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        from nbprod.render import to_html, to_text

        return {"text/plain": to_text(self), "text/html": to_html(self)}


def build_checklist(
    facts: NotebookFacts,
    findings: list[Finding],
    ticks: dict[str, Tick] | None = None,
    *,
    ticks_path: str | None = None,
    warnings: list[str] | None = None,
) -> Checklist:
    """Fill every item from findings, facts, record and ticks, and score the sections."""
    from nbprod.autochecks import Evidence, evaluate
    from nbprod.manual import manual_result

    evidence = Evidence.collect(facts, findings)
    sections = []
    for section in SECTIONS:
        results = []
        for item in section.items:
            if item.kind == "auto":
                results.append(evaluate(item, evidence))
            else:
                results.append(
                    manual_result(item, (ticks or {}).get(item.id), os.path.dirname(facts.notebook.path))
                )
        sections.append(SectionResult(section, results))
    return Checklist(facts.notebook.path, sections, ticks_path, list(warnings or []))


def checklist_for(path: str | os.PathLike[str], record: Any = None, strict: bool = True) -> Checklist:
    """Read a notebook, run every rule and the ticks file, and build its checklist.

    Raises ``NbprodError`` for an unreadable notebook, and for a corrupt ticks file unless
    ``strict`` is False (then the ticks are left out and the problem is a warning).
    """
    from nbprod.analysis.facts import analyze_notebook
    from nbprod.checker import run_rules
    from nbprod.errors import NbprodError
    from nbprod.manual import load_ticks, ticks_path
    from nbprod.notebook import read_notebook
    from nbprod.record import load_record

    nb = read_notebook(path)
    if not nb.is_python:
        raise NbprodError(f"{path}: {nb.language} notebook: the readiness checklist needs Python")
    facts = analyze_notebook(nb, record if record is not None else load_record(nb.path))
    findings = run_rules(facts)
    warnings = []
    try:
        ticks = load_ticks(nb.path)
    except NbprodError as exc:
        if strict:
            raise
        ticks, warnings = {}, [str(exc)]
    return build_checklist(facts, findings, ticks, ticks_path=str(ticks_path(nb.path)), warnings=warnings)


def checklist_extra(facts: NotebookFacts, findings: list[Finding]) -> dict[str, Any]:
    """The checklist as a JSON-ready dict for ``NotebookReport.extra``; a corrupt ticks file
    gives the checklist without ticks and its message under ``"error"``."""
    from nbprod.checklist_data import expand

    return expand(checklist_compact(facts, findings))


def checklist_compact(facts: NotebookFacts, findings: list[Finding]) -> Any:
    """The checklist in the compact form of ``nbprod.checklist_data`` (what the checker
    keeps, sends and caches): the items of ``build_checklist``, none of the fixed text."""
    from nbprod.autochecks import Evidence, evaluate
    from nbprod.errors import NbprodError
    from nbprod.manual import manual_result, ticks_at, ticks_file

    path = facts.notebook.path
    tfile = ticks_file(path)
    error = None
    try:
        ticks = ticks_at(tfile)
    except NbprodError as exc:
        ticks, error = {}, str(exc)
    evidence = Evidence.collect(facts, findings)
    base = os.path.dirname(path)
    rows = []
    for item in _ITEM_LIST:
        if item.kind == "auto":
            r = evaluate(item, evidence)
        else:
            tick = ticks.get(item.id)
            if tick is None:
                rows.append(_open_row(item))
                continue
            r = manual_result(item, tick, base)
        rows.append(
            (
                r.score,
                r.status,
                r.reason,
                r.fix,
                r.cell,
                r.cell_id,
                r.line,
                None if r.tick is None else r.tick.to_dict(),
            )
        )
    return (tfile, tuple(zip(*rows, strict=True)), [], error)


_ITEM_LIST: tuple[Item, ...] = tuple(item for s in SECTIONS for item in s.items)
_OPEN: dict[str, tuple[Any, ...]] = {}


def _open_row(item: Item) -> tuple[Any, ...]:
    """The row of a manual item nobody ticked: the same in every notebook."""
    row = _OPEN.get(item.id)
    if row is None:
        from nbprod.manual import manual_result

        r = manual_result(item, None)
        row = _OPEN[item.id] = (r.score, r.status, r.reason, r.fix, r.cell, r.cell_id, r.line, None)
    return row


def apply_verify(nb_report: Any) -> None:
    """Refill C2 (and C1 when a fresh run failed) once ``nbprod check --verify`` has added
    its NB5xx findings and ``extra["verify"]`` to a notebook's report."""
    from typing import cast

    from nbprod.autochecks import Evidence, by_rule, check_c1, check_c2

    data, verify = nb_report.extra.get("checklist"), nb_report.extra.get("verify")
    if not data or not isinstance(verify, dict):
        return
    checklist = Checklist.from_dict(nb_report.path, data)
    ev = Evidence(cast("NotebookFacts", None), by_rule(nb_report.findings), None, verify=verify)
    fresh = {"C2": check_c2(ITEMS["C2"], ev)}
    if ev.fired("NB501"):
        fresh["C1"] = check_c1(ITEMS["C1"], ev)
    for section in checklist.sections:
        section.items = [fresh.get(r.item.id, r) for r in section.items]
    new = checklist.to_dict()
    if "error" in data:
        new["error"] = data["error"]
    nb_report.extra["checklist"] = new
