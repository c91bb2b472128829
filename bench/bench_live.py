"""Overhead of ``%load_ext nbprod`` per cell, against plain IPython and ipyflow.

Usage: ``python bench/bench_live.py [--repeats 7]`` (bare InteractiveShell), and
``python bench/bench_live.py --kernel`` (a real ipykernel, see ``kernel_bench``).

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
from typing import Any

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
    # the first run of a new source: the two hooks with a source never seen (parsed and
    # analysed in post_run_cell; IPython's own compile of the cell is not nbprod's)
    from IPython.core.interactiveshell import ExecutionInfo, ExecutionResult

    added = []
    for i in range(30):
        source = NEW_CELL + f"# new {i} {time.perf_counter_ns()}\n"
        info = ExecutionInfo(source, False, False, True, f"new-{i}", transformed_cell=source)
        result = ExecutionResult(info)
        result.execution_count = 1000 + i
        t0 = time.perf_counter()
        hooks.pre_run_cell(info)
        hooks.post_run_cell(result)
        added.append((time.perf_counter() - t0) * 1e6)
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


# -- a real ipykernel -----------------------------------------------------------------------
# The floor (what any extension on IPython's two cell events pays) is measured with this many
# pairs of no-op callbacks and divided by it: one pair costs about 1 µs, while the medians of
# chunks of 250 cells drift by several µs, so a single pair's difference is noise.
FLOOR_PAIRS = 10
SLOT_MODES = ["off", "nbprod", "noop"]
KERNEL_SETUP = (
    f"FLOOR_PAIRS = {FLOOR_PAIRS}\n"
    + """
import time as _t
_ip = get_ipython()
_nbprod_times = []
_nbprod_walls = []
def _nbprod_t0(*a):
    global _nbprod_start, _nbprod_wall
    _nbprod_start = _t.thread_time()
    _nbprod_wall = _t.perf_counter()
def _nbprod_t1(*a):
    _nbprod_times.append(_t.thread_time() - _nbprod_start)
    _nbprod_walls.append(_t.perf_counter() - _nbprod_wall)
_ip.events.callbacks["pre_execute"].insert(0, _nbprod_t0)
def _nbprod_switch(on):
    try:
        from nbprod.live import get_hooks
        h = get_hooks(_ip)
    except ImportError:
        h = None
    if h is None:
        cbs = _ip.events.callbacks["post_run_cell"]
        if _nbprod_t1 in cbs:
            cbs.remove(_nbprod_t1)
        cbs.append(_nbprod_t1)
        return
    for ev, fn in (("pre_run_cell", h.pre_run_cell), ("post_run_cell", h.post_run_cell)):
        cbs = _ip.events.callbacks[ev]
        if on and fn not in cbs:
            cbs.insert(0, fn)
        elif not on and fn in cbs:
            cbs.remove(fn)
    cbs = _ip.events.callbacks["post_run_cell"]
    if _nbprod_t1 in cbs:
        cbs.remove(_nbprod_t1)
    cbs.append(_nbprod_t1)
def _nbprod_noops(n):
    # distinct functions (each its own code object), as n separate extensions would register
    fns = {}
    for i in range(n):
        exec(f"def _noop_pre_{i}(info):\\n    pass\\ndef _noop_post_{i}(result):\\n    pass\\n", fns)
    return [(fns[f"_noop_pre_{i}"], fns[f"_noop_post_{i}"]) for i in range(n)]
_nbprod_noop_pairs = _nbprod_noops(FLOOR_PAIRS)
def _nbprod_floor(on):
    # the floor of IPython's event API: FLOOR_PAIRS pairs of no-op pre/post_run_cell
    # callbacks where nbprod's hooks go (one pair is ~1 µs, below the chunks' drift)
    for pre, post in _nbprod_noop_pairs:
        for ev, fn in (("pre_run_cell", pre), ("post_run_cell", post)):
            cbs = _ip.events.callbacks[ev]
            if on and fn not in cbs:
                cbs.insert(0, fn)
            elif not on and fn in cbs:
                cbs.remove(fn)
_nbprod_pc = _t.perf_counter_ns
_nbprod_slot_ns = {"pre": [], "post": []}
_nbprod_marks = [0, 0]
def _nbprod_pre_a(info):
    _nbprod_marks[0] = _nbprod_pc()
def _nbprod_pre_b(info):
    _nbprod_slot_ns["pre"].append(_nbprod_pc() - _nbprod_marks[0])
def _nbprod_post_a(result):
    _nbprod_marks[1] = _nbprod_pc()
def _nbprod_post_b(result):
    _nbprod_slot_ns["post"].append(_nbprod_pc() - _nbprod_marks[1])
def _nbprod_slot(mode):
    # nbprod's callbacks (or one no-op pair, or nothing) between two clock reads of their own:
    # what the callbacks themselves cost in place, caches as cold as a cell leaves them
    from nbprod.live import get_hooks
    h = get_hooks(_ip)
    _nbprod_floor(False)
    _nbprod_switch(False)
    pair = _nbprod_noop_pairs[0]
    slot = {"off": (), "nbprod": (h.pre_run_cell, h.post_run_cell), "noop": pair, None: None}[mode]
    for i, (ev, a, b) in enumerate((("pre_run_cell", _nbprod_pre_a, _nbprod_pre_b),
                                    ("post_run_cell", _nbprod_post_a, _nbprod_post_b))):
        cbs = _ip.events.callbacks[ev]
        for fn in (a, b, h.pre_run_cell, h.post_run_cell, *pair):
            while fn in cbs:
                cbs.remove(fn)
        if slot is not None:
            cbs[0:0] = [a, *slot[i:i + 1], b]
def _nbprod_slot_take():
    out = __import__("json").dumps(_nbprod_slot_ns)
    _nbprod_slot_ns["pre"].clear()
    _nbprod_slot_ns["post"].clear()
    return out
"""
)


class Kernel:
    """A real ipykernel driven through jupyter_client, as a front end drives it."""

    def __init__(self, python: str, cwd: str, notebook: str) -> None:
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        specs = tempfile.mkdtemp(prefix="nbprod-kspec-")
        os.makedirs(os.path.join(specs, "bench"))
        with open(os.path.join(specs, "bench", "kernel.json"), "w") as fh:
            argv = [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
            json.dump({"argv": argv, "display_name": "bench", "language": "python"}, fh)
        self.km = KernelManager(
            kernel_name="bench", kernel_spec_manager=KernelSpecManager(kernel_dirs=[specs])
        )
        env = dict(os.environ, PYTHONPATH=str(HERE.parent), JPY_SESSION_NAME=notebook)
        self.km.start_kernel(cwd=cwd, env=env)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)
        self.n = 0

    def run(self, code: str, cell_id: str | None = None, silent: bool = False) -> float:
        """Send one execute request with its cell id in the metadata (as JupyterLab does);
        returns the wall-clock round trip in seconds."""
        t0 = time.perf_counter()
        msg = self.kc.session.msg(
            "execute_request",
            {"code": code, "silent": silent, "store_history": not silent, "user_expressions": {},
             "allow_stdin": False, "stop_on_error": True},
            metadata={"cellId": cell_id} if cell_id else {},
        )  # fmt: skip
        self.kc.shell_channel.send(msg)
        while True:
            reply = self.kc.get_shell_msg(timeout=600)
            if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                break
        if reply["content"]["status"] != "ok":
            raise RuntimeError(
                f"{code[:60]!r}: {reply['content'].get('ename')}: {reply['content'].get('evalue')}"
            )
        return time.perf_counter() - t0

    def value(self, expr: str) -> Any:
        msg_id = self.kc.execute("", silent=True, user_expressions={"v": expr})
        while True:
            reply = self.kc.get_shell_msg(timeout=600)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        data = reply["content"]["user_expressions"]["v"]
        if data.get("status") != "ok":
            raise RuntimeError(f"{expr}: {data}")
        return ast_literal(data["data"]["text/plain"])

    def times(self) -> list[float]:
        """The in-kernel CPU time of the kernel's main thread (pre_execute .. last
        post_run_cell) per cell since the last call: other processes on a shared machine
        and nbprod's background thread do not count; ``self.walls`` has the wall clock."""
        out = json.loads(self.value("__import__('json').dumps(_nbprod_times)"))
        self.walls = json.loads(self.value("__import__('json').dumps(_nbprod_walls)"))
        self.run("_nbprod_times.clear(); _nbprod_walls.clear()", silent=True)
        return out

    def stop(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def ast_literal(text: str) -> Any:
    import ast

    return ast.literal_eval(text)


def kernel_bench(python: str, extension: str, cells: int, mmap_gb: float) -> dict[str, Any]:
    """Per-cell cost inside a real kernel, a notebook open (its path in JPY_SESSION_NAME as
    JupyterLab sets it), cells sent as execute requests with their cell ids.

    ``extension`` is ``nbprod`` or ``ipyflow``; for nbprod the hooks are switched on and
    off between alternating chunks (paired differences); ipyflow cannot be switched off, so
    it is compared with a kernel without it. Time is measured inside the kernel, from
    IPython's ``pre_execute`` to the last ``post_run_cell`` callback (everything a cell pays
    in ``run_cell``), and also as the client's round trip.
    """
    import nbformat

    work = tempfile.mkdtemp(prefix="nbprod-kbench-")
    shutil.copy(CSV, os.path.join(work, "credit.csv"))
    nb = nbformat.v4.new_notebook()
    nb.metadata["language_info"] = {"name": "python"}
    # 20 cells, each reading the one above (top to bottom, as Run All): every tracking path is on
    ids = [f"c{i}" for i in range(20)]
    sources = ["x0 = 1"] + [f"x{i} = x{i - 1} + 1" for i in range(1, 20)]
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    for c, cid in zip(nb.cells, ids, strict=True):
        c.id = cid
    nb_path = os.path.join(work, "bench.ipynb")
    nbformat.write(nb, nb_path)
    out: dict[str, Any] = {"extension": extension}
    results: dict[str, Any] = {}

    def session(load: bool) -> Kernel:
        k = Kernel(python, work, nb_path)
        k.run("import numpy as np, pandas as pd\nx = 0", "setup")
        if load:
            k.run(f"%load_ext {extension}", "load")
        k.run(KERNEL_SETUP, silent=True)
        k.run("_nbprod_switch(True)", silent=True)
        return k

    med = statistics.median
    if extension == "nbprod":
        k = session(True)
        try:
            for i in range(200):  # warm-up
                k.run(sources[i % len(ids)], ids[i % len(ids)])
            k.times()
            chunk = 250
            diffs: list[float] = []
            on: list[float] = []
            off: list[float] = []
            rt_on: list[float] = []
            rt_off: list[float] = []
            chunks_on: list[float] = []
            for rnd in range(max(1, cells // chunk)):
                pair = {}
                for state in (True, False) if rnd % 2 == 0 else (False, True):
                    k.run(f"_nbprod_switch({state})", silent=True)
                    rts = [k.run(sources[i % len(ids)], ids[i % len(ids)]) for i in range(chunk)]
                    t = k.times()
                    (on if state else off).extend(t)
                    (rt_on if state else rt_off).extend(rts)
                    pair[state] = med(t)
                    if state:
                        chunks_on.append(med(t))
                diffs.append(pair[True] - pair[False])
            # the floor, in the same kernel: two no-op callbacks in nbprod's place, nbprod off
            k.run("_nbprod_switch(False)", silent=True)
            floor_diffs: list[float] = []
            for rnd in range(max(2, cells // chunk // 2)):
                pair = {}
                for state in (True, False) if rnd % 2 == 0 else (False, True):
                    k.run(f"_nbprod_floor({state})", silent=True)
                    for i in range(chunk):
                        k.run(sources[i % len(ids)], ids[i % len(ids)])
                    pair[state] = med(k.times())
                floor_diffs.append(pair[True] - pair[False])
            k.run("_nbprod_floor(False)", silent=True)
            # nbprod's callbacks timed in place (a clock read just before and just after them),
            # against nothing and a no-op pair there: a narrow window, far less drift
            slot: dict[str, dict[str, list[float]]] = {m: {"pre": [], "post": []} for m in SLOT_MODES}
            for rnd in range(max(3, cells // chunk // 10)):
                for mode in SLOT_MODES[rnd % 3 :] + SLOT_MODES[: rnd % 3]:
                    k.run(f"_nbprod_slot({mode!r})", silent=True)
                    for i in range(chunk):
                        k.run(sources[i % len(ids)], ids[i % len(ids)])
                    got = json.loads(k.value("_nbprod_slot_take()"))
                    for ev in ("pre", "post"):
                        slot[mode][ev].extend(got[ev])
                    k.times()
            k.run("_nbprod_slot(None); _nbprod_slot_take()", silent=True)  # all timers out
            results["slot_us"] = {
                m: {ev: med(v[ev]) / 1e3 for ev in ("pre", "post")} for m, v in slot.items()
            }
            results["slot_cells"] = len(slot["off"]["pre"])
            results["floor_added_us"] = med(floor_diffs) / FLOOR_PAIRS * 1e6
            results["floor_pairs_added_us"] = med(floor_diffs) * 1e6
            k.run("_nbprod_switch(True)", silent=True)
            results["cell_in_kernel_us"] = {"on": med(on) * 1e6, "off": med(off) * 1e6}
            results["added_us"] = med(diffs) * 1e6  # median of paired chunk differences
            q = statistics.quantiles(diffs, n=4)
            results["added_quartiles_us"] = (q[0] * 1e6, q[2] * 1e6)
            results["pairs"] = len(diffs)
            results["round_trip_us"] = {"on": med(rt_on) * 1e6, "off": med(rt_off) * 1e6}
            results["flat_on_us"] = {"first": min(chunks_on[:4]) * 1e6, "last": min(chunks_on[-4:]) * 1e6}
            results["flat_added_us"] = {"first": med(diffs[:8]) * 1e6, "last": med(diffs[-8:]) * 1e6}
            results["cells_with_nbprod"] = len(on)
            # a cell after idle seconds (the background save ran meanwhile)
            idle: dict[bool, list[float]] = {True: [], False: []}
            for _rnd in range(6):
                for state in (True, False):
                    k.run(f"_nbprod_switch({state})", silent=True)
                    k.run(sources[0], ids[0])
                    k.times()
                    time.sleep(2.5)
                    k.run(sources[1], ids[1])
                    idle[state].extend(k.times())
            results["after_idle_us"] = {"on": med(idle[True]) * 1e6, "off": med(idle[False]) * 1e6}
            results["after_idle_added_us"] = (med(idle[True]) - med(idle[False])) * 1e6
            record = os.path.join(work, "bench.nbprod.json")
            results["record_bytes"] = os.path.getsize(record) if os.path.exists(record) else None
            if mmap_gb:
                results["mmap"] = _mmap_bench(k, work, mmap_gb)
        finally:
            k.stop()
    else:
        for load in (False, True):
            k = session(load)
            try:
                for i in range(100):
                    k.run(sources[i % len(ids)], ids[i % len(ids)])
                k.times()
                for i in range(cells):
                    k.run(sources[i % len(ids)], ids[i % len(ids)])
                results["on" if load else "off"] = med(k.times()) * 1e6
            finally:
                k.stop()
        results["added_us"] = results["on"] - results["off"]
    out.update(results)
    shutil.rmtree(work, ignore_errors=True)
    return out


def _mmap_bench(k: Kernel, work: str, gb: float) -> dict[str, Any]:
    """The cell that memory-maps a big .npy (sparse file in /tmp), nbprod on and off."""
    import numpy as np

    path = os.path.join(tempfile.gettempdir(), f"nbprod-bench-big-{os.getpid()}.npy")
    n = int(gb * (1 << 30)) // 8
    np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(n,)).flush()
    try:
        res: dict[bool, list[float]] = {True: [], False: []}
        nxt: dict[bool, list[float]] = {True: [], False: []}
        for rnd in range(4):
            for state in (True, False) if rnd % 2 == 0 else (False, True):
                os.utime(path)  # a new (size, mtime): nbprod fingerprints it again
                k.run(f"_nbprod_switch({state})", silent=True)
                k.times()
                k.run(f"big = np.load({path!r}, mmap_mode='r')", f"mmap-{rnd}")
                k.run("x = x + 1", "after-mmap")
                k.times()
                t = k.walls  # wall clock here: the background hashing competes for the machine
                res[state].append(t[0])
                nxt[state].append(t[1])
                time.sleep(1.0)
        med = statistics.median
        return {
            "file_bytes": os.path.getsize(path),
            "load_cell_added_ms": (med(res[True]) - med(res[False])) * 1e3,
            "load_cell_ms": {"on": med(res[True]) * 1e3, "off": med(res[False]) * 1e3},
            "next_cell_added_ms": (med(nxt[True]) - med(nxt[False])) * 1e3,
        }
    finally:
        k.run("del big", silent=True)
        os.unlink(path)


def kernel_main(args: argparse.Namespace) -> int:
    res = kernel_bench(sys.executable, "nbprod", args.cells, args.mmap_gb)
    print(f"real ipykernel, execute requests with cell ids, a notebook open; python {sys.version.split()[0]}")
    c = res["cell_in_kernel_us"]
    print(
        f"20 cells x(i) = x(i-1) + 1 run in order, in-kernel µs per cell (pre_execute..post_run_cell), median of "
        f"{res['cells_with_nbprod']} each (main thread CPU time): plain {c['off']:.1f}, nbprod {c['on']:.1f}, added {res['added_us']:+.1f}"
    )
    lo, hi = res["added_quartiles_us"]
    print(f"  added: median of {res['pairs']} paired chunk differences (quartiles {lo:+.1f} .. {hi:+.1f})")
    print(
        f"  floor: a no-op pre_run_cell + post_run_cell pair in nbprod's place added {res['floor_added_us']:+.2f} µs "
        f"per cell ({FLOOR_PAIRS} distinct pairs added {res['floor_pairs_added_us']:+.1f}, divided by {FLOOR_PAIRS}; "
        f"same kernel, paired chunks); nbprod's own part {res['added_us'] - res['floor_added_us']:+.1f}"
    )
    sl, n = res["slot_us"], res["slot_cells"]
    own = {ev: sl["nbprod"][ev] - sl["off"][ev] for ev in ("pre", "post")}
    noop = {ev: sl["noop"][ev] - sl["off"][ev] for ev in ("pre", "post")}
    print(
        f"  in place (clock reads right before and after the callbacks, medians of {n} cells each): "
        f"nbprod's pre_run_cell {own['pre']:+.2f} µs, post_run_cell {own['post']:+.2f} µs; "
        f"a no-op pre {noop['pre']:+.2f}, post {noop['post']:+.2f} (nothing there: {sl['off']['pre']:.2f} / {sl['off']['post']:.2f})"
    )
    r = res["round_trip_us"]
    print(f"  client round trip µs (wall, loaded machine): plain {r['off']:.0f}, nbprod {r['on']:.0f}")
    f, fa = res["flat_on_us"], res["flat_added_us"]
    print(
        f"  flat over {res['cells_with_nbprod']} cells: nbprod µs/cell best of the first 4 chunks of 250 "
        f"{f['first']:.1f}, of the last 4 {f['last']:.1f}; added, first 2,000 {fa['first']:+.1f}, last 2,000 {fa['last']:+.1f}"
    )
    a = res["after_idle_us"]
    print(
        f"cell after 2.5 s idle, in-kernel µs: plain {a['off']:.1f}, nbprod {a['on']:.1f}, "
        f"added {res['after_idle_added_us']:+.1f}; record file {res['record_bytes']} bytes"
    )
    if "mmap" in res:
        m = res["mmap"]
        print(
            f"np.load(mmap_mode='r') of {m['file_bytes'] / (1 << 30):.1f} GiB: cell {m['load_cell_ms']['off']:.2f} ms "
            f"plain, {m['load_cell_ms']['on']:.2f} ms nbprod (added {m['load_cell_added_ms']:+.2f} ms); "
            f"next cell added {m['next_cell_added_ms']:+.2f} ms"
        )
    flow_python = os.environ.get("NBPROD_BENCH_IPYFLOW_PYTHON") or _ipyflow_python()
    if flow_python:
        try:
            fl = kernel_bench(flow_python, "ipyflow", min(args.cells, 2000), 0)
            print(
                f"ipyflow on the same cells ({flow_python}): plain {fl['off']:.1f} µs, ipyflow {fl['on']:.1f} µs, "
                f"added {fl['added_us']:+.1f}"
            )
        except Exception as exc:  # report, do not hide the nbprod figures
            print(f"ipyflow: failed: {type(exc).__name__}: {exc}")
    else:
        print("ipyflow: not installed (set NBPROD_BENCH_IPYFLOW_PYTHON to a Python that has it)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--kernel", action="store_true", help="measure inside a real ipykernel")
    parser.add_argument("--cells", type=int, default=10_000, help="cells with nbprod on (--kernel)")
    parser.add_argument("--mmap-gb", type=float, default=2.0, help="size of the mmap test file (0: skip)")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.kernel:
        return kernel_main(args)
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
