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
import os
from pathlib import Path

from nbprod.errors import NbprodError

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start

if TYPE_CHECKING:
    from typing import Any

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


MAX_DEPTH = 64  # a record nests 4 levels; anything far deeper is not one nbprod wrote

# Expected JSON types of the fields of list entries / table values; an entry with a field of
# another type is left out (one line says so), so no reader ever sees e.g. a list as a cell id.
_TEXT, _OPT_TEXT, _OPT_INT = (str,), (str, type(None)), (int, type(None))
_ENTRY_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "seeds": {"call": _TEXT, "libraries": (list,), "cell_id": _OPT_TEXT, "execution": _OPT_INT},
    "data": {"path": _TEXT, "reader": _OPT_TEXT, "size": _OPT_INT, "sha256": _OPT_TEXT,
             "rows": _OPT_INT, "columns": _OPT_INT, "stats": (dict, type(None)), "cell_id": _OPT_TEXT},
    "warnings": {"rule": _TEXT, "cell_id": _OPT_TEXT, "execution": _OPT_INT, "execution_count": _OPT_INT,
                 "line": _OPT_INT, "name": _OPT_TEXT, "message": _OPT_TEXT, "fix": _OPT_TEXT,
                 "source_hash": _OPT_TEXT},
    "executions": {"execution": _OPT_INT, "execution_count": _OPT_INT, "cell_id": _OPT_TEXT,
                   "source_hash": _OPT_TEXT, "ms": (int, float, type(None)), "ok": (bool, type(None))},
    "packages": {"version": _OPT_TEXT, "modules": (list,)},
    "cells": {"source_hash": _OPT_TEXT, "runs": _OPT_INT, "ok": (bool, type(None)),
              "defines": (list,), "reads": (list,)},
}  # fmt: skip
_TOP_TYPES: dict[str, tuple[type, ...]] = {
    "nbprod": _OPT_TEXT, "notebook": _OPT_TEXT, "started": _OPT_TEXT, "updated": _OPT_TEXT,
    "python": (dict,), "packages": (dict,), "imports": (dict,), "seeds": (list,), "data": (list,),
    "warnings": (list,), "summary": (dict,), "cells": (dict,), "executions": (list,),
}  # fmt: skip


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)  # fmt: skip


def _entry_ok(entry: Any, fields: dict[str, tuple[type, ...]]) -> str | None:
    """None when a list entry / table value has the expected field types, else why not."""
    if not isinstance(entry, dict):
        return f"is {_type_name(entry)}, not an object"
    for key, types in fields.items():
        if key in entry:
            value = entry[key]
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                return f"'{key}' is {_type_name(value)}"
            if isinstance(value, list) and not all(isinstance(v, str) for v in value):
                return f"'{key}' holds something other than text"
    return None


def clean_record(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The record with every part of an unexpected type left out, and what was left out.

    Readers (checker, checklist, converter, verify) can then trust the types of the schema
    in ``docs/record-format.md``; unknown keys are kept as they are.
    """
    out: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in data.items():
        types = _TOP_TYPES.get(key)
        if types is not None and (not isinstance(value, types) or isinstance(value, bool)):
            problems.append(f"'{key}' is {_type_name(value)}")
            continue
        if key == "packages":  # the short form {"pandas": "2.2.2"} means the version
            value = {k: {"version": v, "modules": []} if isinstance(v, str) else v for k, v in value.items()}
        fields = _ENTRY_FIELDS.get(key)
        if fields is not None:
            items = value.items() if isinstance(value, dict) else enumerate(value)
            kept: Any = {} if isinstance(value, dict) else []
            for k, entry in items:
                why = _entry_ok(entry, fields)
                if why is not None:
                    problems.append(f"{key}[{k!r}]: {why}" if isinstance(k, str) else f"{key}[{k}]: {why}")
                elif isinstance(kept, dict):
                    kept[k] = entry
                else:
                    kept.append(entry)
            value = kept
        elif key == "imports":
            value = {k: v for k, v in value.items() if isinstance(v, str | type(None))}
            if len(value) != len(data[key]):
                problems.append("'imports' maps a module to something other than text")
        out[key] = value
    return out, problems


def _problem_line(path: str, problems: list[str]) -> str:
    shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
    return f"session record: {len(problems)} part(s) of an unexpected type left out ({shown})"


def read_record_file(path: str | Path, problems: list[dict[str, str]] | None = None) -> dict[str, Any] | None:
    """The record in a file (cleaned, see ``clean_record``), or None when it is missing,
    unreadable or not a record. What went wrong is added to ``problems`` as error lines."""
    from nbprod.files import MAX_SIDE_FILE_BYTES, display_path, json_depth, read_regular

    def problem(message: str) -> None:
        if problems is not None:
            problems.append(
                {"path": display_path(path), "message": message + "; the notebook was checked without it"}
            )

    try:
        raw = read_regular(path, MAX_SIDE_FILE_BYTES)
    except FileNotFoundError:
        return None
    except NbprodError as exc:
        problem(f"session record: {exc}")
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        problem("session record: not UTF-8 text")
        return None
    except RecursionError:
        problem("session record: JSON nested too deeply")
        return None
    except ValueError as exc:
        problem(f"session record: invalid JSON ({str(exc).splitlines()[0][:120]})")
        return None
    if not is_record(data):
        problem("session record: not an nbprod record (no 'nbprod_record' version)")
        return None
    if not json_depth(data, MAX_DEPTH):
        problem(f"session record: nested more than {MAX_DEPTH} levels deep")
        return None
    cleaned, left_out = clean_record(data)
    if left_out:
        problem(_problem_line(str(path), left_out))
    return cleaned


def load_record(
    notebook_path: str | Path, problems: list[dict[str, str]] | None = None
) -> dict[str, Any] | None:
    """The record saved beside a notebook, or None when there is none or it is unreadable."""
    return read_record_file(record_path(notebook_path), problems)


def _as_notebook(nb: Any) -> Notebook:
    """``nb`` as nbprod reads notebooks: a ``Notebook``, a path to a file, or a notebook as
    a dict (``json.load``, ``nbformat.read``). NbprodError when it is none of them."""
    from nbprod.notebook import Notebook, parse_notebook, read_notebook

    if isinstance(nb, Notebook):
        return nb
    if isinstance(nb, (str, os.PathLike)):
        return read_notebook(nb)
    if isinstance(nb, dict):
        return parse_notebook(json.dumps(nb, default=str), "<notebook>")
    raise NbprodError(
        f"expected a notebook (a path, a dict or an nbformat notebook), not {type(nb).__name__}"
    )


def embedded_record(nb: Notebook | str | os.PathLike[str] | dict[str, Any]) -> dict[str, Any] | None:
    """The last record embedded in the notebook's outputs (cleaned), or None. ``nb``: a
    path, a notebook dict (``nbformat.read``) or an nbprod ``Notebook``."""
    from nbprod.files import display_path, json_depth

    nb = _as_notebook(nb)
    found = None
    for cell in nb.cells:
        for out in cell.outputs:
            data = out.get("data") if isinstance(out, dict) else None
            if isinstance(data, dict) and is_record(data.get(RECORD_MIME)):
                found = data[RECORD_MIME]
    if found is None:
        return None
    where = display_path(nb.path)
    message = None
    cleaned: dict[str, Any] | None = None
    if not json_depth(found, MAX_DEPTH):
        message = f"embedded session record: nested more than {MAX_DEPTH} levels deep; ignored"
    else:
        cleaned, left_out = clean_record(found)
        if left_out:
            message = "embedded " + _problem_line(nb.path, left_out)
    if message is not None and {"path": where, "message": message} not in nb.problems:
        nb.problems.append({"path": where, "message": message})
    return cleaned


def find_record(nb: Notebook | str | os.PathLike[str] | dict[str, Any]) -> dict[str, Any] | None:
    """The notebook's record: the file beside it, else the one embedded in its outputs.
    ``nb``: a path, a notebook dict (no side file then) or an nbprod ``Notebook``.

    A side file or embedded record that cannot be used is reported in ``nb.problems``.
    """
    nb = _as_notebook(nb)
    problems: list[dict[str, str]] = []
    record = load_record(nb.path, problems) or embedded_record(nb)
    for p in problems:
        if p not in nb.problems:
            nb.problems.append(p)
    return record


def dumps_record(record: dict[str, Any]) -> str:
    """The git-friendly text of a record: sorted keys, two-space indent, final newline."""
    return json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def save_record(path: str | Path, record: dict[str, Any]) -> Path:
    """Write a record atomically, keeping keys other tools wrote into an existing record.

    Refuses (NbprodError) to replace a file that is not an nbprod record.
    """
    from nbprod.files import atomic_write

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
