"""Run a notebook top to bottom in a fresh kernel, in a temporary copy of its folder.

Every kernel and temporary folder is registered while it lives, so that a Ctrl-C, a
SIGTERM or a crash in nbprod still shuts the kernel down (its whole process group) and
removes the folder: the user's files are never touched.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbprod.errors import NbprodError

COPY_IGNORE = (
    ".git", ".hg", ".svn", ".ipynb_checkpoints", "__pycache__", ".venv", "venv", "node_modules",
    ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache",
)  # fmt: skip
# kernels and folders alive right now: cleaned up by emergency_cleanup() if all else fails
_LIVE_KERNELS: set[Any] = set()
_LIVE_DIRS: set[str] = set()


@dataclass
class Failure:
    """Why a run stopped early: the cell, and an error, a timeout or a dead kernel."""

    cell: int | None
    kind: str  # error | timeout | dead | kernel
    ename: str = ""
    evalue: str = ""
    traceback: list[str] = field(default_factory=list)


@dataclass
class Run:
    """One fresh execution: outputs by cell index, and the failure that stopped it, if any."""

    outputs: dict[int, list[dict[str, Any]]]
    failure: Failure | None
    seconds: float
    kernel: str
    language_info: dict[str, Any] = field(default_factory=dict)
    workdir: str = ""
    installs: dict[int, list[str]] = field(default_factory=dict)  # cell -> install lines skipped


class CopyTooLarge(NbprodError):
    """The folder to copy is larger than the limit."""


class CopyRefused(NbprodError):
    """The folder holds something that cannot be copied safely (a FIFO, a device, a link loop)."""


def _copy_file(src: str, dest: Path, size: int) -> None:
    """Copy one regular file's bytes (opened non-blocking, re-checked after opening)."""
    import stat

    fd = os.open(src, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise CopyRefused(f"{_safe(src)}: changed into a special file while copying; not run")
        with open(fd, "rb", closefd=False) as fin, open(dest, "xb") as fout:
            remaining = max(size, st.st_size)
            while remaining > 0:
                chunk = fin.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                fout.write(chunk)
                remaining -= len(chunk)
        os.utime(dest, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.chmod(dest, stat.S_IMODE(st.st_mode) | 0o200)
    finally:
        os.close(fd)


def _safe(path: str | Path) -> str:
    """A path for a one-line message: control characters escaped."""
    from nbprod.errors import one_line

    return one_line(path)


def copy_folder(src: Path, dest: Path, limit_bytes: int | None, exclude: Path | None = None) -> None:
    """Copy ``src`` to ``dest`` with every symlink resolved into a real copy of what it
    points at, so that the run can never write through a link into the user's files.

    Refuses (one line, before anything runs) FIFOs, sockets and devices (also behind
    links), link loops, and more than ``limit_bytes`` in total; dangling links are left out.
    """
    import stat

    total = 0
    # the copy itself may lie inside ``src`` (TMPDIR under the project): never copy it into itself
    dest.mkdir(parents=True)
    skip = {(st.st_dev, st.st_ino) for st in map(os.stat, [dest, *([exclude] if exclude else [])])}

    def walk(s: Path, d: Path, parents: tuple[tuple[int, int], ...]) -> None:
        nonlocal total
        d.mkdir(parents=True, exist_ok=True)
        try:
            entries = sorted(os.scandir(s), key=lambda e: e.name)
        except OSError as exc:
            raise CopyRefused(
                f"{_safe(s)}: cannot read the folder to copy it: {exc.strerror or exc}"
            ) from None
        for entry in entries:
            if entry.name in COPY_IGNORE:
                continue
            try:
                st = os.stat(entry.path)  # follows links: what the run would see
            except FileNotFoundError:
                if entry.is_symlink():
                    continue  # a dangling link: nothing to copy
                raise
            except OSError as exc:
                raise CopyRefused(
                    f"{_safe(entry.path)}: cannot read it to copy it: {exc.strerror or exc}"
                ) from None
            target = d / entry.name
            if stat.S_ISDIR(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if key in skip:
                    continue
                if key in parents:
                    raise CopyRefused(
                        f"{_safe(entry.path)}: a symlink loop (it points at a folder above it); not run"
                    )
                walk(Path(entry.path), target, (*parents, key))
            elif stat.S_ISREG(st.st_mode):
                total += st.st_size
                if limit_bytes is not None and total > limit_bytes:
                    raise CopyTooLarge(
                        f"{src} holds more than {limit_bytes // 2**20} MB to copy for the run; "
                        "pass --root with a smaller folder, or raise --max-copy"
                    )
                try:
                    _copy_file(entry.path, target, st.st_size)
                except PermissionError:
                    raise CopyRefused(
                        f"{_safe(entry.path)}: permission denied while copying it; not run"
                    ) from None
            else:
                what = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a socket or device"
                raise CopyRefused(
                    f"{_safe(entry.path)}: {what}, not a regular file; verify copies only files; not run"
                )

    root = src.stat()
    walk(src, dest, ((root.st_dev, root.st_ino),))


def expected_errors(cells: list[Any]) -> dict[int, str | None]:
    """Cells allowed to raise: tagged ``raises-exception`` (any error) or saved with an error."""
    expected: dict[int, str | None] = {}
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        if "raises-exception" in (cell.get("metadata", {}).get("tags") or []):
            expected[index] = None
            continue
        for out in cell.get("outputs") or []:
            if out.get("output_type") == "error":
                expected[index] = str(out.get("ename", ""))
    return expected


def _first_error(outputs: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((o for o in outputs if o.get("output_type") == "error"), None)


async def _shutdown(km: Any, kc: Any, now: bool) -> None:
    try:
        if kc is not None:
            kc.stop_channels()
        if km.has_kernel:
            await asyncio.wait_for(km.shutdown_kernel(now=now), timeout=10 if not now else 5)
    except Exception:
        kill_kernel(km)
    finally:
        if km.has_kernel:
            kill_kernel(km)
        try:
            await km.cleanup_resources()
        except Exception:
            pass
        _LIVE_KERNELS.discard(km)


def kill_kernel(km: Any) -> None:
    """SIGKILL a kernel's whole process group (children such as ``!sleep`` included)."""
    provisioner = getattr(km, "provisioner", None)
    process: Any = getattr(provisioner, "process", None)
    pid = getattr(process, "pid", None)
    if process is None or pid is None:
        return
    try:
        if hasattr(os, "killpg"):
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        else:  # pragma: no cover - Windows
            process.kill()
    except (ProcessLookupError, PermissionError, OSError):
        pass
    try:
        process.wait(timeout=5)
    except Exception:
        pass


MARKER = "NBPROD_VERIFY_RUN"


def _strays(marker: str, folder: str) -> list[int]:
    """Processes of this run still alive: they carry its marker in their environment or
    run in its folder (Linux ``/proc``; a double-forked daemon has left the kernel's group)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []  # pragma: no cover - macOS, Windows: the process group kill is all there is
    needle = f"{MARKER}={marker}".encode()
    me = os.getpid()
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            env = (entry / "environ").read_bytes()
        except OSError:
            env = b""
        hit = needle in env.split(b"\0")
        if not hit:
            try:
                cwd = os.readlink(entry / "cwd")
                hit = cwd == folder or cwd.startswith(folder + os.sep)
            except OSError:
                pass
        if hit:
            found.append(int(entry.name))
    return found


def reap_strays(marker: str, folder: str) -> int:
    """SIGKILL every process left by the run (daemons included); return how many."""
    killed = 0
    for _ in range(20):  # a daemon may fork while it is being killed: repeat until none
        pids = _strays(marker, folder)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.05)
    return killed


async def run_notebook(
    nb: Any,
    notebook_path: Path,
    *,
    kernel: str,
    timeout: float | None,
    root: Path | None = None,
    startup_timeout: float = 60,
    max_copy_bytes: int | None = 2**30,
    allow_installs: bool = False,
    pins: list[str] | None = None,
) -> Run:
    """Execute an nbformat notebook in a fresh kernel in a temporary copy of its folder.

    ``root`` (default: the notebook's folder) is what gets copied; the kernel's working
    directory is the notebook's folder inside the copy. ``timeout`` is per cell; a cell
    that runs longer stops the run and its kernel is killed.

    Install lines are made no-ops (``Run.installs`` lists them) unless ``allow_installs``:
    then the kernel runs in a throw-away venv inside the temporary folder, built with
    ``pins`` (``name==version``) and ipykernel, where the notebook may install what it likes.
    Every process the kernel started, daemons included, is killed at the end.
    """
    import nbformat
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    notebook_path = notebook_path.resolve()
    root = (root or notebook_path.parent).resolve()
    if not notebook_path.is_relative_to(root):
        raise NbprodError(f"--root {root} does not contain the notebook {notebook_path}")
    tmp = tempfile.mkdtemp(prefix="nbprod-verify-")
    _LIVE_DIRS.add(tmp)
    km = None
    kc = None
    start = time.perf_counter()
    try:
        copy = Path(tmp) / "work" / (root.name or "root")
        copy_folder(root, copy, max_copy_bytes, exclude=Path(tmp))
        cwd = copy / notebook_path.parent.relative_to(root)
        (Path(tmp) / "tmp").mkdir()
        nb = nbformat.from_dict(nb)
        expected = expected_errors(nb.cells)
        installs: dict[int, list[str]] = {}
        if not allow_installs:
            from nbprod.verify.installs import skip_installs

            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    cell.source, skipped = skip_installs(cell.source)
                    if skipped:
                        installs[index] = skipped
        km_args: dict[str, Any] = {}
        if allow_installs:
            kernel = "nbprod-throwaway"
            km_args["kernel_spec_manager"] = await _throwaway_venv(
                Path(tmp), kernel, pins or [], startup_timeout
            )
        km = AsyncKernelManager(kernel_name=kernel, connection_file=str(Path(tmp) / "kernel.json"), **km_args)
        client = NotebookClient(
            nb, km=km, timeout=timeout, allow_errors=True, startup_timeout=int(startup_timeout)
        )
        client.reset_execution_trackers()
        marker = Path(tmp).name
        env = {**os.environ, "TMPDIR": str(Path(tmp) / "tmp"), "NBPROD_VERIFY": "1", MARKER: marker}
        env.pop("JPY_PARENT_PID", None)
        with open(Path(tmp) / "kernel.log", "wb") as log:
            _LIVE_KERNELS.add(km)
            try:
                # history in memory: no writes to the user's IPython history, and a quick shutdown
                await km.start_kernel(
                    cwd=str(cwd), env=env, stdout=log, stderr=log,
                    extra_arguments=["--HistoryManager.hist_file=:memory:"],
                )  # fmt: skip
                await client.async_start_new_kernel_client()
            except Exception as exc:
                message = (str(exc).strip().splitlines() or [""])[0][:300]
                no_start = Failure(None, "kernel", type(exc).__name__, message)
                return Run(
                    {}, no_start, time.perf_counter() - start, kernel, workdir=str(cwd), installs=installs
                )
            kc = client.kc
            assert kc is not None
            info = await client.async_wait_for_reply(kc.kernel_info())
            language_info = (info or {}).get("content", {}).get("language_info", {})
            outputs: dict[int, list[dict[str, Any]]] = {}
            failure: Failure | None = None
            count = 0
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                count += 1
                try:
                    await client.async_execute_cell(cell, index, execution_count=count)
                except CellTimeoutError:
                    failure = Failure(index, "timeout")
                except DeadKernelError:
                    failure = Failure(index, "dead", evalue=_log_tail(Path(tmp) / "kernel.log"))
                outputs[index] = [dict(o) for o in cell.outputs]
                if failure is not None:
                    break
                error = _first_error(cell.outputs)
                if error is not None and (
                    index not in expected or expected[index] not in (None, error.get("ename"))
                ):
                    tb = [str(t) for t in error.get("traceback") or []]
                    failure = Failure(index, "error", str(error.get("ename")), str(error.get("evalue")), tb)
                    break
            return Run(
                outputs, failure, time.perf_counter() - start, kernel, language_info, str(cwd), installs
            )
    finally:
        if km is not None:
            # killed at once: the kernel ran in a throw-away folder with history in memory, so a
            # graceful shutdown (0.3-0.5 s) would only wait; the whole process group goes
            await _shutdown(km, kc, now=True)
        reap_strays(Path(tmp).name, os.path.realpath(tmp))
        shutil.rmtree(tmp, ignore_errors=True)
        _LIVE_DIRS.discard(tmp)


async def _throwaway_venv(tmp: Path, name: str, pins: list[str], timeout: float) -> Any:
    """A venv inside ``tmp`` with ipykernel and the pins; a kernel spec manager naming it."""
    import json
    import sys

    from jupyter_client.kernelspec import KernelSpecManager

    venv = tmp / "venv"
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "ipykernel", *pins],
    ]
    for cmd in steps:
        proc = await asyncio.create_subprocess_exec(
            *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True
        )
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), timeout=max(timeout, 600))
        except asyncio.TimeoutError:
            proc.kill()
            raise NbprodError("--allow-installs: building the throw-away venv took too long") from None
        if proc.returncode != 0:
            last = (out.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1][:300]
            raise NbprodError(f"--allow-installs: could not build the throw-away venv: {last}")
    spec_dir = tmp / "kernels" / name
    spec_dir.mkdir(parents=True)
    spec = {"argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "nbprod throw-away venv", "language": "python"}  # fmt: skip
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    return KernelSpecManager(kernel_dirs=[str(tmp / "kernels")])


def _log_tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    keep = [line for line in text.splitlines() if line.strip() and "running over TCP" not in line]
    return " | ".join(keep[-lines:])[:300]


def emergency_cleanup() -> None:
    """Kill every kernel and remove every folder still registered (after Ctrl-C, crashes)."""
    for km in list(_LIVE_KERNELS):
        kill_kernel(km)
        try:
            km.cleanup_connection_file()
        except Exception:
            pass
        _LIVE_KERNELS.discard(km)
    for tmp in list(_LIVE_DIRS):
        reap_strays(Path(tmp).name, os.path.realpath(tmp))
        shutil.rmtree(tmp, ignore_errors=True)
        _LIVE_DIRS.discard(tmp)
