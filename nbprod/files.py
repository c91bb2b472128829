"""Reading and writing files safely: bounded, never blocking, atomic (cheap to import:
the cache's warm path needs these, not the notebook model)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from nbprod.errors import NbprodError, one_line

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

MAX_NOTEBOOK_BYTES = 512 * 2**20  # larger files are refused, not read
MAX_SIDE_FILE_BYTES = 64 * 2**20  # records, ticks files, pyproject.toml


def display_path(path: str | os.PathLike[str]) -> str:
    """A path for a one-line message: newlines and other control characters escaped."""
    return one_line(os.fspath(path))


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a regular file, read without ever blocking or reading without bound.

    Opened non-blocking (a FIFO never hangs), checked with ``fstat`` after opening (no
    race with a swapped file), refused when it is not a regular file (FIFO, socket,
    device such as a link to ``/dev/zero``) or larger than ``limit`` bytes. Raises
    ``FileNotFoundError`` when missing, else ``NbprodError`` with a one-line reason.
    """
    flags = (
        os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    )
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise NbprodError("is a directory") from None
    except PermissionError:
        raise NbprodError("permission denied") from None
    except OSError as exc:
        raise NbprodError(f"cannot read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise NbprodError("is a directory")
        if not stat.S_ISREG(st.st_mode):
            kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device or socket"
            raise NbprodError(f"not a regular file ({kind}); not read")
        if st.st_size > limit:
            raise NbprodError(f"larger than {limit // 2**20} MB; not read")
        chunks = []
        size = 0
        while True:  # a file may grow while it is read: never past the limit
            want = min(1 << 22, limit + 1 - size)
            try:
                chunk = os.read(fd, want)
            except BlockingIOError:  # pragma: no cover - regular files do not block
                break
            except OSError as exc:
                raise NbprodError(f"cannot read: {exc.strerror or exc}") from None
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise NbprodError(f"larger than {limit // 2**20} MB; not read")
            if size == st.st_size and len(chunk) < want:
                break  # all the bytes fstat counted and fewer than asked: the end, one read less
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


def json_depth(value: Any, limit: int) -> bool:
    """True when ``value`` nests no deeper than ``limit`` (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        if depth > limit:
            return False
        stack.extend((v, depth + 1) for v in item if isinstance(v, dict | list))
    return True


def atomic_write(
    path: str | os.PathLike[str], data: str | bytes, follow_symlinks: bool = False, *, durable: bool = True
) -> None:
    """Write a file atomically: a temporary file beside it, then a rename.

    A symlink at ``path`` is replaced by a regular file, unless ``follow_symlinks``: then
    the file it points at is the one replaced (atomically, beside that file). ``durable``:
    flushed to disk first (a cache entry can skip that).
    """
    target = Path(path)
    if follow_symlinks and target.is_symlink():
        target = Path(os.path.realpath(target))
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = _temp_beside(target)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _temp_beside(target: Path) -> tuple[int, str]:
    """``tempfile.mkstemp(prefix=".NAME.", suffix=".tmp", dir=FOLDER)`` without importing
    tempfile (with shutil, random...: milliseconds on the first cache write of a run)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL
    for extra in ("O_NOFOLLOW", "O_CLOEXEC", "O_BINARY"):
        flags |= getattr(os, extra, 0)
    for _ in range(100):
        name = os.path.abspath(os.path.join(target.parent, f".{target.name}.{os.urandom(6).hex()}.tmp"))
        try:
            return os.open(name, flags, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary file name beside {target}")


def iter_notebook_paths(
    path: str | os.PathLike[str], errors: list[dict[str, str]] | None = None
) -> list[Path]:
    """Notebooks under a folder (sorted, skipping checkpoints and hidden folders).

    A folder that cannot be listed is added to ``errors`` (``{"path", "message"}``), not
    skipped without a word.
    """
    root = Path(path)
    found = []

    def unreadable(exc: OSError) -> None:
        if errors is not None:
            where = exc.filename if exc.filename is not None else root
            reason = "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
            errors.append({"path": os.fspath(where), "message": f"cannot read this folder: {reason}"})

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        dirnames[:] = sorted(d for d in dirnames if d != ".ipynb_checkpoints" and not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(".ipynb"):
                found.append(Path(dirpath) / name)
    return found
