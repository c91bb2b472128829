"""Instructions nbprod's live hooks add per cell, counted by callgrind (no timing noise).

Usage: ``python bench/bench_live_instructions.py [--cells 100] [--rounds 6] [--tree DIR]``
(needs ``valgrind``; a few minutes; ``--tree`` compares another checkout). A bare InteractiveShell runs the kernel benchmark's
cells (20 cells, each reading the one above, with cell ids, the notebook file known);
nbprod's hooks are switched on and off for alternate segments of one process, and
callgrind dumps its counters between segments (at ``os.getppid()``), so both sides of each
pair run the same interpreter state. Prints the median of the paired differences, in
instructions per cell, against plain IPython's ``run_cell``. The notebook file is looked at
only once here (under valgrind every cell takes milliseconds, so the 0.25 s limit would
make it look far more often than in a real kernel).

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

HERE = Path(__file__).resolve().parent


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

    def switch(on: bool) -> None:
        for event, fn in (("pre_run_cell", hooks.pre_run_cell), ("post_run_cell", hooks.post_run_cell)):
            callbacks = sh.events.callbacks[event]
            if on and fn not in callbacks:
                callbacks.append(fn)
            elif not on and fn in callbacks:
                callbacks.remove(fn)

    order = []
    for r in range(rounds):
        for on in (True, False) if r % 2 == 0 else (False, True):
            switch(on)
            os.getppid()  # callgrind dumps here: the previous segment ends
            order.append(on)
            for i in range(cells):
                sh.run_cell(sources[i % 20], cell_id=ids[i % 20])
    os.getppid()
    print(json.dumps({"order": order, "errors": hooks.session.internal_errors}), file=sys.stderr)
    os._exit(0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100, help="cells per segment")
    parser.add_argument("--rounds", type=int, default=6, help="pairs of segments")
    parser.add_argument("--tree", default=str(HERE.parent), help="the checkout to import nbprod from")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.cells, args.rounds)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed", file=sys.stderr)
        return 1
    out = tempfile.mkdtemp(prefix="nbprod-cgout-")
    cmd = [
        "valgrind", "--tool=callgrind", "--dump-before=getppid",
        f"--callgrind-out-file={out}/cg.out", sys.executable, str(Path(__file__).resolve()),
        "--worker", "--cells", str(args.cells), "--rounds", str(args.rounds),
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(Path(args.tree).resolve()), PYTHONHASHSEED="0")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    info = next((json.loads(ln) for ln in proc.stderr.splitlines() if ln.startswith("{")), None)
    if info is None:
        print(proc.stderr[-2000:], file=sys.stderr)
        return 1

    def total(path: str) -> int:
        with open(path) as fh:
            for line in fh:
                if line.startswith(("summary:", "totals:")):
                    return int(line.split()[1])
        raise ValueError(path)

    files = sorted(glob.glob(f"{out}/cg.out.*"), key=lambda f: int(f.rsplit(".", 1)[1]))
    per_cell = [total(f) / args.cells for f in files[1 : 1 + len(info["order"])]]
    on = [v for v, o in zip(per_cell, info["order"], strict=True) if o]
    off = [v for v, o in zip(per_cell, info["order"], strict=True) if not o]
    diffs = [a - b for a, b in zip(on, off, strict=True)]
    shutil.rmtree(out, ignore_errors=True)
    print(
        f"python {sys.version.split()[0]}; {args.rounds} pairs of {args.cells} cells; internal errors {info['errors']}"
    )
    print(f"plain IPython run_cell: {statistics.median(off):,.0f} instructions per cell")
    print(
        f"added by nbprod: {statistics.median(diffs):,.0f} instructions per cell "
        f"(median of paired differences; range {min(diffs):,.0f} to {max(diffs):,.0f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
