"""Run the rules over notebooks: the pure core of ``nbprod check``."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from nbprod.analysis.facts import NotebookFacts, analyze_notebook
from nbprod.config import Config
from nbprod.errors import NotebookError
from nbprod.notebook import Notebook, iter_notebook_paths, read_notebook
from nbprod.record import load_record
from nbprod.report import Finding, NotebookReport, Report
from nbprod.rules import all_rules


def run_rules(facts: NotebookFacts, config: Config | None = None) -> list[Finding]:
    """Every enabled static rule's findings, minus those silenced in their cell."""
    config = config or Config()
    facts.config = {**config.options, **facts.config}
    nb = facts.notebook
    findings = []
    for rule in all_rules().values():
        if not rule.static or rule.check is None or not config.enabled(rule.id, nb.path):
            continue
        for cell, line, message in rule.check(facts):
            if cell is not None:
                cf = facts.cells[cell]
                silenced = cf.suppressed if cf is not None else None
                if silenced and (rule.id in silenced or "ALL" in silenced):
                    continue
            cell_id = nb.cells[cell].id if cell is not None else None
            findings.append(Finding(rule.id, rule.severity, cell, cell_id, line, message, rule.fix))
    findings.sort(key=lambda f: (-1 if f.cell is None else f.cell, f.line or 0, f.rule))
    return findings


def check_notebook(nb: Notebook, config: Config | None = None, record: object = None) -> NotebookReport:
    """Check one parsed notebook (non-Python notebooks are reported as skipped)."""
    if not nb.is_python:
        return NotebookReport(nb.path, nb.language, skipped=f"{nb.language} notebook: nbprod checks Python")
    if record is None:
        record = load_record(nb.path)
    facts = analyze_notebook(nb, record)
    return NotebookReport(nb.path, nb.language, run_rules(facts, config))


def expand_paths(paths: Iterable[str | os.PathLike[str]], config: Config) -> tuple[list[Path], list[dict[str, str]]]:
    """Files as given, folders searched for ``*.ipynb``; missing inputs become errors."""
    files: list[Path] = []
    errors: list[dict[str, str]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = [f for f in iter_notebook_paths(p) if not config.excluded(str(f))]
            if not found:
                errors.append({"path": str(p), "message": "no notebooks (*.ipynb) found in this folder"})
            files.extend(found)
        elif p.exists():
            if not config.excluded(str(p)):
                files.append(p)
        else:
            errors.append({"path": str(p), "message": "no such file or folder"})
    return files, errors


def check_paths(paths: Iterable[str | os.PathLike[str]], config: Config | None = None) -> Report:
    """Check files and folders; unreadable inputs are listed in ``Report.errors``."""
    config = config or Config()
    files, errors = expand_paths(paths, config)
    report = Report(errors=errors)
    for path in files:
        try:
            nb = read_notebook(path)
        except NotebookError as exc:
            report.errors.append({"path": str(path), "message": str(exc)})
            continue
        report.notebooks.append(check_notebook(nb, config))
    return report
