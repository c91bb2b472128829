"""The one place that reads notebook files: a tolerant, fast reader over nbformat's format.

nbformat 4.0-4.5 files (with or without cell ids) are read straight from their JSON,
which is several times faster than ``nbformat.read`` with schema validation; v3 files
are upgraded here the way ``nbformat.v4.convert`` does it (importing nbformat would
cost up to seconds for its jsonschema validator).
"""

from __future__ import annotations

import json
import os

from nbprod.errors import NbprodError, NotebookError
from nbprod.files import (  # noqa: F401 - their home was here: callers import them from here
    MAX_NOTEBOOK_BYTES,
    MAX_SIDE_FILE_BYTES,
    atomic_write,
    display_path,
    iter_notebook_paths,
    json_depth,
    read_regular,
)

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

PYTHON_LANGUAGES = frozenset({"python", "python3", "python2", "ipython", "ipython3"})


class Cell:
    """One cell: its 0-based index among all cells, kind, source and saved run state."""

    index: int
    kind: str
    source: str
    id: str | None
    execution_count: int | None
    outputs: list[dict[str, Any]]
    metadata: dict[str, Any]

    def __init__(
        self,
        index: int,
        kind: str,
        source: str,
        id: str | None = None,
        execution_count: int | None = None,
        outputs: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.index = index
        self.kind = kind
        self.source = source
        self.id = id
        self.execution_count = execution_count
        self.outputs = [] if outputs is None else outputs
        self.metadata = {} if metadata is None else metadata

    def __repr__(self) -> str:
        return (
            f"{type(self).__qualname__}(index={self.index!r}, kind={self.kind!r}, source={self.source!r}, "
            f"id={self.id!r}, execution_count={self.execution_count!r}, outputs={self.outputs!r}, "
            f"metadata={self.metadata!r})"
        )

    def replace(self, **changes: Any) -> Cell:
        """A copy with some fields changed (as ``dataclasses.replace`` did)."""
        fields = {
            k: getattr(self, k)
            for k in ("index", "kind", "source", "id", "execution_count", "outputs", "metadata")
        }
        return Cell(**{**fields, **changes})

    @property
    def tags(self) -> list[str]:
        tags = self.metadata.get("tags") or []
        return [t for t in tags if isinstance(t, str)]


class Notebook:
    """A notebook as nbprod sees it, whatever nbformat version it was saved in."""

    path: str
    cells: list[Cell]
    metadata: dict[str, Any]
    nbformat: int
    nbformat_minor: int
    # side files beside it that could not be used: {"path", "message"} error lines
    problems: list[dict[str, str]]

    def __init__(
        self,
        path: str,
        cells: list[Cell],
        metadata: dict[str, Any],
        nbformat: int = 4,
        nbformat_minor: int = 5,
        problems: list[dict[str, str]] | None = None,
    ) -> None:
        self.path = path
        self.cells = cells
        self.metadata = metadata
        self.nbformat = nbformat
        self.nbformat_minor = nbformat_minor
        self.problems = [] if problems is None else problems

    def __repr__(self) -> str:
        return (
            f"{type(self).__qualname__}(path={self.path!r}, cells={self.cells!r}, metadata={self.metadata!r}, "
            f"nbformat={self.nbformat!r}, nbformat_minor={self.nbformat_minor!r}, problems={self.problems!r})"
        )

    def replace(self, **changes: Any) -> Notebook:
        """A copy with some fields changed (as ``dataclasses.replace`` did)."""
        fields = {
            k: getattr(self, k)
            for k in ("path", "cells", "metadata", "nbformat", "nbformat_minor", "problems")
        }
        return Notebook(**{**fields, **changes})

    @property
    def language(self) -> str:
        """The kernel's language, lower case ("python" when the file does not say)."""
        meta = self.metadata
        info = meta.get("language_info") or {}
        spec = meta.get("kernelspec") or {}
        jupytext = meta.get("jupytext") or {}  # scripts paired or converted by jupytext
        lang = (
            (isinstance(info, dict) and info.get("name"))
            or (isinstance(spec, dict) and spec.get("language"))
            or (isinstance(jupytext, dict) and jupytext.get("main_language"))
            or "python"
        )
        return str(lang).strip().lower()

    @property
    def is_python(self) -> bool:
        return self.language in PYTHON_LANGUAGES

    @property
    def python_major(self) -> int | None:
        """2 for Python 2 kernels, 3 for Python 3, None when unknown."""
        info = self.metadata.get("language_info") or {}
        version = str(info.get("version", "")) if isinstance(info, dict) else ""
        if version[:1] in ("2", "3"):
            return int(version[0])
        spec = self.metadata.get("kernelspec") or {}
        name = str(spec.get("name", "")) if isinstance(spec, dict) else ""
        if name == "python2":
            return 2
        return None

    @property
    def code_cells(self) -> list[Cell]:
        return [c for c in self.cells if c.kind == "code"]


def _text(value: Any) -> str:
    if isinstance(value, list):
        try:
            return "".join(value)  # lines of JSON text: all str
        except TypeError:  # a number or null among them
            return "".join(str(v) for v in value)
    if value is None:
        return ""
    return str(value)


def _cells_v4(raw: dict[str, Any]) -> list[Cell]:
    cells = raw.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("not a notebook: no 'cells' list")
    out = []
    # nbformat's schema lets a newer 4.x minor version add cell types: keep them, not code
    future = isinstance(raw.get("nbformat_minor"), int) and raw["nbformat_minor"] > 5
    for i, c in enumerate(cells):
        if not isinstance(c, dict):
            raise NotebookError(f"not a notebook: cell {i + 1} is not an object")
        kind = c.get("cell_type")
        if kind not in ("code", "markdown", "raw") and not (future and isinstance(kind, str)):
            raise NotebookError(f"not a notebook: cell {i + 1} has cell_type {kind!r}")
        count = c.get("execution_count")
        outputs = c.get("outputs") or []
        outputs = [_output(o) for o in outputs if isinstance(o, dict)] if isinstance(outputs, list) else []
        meta = c.get("metadata") or {}
        cid = c.get("id")
        out.append(
            Cell(
                index=i,
                kind=kind,
                source=_text(c.get("source")),
                id=cid if isinstance(cid, str) else None,
                execution_count=count if isinstance(count, int) else None,
                outputs=outputs,
                metadata=meta if isinstance(meta, dict) else {},
            )
        )
    return out


def _output(out: dict[str, Any]) -> dict[str, Any]:
    """An output with its containers of the right type (a mistyped one becomes empty)."""
    if all(isinstance(out.get(k), dict) for k in ("data", "metadata") if k in out):
        return out
    return {k: (v if k not in ("data", "metadata") or isinstance(v, dict) else {}) for k, v in out.items()}


def _metadata(meta: Any) -> dict[str, Any]:
    """Notebook metadata with the sections readers look into typed as objects."""
    if not isinstance(meta, dict):
        return {}
    odd = [
        k for k in ("kernelspec", "language_info", "jupytext") if k in meta and not isinstance(meta[k], dict)
    ]
    return {k: v for k, v in meta.items() if k not in odd} if odd else meta


def parse_notebook(text: str | bytes, path: str = "<notebook>") -> Notebook:
    """Parse notebook JSON text; raise NotebookError with a one-line reason."""
    try:
        raw = json.loads(text)
    except UnicodeDecodeError:
        raise NotebookError("not a notebook: the file is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"not a notebook: invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})"
        ) from None
    except RecursionError:
        raise NotebookError("not a notebook: JSON nested too deeply") from None
    if not isinstance(raw, dict):
        raise NotebookError("not a notebook: the JSON is not an object")
    major = raw.get("nbformat")
    if major is None:
        raise NotebookError("not a notebook: no 'nbformat' version field")
    if not isinstance(major, int):
        raise NotebookError(f"not a notebook: nbformat {major!r} is not a number")
    if major < 3 or major > 4:
        raise NotebookError(f"unsupported nbformat version {major} (nbprod reads 3 and 4)")
    if major == 3:
        raw = _upgrade_v3(raw)
    metadata = raw.get("metadata") or {}
    minor = raw.get("nbformat_minor", 0)
    return Notebook(
        path=path,
        cells=_cells_v4(raw),
        metadata=_metadata(metadata),
        nbformat=4,
        nbformat_minor=minor if isinstance(minor, int) else 0,
    )


# nbformat 3 output keys -> MIME types (nbformat.v4.convert's table).
_V3_MIME = {"text": "text/plain", "html": "text/html", "svg": "image/svg+xml", "png": "image/png",
            "jpeg": "image/jpeg", "latex": "text/latex", "json": "application/json",
            "javascript": "application/javascript"}  # fmt: skip


def _upgrade_v3(raw: dict[str, Any]) -> dict[str, Any]:
    """nbformat 3 -> 4 as ``nbformat.v4.convert.upgrade`` does it, without importing
    nbformat (whose jsonschema import alone can take seconds) and without random cell ids."""
    worksheets = raw.get("worksheets")
    if not isinstance(worksheets, list):
        raise NotebookError("not a valid nbformat 3 notebook: no 'worksheets' list")
    cells = []
    for ws in worksheets:
        ws_cells = ws.get("cells") if isinstance(ws, dict) else None
        for cell in ws_cells if isinstance(ws_cells, list) else []:
            if not isinstance(cell, dict):
                raise NotebookError("not a valid nbformat 3 notebook: a cell is not an object")
            cells.append(_upgrade_v3_cell(dict(cell)))
    metadata = raw.get("metadata")
    metadata = (
        {k: v for k, v in metadata.items() if k not in ("name", "signature")}
        if isinstance(metadata, dict)
        else {}
    )
    return {"nbformat": 4, "nbformat_minor": 0, "metadata": metadata, "cells": cells}


def _upgrade_v3_cell(cell: dict[str, Any]) -> dict[str, Any]:
    kind = cell.get("cell_type")
    meta = cell.get("metadata")
    cell["metadata"] = meta = dict(meta) if isinstance(meta, dict) else {}
    if kind == "code":
        cell.pop("language", None)
        if "collapsed" in cell:
            meta["collapsed"] = cell.pop("collapsed")
        cell["source"] = cell.pop("input", "")
        cell["execution_count"] = cell.pop("prompt_number", None)
        outputs = cell.get("outputs")
        cell["outputs"] = (
            [_upgrade_v3_output(dict(o)) for o in outputs if isinstance(o, dict)]
            if isinstance(outputs, list)
            else []
        )
    elif kind == "heading":
        level = cell.pop("level", 1)
        text = _text(cell.get("source"))
        cell["cell_type"] = "markdown"
        cell["source"] = f"{'#' * level if isinstance(level, int) else '#'} {' '.join(text.splitlines())}"
    elif kind == "html":
        cell["cell_type"] = "markdown"
    return cell


def _upgrade_v3_output(output: dict[str, Any]) -> dict[str, Any]:
    kind = output.get("output_type")
    if kind in ("pyout", "display_data"):
        if kind == "pyout":
            output["output_type"] = "execute_result"
            output["execution_count"] = output.pop("prompt_number", None)
        keep = ("output_type", "execution_count", "metadata")
        output["data"] = {_V3_MIME.get(k, k): output.pop(k) for k in list(output) if k not in keep}
    elif kind == "pyerr":
        output["output_type"] = "error"
    elif kind == "stream":
        output["name"] = output.pop("stream", "stdout")
    return output


def read_notebook(path: str | os.PathLike[str]) -> Notebook:
    """Read a notebook file; raise NotebookError with a one-line reason on bad input."""
    return parse_notebook(read_notebook_bytes(path), str(path))


def read_notebook_bytes(path: str | os.PathLike[str]) -> bytes:
    """A notebook file's bytes (regular files only, size-capped, never blocking);
    NotebookError with a one-line reason when it cannot be read."""
    try:
        data = read_regular(path, MAX_NOTEBOOK_BYTES)
    except FileNotFoundError:
        raise NotebookError("no such file") from None
    except NbprodError as exc:
        raise NotebookError(str(exc)) from None
    if not data.strip():
        raise NotebookError("not a notebook: the file is empty")
    return data
