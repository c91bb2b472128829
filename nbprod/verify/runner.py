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


class CopyTooLarge(NbprodError):
    """The folder to copy is larger than the limit."""


def copy_folder(src: Path, dest: Path, limit_bytes: int | None) -> None:
    """Copy ``src`` to ``dest`` (symlinks kept as links), refusing to copy more than the limit."""
    total = 0

    def copy(s: str, d: str) -> str:
        nonlocal total
        total += os.path.getsize(s)
        if limit_bytes is not None and total > limit_bytes:
            raise CopyTooLarge(
                f"{src} holds more than {limit_bytes // 2**20} MB to copy for the run; "
                "pass --root with a smaller folder, or raise --max-copy"
            )
        return str(shutil.copy2(s, d))

    shutil.copytree(src, dest, symlinks=True, ignore=shutil.ignore_patterns(*COPY_IGNORE), copy_function=copy)


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


async def run_notebook(
    nb: Any,
    notebook_path: Path,
    *,
    kernel: str,
    timeout: float | None,
    root: Path | None = None,
    startup_timeout: float = 60,
    max_copy_bytes: int | None = 2**30,
) -> Run:
    """Execute an nbformat notebook in a fresh kernel in a temporary copy of its folder.

    ``root`` (default: the notebook's folder) is what gets copied; the kernel's working
    directory is the notebook's folder inside the copy. ``timeout`` is per cell; a cell
    that runs longer stops the run and its kernel is killed.
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
        copy_folder(root, copy, max_copy_bytes)
        cwd = copy / notebook_path.parent.relative_to(root)
        (Path(tmp) / "tmp").mkdir()
        nb = nbformat.from_dict(nb)
        expected = expected_errors(nb.cells)
        km = AsyncKernelManager(kernel_name=kernel, connection_file=str(Path(tmp) / "kernel.json"))
        client = NotebookClient(
            nb, km=km, timeout=timeout, allow_errors=True, startup_timeout=int(startup_timeout)
        )
        client.reset_execution_trackers()
        env = {**os.environ, "TMPDIR": str(Path(tmp) / "tmp"), "NBPROD_VERIFY": "1"}
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
                return Run({}, no_start, time.perf_counter() - start, kernel, workdir=str(cwd))
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
            return Run(outputs, failure, time.perf_counter() - start, kernel, language_info, str(cwd))
    finally:
        if km is not None:
            # killed at once: the kernel ran in a throw-away folder with history in memory, so a
            # graceful shutdown (0.3-0.5 s) would only wait; the whole process group goes
            await _shutdown(km, kc, now=True)
        shutil.rmtree(tmp, ignore_errors=True)
        _LIVE_DIRS.discard(tmp)


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
        shutil.rmtree(tmp, ignore_errors=True)
        _LIVE_DIRS.discard(tmp)
