"""The extension in a real kernel (nbclient), and flat time and memory over 10,000 cells."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import time
import tracemalloc
from pathlib import Path
from typing import Any

import nbformat
import pytest
from test_live import CREDIT, new_shell, write_notebook

from nbprod.live import get_hooks
from nbprod.record import RECORD_MIME, is_record, record_path

KERNEL_CELLS = [
    ("load", "%load_ext nbprod"),
    ("imports", "import numpy as np\nimport pandas as pd"),
    ("read", 'df = pd.read_csv("data/credit.csv")\ndf.shape'),
    ("draw", "x = np.random.rand(2)"),
    # break nbprod from the inside: every later hook raises
    ("sabotage", "import nbprod.live as L\nhooks = L.get_hooks(get_ipython())\nhooks.session.run = None"),
    ("after", "y = 40 + 2\ny"),
    ("errors", "print(hooks.session.internal_errors >= 1, 'NoneType' in hooks.session.last_internal_error)"),
]


async def _execute(nb: Any, folder: Path, env: dict[str, str]) -> Any:
    from nbclient import NotebookClient

    client = NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(folder)}}
    )
    async with client.async_setup_kernel(env=env):
        for index, cell in enumerate(nb.cells):
            await client.async_execute_cell(cell, index)
    return nb


@pytest.mark.slow
def test_extension_in_a_real_kernel(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    shutil.copy(CREDIT, tmp_path / "data" / "credit.csv")
    nb_path = write_notebook(tmp_path / "kernel.ipynb", KERNEL_CELLS)
    nb = nbformat.read(nb_path, as_version=4)
    env = {**os.environ, "JPY_SESSION_NAME": str(nb_path)}
    asyncio.run(_execute(nb, tmp_path, env))
    outputs = {cell.id: cell.outputs for cell in nb.cells}
    for cid, outs in outputs.items():
        assert not [o for o in outs if o.output_type == "error"], cid
        assert not [o for o in outs if o.get("name") == "stderr"], (cid, outs)
    # the %load_ext cell holds the embedded record, updated in place by later cells
    (embedded,) = [o for o in outputs["load"] if RECORD_MIME in o.get("data", {})]
    record = embedded.data[RECORD_MIME]
    assert is_record(record) and {"numpy", "pandas"} <= set(record["packages"])
    assert record["data"][0]["path"] == "data/credit.csv" and record["data"][0]["rows"] == 800
    # the NB201 warning is a display under the cell that drew, marked as nbprod's
    (note,) = [o for o in outputs["draw"] if o.output_type == "display_data"]
    assert "NB201" in note.data["text/plain"] and note.metadata["nbprod"] == {"warnings": ["NB201"]}
    assert "nbprod-warning" in note.data["text/html"]
    # broken hooks never reach the user's cells
    (result,) = [o for o in outputs["after"] if o.output_type == "execute_result"]
    assert result.data["text/plain"] == "42"
    assert outputs["errors"][0].text.strip() == "True True"
    # the record beside the notebook (saved as the kernel went on, before the sabotage)
    saved = json.loads(record_path(nb_path).read_text())
    assert saved["notebook"] == "kernel.ipynb" and "pandas" in saved["packages"]
    # nbclient sends no cell ids (JupyterLab and VS Code do): executions go by count
    draw_count = next(c.execution_count for c in nb.cells if c.id == "draw")
    assert [w["execution_count"] for w in saved["warnings"]] == [draw_count]
    before_sabotage = [c.execution_count for c in nb.cells if c.id in ("imports", "read", "draw")]
    assert [e["execution_count"] for e in saved["executions"]] == before_sabotage
    # and the checker sees it through the embedded record too, without the file
    nbformat.write(nb, str(nb_path))
    record_path(nb_path).unlink()
    from nbprod.checker import check_paths

    rules = {f.rule for f in check_paths([nb_path]).findings}
    assert "NB203" not in rules


def _chunks(sh: Any, cells: list[tuple[str, str]], n: int, chunk: int) -> list[float]:
    """CPU µs per cell for each chunk of executions (CPU time: the machine is shared)."""
    times = []
    for start in range(0, n, chunk):
        t0 = time.process_time()
        for i in range(start, start + chunk):
            cid, src = cells[i % len(cells)]
            sh.run_cell(src, cell_id=cid)
        times.append((time.process_time() - t0) / chunk * 1e6)
    return times


@pytest.mark.slow
def test_time_and_memory_stay_flat_over_10000_executions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / ".ipython"))
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    # 50 cells in a saved notebook, each reading the one above: every tracking path is on
    cells = [("c0", "v0 = 1")] + [(f"c{k}", f"v{k} = v{k - 1} + 1") for k in range(1, 50)]
    nb_path = write_notebook(tmp_path / "flat.ipynb", cells)
    sh = new_shell()
    try:
        sh.user_ns["__session__"] = str(nb_path)
        sh.run_cell("%load_ext nbprod")
        hooks = get_hooks(sh)
        times = _chunks(sh, cells, 10_000, 500)
        assert hooks.session.seq == 10_000 and hooks.session.internal_errors == 0
        assert not hooks.session.warnings
        # time: the last cells cost what the first ones (after warm-up) did; the fastest
        # chunk of each end is compared, as other processes only ever make chunks slower
        early, late = min(times[1:6]), min(times[-5:])
        assert late < early * 1.3, [round(t) for t in times]
        # memory: nbprod's live allocations do not grow over 2,000 more cells once the caps are reached
        gc.collect()
        tracemalloc.start()
        try:
            live_files = [tracemalloc.Filter(True, "*nbprod*")]
            _chunks(sh, cells, 2000, 2000)
            gc.collect()
            mid = sum(
                s.size for s in tracemalloc.take_snapshot().filter_traces(live_files).statistics("filename")
            )
            _chunks(sh, cells, 2000, 2000)
            gc.collect()
            end = sum(
                s.size for s in tracemalloc.take_snapshot().filter_traces(live_files).statistics("filename")
            )
        finally:
            tracemalloc.stop()
        assert end - mid < 16_384, (mid, end)
        # the log keeps one entry per version of a cell: it grows with content, not runs
        assert len(hooks.session.executions) == len(cells)
        assert {e[6] for e in hooks.session.executions.values()} == {14_000 // len(cells)}
        assert len(hooks.session.cells) == len(cells)
        assert hooks.background.flush()
        saved = record_path(nb_path)
        assert is_record(json.loads(saved.read_text())) and saved.stat().st_size < 40_000
    finally:
        sh.run_cell("%unload_ext nbprod")
        sh.history_manager.end_session()


class _Kernel:
    """A real ipykernel driven as JupyterLab drives it: execute requests with cell ids."""

    def __init__(self, folder: Path, nb_path: Path) -> None:
        from jupyter_client import KernelManager

        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(cwd=str(folder), env={**os.environ, "JPY_SESSION_NAME": str(nb_path)})
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    def send(self, msg_type: str, content: dict[str, Any], cell_id: str | None = None) -> str:
        msg = self.kc.session.msg(msg_type, content, metadata={"cellId": cell_id} if cell_id else {})
        self.kc.shell_channel.send(msg)
        return str(msg["header"]["msg_id"])

    def run(self, code: str, cell_id: str) -> list[dict[str, Any]]:
        """Execute; the iopub messages of the request up to its idle status."""
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": True}  # fmt: skip
        msg_id = self.send("execute_request", content, cell_id)
        out = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return out
            out.append(msg)

    def comm_msgs(self, seconds: float) -> list[dict[str, Any]]:
        import queue

        out, end = [], time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                msg = self.kc.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                continue
            if msg["msg_type"] == "comm_msg":
                out.append(msg["content"]["data"])
        return out

    def stop(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.mark.slow
def test_with_the_front_end_connected_a_finding_is_its_marker_only(tmp_path: Path) -> None:
    """In a real kernel with the JupyterLab extension's comm open: the NB104 finding reaches
    the front end during its cell, with no second copy as a note under the cell; stale marks
    follow once the kernel is idle. (Without the extension the note stays: see above.)"""
    import uuid

    cells = [("load", "%load_ext nbprod"), ("use", "y = x + 1"), ("define", "x = 1")]
    nb_path = write_notebook(tmp_path / "lab.ipynb", cells)
    k = _Kernel(tmp_path, nb_path)
    try:
        k.run("%load_ext nbprod", "load")
        view = [{"id": cid, "kind": "code", "source": src, "edited": False} for cid, src in cells]
        data = {"type": "notebook", "path": "lab.ipynb", "cells": view}
        k.send("comm_open", {"comm_id": uuid.uuid4().hex, "target_name": "nbprod.live", "data": data})
        assert any(m.get("type") == "findings" for m in k.comm_msgs(2.0))  # connected
        k.run("x = 1", "define")
        k.comm_msgs(1.0)
        outputs = k.run("y = x + 1", "use")
        notes = [m for m in outputs if m["msg_type"] == "display_data"]
        sent = [m["content"]["data"] for m in outputs if m["msg_type"] == "comm_msg"]
        assert not notes, notes  # no inline note: the marker shows it
        assert sent and [f["rule"] for f in sent[-1]["cells"]["use"]] == ["NB104"]
        k.run("y = x + 1", "use")
        k.comm_msgs(1.0)
        # a re-run of the definer: the reader goes stale, and the mark is sent once the
        # kernel is idle (after the cell's own messages and its idle status)
        outputs = k.run("x = 1", "define")
        assert not [m for m in outputs if m["msg_type"] in ("display_data", "error", "comm_msg")]
        stale = [m for m in k.comm_msgs(1.5) if m.get("type") == "findings"]
        assert stale and stale[-1]["stale"] == {"use": ["x"]}
        # the reader runs again: its finding is sent anew during the cell, and it is fresh
        outputs = k.run("y = x + 1", "use")
        sent = [m["content"]["data"] for m in outputs if m["msg_type"] == "comm_msg"]
        assert sent and sent[-1]["stale"] == {} and "use" in sent[-1]["cells"]
    finally:
        k.stop()
