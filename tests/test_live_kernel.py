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
