"""The rule registry: each rule's id, severity, message, fix and docs in one place."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from nbprod.values import Immutable

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start


if TYPE_CHECKING:
    from nbprod.analysis.facts import NotebookFacts

SEVERITIES = ("error", "warning", "info")
FAMILIES = {
    "NB1": "Execution order and hidden state",
    "NB2": "Reproducibility",
    "NB3": "Production readiness",
    "NB4": "Security",
    "NB5": "Re-execution",
}
# A hit: (cell index or None, line in the cell or None, message).
Hit = tuple["int | None", "int | None", str]
CheckFn = Callable[["NotebookFacts"], Iterable[Hit]]


class Rule(Immutable):
    """A rule: ``check`` yields hits for a notebook; ``static`` is False for rules
    that need a live session or a re-execution and never run in ``nbprod check``."""

    id: str
    name: str
    severity: str
    summary: str
    fix: str
    check: CheckFn | None
    doc: str
    static: bool

    __match_args__ = ("id", "name", "severity", "summary", "fix", "check", "doc", "static")

    def __init__(
        self,
        id: str,
        name: str,
        severity: str,
        summary: str,
        fix: str,
        check: CheckFn | None,
        doc: str = "",
        static: bool = True,
    ) -> None:
        _set = object.__setattr__  # frozen: past our own __setattr__
        _set(self, "id", id)
        _set(self, "name", name)
        _set(self, "severity", severity)
        _set(self, "summary", summary)
        _set(self, "fix", fix)
        _set(self, "check", check)
        _set(self, "doc", doc)
        _set(self, "static", static)


REGISTRY: dict[str, Rule] = {}
_MODULES = ("order", "reproducibility", "readiness", "leakage", "security", "external")


def rule(
    id: str, name: str, severity: str, summary: str, fix: str, static: bool = True
) -> Callable[[CheckFn], CheckFn]:
    """Register a rule function under its stable id."""
    assert severity in SEVERITIES, severity

    def deco(fn: CheckFn) -> CheckFn:
        REGISTRY[id] = Rule(id, name, severity, summary, fix, fn, (fn.__doc__ or "").strip(), static)
        _SORTED.clear()
        return fn

    return deco


def declare(id: str, name: str, severity: str, summary: str, fix: str, doc: str) -> None:
    """Register a rule found by another face (live session, re-execution)."""
    REGISTRY[id] = Rule(id, name, severity, summary, fix, None, doc, static=False)
    _SORTED.clear()


_SORTED: list[dict[str, Rule]] = []  # all_rules()'s answer, until the next rule is registered


def all_rules() -> dict[str, Rule]:
    """Every rule, by id, in id order."""
    return dict(_sorted())


def rule_by_id(rule_id: str) -> Rule:
    """One rule (``all_rules()[rule_id]`` without copying the registry)."""
    return _sorted()[rule_id]


def _sorted() -> dict[str, Rule]:
    if not _SORTED:  # asked for every notebook: the modules are imported and sorted once
        for mod in _MODULES:
            importlib.import_module(f"nbprod.rules.{mod}")
        _SORTED.append(dict(sorted(REGISTRY.items())))
    return _SORTED[0]
