"""The export report: every statement of the notebook, kept (where) or dropped (why)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbprod.export.plan import Plan
from nbprod.report import cell_label

KEPT = ("code", "plot", "helper", "config", "import")


@dataclass
class ExportReport:
    """Statement accounting plus the package-level notes."""

    notebook: str
    package: str
    out_dir: str
    statements: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    grouping: str = "headings"
    sections: list[str] = field(default_factory=list)
    tests: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    secrets: list[dict[str, Any]] = field(default_factory=list)  # moved to environment variables

    @property
    def counts(self) -> Counter[str]:
        return Counter(s["status"] for s in self.statements)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (saved in the package's manifest)."""
        return {
            "notebook": self.notebook,
            "package": self.package,
            "grouping": self.grouping,
            "sections": self.sections,
            "counts": dict(self.counts),
            "statements": self.statements,
            "warnings": self.warnings,
            "dependencies": self.dependencies,
            "tests": self.tests,
            "secrets": self.secrets,
        }


def build_report(plan: Plan, out_dir: str, package_dir: str) -> ExportReport:
    """Account for every statement of the plan."""
    rep = ExportReport(plan.notebook.path, plan.package, out_dir, grouping=plan.grouping)
    rep.sections = [s.module for s in plan.sections]
    where: dict[int, str] = {}
    for s in plan.sections:
        for u in s.body:
            where[id(u)] = f"{package_dir}/{s.module}.py run()"
        for u in s.plots:
            where[id(u)] = f"{package_dir}/{s.module}.py plot() (drawn with --plots)"
    used_imports = set()
    for s in plan.sections:
        used_imports |= s.imports
    for u in plan.helpers:
        used_imports |= u.reads | u.deferred
    for u in plan.units:
        status, detail = "kept", ""
        if u.kind in ("code", "plot"):
            detail = where.get(id(u), "")
            if not detail:
                status, detail = "dropped", "not placed in any section (report this as a bug)"
        elif u.kind == "helper":
            detail = f"{package_dir}/helpers.py"
        elif u.kind == "config":
            detail = f"{package_dir}/config.py"
        elif u.kind == "import":
            names = _bound(u)
            if names & used_imports or plan.star_imports:
                detail = "imports of the modules that use it"
            else:
                status, detail = "dropped", "import not used by the exported code"
        elif u.kind == "todo":
            status, detail = "todo", u.reason
        else:
            status, detail = "dropped", u.reason
        if status == "kept" and u.reason:
            detail += f" ({u.reason})"
        rep.statements.append(
            {"cell": u.cell, "line": u.line, "code": u.snippet[:100], "status": status, "detail": detail}
        )
    rep.warnings = list(dict.fromkeys(plan.warnings))
    return rep


def _bound(u: Any) -> set[str]:
    import ast

    node = u.node
    names = set()
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        for a in node.names:
            names.add(a.asname or (a.name.split(".")[0] if isinstance(node, ast.Import) else a.name))
    return names


def format_summary(rep: ExportReport) -> str:
    """Short text for the terminal."""
    c = rep.counts
    lines = [
        f"{rep.notebook} -> {rep.out_dir} (package {rep.package}, {len(rep.sections)} sections by {rep.grouping})",
        f"  statements: {sum(c.values())} = {c.get('kept', 0)} kept, {c.get('dropped', 0)} dropped, "
        f"{c.get('todo', 0)} TODO",
    ]
    if rep.tests:
        lines.append("  tests: " + ", ".join(f"{v} {k}" for k, v in rep.tests.items()) + " (see tests/)")
    for s in rep.statements:
        if s["status"] == "todo":
            lines.append(f"  TODO {cell_label(s['cell'])} line {s['line']}: {s['code']}  -- {s['detail']}")
    dropped = [s for s in rep.statements if s["status"] == "dropped"]
    if dropped:
        reasons = Counter(s["detail"].split(":")[0] for s in dropped)
        lines.append("  dropped: " + "; ".join(f"{n} x {r}" for r, n in reasons.most_common()))
    for w in rep.warnings:
        lines.append(f"  warning: {w}")
    names = sorted({s["name"] for s in rep.secrets})
    if names:
        lines.append(
            f"  secrets: set {', '.join('$' + n for n in names)} to run the package (never copied into it)"
        )
    lines.append(f"  full report: {rep.out_dir}/EXPORT_REPORT.md")
    return "\n".join(lines)


def format_markdown(rep: ExportReport) -> str:
    """The report saved in the package."""
    c = rep.counts
    lines = [
        f"# Export report: {Path(rep.notebook).name}",
        "",
        f"Every statement of the notebook, and where it went. {sum(c.values())} statements: "
        f"{c.get('kept', 0)} kept, {c.get('dropped', 0)} dropped, {c.get('todo', 0)} left as TODO.",
        f"Sections found by {rep.grouping}: {', '.join(rep.sections) or 'none'}.",
        "",
    ]
    if rep.warnings:
        lines += ["## Warnings", ""] + [f"- {w}" for w in rep.warnings] + [""]
    if rep.secrets:
        lines += ["## Secrets read from the environment", ""]
        lines += [
            f"- `${s['name']}`: cell {s['cell']} line {s['line']}, {s['kind']}" for s in rep.secrets
        ] + [""]
    lines += ["## Statements", "", "| cell | line | code | status | where / why |", "|---|---|---|---|---|"]
    for s in rep.statements:
        code = s["code"].replace("|", "\\|").replace("`", "'")
        detail = s["detail"].replace("|", "\\|")
        lines.append(f"| {s['cell'] + 1} | {s['line']} | `{code}` | {s['status']} | {detail} |")
    return "\n".join(lines) + "\n"


__all__ = ["ExportReport", "build_report", "format_markdown", "format_summary"]
