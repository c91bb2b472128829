"""Reports for CI: SARIF 2.1.0 (GitHub code scanning), GitHub workflow commands, GitLab
code quality. Every location is the line of the ``.ipynb`` file where the cell's source
line stands, so annotations land on the diff; cell number, id and line are properties."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from nbprod.formats.lines import SourceMap, source_map
from nbprod.report import Finding, Report, cell_label

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
GITLAB_SEVERITY = {"error": "major", "warning": "minor", "info": "info"}
FINGERPRINT_KEY = "nbprodFinding/v1"
DOCS_URI = "https://github.com/nbprod/nbprod/blob/main/docs/rules.md"


def display_path(path: str) -> str:
    """The path relative to the current folder when it is below it, with ``/``."""
    absolute = Path(path).absolute()
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return absolute.as_posix()


class _Located:
    """Each finding of a report with its file position and a stable fingerprint."""

    def __init__(self, report: Report) -> None:
        self.items: list[tuple[str, Finding, int, int, str]] = []
        for nb in report.notebooks:
            if nb.skipped or not nb.findings:
                continue
            smap = source_map(nb.path)
            path = display_path(nb.path)
            seen: dict[str, int] = {}
            for f in nb.findings:
                line, col = smap.locate(f.cell, f.line) if smap else (1, 1)
                key = _fingerprint(path, f, smap)
                seen[key] = seen.get(key, 0) + 1
                self.items.append((path, f, line, col, f"{key}:{seen[key]}"))


def _fingerprint(path: str, f: Finding, smap: SourceMap | None) -> str:
    """Stays the same when cells or lines are added above: rule, file (as the report
    names it), cell id (when the notebook has ids), the text of the source line and the
    message."""
    text = " ".join(smap.line_text(f.cell, f.line).split()) if smap else ""
    parts = [f.rule, path, f.cell_id or "", text, f.message]
    if not f.cell_id and not text:  # nothing stable to go by: the position
        parts.append(f"{f.cell}:{f.line}")
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


def _uri(path: str) -> str:
    """A relative URI reference for a path below the current folder, else a file URI."""
    return Path(path).as_uri() if Path(path).is_absolute() else quote(path, safe="/")


def _where(f: Finding) -> dict[str, Any]:
    """The properties that tell the cell: 1-based number as the user counts, index, id, line."""
    props: dict[str, Any] = {}
    if f.cell is not None:
        props["cell"] = f.cell + 1
        props["cellIndex"] = f.cell
        if f.cell_id:
            props["cellId"] = f.cell_id
        if f.line is not None:
            props["lineInCell"] = f.line
    return props


def _human(f: Finding) -> str:
    """``cell 3, line 2: message`` (the file line alone does not tell a notebook reader)."""
    if f.cell is None:
        return f.message
    where = cell_label(f.cell) + (f", line {f.line}" if f.line is not None else "")
    return f"{where}: {f.message}"


def format_sarif(report: Report) -> str:
    """A SARIF 2.1.0 log with one run; rules in ``tool.driver.rules``."""
    from nbprod import __version__
    from nbprod.rules import all_rules

    rules = all_rules()
    index = {rid: i for i, rid in enumerate(rules)}
    driver = {
        "name": "nbprod",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": DOCS_URI,
        "rules": [
            {
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.doc or r.summary},
                "help": {
                    "text": f"{r.summary}\nFix: {r.fix}",
                    "markdown": f"{r.summary}\n\n**Fix:** {r.fix}",
                },
                "helpUri": f"{DOCS_URI}#{r.id.lower()}",
                "defaultConfiguration": {"level": SARIF_LEVEL[r.severity]},
                "properties": {"tags": [r.name], "precision": "high" if r.severity == "error" else "medium"},
            }
            for r in rules.values()
        ],
    }
    results = []
    for path, f, line, col, fingerprint in _Located(report).items:
        location: dict[str, Any] = {
            "physicalLocation": {
                "artifactLocation": {"uri": _uri(path)},
                "region": {"startLine": line, "startColumn": col},
            }
        }
        props = _where(f)
        if props:
            location["properties"] = props
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "level": SARIF_LEVEL.get(f.severity, "warning"),
            "message": {"text": _human(f) + (f" (fix: {f.fix})" if f.fix else "")},
            "locations": [location],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        }
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
        results.append(result)
    notifications = [
        {
            "level": "error",
            "message": {"text": err["message"]},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": quote(display_path(err["path"]), safe="/:")}
                    }
                }
            ],
        }
        for err in report.errors
    ]
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [
            {"executionSuccessful": not report.errors, "toolExecutionNotifications": notifications}
        ],
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(report: Report) -> str:
    """GitHub Actions workflow commands: ``::error file=...,line=...,col=...,title=...::msg``."""
    from nbprod.rules import all_rules

    rules = all_rules()
    lines = []
    for path, f, line, col, _ in _Located(report).items:
        name = rules[f.rule].name if f.rule in rules else ""
        title = f"nbprod {f.rule} {name}".strip()
        props = f"file={_escape_property(path)},line={line},col={col},title={_escape_property(title)}"
        lines.append(f"::{GITHUB_LEVEL.get(f.severity, 'warning')} {props}::{_escape_data(_human(f))}")
    for err in report.errors:
        where = _escape_property(display_path(err["path"]))
        lines.append(f"::error file={where},title=nbprod::{_escape_data(err['message'])}")
    return "\n".join(lines)


def format_gitlab(report: Report) -> str:
    """A GitLab code quality report (a JSON array of Code Climate issues)."""
    issues = [
        {
            "description": f"{f.rule} {_human(f)}",
            "check_name": f.rule,
            "fingerprint": fingerprint,
            "severity": GITLAB_SEVERITY.get(f.severity, "minor"),
            "location": {"path": path, "lines": {"begin": line}},
        }
        for path, f, line, _col, fingerprint in _Located(report).items
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False)


FORMATS = {"sarif": format_sarif, "github": format_github, "gitlab": format_gitlab}

__all__ = ["FORMATS", "display_path", "format_github", "format_gitlab", "format_sarif"]
