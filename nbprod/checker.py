"""Run the rules over notebooks: the pure core of ``nbprod check``."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from nbprod.analysis.facts import NotebookFacts, analyze_notebook
from nbprod.config import Config
from nbprod.errors import NotebookError
from nbprod.notebook import Notebook, iter_notebook_paths, read_notebook
from nbprod.record import find_record, record_findings
from nbprod.report import Finding, NotebookReport, Report, finding_order
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
    findings.sort(key=finding_order)
    return findings


def check_notebook(nb: Notebook, config: Config | None = None, record: object = None) -> NotebookReport:
    """Check one parsed notebook (non-Python notebooks are reported as skipped)."""
    if not nb.is_python:
        return NotebookReport(nb.path, nb.language, skipped=f"{nb.language} notebook: nbprod checks Python")
    if record is None:
        record = find_record(nb)  # the file beside the notebook, else the embedded one
    facts = analyze_notebook(nb, record)
    findings = _with_live_findings(nb, record, run_rules(facts, config), config)
    report = NotebookReport(nb.path, nb.language, findings)
    if config is None or config.options.get("checklist") is not False:  # --no-checklist
        report.extra["checklist"] = _checklist(facts, findings, config)
    return report


def _with_live_findings(
    nb: Notebook, record: object, findings: list[Finding], config: Config | None
) -> list[Finding]:
    """Add the NB107 findings the live session recorded for cells still unchanged."""
    if not isinstance(record, dict) or not (config or Config()).enabled("NB107", nb.path):
        return findings
    live = record_findings(nb, record)
    if not live:
        return findings
    return sorted(findings + live, key=finding_order)


def _checklist(facts: NotebookFacts, findings: list[Finding], config: Config | None) -> dict[str, object]:
    """The readiness checklist; it sees every rule, whatever ``--select`` / ``--ignore`` say."""
    from nbprod.checklist import CHECKLIST_RULES, checklist_extra

    if config is not None and not all(config.enabled(r, facts.notebook.path) for r in CHECKLIST_RULES):
        everything = run_rules(facts, Config(options=dict(config.options)))
        findings = _with_live_findings(facts.notebook, facts.record, everything, None)
    return checklist_extra(facts, findings)


def expand_paths(
    paths: Iterable[str | os.PathLike[str]], config: Config
) -> tuple[list[Path], list[dict[str, str]]]:
    """Files as given, folders searched for ``*.ipynb``; missing inputs become errors."""
    files: list[Path] = []
    errors: list[dict[str, str]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = [f for f in iter_notebook_paths(p, errors) if not config.excluded(str(f))]
            if not found and not any(e["path"].startswith(str(p)) for e in errors):
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
        try:
            nb_report = check_notebook(nb, config)
        except RecursionError:
            report.errors.append({"path": str(path), "message": "code nested too deeply to analyse"})
            continue
        except Exception as exc:  # a bug in one rule must not stop the other notebooks
            if os.environ.get("NBPROD_DEBUG"):
                raise
            message = f"internal error: {type(exc).__name__}: {exc} (please report it; NBPROD_DEBUG=1 shows the traceback)"
            report.errors.append({"path": str(path), "message": message})
            continue
        report.notebooks.append(nb_report)
        report.errors.extend(nb.problems)  # side files (record) that could not be used
        ticks_error = nb_report.extra.get("checklist", {}).get("error")
        if ticks_error:  # a corrupt ticks file is bad input: exit 2, the file is left as is
            ticks_file = nb_report.extra["checklist"]["ticks_file"]
            report.errors.append({"path": ticks_file, "message": ticks_error.removeprefix(f"{ticks_file}: ")})
    return report
