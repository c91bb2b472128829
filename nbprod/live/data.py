"""Data files read during the session: path, size, content hash, rows and columns.

Two cheap sources, no patched builtins:

* the readers of pandas and numpy (``pd.read_csv``, ``np.load``...) are wrapped once
  those libraries are imported; the wrapper notes the path and the result's shape while a
  cell runs (calls inside the user's own functions included) and costs one list append;
* ``open(path)`` calls for reading, found in the cell's CellFacts.

Files are fingerprinted after the cell ran, and only once per (path, size, mtime).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import stat
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any

log = logging.getLogger("nbprod.live")

READERS = {
    "pandas": (
        "read_csv", "read_table", "read_parquet", "read_excel", "read_json", "read_feather",
        "read_pickle", "read_orc", "read_stata", "read_sas", "read_spss", "read_hdf",
        "read_fwf", "read_xml",
    ),
    "numpy": ("load", "loadtxt", "genfromtxt", "fromfile"),
}  # fmt: skip
_MARK = "__nbprod_reader__"
_CHUNK = 1 << 20
STATS_MAX_CELLS = 20_000_000  # skip summary statistics for frames bigger than this
STATS_MAX_COLUMNS = 200


def _path_arg(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    value = (
        args[0]
        if args
        else next(
            (
                kwargs[k]
                for k in ("filepath_or_buffer", "path", "io", "file", "fname", "path_or_buf")
                if k in kwargs
            ),
            None,
        )
    )
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, bytes):
        value = os.fsdecode(value)
    if not isinstance(value, str) or "://" in value or "\n" in value or len(value) > 4096:
        return None
    return value


def _shape(result: Any) -> tuple[int | None, int | None]:
    shape = getattr(result, "shape", None)
    if isinstance(shape, tuple) and shape and all(isinstance(n, int) for n in shape):
        return shape[0], (shape[1] if len(shape) > 1 else None)
    return None, None


class DataTracker:
    """Collects file reads while a cell runs, then fingerprints them."""

    def __init__(self, max_files: int = 500, stats: bool = True) -> None:
        self.active = False
        self.pending: list[tuple[str, str, Any]] = []  # (reader, path as given, result)
        self.files: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.max_files = max_files
        self.stats = stats
        self._fingerprints: OrderedDict[tuple[str, int, int], dict[str, Any]] = OrderedDict()
        self._patched: list[tuple[Any, str, Any]] = []
        self._paths: dict[tuple[str, str, Path | None], tuple[Path, str]] = {}

    # -- wrapping ------------------------------------------------------------
    def _wrap(self, fn: Any, reader: str) -> Any:
        tracker = self

        @functools.wraps(fn)
        def reader_wrapper(*args: Any, **kwargs: Any) -> Any:
            result = fn(*args, **kwargs)
            if tracker.active:
                try:
                    path = _path_arg(args, kwargs)
                    if path is not None and len(tracker.pending) < 1000:
                        tracker.pending.append((reader, path, result))
                except Exception:  # never let bookkeeping break the user's read
                    log.debug("nbprod: could not note a read", exc_info=True)
            return result

        setattr(reader_wrapper, _MARK, fn)
        return reader_wrapper

    def patch_loaded(self) -> None:
        """Wrap the readers of pandas and numpy if they are imported and not yet wrapped."""
        for module_name, names in READERS.items():
            module = sys.modules.get(module_name)
            if module is None or any(m is module for m, _, _ in self._patched):
                continue
            for name in names:
                fn = getattr(module, name, None)
                if fn is None or not callable(fn) or hasattr(fn, _MARK):
                    continue
                try:
                    setattr(module, name, self._wrap(fn, f"{module_name}.{name}"))
                except Exception:
                    log.debug("nbprod: could not wrap %s.%s", module_name, name, exc_info=True)
                    continue
                self._patched.append((module, name, fn))

    def unpatch(self) -> None:
        """Put the original readers back (only those still wrapped by us)."""
        for module, name, fn in reversed(self._patched):
            current = getattr(module, name, None)
            if getattr(current, _MARK, None) is fn:
                setattr(module, name, fn)
        self._patched.clear()

    # -- recording -----------------------------------------------------------
    def note_open(self, path: str) -> None:
        """A file opened for reading by the cell (from its CellFacts)."""
        if len(self.pending) < 1000:
            self.pending.append(("open", path, None))

    def flush(
        self, base: Path | None, cell_id: str | None, execution: int, count: int | None = None
    ) -> list[dict[str, Any]]:
        """Fingerprint the reads of the cell that just ran; returns the new or changed entries."""
        pending, self.pending = self.pending, []
        changed = []
        for reader, given, result in pending:
            entry = self._entry(reader, given, result, base)
            if entry is None:
                continue
            entry["cell_id"] = cell_id
            entry["execution"] = execution
            entry["execution_count"] = count
            key = entry["path"]
            old = self.files.get(key)
            if old is not None and reader == "open" and old.get("reader") != "open":
                continue  # the tabular reader of the same file says more
            if old is None or any(
                old.get(k) != entry.get(k) for k in ("sha256", "rows", "columns", "reader")
            ):
                changed.append(entry)
            self.files[key] = entry
            self.files.move_to_end(key)
            while len(self.files) > self.max_files:
                self.files.popitem(last=False)
        return changed

    def _resolve(self, given: str, base: Path | None) -> tuple[Path, str]:
        """The absolute path and the path as recorded, cached per (path, cwd, notebook folder)."""
        key = (given, os.getcwd(), base)
        found = self._paths.get(key)
        if found is None:
            resolved = Path(os.path.expanduser(given)).resolve()
            found = (resolved, display_path(resolved, base))
            if len(self._paths) >= 1024:
                self._paths.clear()
            self._paths[key] = found
        return found

    def _entry(self, reader: str, given: str, result: Any, base: Path | None) -> dict[str, Any] | None:
        resolved, shown = self._resolve(given, base)
        try:
            st = os.stat(resolved)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        key = (str(resolved), st.st_size, st.st_mtime_ns)
        fp = self._fingerprints.get(key)
        if fp is None:
            fp = {"size": st.st_size, "sha256": _sha256(resolved)}
            self._fingerprints[key] = fp
            while len(self._fingerprints) > self.max_files:
                self._fingerprints.popitem(last=False)
        entry: dict[str, Any] = {"path": shown, "reader": reader, **fp}
        if reader != "open":
            rows, columns = _shape(result)
            entry["rows"], entry["columns"] = rows, columns
            if self.stats and "stats" not in fp:
                stats = summary_stats(result)
                if stats is not None:
                    fp["stats"] = stats
            if "stats" in fp:
                entry["stats"] = fp["stats"]
        return entry


def display_path(path: Path, base: Path | None) -> str:
    """The path relative to the notebook's folder (or the working folder) when inside it."""
    for root in (base, Path.cwd()):
        if root is None:
            continue
        try:
            return path.relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def _sha256(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(_CHUNK), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def summary_stats(frame: Any) -> dict[str, Any] | None:
    """Per-column dtype, missing count and, for numbers, min / max / mean (pandas frames)."""
    columns = getattr(frame, "columns", None)
    shape = getattr(frame, "shape", None)
    if columns is None or not isinstance(shape, tuple) or len(shape) != 2:
        return None
    if shape[0] * shape[1] > STATS_MAX_CELLS or shape[1] > STATS_MAX_COLUMNS:
        return None
    import numpy as np

    out: dict[str, Any] = {}
    for name in columns:
        col = frame[name]
        if getattr(col, "ndim", 1) != 1:
            continue
        values = col.to_numpy()
        info: dict[str, Any] = {"dtype": str(col.dtype), "missing": int(col.isna().sum())}
        if values.dtype.kind in "iuf" and values.size:
            with np.errstate(all="ignore"):
                finite = values[np.isfinite(values)] if values.dtype.kind == "f" else values
                if finite.size:
                    info["min"] = _num(finite.min())
                    info["max"] = _num(finite.max())
                    info["mean"] = _num(finite.mean())
        out[str(name)] = info
    return out


def _num(value: Any) -> float | int:
    v = value.item() if hasattr(value, "item") else value
    return round(v, 6) if isinstance(v, float) else v
