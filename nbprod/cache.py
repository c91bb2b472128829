"""The persistent check cache: each notebook's result, kept in ``.nbprod_cache/``.

An entry is keyed by a hash of everything that can change a notebook's result: the
file's bytes and the path as given, the side files the checker reads (the session
record ``<nb>.nbprod.json``, the ticks ``<nb>.checklist.toml``, which requirements or
lock file sits beside it, the manifest of a package exported from it), the effective
configuration, nbprod's version and the stat of its source files, Python's version and
whether the readiness checklist is wanted. An entry holds the findings and the
checklist data, never rendered text, so every output format reads the same entry.

Writes are atomic (a temporary file, then ``os.replace``), so concurrent runs never
see half an entry; a damaged or foreign entry is a miss. The folder is bounded in size
(oldest entries go first) and git-ignored by the ``.gitignore`` it creates inside.
"""

from __future__ import annotations

import json
import marshal
import os
import sys
import time
from pathlib import Path

from nbprod.errors import NbprodError
from nbprod.files import MAX_NOTEBOOK_BYTES, MAX_SIDE_FILE_BYTES, read_regular

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

    from nbprod.config import Config

CACHE_DIR = ".nbprod_cache"
FORMAT = 2  # bump when the entry layout changes (2: the checklist in compact form)
RECORD_SUFFIX = ".nbprod.json"  # as nbprod.record and nbprod.manual name the side files
TICKS_SUFFIX = ".checklist.toml"
PIN_FILES = ("requirements.txt", "environment.yml", "environment.yaml", "poetry.lock",
             "uv.lock", "Pipfile.lock", "pdm.lock", "conda-lock.yml", "pylock.toml")  # fmt: skip
RACY_NS = 2_000_000_000  # a file changed this close to the entry's writing is hashed again
_MAGIC = b"nbprod-cache\x01"
MAX_BYTES = 64 * 1024 * 1024  # NBPROD_CACHE_MAX_BYTES overrides
_ENTRY_SUFFIX = ".bin"
_GITIGNORE = "# Created by nbprod: the check cache (safe to delete).\n*\n"
_CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# The nbprod check cache.\n"
_OFF = {"0", "false", "no", "off"}


def _hasher() -> Any:
    """blake2b without loading OpenSSL (``import hashlib`` costs several ms on start)."""
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - CPython always has it
        from hashlib import blake2b
    return blake2b(digest_size=16)


def project_root(start: str | os.PathLike[str]) -> Path:
    """The nearest folder at or above ``start`` holding pyproject.toml or .git, else the cwd."""
    p = Path(os.path.abspath(start))
    if not p.is_dir():
        p = p.parent
    for folder in (p, *p.parents):
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            return folder
    return Path.cwd()


def cache_wanted(config: Config, flag: bool | None = None) -> bool:
    """``--no-cache`` (flag False), ``NBPROD_NO_CACHE=1`` or ``cache = false`` in
    ``[tool.nbprod]`` turn the cache off; it is on otherwise."""
    if flag is False:
        return False
    env = os.environ.get("NBPROD_NO_CACHE", "").strip().lower()
    if env and env not in _OFF:
        return False
    return config.options.get("cache", True) is not False


_STAMP: list[Any] = []


def _code_stamp() -> list[Any]:
    """nbprod's version and the stat of its modules, so that entries written by other code
    are never read: in a source checkout (an editable install, whose version does not
    change while it is edited) every module's size and mtime; in an installed copy the
    stat of its folders and first modules (a reinstall writes new files, new inodes).
    Taken once per process: the code that runs is the code imported at its start."""
    if not _STAMP:
        _STAMP.append(_take_code_stamp())
    stamp: list[Any] = _STAMP[0]
    return stamp


def _take_code_stamp() -> list[Any]:
    from nbprod import __version__

    files: list[tuple[str, str, int, int]] = []
    root = os.path.dirname(os.path.abspath(__file__))
    folders = [root, os.path.join(root, "analysis"), os.path.join(root, "rules")]
    checkout = os.path.isfile(os.path.join(os.path.dirname(root), "pyproject.toml"))
    for folder in folders:
        try:
            if not checkout:
                for name in ("", "__init__.py"):
                    st = os.stat(os.path.join(folder, name))
                    files.append((folder, name, st.st_ino, st.st_mtime_ns))
                continue
            with os.scandir(folder) as it:
                for entry in it:
                    if entry.name.endswith(".py"):
                        st = entry.stat()
                        files.append((folder, entry.name, st.st_size, st.st_mtime_ns))
        except OSError:
            files.append((folder, "", -1, -1))
    files.sort()
    return [__version__, FORMAT, sys.version_info[:3], files]


def _config_stamp(config: Config) -> list[Any]:
    return [
        sorted(config.select),
        sorted(config.ignore),
        sorted((k, sorted(v)) for k, v in config.per_file_ignores.items()),
        sorted((k, repr(v)) for k, v in config.options.items() if k != "cache"),
        config.root,  # per-file-ignores patterns are relative to it
    ]


def _file_bytes(path: Path) -> bytes | None:
    return _read_bytes(str(path), side=True)


def side_files(path: Path, checklist: bool) -> list[Any]:
    """What beside the notebook the checker reads, as data for the key."""
    from nbprod.record import record_path
    from nbprod.rules.reproducibility import pin_file

    parts: list[Any] = [_file_bytes(record_path(path)), pin_file(os.path.dirname(str(path)) or ".")]
    if checklist:
        from nbprod.manual import ticks_path
        from nbprod.naming import default_out_dir

        parts.append(_file_bytes(ticks_path(path)))
        out = default_out_dir(path)
        if out.is_dir():  # the checklist reads the manifest of a package exported from it
            manifest = _file_bytes(out / "nbprod-export.json")
            parts.append(manifest)
            try:
                files = json.loads(manifest or b"{}").get("files") or {}
                parts.append(sorted((str(f), (out / str(f)).is_file()) for f in files))
            except (ValueError, AttributeError, TypeError):
                pass
    return parts


class CheckCache:
    """One slot file per notebook path (and configuration); every method fails quietly
    (a cache is never an error).

    A slot holds the notebook's content key and its result. When the notebook and its
    side files have the same stat (mtime, size, inode) as when the slot was written, and
    that was more than ``RACY_NS`` after their last change, the slot is used without
    reading the notebook; otherwise the content key decides.
    """

    def __init__(self, folder: Path, salt: bytes, max_bytes: int | None = None) -> None:
        self.folder = folder
        self.salt = salt
        self.max_bytes = max_bytes if max_bytes is not None else _max_bytes()
        self.hits = 0
        self.misses = 0
        self.writes = 0
        self._ready = os.path.isdir(folder)
        self._folders: dict[str, list[str]] = {}
        self._names: dict[str, set[str]] = {}  # folder -> its file names, for folders of many notebooks
        self._base = _hasher()
        self._base.update(salt)

    @classmethod
    def for_run(cls, start: str | os.PathLike[str], config: Config, checklist: bool) -> CheckCache:
        """The cache of the project holding ``start`` (``NBPROD_CACHE_DIR`` overrides the folder)."""
        env = os.environ.get("NBPROD_CACHE_DIR")
        folder = Path(env) if env else project_root(start) / CACHE_DIR
        stamp = [_code_stamp(), _config_stamp(config), checklist]
        return cls(folder, repr(stamp).encode("utf-8", "surrogatepass"))

    def expect(self, paths: list[str]) -> None:
        """Notebooks about to be looked up: a folder holding many of them is listed once,
        instead of a stat per side file of each notebook."""
        counts: dict[str, int] = {}
        for p in paths:
            folder = os.path.dirname(p) or "."
            counts[folder] = counts.get(folder, 0) + 1
        for folder, n in counts.items():
            if n >= 8:
                try:
                    self._names[folder] = set(os.listdir(folder))
                except OSError:
                    pass

    # -- keys ----------------------------------------------------------------
    def slot(self, path: str) -> str:
        """The slot file of one notebook path under this run's configuration."""
        h = self._base.copy()
        h.update(path.encode("utf-8", "surrogatepass"))
        return os.path.join(self.folder, h.hexdigest() + _ENTRY_SUFFIX)

    def stat_key(self, path: str, checklist: bool, export_dir: str | None = None) -> list[Any] | None:
        """The stat of the notebook, its folder and side files; None when only the
        content can tell (the notebook is missing, or a package was exported from it:
        ``export_dir`` is where ``nbprod export`` would put it)."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        folder = os.path.dirname(path) or "."
        pins = self._folders.get(folder)
        if pins is None:  # which requirements or lock files are there (NB203 looks)
            pins = self._folders[folder] = [n for n in PIN_FILES if os.path.isfile(os.path.join(folder, n))]
        names = self._names.get(folder)
        stem = os.path.splitext(os.path.basename(path))[0]
        key: list[Any] = [
            st.st_mtime_ns,
            st.st_size,
            st.st_ino,
            pins,
            _stat(folder, stem + RECORD_SUFFIX, names),
        ]
        if checklist:
            key.append(_stat(folder, stem + TICKS_SUFFIX, names))
            out = export_dir if export_dir is not None else _export_dir(path)
            if (names is None or os.path.basename(out) in names) and os.path.isdir(out):
                return None
        return key

    def content_key(self, path: str, data: bytes, checklist: bool) -> str:
        """The hash of the notebook's bytes, its path and what the checker reads beside it."""
        h = _hasher()
        h.update(self.salt)
        h.update(b"\0" + path.encode("utf-8", "surrogatepass") + b"\0")
        h.update(data)
        h.update(repr(side_files(Path(path), checklist)).encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    # -- entries -------------------------------------------------------------
    def read(self, slot: str) -> dict[str, Any] | None:
        """A slot's entry, or None (missing, damaged, or written by another format)."""
        try:
            raw = _read_bytes(slot, side=True)
            if raw is None or not raw.startswith(_MAGIC):
                return None
            entry = marshal.loads(memoryview(raw)[len(_MAGIC) :])  # no copy of the bytes
        except Exception:  # noqa: BLE001 - a damaged entry is a miss, whatever marshal says
            return None
        ok = (
            isinstance(entry, dict)
            and isinstance(entry.get("value"), dict)
            and isinstance(entry.get("content"), str)
        )
        if ok and entry["value"].get("checklist") is not None:
            from nbprod.checklist_data import is_compact

            ok = is_compact(entry["value"]["checklist"])
        return entry if ok else None

    def lookup(self, path: str, checklist: bool) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """(the cached result or None, what ``store`` needs on a miss); ``state["data"]`` holds
        the notebook's bytes when they had to be read."""
        slot = self.slot(path)
        entry = self.read(slot)
        export_dir = entry.get("export_dir") if entry is not None else None
        stat = self.stat_key(path, checklist, export_dir if isinstance(export_dir, str) else None)
        state: dict[str, Any] = {"slot": slot, "stat": stat, "path": path}
        if entry is not None and stat is not None and entry.get("stat") == stat:
            written = entry.get("written")
            if isinstance(written, int) and not _racy(stat, written):
                self.hits += 1
                return entry["value"], state
        data = _read_bytes(path)
        state["data"] = data
        if data is None:
            self.misses += 1
            return None, state
        state["content"] = content = self.content_key(path, data, checklist)
        if entry is not None and entry["content"] == content:
            self.hits += 1
            if stat is not None and (entry.get("stat") != stat or not _racy(stat, time.time_ns())):
                # same content, new stat (touched, copied), or old enough now: trust the stat next time
                self._write(slot, {**entry, "stat": stat})
            return entry["value"], state
        self.misses += 1
        return None, state

    def store(self, state: dict[str, Any], value: dict[str, Any]) -> None:
        """Keep a freshly computed result for the notebook ``state`` came from."""
        if "content" in state:
            entry = {"content": state["content"], "stat": state["stat"], "value": value}
            entry["export_dir"] = _export_dir(state["path"])
            self._write(state["slot"], entry)

    def _write(self, slot: str, entry: dict[str, Any]) -> None:
        """Write an entry atomically, only when marshal gives back exactly what was given."""
        entry["written"] = time.time_ns()
        try:
            payload = marshal.dumps(entry)
            if marshal.loads(payload) != entry:  # pragma: no cover - plain data comes back equal
                return
            if not self._ready:
                self._create()
            _atomic_write(Path(slot), _MAGIC + payload)
            self.writes += 1
        except (OSError, ValueError, TypeError):
            return

    def _create(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for name, text in ((".gitignore", _GITIGNORE), ("CACHEDIR.TAG", _CACHEDIR_TAG)):
            if not (self.folder / name).exists():
                _atomic_write(self.folder / name, text.encode())
        self._ready = True

    def prune(self) -> int:
        """Delete the oldest entries while the folder holds more than ``max_bytes``; returns
        how many went. Only after a run that wrote something."""
        if not self.writes:
            return 0
        found = []
        total = 0
        try:
            with os.scandir(self.folder) as it:
                for e in it:
                    if e.name.endswith(_ENTRY_SUFFIX):
                        st = e.stat()
                        found.append((st.st_mtime_ns, st.st_size, e.path))
                        total += st.st_size
        except OSError:
            return 0
        if total <= self.max_bytes:
            return 0
        removed = 0
        target = self.max_bytes * 0.8
        for _, size, p in sorted(found):
            if total <= target:
                break
            try:
                os.unlink(p)
            except OSError:
                continue
            total -= size
            removed += 1
        return removed


def _racy(stat: list[Any], written: int) -> bool:
    """True when a file in ``stat`` changed less than ``RACY_NS`` before ``written``: a
    second change within the clock's resolution could leave the same stat behind."""
    newest = stat[0]
    for side in stat[4:]:
        if side is not None and side[0] > newest:
            newest = side[0]
    return written - newest <= RACY_NS


def _stat(folder: str, name: str, names: set[str] | None = None) -> tuple[int, int, int] | None:
    """(mtime, size, inode) of a file, or None when there is none (``names``: the folder's listing)."""
    if names is not None and name not in names:
        return None
    try:
        st = os.stat(os.path.join(folder, name))
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def _export_dir(path: str) -> str:
    from nbprod.naming import default_out_dir

    return str(default_out_dir(path))


def _read_bytes(path: str, side: bool = False) -> bytes | None:
    """A file's bytes, or None; regular files only, size-capped, never blocking (a FIFO or a
    link to /dev/zero in an untrusted checkout is a miss, and the checker then reports it)."""
    try:
        return read_regular(path, MAX_SIDE_FILE_BYTES if side else MAX_NOTEBOOK_BYTES)
    except (OSError, NbprodError):
        return None


def _max_bytes() -> int:
    try:
        return int(os.environ.get("NBPROD_CACHE_MAX_BYTES", MAX_BYTES))
    except ValueError:
        return MAX_BYTES


def _atomic_write(target: Path, payload: bytes) -> None:
    """A temporary file beside ``target``, then ``os.replace`` (no fsync: a lost entry is a miss)."""
    from nbprod.files import atomic_write

    atomic_write(target, payload, durable=False)
