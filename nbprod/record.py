"""The session record kept by the IPython extension, as the checker and converter read it.

A record is a JSON object (schema in ``docs/record-format.md``) saved in two places:
beside the notebook (``analysis.ipynb`` -> ``analysis.nbprod.json``, git-friendly, written
atomically) and embedded in the notebook as the output of the ``%load_ext nbprod`` cell
under the MIME type ``application/vnd.nbprod.record+json`` (without the execution log).
This module reads and writes records; it never imports IPython and never executes
anything from a record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nbprod.errors import NbprodError

if TYPE_CHECKING:
    from nbprod.notebook import Notebook
    from nbprod.report import Finding

RECORD_SUFFIX = ".nbprod.json"
RECORD_MIME = "application/vnd.nbprod.record+json"
RECORD_KEY = "nbprod_record"  # the schema version lives under this key
RECORD_VERSION = 1
# Top-level keys the live extension owns; other keys (written by other tools) are kept on save.
LIVE_KEYS = frozenset(
    {
        RECORD_KEY, "nbprod", "notebook", "started", "updated", "python", "packages",
        "imports", "seeds", "data", "cells", "executions", "warnings", "summary",
    }
)  # fmt: skip


def record_path(notebook_path: str | Path) -> Path:
    """``analysis.ipynb`` -> ``analysis.nbprod.json`` beside it."""
    p = Path(notebook_path)
    return p.with_name(p.stem + RECORD_SUFFIX)


def source_hash(source: str) -> str:
    """The short content hash that identifies one version of a cell's source."""
    import hashlib  # ~8 ms to import: only when a record is compared with the cells

    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def is_record(data: Any) -> bool:
    """True for a JSON object that is an nbprod session record (any schema version)."""
    return isinstance(data, dict) and isinstance(data.get(RECORD_KEY), int)


def read_record_file(path: str | Path) -> dict[str, Any] | None:
    """The record in a file, or None when it is missing, unreadable or not a record."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if is_record(data) else None


def load_record(notebook_path: str | Path) -> dict[str, Any] | None:
    """The record saved beside a notebook, or None when there is none or it is unreadable."""
    return read_record_file(record_path(notebook_path))


def embedded_record(nb: Notebook) -> dict[str, Any] | None:
    """The last record embedded in the notebook's outputs, or None."""
    found = None
    for cell in nb.cells:
        for out in cell.outputs:
            data = out.get("data") if isinstance(out, dict) else None
            if isinstance(data, dict) and is_record(data.get(RECORD_MIME)):
                found = data[RECORD_MIME]
    return found


def find_record(nb: Notebook) -> dict[str, Any] | None:
    """The notebook's record: the file beside it, else the one embedded in its outputs."""
    return load_record(nb.path) or embedded_record(nb)


def dumps_record(record: dict[str, Any]) -> str:
    """The git-friendly text of a record: sorted keys, two-space indent, final newline."""
    return json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def save_record(path: str | Path, record: dict[str, Any]) -> Path:
    """Write a record atomically, keeping keys other tools wrote into an existing record.

    Refuses (NbprodError) to replace a file that is not an nbprod record.
    """
    from nbprod.notebook import atomic_write

    target = Path(path)
    if not is_record(record):
        raise NbprodError("not an nbprod record: it has no 'nbprod_record' version")
    merged = dict(record)
    if target.exists():
        old = read_record_file(target)
        if old is None:
            raise NbprodError(f"{target} exists and is not an nbprod record; not overwriting it")
        for key, value in old.items():
            if key not in LIVE_KEYS and key not in merged:
                merged[key] = value
    atomic_write(target, dumps_record(merged))
    return target


def record_findings(nb: Notebook, record: dict[str, Any] | None) -> list[Finding]:
    """NB107 findings the live session saw, for cells still in the notebook unchanged."""
    if not is_record(record):
        return []
    assert record is not None
    warnings = record.get("warnings")
    if not isinstance(warnings, list):
        return []
    from nbprod.analysis.cell import analyze_cell
    from nbprod.report import Finding
    from nbprod.rules import all_rules

    rule = all_rules().get("NB107")
    if rule is None:
        return []
    cells = {c.id: c for c in nb.cells if c.id and c.kind == "code"}
    out: dict[tuple[int, str], Finding] = {}
    for w in warnings:
        if not isinstance(w, dict) or w.get("rule") != "NB107":
            continue
        cell = cells.get(w.get("cell_id"))  # type: ignore[arg-type]
        if cell is None or w.get("source_hash") != source_hash(cell.source):
            continue  # the cell was deleted or edited since: the warning no longer applies
        silenced = analyze_cell(cell.source).suppressed
        if silenced and ("NB107" in silenced or "ALL" in silenced):
            continue
        message = f"(live) {w.get('message', '')}".strip()
        line = w.get("line") if isinstance(w.get("line"), int) else None
        out.setdefault(
            (cell.index, message),
            Finding("NB107", rule.severity, cell.index, cell.id, line, message, rule.fix),
        )
    return list(out.values())
