"""Findings and reports: the one result shape behind text, JSON, DataFrame and widget."""

from __future__ import annotations

import json

TYPE_CHECKING = False  # typing and dataclasses cost ~10 ms at start: `nbprod check` needs neither
if TYPE_CHECKING:
    from typing import Any

SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1, "never": 99}
JSON_VERSION = 1
_FINDING_FIELDS = ("rule", "severity", "cell", "cell_id", "line", "message", "fix")


class Finding:
    """One problem: rule id, severity, where (0-based cell index, 1-based line), message.

    Immutable and compared by value (a frozen dataclass, written out by hand)."""

    __slots__ = _FINDING_FIELDS
    rule: str
    severity: str
    cell: int | None
    cell_id: str | None
    line: int | None
    message: str
    fix: str

    def __init__(
        self,
        rule: str,
        severity: str,
        cell: int | None,
        cell_id: str | None,
        line: int | None,
        message: str,
        fix: str = "",
    ) -> None:
        setattr_ = object.__setattr__  # frozen: past our own __setattr__
        setattr_(self, "rule", rule)
        setattr_(self, "severity", severity)
        setattr_(self, "cell", cell)
        setattr_(self, "cell_id", cell_id)
        setattr_(self, "line", line)
        setattr_(self, "message", message)
        setattr_(self, "fix", fix)

    def _values(self) -> tuple[Any, ...]:
        return (self.rule, self.severity, self.cell, self.cell_id, self.line, self.message, self.fix)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: a Finding is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: a Finding is immutable")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={v!r}" for n, v in zip(_FINDING_FIELDS, self._values(), strict=True))
        return f"Finding({fields})"

    def __reduce__(self) -> tuple[Any, ...]:  # pickled by value (process pool, copy)
        return (Finding, self._values())

    def to_dict(self) -> dict[str, Any]:
        return dict(zip(_FINDING_FIELDS, self._values(), strict=True))


def cell_label(index: int) -> str:
    """How every message names a cell: ``cell N``, N counting every cell (markdown and raw
    too) from 1 at the top, as a person counts them scrolling the notebook and as VS Code's
    "Cell N of M" does; ``index`` is the 0-based position (the JSON ``cell`` field)."""
    return f"cell {index + 1}"


def finding_order(f: Finding) -> tuple[int, int, str]:
    """Notebook-wide findings first, then by cell, line and rule id."""
    return (-1 if f.cell is None else f.cell, f.line or 0, f.rule)


class NotebookReport:
    """The findings for one notebook (``skipped`` says why when it was not checked).

    ``extra`` holds what other faces add (``checklist``, ``verify``); a checklist given in
    its compact form (``set_checklist``) becomes its dict the first time ``extra`` is read,
    so a run whose caller never looks at it does not build it."""

    def __init__(
        self,
        path: str,
        language: str,
        findings: list[Finding] | None = None,
        skipped: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.path = path
        self.language = language
        self.findings: list[Finding] = [] if findings is None else findings
        self.skipped = skipped
        self._extra: dict[str, Any] = {} if extra is None else extra
        self._compact: Any = None  # a checklist not expanded yet (nbprod.checklist_data)

    @property
    def extra(self) -> dict[str, Any]:
        if self._compact is not None:
            from nbprod.checklist_data import expand

            self._extra["checklist"], self._compact = expand(self._compact), None
        return self._extra

    @extra.setter
    def extra(self, value: dict[str, Any]) -> None:
        self._extra, self._compact = value, None

    def set_checklist(self, compact: Any) -> None:
        """Attach the readiness checklist in its compact form, expanded when first read."""
        self._extra["checklist"] = None  # the key's place, filled on the first read
        self._compact = compact

    def plain_extra(self) -> tuple[dict[str, Any], Any]:
        """(``extra`` less a checklist not expanded yet, that checklist's compact form or
        None): what the checker sends and caches, without expanding anything."""
        if self._compact is None:
            return self._extra, None
        return {k: v for k, v in self._extra.items() if k != "checklist"}, self._compact

    def _fields(self) -> tuple[Any, ...]:
        return (self.path, self.language, self.findings, self.skipped, self.extra)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass

    def __repr__(self) -> str:
        return (
            f"NotebookReport(path={self.path!r}, language={self.language!r}, findings={self.findings!r}, "
            f"skipped={self.skipped!r}, extra={self.extra!r})"
        )

    def severity_counts(self) -> dict[str, int]:
        """``{"errors": n, "warnings": n, "info": n}``."""
        counts = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        return {"errors": counts["error"], "warnings": counts["warning"], "info": counts["info"]}

    @property
    def score(self) -> dict[str, Any]:
        score: dict[str, Any] = self.severity_counts()
        checklist = self.extra.get("checklist")
        if checklist is not None:
            score["readiness"] = checklist.get("overall")
            score["sections"] = {s["id"]: s["score"] for s in checklist.get("sections", [])}
        return score

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "path": self.path,
            "language": self.language,
            "findings": [f.to_dict() for f in self.findings],
            "score": self.score,
        }
        if self.skipped:
            d["skipped"] = self.skipped
        d.update(self.extra)
        return d


class Report:
    """The result of checking one or more notebooks, plus the inputs that failed."""

    def __init__(
        self, notebooks: list[NotebookReport] | None = None, errors: list[dict[str, str]] | None = None
    ) -> None:
        self.notebooks: list[NotebookReport] = [] if notebooks is None else notebooks
        self.errors: list[dict[str, str]] = [] if errors is None else errors

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    @property
    def findings(self) -> list[Finding]:
        return [f for nb in self.notebooks for f in nb.findings]

    @property
    def score(self) -> dict[str, Any]:
        """The score of the single notebook, or totals over all of them."""
        if len(self.notebooks) == 1:
            return self.notebooks[0].score
        total = {"errors": 0, "warnings": 0, "info": 0}
        for nb in self.notebooks:
            counts = nb.severity_counts()  # the totals need no checklist
            for k in total:
                total[k] += counts[k]
        return total

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": JSON_VERSION,
            "notebooks": [nb.to_dict() for nb in self.notebooks],
            "errors": list(self.errors),
        }

    def to_json(self, indent: int | None = 2) -> str:
        text = json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)
        import re

        # lone surrogates (file names, broken JSON escapes): \u-escaped
        if re.search("[\ud800-\udfff]", text):
            text = json.dumps(self.to_dict(), indent=indent, ensure_ascii=True)
        return text

    def to_frame(self) -> Any:
        """The findings as a pandas DataFrame (pandas imported only here)."""
        try:
            import pandas as pd
        except ImportError:
            from nbprod.errors import MissingExtraError

            raise MissingExtraError("pandas", "Report.to_frame()") from None
        rows = [{"path": nb.path, **f.to_dict()} for nb in self.notebooks for f in nb.findings]
        columns = ["path", "rule", "severity", "cell", "cell_id", "line", "message", "fix"]
        return pd.DataFrame(rows, columns=columns)

    def exit_code(self, fail_on: str = "warning") -> int:
        """0 when nothing at or above ``fail_on`` fired, 1 when something did, 2 on input errors."""
        if fail_on not in SEVERITY_RANK:
            raise ValueError(f"fail_on must be error, warning, info or never, not {fail_on!r}")
        if self.errors:
            return 2
        threshold = SEVERITY_RANK[fail_on]
        return 1 if any(SEVERITY_RANK[f.severity] >= threshold for f in self.findings) else 0

    def __repr__(self) -> str:
        s = self.score
        return (
            f"<Report {len(self.notebooks)} notebook(s): {s['errors']} error(s), "
            f"{s['warnings']} warning(s), {s['info']} info>"
        )


FORMATS = ("text", "json", "sarif", "github", "gitlab")


def format_text(report: Report, show_fix: bool = True, checklist: bool = True) -> str:
    """Ruff-style lines, ``path:cell N:line L: NB201 [error] message``, then a summary line
    and (unless ``checklist`` is False) the readiness checklist. Cells are named by
    ``cell_label``; the JSON ``cell`` field is the 0-based index."""
    from nbprod.errors import one_line

    lines = []
    for nb in report.notebooks:
        if nb.skipped:
            lines.append(f"{one_line(nb.path)}: skipped ({nb.skipped})")
            continue
        for f in nb.findings:
            where = one_line(nb.path)  # a newline in a file name must not split the line
            if f.cell is not None:
                where += f":{cell_label(f.cell)}"
                if f.line is not None:
                    where += f":line {f.line}"
            lines.append(f"{where}: {f.rule} [{f.severity}] {one_line(f.message)}")
            if show_fix and f.fix:
                lines.append(f"    fix: {f.fix}")
    s = report.score if len(report.notebooks) != 1 else report.notebooks[0].score
    checked = sum(1 for nb in report.notebooks if not nb.skipped)
    skipped = len(report.notebooks) - checked
    summary = (
        f"{checked} notebook(s) checked: {s['errors']} error(s), {s['warnings']} warning(s), {s['info']} info"
    )
    if skipped:
        summary += f"; {skipped} skipped"
    if report.errors:
        summary += f"; {len(report.errors)} could not be read"
    lines.append(summary)
    for nb in report.notebooks if checklist else ():  # the readiness checklist, one line per section
        data = nb.extra.get("checklist")
        if data and data.get("sections"):
            lines.append(f"{one_line(nb.path)}: {readiness_line(data)}")
            lines.extend(summary_lines(data))
    return "\n".join(lines)


def render(report: Report, fmt: str, show_fix: bool = True, checklist: bool = True) -> str:
    """The report in one of ``FORMATS``."""
    if fmt == "json":
        return report.to_json()
    if fmt in ("sarif", "github", "gitlab"):
        from nbprod.formats.ci import FORMATS as CI

        return CI[fmt](report)
    return format_text(report, show_fix=show_fix, checklist=checklist)


def readiness_line(checklist: dict[str, Any]) -> str:
    """``readiness 25% of what is assessed (automation verified 15 of 21 checks, 11 manual
    items await review), held back by Deployment and monitoring``."""
    weakest = next(
        (s["title"] for s in checklist.get("sections", []) if s["id"] == checklist.get("weakest")), None
    )
    t = checklist.get("tally") or {}
    text = f"readiness {float(checklist.get('overall') or 0):.0%}"
    if t:
        text += f" of what is assessed ({verified_phrase(t)})"
    return text + (f", held back by {weakest}" if weakest else "")


def verified_phrase(tally: dict[str, int]) -> str:
    """``automation verified 15 of 21 checks, 11 manual item(s) await review``: the one
    wording of a checklist's tally, for the text report and the widget's headline."""
    return (
        f"automation verified {tally.get('verified', 0)} of {tally.get('auto_assessed', 0)} checks, "
        f"{tally.get('awaiting_review', 0)} manual item(s) await review"
    )


def summary_lines(checklist: dict[str, Any]) -> list[str]:
    """One line per section for the text report, from the checklist dict: its bar, what is
    to do, and the manual items that await review (not assessed, so not counted)."""
    lines = []
    for s in checklist.get("sections", []):
        todo = [i["id"] for i in s.get("items", []) if i.get("score") is not None and i["score"] < 2]
        waiting = s.get("awaiting_review") or []
        if s.get("assessed") is False:
            line = f"  {s['title']:<27} {'·' * 10} not assessed"
        else:
            bar = score_bar(float(s.get("score") or 0))
            line = f"  {s['title']:<27} {bar} {float(s.get('score') or 0):4.0%} ({s['points']}/{s['max']})"
        line += f"  to do: {', '.join(todo)}" if todo else ""
        line += f"  awaiting review: {', '.join(waiting)}" if waiting else ""
        lines.append(line)
    return lines


def score_bar(score: float, width: int = 10) -> str:
    """``███░░░░░░░`` for 0.3."""
    filled = round(score * width)
    return "█" * filled + "░" * (width - filled)
