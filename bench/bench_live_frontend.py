"""What one message from nbprod's JupyterLab extension costs the kernel, by notebook size.

Usage: ``python bench/bench_live_frontend.py [--sizes 20 100 400] [--repeats 50]``

The extension sends the notebook (path, and every cell's id, kind, source and whether it
was edited since it ran) when it changes. A bare InteractiveShell with nbprod loaded takes
the message as the kernel's comm would (its JSON decoded, then ``Frontend._receive``), with
a stand-in comm that encodes what nbprod sends back; the notebook is unchanged from the last
message, the commonest case, so the figure is the cost of a message that tells the kernel
nothing. Before stop 21 the extension sent one after every execution and every output
change; it now sends only when what it sends differs from the last message.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from typing import Any


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 100, 400], help="code cells")
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    os.chdir(tempfile.mkdtemp(prefix="nbprod-bench-fe-"))
    from IPython.core.interactiveshell import InteractiveShell

    from nbprod.live import get_hooks

    sh = InteractiveShell.instance()
    sh.run_cell("%load_ext nbprod")
    frontend = get_hooks(sh).frontend
    replies: list[str] = []

    class Comm:
        def send(self, data: Any) -> None:
            replies.append(json.dumps(data))

    frontend.comm = Comm()
    body = "# a comment line of an ordinary length, as cells have\n" * 8
    for n in args.sizes:
        cells = [
            {"id": f"c{i}", "kind": "code", "source": f"x{i} = {i}\n{body}", "edited": False}
            for i in range(n)
        ]
        data = {"type": "notebook", "path": os.path.abspath("bench.ipynb"), "cells": cells}
        wire = json.dumps({"content": {"data": data}})
        frontend._receive(json.loads(wire))  # the first message: the notebook analysed
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            frontend._receive(json.loads(wire))
            times.append(time.perf_counter() - t0)
        print(
            f"{n} code cells, a {len(wire) / 1e3:.0f} kB message: {statistics.median(times) * 1e6:,.0f} µs "
            f"in the kernel per unchanged message (JSON decoding, nbprod's comparison, its reply)"
        )
    sh.run_cell("%unload_ext nbprod")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
