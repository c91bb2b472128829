"""Data files read during the session: path, size, content hash, rows and columns.

Two cheap sources, no patched builtins:

* the readers of pandas and numpy (``pd.read_csv``, ``np.load``...) are wrapped once
  those libraries are imported; the wrapper notes the path and the result's shape while a
  cell runs (calls inside the user's own functions included) and costs one list append;
* ``open(path)`` calls for reading, found in the cell's CellFacts.

Files are fingerprinted once per (path, size, mtime), on nbprod's background thread (never
in the cell): the record shows ``"sha256": null`` until the hash is done. Files bigger than
``FULL_HASH_MAX`` (memory-mapped arrays, say) get a sampled fingerprint instead of a full
read (``sha256_sample``: the size and the first, middle and last MiB).

An import hook wraps the readers the moment pandas or numpy is imported, so a read in
the cell that imports them is recorded too.
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
FULL_HASH_MAX = 1 << 30  # bigger files get a sampled fingerprint


class _Loader:
    """Wraps the loader of pandas / numpy: once the module ran, its readers are wrapped."""

    def __init__(self, loader: Any, done: Any) -> None:
        self._loader, self._done = loader, done

    def create_module(self, spec: Any) -> Any:
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        try:
            self._done()
        except Exception:
            log.debug("nbprod: could not wrap the readers", exc_info=True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class ImportHook:
    """A ``sys.meta_path`` finder that sees only the first import of pandas and numpy."""

    def __init__(self, tracker: DataTracker) -> None:
        self.tracker = tracker
        self._busy = False

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in READERS or self._busy:
            return None
        self._busy = True
        try:
            import importlib.util

            spec = importlib.util.find_spec(name)
        except Exception:
            return None
        finally:
            self._busy = False
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        spec.loader = _Loader(spec.loader, self.tracker.patch_loaded)  # type: ignore[assignment]
        return spec

    def install(self) -> None:
        if self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def remove(self) -> None:
        while self in sys.meta_path:
            sys.meta_path.remove(self)


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


def _nothing() -> None:
    pass


class DataTracker:
    """Collects file reads while a cell runs, then fingerprints them."""

    def __init__(self, max_files: int = 500, stats: bool = True) -> None:
        self.in_cell: Any = bool  # True while a cell runs (set by the hooks)
        self.noted: Any = _nothing  # called after a read is noted (set by the hooks)
        self.pending: list[tuple[str, str, Any]] = []  # (reader, path as given, result)
        self.files: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.max_files = max_files
        self.stats = stats
        self._fingerprints: OrderedDict[tuple[str, int, int], dict[str, Any]] = OrderedDict()
        self._patched: list[tuple[Any, str, Any]] = []
        self._paths: dict[tuple[str, str, Path | None], tuple[Path, str]] = {}
        self.hook = ImportHook(self)
        self.submit: Any = None  # runs a job off the critical path (set by the hooks)
        self.on_hashed: Any = None  # called on the background thread after a hash
        self._hashing: dict[tuple[str, int, int], list[dict[str, Any]]] = {}

    # -- wrapping ------------------------------------------------------------
    def _wrap(self, fn: Any, reader: str) -> Any:
        tracker = self

        @functools.wraps(fn)
        def reader_wrapper(*args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True  # noqa: F841  (IPython hides this frame in tracebacks)
            result = fn(*args, **kwargs)
            if tracker.in_cell():
                try:
                    path = _path_arg(args, kwargs)
                    if path is not None and len(tracker.pending) < 1000:
                        tracker.pending.append((reader, path, result))
                        tracker.noted()
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
        if all(m in sys.modules for m in READERS):
            self.hook.remove()

    def unpatch(self) -> None:
        """Put the original readers back (only those still wrapped by us)."""
        self.hook.remove()
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
                old.get(k) != entry.get(k) for k in ("sha256", "size", "rows", "columns", "reader")
            ):
                changed.append(entry)
            fkey = entry.pop("_key", None)
            if fkey is not None:  # hashed on the background thread: fill in this entry when done
                waiting = self._hashing.get(fkey)
                if waiting is not None:
                    waiting.append(entry)
                fp = self._fingerprints.get(fkey) or {}
                for k in ("sha256", "sha256_sample"):
                    if fp.get(k) is not None:
                        entry[k] = fp[k]
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
            fp = {"size": st.st_size, "sha256": None}
            self._fingerprints[key] = fp
            while len(self._fingerprints) > self.max_files:
                self._fingerprints.popitem(last=False)
            self._hashing[key] = []
            if self.submit is not None:
                self.submit(lambda: self._hash(resolved, key, fp))
            else:
                self._hash(resolved, key, fp)
        entry: dict[str, Any] = {"path": shown, "reader": reader, **fp}
        if key in self._hashing:
            entry["_key"] = key
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

    def _hash(self, path: Path, key: tuple[str, int, int], fp: dict[str, Any]) -> None:
        """Fingerprint one file (on the background thread) and fill in the waiting entries."""
        size = key[1]
        if size > FULL_HASH_MAX:
            done = {"sha256": None, "sha256_sample": _sampled(path, size)}
        else:
            done = {"sha256": _sha256(path)}
        fp.update(done)
        for entry in self._hashing.pop(key, []):
            entry.update(done)
        if self.on_hashed is not None:
            self.on_hashed()


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


def _sampled(path: Path, size: int) -> str | None:
    """sha256 of the size and the first, middle and last MiB (for files too big to read)."""
    h = hashlib.sha256(str(size).encode())
    try:
        with open(path, "rb") as fh:
            for offset in (0, max(0, size // 2 - _CHUNK // 2), max(0, size - _CHUNK)):
                fh.seek(offset)
                h.update(fh.read(_CHUNK))
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
