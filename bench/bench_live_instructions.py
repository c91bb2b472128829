"""Instructions nbprod's live hooks add per cell, counted by callgrind (no timing noise).

Usage: ``python bench/bench_live_instructions.py [--kernel] [--cells 100] [--rounds 6] [--tree DIR]
[--cache-sim]`` (needs ``valgrind``; a few minutes; ``--tree`` compares another checkout;
``--cache-sim``, bare shell only: callgrind also simulates the caches and the L1 data-cache
misses per cell are printed the same way, the part of the added time instruction counts miss).

``--kernel``: a real ipykernel runs under callgrind (one counter file per thread), driven
through ``jupyter_client`` as JupyterLab drives it: execute requests with the cell id in
their metadata, the notebook's path in ``JPY_SESSION_NAME``, nbprod's background thread
running. Collection is on from the first ``pre_run_cell`` callback to the last
``post_run_cell`` one of each cell (the kernel's main thread), and a silent request
between segments switches the hooks and makes callgrind dump (at ``os.getsid``).

Without ``--kernel``, a bare InteractiveShell runs the kernel benchmark's
cells (20 cells, each reading the one above, with cell ids, the notebook file known);
nbprod's hooks are switched on and off for alternate segments of one process, and
callgrind dumps its counters between segments (at ``os.getppid()``), so every segment of a
round runs the same interpreter state. Prints the median of the per-round differences, in
instructions per cell, against plain IPython's ``run_cell``. The notebook file is looked at
only once here (under valgrind every cell takes milliseconds, so the 0.25 s limit would
make it look far more often than in a real kernel).

Each round has three segments in rotating order: nbprod's hooks, none, and two no-op
callbacks in their place. The last is the floor of any extension built on IPython's two
cell events (IPython's dispatch to a Python function, nothing done there): printed beside
nbprod's figure, with the ratio and what is left for nbprod's own work.

On a loaded machine wall and CPU time of a few µs are noise; instruction counts are not.
Inside a real kernel a cell's instructions take about 0.7-1.4 ns each (cold caches).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# each round runs three segments, in rotating order: nbprod's hooks, nothing, and two no-op
# callbacks in their place (the floor of any extension built on IPython's two cell events:
# IPython's dispatch of the event to a Python function, with nothing done there)
MODES = ["on", "off", "noop"]


def worker(cells: int, rounds: int) -> None:
    """Run inside callgrind: the segments, hooks on and off alternately."""
    work = tempfile.mkdtemp(prefix="nbprod-cg-")
    os.chdir(work)
    ids = [f"c{i}" for i in range(20)]
    sources = ["x0 = 1"] + [f"x{i} = x{i - 1} + 1" for i in range(1, 20)]
    nb = {
        "nbformat": 4, "nbformat_minor": 5, "metadata": {"language_info": {"name": "python"}},
        "cells": [
            {"cell_type": "code", "id": c, "metadata": {}, "source": s, "outputs": [], "execution_count": None}
            for c, s in zip(ids, sources, strict=True)
        ],
    }  # fmt: skip
    with open("bench.ipynb", "w") as fh:
        json.dump(nb, fh)
    os.environ["JPY_SESSION_NAME"] = os.path.join(work, "bench.ipynb")
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    from nbprod.live import get_hooks
    from nbprod.live.nbfile import NotebookFile

    cfg = Config()
    cfg.HistoryManager.hist_file = ":memory:"
    sh = InteractiveShell.instance(config=cfg)
    sh.run_cell("x = 0")
    sh.run_cell("%load_ext nbprod", cell_id="load")
    hooks = get_hooks(sh)
    hooks.background.stop()  # no saves inside the counted segments
    NotebookFile.min_interval = 1e9
    for i in range(200):  # warm-up: every cell analysed and checked
        sh.run_cell(sources[i % 20], cell_id=ids[i % 20])

    def noop_pre(info: Any) -> None:
        pass

    def noop_post(result: Any) -> None:
        pass

    def switch(mode: str) -> None:
        pairs = (
            ("pre_run_cell", hooks.pre_run_cell, noop_pre),
            ("post_run_cell", hooks.post_run_cell, noop_post),
        )
        for event, fn, noop in pairs:
            callbacks = sh.events.callbacks[event]
            for f in (fn, noop):
                if f in callbacks:
                    callbacks.remove(f)
            if mode != "off":
                callbacks.append(fn if mode == "on" else noop)

    order = []
    for r in range(rounds):
        for mode in MODES[r % 3 :] + MODES[: r % 3]:
            switch(mode)
            os.getppid()  # callgrind dumps here: the previous segment ends
            order.append(mode)
            for i in range(cells):
                sh.run_cell(sources[i % 20], cell_id=ids[i % 20])
    os.getppid()
    print(json.dumps({"order": order, "errors": hooks.session.internal_errors}), file=sys.stderr)
    os._exit(0)


KERNEL_SETUP = """
import ctypes as _nbprod_ctypes
import os as _nbprod_os
from nbprod.live import get_hooks as _nbprod_get_hooks
from nbprod.live.nbfile import NotebookFile as _nbprod_NF
_nbprod_ip = get_ipython()
_nbprod_h = _nbprod_get_hooks(_nbprod_ip)
_nbprod_NF.min_interval = 1e9
_nbprod_toggle = _nbprod_ctypes.CDLL(TOGGLE_LIB).nbprod_cg_toggle
def _nbprod_noop_pre(info):
    pass
def _nbprod_noop_post(result):
    pass
def _nbprod_t0(*a):
    _nbprod_toggle()
def _nbprod_t1(*a):
    _nbprod_toggle()
def _nbprod_switch(mode):
    for ev, fn, noop in (("pre_run_cell", _nbprod_h.pre_run_cell, _nbprod_noop_pre),
                         ("post_run_cell", _nbprod_h.post_run_cell, _nbprod_noop_post)):
        cbs = _nbprod_ip.events.callbacks[ev]
        for f in (fn, noop):
            if f in cbs:
                cbs.remove(f)
        if mode != "off":
            cbs.insert(0, fn if mode == "on" else noop)
    for ev, fn, at in (("pre_run_cell", _nbprod_t0, 0), ("post_run_cell", _nbprod_t1, None)):
        cbs = _nbprod_ip.events.callbacks[ev]
        if fn in cbs:
            cbs.remove(fn)
        cbs.insert(at if at is not None else len(cbs), fn)
"""
TOGGLE_C = """
#include <valgrind/callgrind.h>
void nbprod_cg_toggle(void) { CALLGRIND_TOGGLE_COLLECT; }
"""


def kernel_parent(args: argparse.Namespace) -> int:
    """A real ipykernel under callgrind; segments of cells with the hooks on and off."""
    import nbformat
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    work = tempfile.mkdtemp(prefix="nbprod-cgk-")
    out = tempfile.mkdtemp(prefix="nbprod-cgkout-")
    ids = [f"c{i}" for i in range(20)]
    sources = ["x0 = 1"] + [f"x{i} = x{i - 1} + 1" for i in range(1, 20)]
    nb = nbformat.v4.new_notebook()
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    for c, cid in zip(nb.cells, ids, strict=True):
        c.id = cid
    nb_path = os.path.join(work, "bench.ipynb")
    nbformat.write(nb, nb_path)
    # collection is switched on and off from inside the kernel (callgrind.h's client request,
    # through ctypes): from the first pre_run_cell callback to the last post_run_cell one
    lib = os.path.join(out, "toggle.so")
    with open(os.path.join(out, "toggle.c"), "w") as fh:
        fh.write(TOGGLE_C)
    cc = subprocess.run(
        ["cc", "-O2", "-shared", "-fPIC", "-o", lib, os.path.join(out, "toggle.c")],
        capture_output=True,
        text=True,
    )
    if cc.returncode != 0:
        print(
            f"cannot build the callgrind toggle (needs cc and valgrind's callgrind.h): {cc.stderr.strip()}",
            file=sys.stderr,
        )
        return 1
    specs = tempfile.mkdtemp(prefix="nbprod-cgkspec-")
    os.makedirs(os.path.join(specs, "bench"))
    argv = [
        "valgrind", "--tool=callgrind", "--dump-before=getsid", "--collect-atstart=no",
        f"--callgrind-out-file={out}/cg.out", sys.executable, "-m", "ipykernel_launcher",
        "-f", "{connection_file}",
    ]  # fmt: skip
    with open(os.path.join(specs, "bench", "kernel.json"), "w") as fh:
        json.dump({"argv": argv, "display_name": "bench", "language": "python"}, fh)
    km = KernelManager(kernel_name="bench", kernel_spec_manager=KernelSpecManager(kernel_dirs=[specs]))
    env = dict(
        os.environ, PYTHONPATH=str(Path(args.tree).resolve()), JPY_SESSION_NAME=nb_path, PYTHONHASHSEED="0"
    )
    km.start_kernel(cwd=work, env=env)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=900)

        def run(code: str, cell_id: str | None = None, silent: bool = False) -> dict[str, Any]:
            msg = kc.session.msg(
                "execute_request",
                {"code": code, "silent": silent, "store_history": not silent, "user_expressions": {},
                 "allow_stdin": False, "stop_on_error": True},
                metadata={"cellId": cell_id} if cell_id else {},
            )  # fmt: skip
            kc.shell_channel.send(msg)
            while True:
                reply = kc.get_shell_msg(timeout=900)
                if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                    break
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"{code[:60]!r}: {reply['content'].get('evalue')}")
            return reply["content"]  # type: ignore[no-any-return]

        def value(expr: str) -> Any:
            msg_id = kc.execute("", silent=True, user_expressions={"v": expr})
            while True:
                reply = kc.get_shell_msg(timeout=900)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            return json.loads(reply["content"]["user_expressions"]["v"]["data"]["text/plain"].strip("'"))

        run("import numpy as np, pandas as pd\nx = 0", "setup")
        run("%load_ext nbprod", "load")
        run(f"TOGGLE_LIB = {lib!r}\n" + KERNEL_SETUP, silent=True)
        run("_nbprod_switch('on')", silent=True)
        for i in range(200):  # warm-up: every cell analysed and checked
            run(sources[i % 20], ids[i % 20])
        order = []
        for r in range(args.rounds):
            for mode in MODES[r % 3 :] + MODES[: r % 3]:
                run(f"_nbprod_switch({mode!r}); _nbprod_os.getsid(0)", silent=True)  # dump: a segment ends
                order.append(mode)
                for i in range(args.cells):
                    run(sources[i % 20], ids[i % 20])
        run("_nbprod_os.getsid(0)", silent=True)
        errors = value("str(_nbprod_h.session.internal_errors)")
        nb_known = value("str(int(_nbprod_h._nb_path is not None))")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    # cg.out.<dump>: dump 1 is everything collected before the first segment
    files = sorted(glob.glob(f"{out}/cg.out.*"), key=lambda f: int(f.rsplit(".", 1)[1]))
    totals = [_total(f) for f in files[1 : 1 + len(order)]]
    if os.environ.get("NBPROD_CG_KEEP"):
        print(f"callgrind files kept in {out}", file=sys.stderr)
    else:
        shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(specs, ignore_errors=True)
    if len(totals) != len(order):
        print(f"expected {len(order)} segments, callgrind dumped {len(totals)}", file=sys.stderr)
        return 1
    print(
        f"real ipykernel under callgrind, python {sys.version.split()[0]}; {args.rounds} rounds of "
        f"{args.cells} cells; notebook known {bool(nb_known)}; internal errors {errors}"
    )
    _report(
        [t / args.cells for t in totals],
        order,
        "kernel's main thread, first pre_run_cell to last post_run_cell callback: plain",
    )
    return 0


def _report(seg: list[float], order: list[str], plain: str, unit: str = "instructions") -> None:
    """Medians of the per-round differences against the plain segment of the same round."""
    by = {m: [v for v, o in zip(seg, order, strict=True) if o == m] for m in MODES}
    diffs = [a - b for a, b in zip(by["on"], by["off"], strict=True)]
    floor = [a - b for a, b in zip(by["noop"], by["off"], strict=True)]
    added, base = statistics.median(diffs), statistics.median(floor)
    print(f"{plain} {statistics.median(by['off']):,.0f} {unit} per cell")
    print(
        f"added by nbprod: {added:,.0f} {unit} per cell "
        f"(median of per-round differences; range {min(diffs):,.0f} to {max(diffs):,.0f})"
    )
    print(
        f"the floor, two no-op callbacks in nbprod's place: {base:,.0f} {unit} per cell "
        f"(range {min(floor):,.0f} to {max(floor):,.0f}); "
        + (f"nbprod = {added / base:.1f}x the floor, " if base > 0 else "")
        + f"its own work {added - base:,.0f}"
    )


def _total(path: str) -> int:
    return _events(path)["Ir"]


def _events(path: str) -> dict[str, int]:
    """A callgrind dump's totals by event name (trailing zero counts are left out)."""
    names: list[str] = []
    with open(path) as fh:
        for line in fh:
            if line.startswith("events:"):
                names = line.split()[1:]
            elif line.startswith(("summary:", "totals:")):
                values = [int(v) for v in line.split()[1:]]
                return {n: values[i] if i < len(values) else 0 for i, n in enumerate(names or ["Ir"])}
    raise ValueError(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100, help="cells per segment")
    parser.add_argument(
        "--rounds", type=int, default=6, help="rounds of three segments (nbprod, none, no-op)"
    )
    parser.add_argument("--tree", default=str(HERE.parent), help="the checkout to import nbprod from")
    parser.add_argument("--kernel", action="store_true", help="a real ipykernel, driven by execute requests")
    parser.add_argument(
        "--cache-sim", action="store_true", help="also count L1 data-cache misses (bare shell only)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.kernel and args.cache_sim:
        parser.error("--cache-sim measures the bare shell only (not with --kernel)")
    if args.kernel:
        if shutil.which("valgrind") is None:
            print("valgrind is not installed", file=sys.stderr)
            return 1
        return kernel_parent(args)
    if args.worker:
        worker(args.cells, args.rounds)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed", file=sys.stderr)
        return 1
    out = tempfile.mkdtemp(prefix="nbprod-cgout-")
    cmd = [
        "valgrind", "--tool=callgrind", "--dump-before=getppid", *(["--cache-sim=yes"] if args.cache_sim else []),
        f"--callgrind-out-file={out}/cg.out", sys.executable, str(Path(__file__).resolve()),
        "--worker", "--cells", str(args.cells), "--rounds", str(args.rounds),
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(Path(args.tree).resolve()), PYTHONHASHSEED="0")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    info = next((json.loads(ln) for ln in proc.stderr.splitlines() if ln.startswith("{")), None)
    if info is None:
        print(proc.stderr[-2000:], file=sys.stderr)
        return 1

    files = sorted(glob.glob(f"{out}/cg.out.*"), key=lambda f: int(f.rsplit(".", 1)[1]))
    events = [_events(f) for f in files[1 : 1 + len(info["order"])]]
    per_cell = [e["Ir"] / args.cells for e in events]
    shutil.rmtree(out, ignore_errors=True)
    print(
        f"python {sys.version.split()[0]}; {args.rounds} rounds of {args.cells} cells; internal errors {info['errors']}"
    )
    _report(per_cell, info["order"], "plain IPython run_cell:")
    if args.cache_sim:
        misses = [(e.get("D1mr", 0) + e.get("D1mw", 0)) / args.cells for e in events]
        _report(misses, info["order"], "L1 data-cache misses (simulated), plain IPython run_cell:", "misses")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
