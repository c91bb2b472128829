"""Overhead of ``%load_ext nbprod`` per cell, against plain IPython and ipyflow.

Usage: ``python bench/bench_live.py [--repeats 7]``

Prints µs per cell (CPU time of the process, since the machine may be shared) for:

* ``x = x + 1`` (the issue's tiny cell) with no cell id, as ``InteractiveShell.run_cell``
  gets it in a terminal, and with a cell id as a notebook front end sends it;
* a typical pandas cell (a groupby on 100,000 rows) and a ``pd.read_csv`` cell;
* the first run of a new 12-line cell (the only time nbprod analyses a cell);
* flatness: the first and the last 1,000 of 10,000 executions;
* nbprod's own hook time per cell, measured by calling the hooks directly.

"added" is the median of paired differences: nbprod is loaded once and its event hooks
are switched on and off for alternate chunks of cells, so both sides of each pair see
the same machine load and process state (loading and unloading between long runs gave
differences of ±500 µs on the pandas cell from drift alone).

ipyflow (the peer that tracks hidden state) runs in its own interpreter: set
``NBPROD_BENCH_IPYFLOW_PYTHON`` to a Python that has it, or put it on PATH as
``ipyflow-python``; otherwise it is reported as not installed. Targets: under 10 µs added
on the tiny cell, under 10% on the pandas cell, flat over 10,000 cells.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CSV = HERE.parent / "sample_notebooks" / "data" / "credit.csv"
TINY = "x = x + 1"
PANDAS = 'g = df.groupby("k")["v"].agg(["mean", "max"]).reset_index()'
READ = "raw = pd.read_csv(CSV)"
NEW_CELL = """\
df2 = df.copy()
df2["w"] = df2["v"] * 2
df2["z"] = df2["w"] - df2["v"]
mask = df2["z"] > 0.5
sub = df2[mask]
stats = sub.describe()
n = len(sub)
means = {c: sub[c].mean() for c in ("v", "w", "z")}
ratio = n / len(df2)
label = f"{ratio:.3f}"
top = sub.nlargest(5, "v")
print(label, len(top))
"""


def _shell():  # type: ignore[no-untyped-def]
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    cfg = Config()
    cfg.HistoryManager.hist_file = ":memory:"
    return InteractiveShell.instance(config=cfg)  # the singleton: ipyflow needs get_ipython()


def _per_cell(sh, source: str, n: int, cell_id: str | None = None) -> float:  # type: ignore[no-untyped-def]
    t0 = time.process_time()
    for _ in range(n):
        sh.run_cell(source, cell_id=cell_id)
    return (time.process_time() - t0) / n * 1e6


def _new_cell(sh, tag: str) -> float:  # type: ignore[no-untyped-def]
    """µs for the first run of a source never seen before."""
    source = NEW_CELL + f"# variant {tag} {time.perf_counter_ns()}\n"
    t0 = time.process_time()
    sh.run_cell(source, cell_id=f"new-{tag}")
    return (time.process_time() - t0) * 1e6


KINDS = (  # key, label, source (None: a new one each time), cell id, cells per chunk
    ("tiny", "x = x + 1 (no cell id)", TINY, None, 200),
    ("tiny_ids", "x = x + 1 (cell id)", TINY, "cell-1", 200),
    ("pandas", "pandas groupby 100k rows", PANDAS, "cell-2", 5),
    ("read_csv", "pd.read_csv (800 rows)", READ, "cell-3", 5),
    ("first_run", "new 12-line cell, 1st run", None, None, 1),
)


def _chunk(sh, kind: tuple, tag: str) -> float:  # type: ignore[no-untyped-def, type-arg]
    _, _, source, cell_id, chunk = kind
    return _new_cell(sh, tag) if source is None else _per_cell(sh, source, chunk, cell_id)


def _switch(sh, hooks, on: bool) -> None:  # type: ignore[no-untyped-def]
    """nbprod's event hooks on or off, without reloading (same process state for both)."""
    for event, fn in (("pre_run_cell", hooks.pre_run_cell), ("post_run_cell", hooks.post_run_cell)):
        registered = fn in sh.events.callbacks[event]
        if on and not registered:
            sh.events.register(event, fn)
        elif not on and registered:
            sh.events.unregister(event, fn)


def _hook_costs(sh) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """µs spent in nbprod's own pre_run_cell + post_run_cell per execution, by cell kind
    (the exact work nbprod adds; best of 5 runs of 5,000 calls, wall clock)."""
    from nbprod.live import get_hooks

    hooks = get_hooks(sh)
    costs = {}
    for key, source, cell_id in (
        ("tiny", TINY, None), ("tiny_ids", TINY, "cell-1"), ("pandas", PANDAS, "cell-2"),
        ("read_csv", READ, "cell-3"),
    ):  # fmt: skip
        result = sh.run_cell(source, cell_id=cell_id)
        info = result.info
        best = float("inf")
        n = 5000 if key != "read_csv" else 200
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(n):
                hooks.pre_run_cell(info)
                if key == "read_csv":  # what the wrapped pd.read_csv notes during the cell
                    hooks.data.pending.append(("pandas.read_csv", "credit.csv", sh.user_ns["raw"]))
                hooks.post_run_cell(result)
            best = min(best, (time.perf_counter() - t0) / n * 1e6)
        costs[key] = best
    # the first run of a new source: the AST tap (and IPython's fix_missing_locations it
    # triggers) plus the analysis, against IPython's transform_ast with no transformer
    import ast

    from IPython.core.interactiveshell import ExecutionInfo

    result = sh.run_cell(TINY)
    added = []
    for i in range(30):
        source = NEW_CELL + f"# new {i} {time.perf_counter_ns()}\n"
        tree, plain_tree = ast.parse(source), ast.parse(source)
        t0 = time.perf_counter()
        sh.transform_ast(plain_tree)
        t1 = time.perf_counter()
        hooks.pre_run_cell(ExecutionInfo(source, False, False, True, f"new-{i}"))
        sh.transform_ast(tree)
        hooks.post_run_cell(result)
        t2 = time.perf_counter()
        added.append(((t2 - t1) - (t1 - t0)) * 1e6)
    costs["first_run"] = statistics.median(added)
    return costs


def _setup(sh) -> None:  # type: ignore[no-untyped-def]
    workdir = tempfile.mkdtemp(prefix="nbprod-bench-")
    os.chdir(workdir)
    shutil.copy(CSV, "credit.csv")
    sh.run_cell(
        "import numpy as np, pandas as pd\nx = 0\nCSV = 'credit.csv'\n"
        "rng = np.random.default_rng(0)\n"
        "df = pd.DataFrame({'k': rng.integers(0, 100, 100_000), 'v': rng.random(100_000)})"
    )


def worker_pair(repeats: int) -> dict[str, object]:
    """nbprod loaded once; hooks on and off for alternate chunks (paired differences)."""
    from nbprod.live import get_hooks

    sh = _shell()
    _setup(sh)
    sh.run_cell("%load_ext nbprod")
    hooks = get_hooks(sh)
    out: dict[str, object] = {}
    for kind in KINDS:  # warm-up: caches filled as in a session
        _chunk(sh, kind, "warm")
    for kind in KINDS:
        key = kind[0]
        on_list, off_list = [], []
        for rnd in range(repeats * 5):
            timing = {}
            for on in (True, False) if rnd % 2 == 0 else (False, True):
                _switch(sh, hooks, on)
                timing[on] = _chunk(sh, kind, f"{rnd}-{on}")
            on_list.append(timing[True])
            off_list.append(timing[False])
        out[key] = {
            "on": on_list,
            "off": off_list,
            "diff": [a - b for a, b in zip(on_list, off_list, strict=True)],
        }
    _switch(sh, hooks, True)
    out["hooks"] = _hook_costs(sh)
    flat: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(10):  # 10,000 cells each way, chunks interleaved
        for on in (True, False):
            _switch(sh, hooks, on)
            flat["on" if on else "off"].append(_per_cell(sh, TINY, 1000, "cell-1"))
    out["flat"] = flat
    _switch(sh, hooks, True)
    sh.run_cell("%unload_ext nbprod")
    return out


def worker_ipyflow(repeats: int) -> dict[str, object]:
    """Plain IPython, then ipyflow loaded (it cannot be unloaded)."""
    sh = _shell()
    _setup(sh)
    out: dict[str, dict[str, list[float]]] = {"off": {}, "on": {}}
    for which in ("off", "on"):
        if which == "on":
            sh.run_cell("%load_ext ipyflow")
        for kind in KINDS:
            _chunk(sh, kind, "warm")
            out[which][kind[0]] = [_chunk(sh, kind, f"{which}{r}") for r in range(repeats)]
    return out  # type: ignore[return-value]


def worker(mode: str, repeats: int) -> dict[str, object]:
    """Run in a fresh interpreter, printing nothing but the JSON result."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return worker_pair(repeats) if mode == "pair" else worker_ipyflow(repeats)


def _run_worker(python: str, mode: str, repeats: int) -> dict[str, object] | None:
    cmd = [python, str(Path(__file__).resolve()), "--worker", mode, "--repeats", str(repeats)]
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    if proc.returncode != 0:
        print(f"  {mode}: failed: {proc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _ipyflow_python() -> str | None:
    env = os.environ.get("NBPROD_BENCH_IPYFLOW_PYTHON")
    if env:
        return env
    found = shutil.which("ipyflow-python")
    if found:
        return found
    probe = subprocess.run([sys.executable, "-c", "import ipyflow"], capture_output=True)
    return sys.executable if probe.returncode == 0 else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeats)))
        return 0
    pair = _run_worker(sys.executable, "pair", args.repeats)
    if pair is None:
        return 1
    flow_python = _ipyflow_python()
    flow = _run_worker(flow_python, "ipyflow", 3) if flow_python else None
    med = statistics.median
    print(
        f"µs per cell, CPU time, python {sys.version.split()[0]}; medians of {args.repeats * 5} paired chunks"
    )
    print(f"{'cell':<28}{'plain':>10}{'nbprod':>10}{'added':>10}{'ratio':>8}{'ipyflow added':>16}")
    for key, label, *_ in KINDS:
        data = pair[key]  # type: ignore[index]
        plain, added = med(data["off"]), med(data["diff"])
        flow_text = "not installed"
        if flow is not None:
            flow_text = f"{med(flow['on'][key]) - med(flow['off'][key]):+.1f}"  # type: ignore[index]
        print(
            f"{label:<28}{plain:>10.1f}{plain + added:>10.1f}{added:>+10.1f}{1 + added / plain:>8.3f}{flow_text:>16}"
        )
    print("(added: median of paired differences, nbprod's hooks on minus off, over alternating chunks;")
    print(" ipyflow added: ipyflow loaded minus plain IPython, medians of 3 runs in its own interpreter)")
    hooks = pair["hooks"]  # type: ignore[index]
    print(
        "nbprod's own hook time per cell (pre_run_cell + post_run_cell called directly, best of 5): "
        + ", ".join(f"{k} {v:.2f} µs" for k, v in hooks.items())  # type: ignore[union-attr]
    )
    flat = pair["flat"]  # type: ignore[index]
    for name, chunks in (("plain", flat["off"]), ("nbprod", flat["on"])):
        first, last = min(chunks[:3]), min(chunks[-3:])
        print(
            f"flat, {name:<7} µs/cell over 10,000 cells: first 1,000s {first:.1f}, last 1,000s {last:.1f} "
            f"(ratio {last / first:.3f}; best of three chunks at each end)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
