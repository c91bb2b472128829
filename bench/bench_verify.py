"""Benchmark ``nbprod verify`` against plain nbclient (the floor), ``pytest --nbval`` and papermill.

    python bench/bench_verify.py [--repeat 3] [--peers /tmp/peers/bin]

Peers are looked up in ``--peers`` / ``$NBPROD_PEERS`` (a virtualenv's bin folder), then on
PATH; a missing one prints "not installed". Every figure is the median wall time over
the repeats, per notebook, kernel start and shutdown included. In-process figures
(nbclient, nbprod API) compare the execution engines; subprocess figures (nbprod CLI,
nbval, papermill) include each tool's interpreter start-up, as a user sees them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = [
    REPO / "tests/data/verify/reproduces.ipynb",
    REPO / "tests/data/verify/volatile.ipynb",
    REPO / "tests/data/verify/seeded.ipynb",
    REPO / "sample_notebooks/iris_quick.ipynb",
    REPO / "sample_notebooks/sales_regression.ipynb",
]


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def nbclient_floor(path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()


def nbprod_api(path: Path) -> None:
    import nbprod

    report = nbprod.verify(path, isolated=True)
    if report.errors:
        raise SystemExit(f"nbprod could not verify {path}: {report.errors}")


def find_peer(peers: str | None, name: str) -> str | None:
    for folder in [peers, os.environ.get("NBPROD_PEERS")]:
        if folder and (Path(folder) / name).exists():
            return str(Path(folder) / name)
    return shutil.which(name)


def run(cmd: list[str], cwd: Path) -> None:
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--peers", default=None, help="bin folder of a virtualenv with nbval, pytest, papermill"
    )
    args = parser.parse_args()
    asyncio.set_event_loop_policy(None)

    work = Path(tempfile.mkdtemp(prefix="nbprod-bench-"))
    try:
        notebooks = []
        for nb in NOTEBOOKS:
            dest = work / nb.parent.name
            if not dest.exists():
                shutil.copytree(
                    nb.parent, dest, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__", "out")
                )
            shutil.copy2(nb, dest / nb.name)
            notebooks.append(dest / nb.name)

        python = find_peer(args.peers, "python")
        has_nbval = python is not None and subprocess.run(
            [python, "-c", "import nbval, pytest"], capture_output=True, check=False
        ).returncode == 0  # fmt: skip
        papermill = find_peer(args.peers, "papermill")

        header = f"{'notebook':<24}{'nbclient':>10}{'nbprod':>10}{'overhead':>10}{'nbprod CLI':>12}{'nbval':>10}{'papermill':>11}"
        print(f"median of {args.repeat} run(s), seconds per notebook, kernel start included")
        print(header)
        totals: dict[str, list[float]] = {k: [] for k in ("floor", "api", "cli", "nbval", "papermill")}
        for nb in notebooks:
            floor = median_time(lambda nb=nb: nbclient_floor(nb), args.repeat)
            api = median_time(lambda nb=nb: nbprod_api(nb), args.repeat)
            cli = median_time(
                lambda nb=nb: run([sys.executable, "-m", "nbprod", "verify", nb.name], nb.parent), args.repeat
            )
            nbval = (
                median_time(
                    lambda nb=nb: run(
                        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", nb.name],
                        nb.parent,
                    ),
                    args.repeat,
                )  # type: ignore[list-item]
                if has_nbval
                else None
            )
            pm = (
                median_time(
                    lambda nb=nb: run(
                        [papermill, nb.name, str(work / "out.ipynb"), "--cwd", str(nb.parent)], nb.parent
                    ),
                    args.repeat,
                )  # type: ignore[list-item]
                if papermill
                else None
            )
            for key, value in (
                ("floor", floor),
                ("api", api),
                ("cli", cli),
                ("nbval", nbval),
                ("papermill", pm),
            ):
                if value is not None:
                    totals[key].append(value)
            fmt = lambda v: f"{v:.2f}" if v is not None else "not installed"  # noqa: E731
            print(
                f"{nb.name:<24}{floor:>10.2f}{api:>10.2f}{api / floor - 1:>+10.1%}{cli:>12.2f}{fmt(nbval):>10}{fmt(pm):>11}"
            )
        floor_sum, api_sum = sum(totals["floor"]), sum(totals["api"])
        print(f"{'total':<24}{floor_sum:>10.2f}{api_sum:>10.2f}{api_sum / floor_sum - 1:>+10.1%}{sum(totals['cli']):>12.2f}"
              f"{sum(totals['nbval']) if totals['nbval'] else float('nan'):>10.2f}"
              f"{sum(totals['papermill']) if totals['papermill'] else float('nan'):>11.2f}")  # fmt: skip
        if totals["nbval"]:
            print(f"nbprod CLI / nbval: {sum(totals['cli']) / sum(totals['nbval']):.2f}x")
        if totals["papermill"]:
            print(f"nbprod CLI / papermill: {sum(totals['cli']) / sum(totals['papermill']):.2f}x")

        import nbprod

        paths = [str(nb) for nb in notebooks]
        for jobs in (1, 2):
            wall = median_time(
                lambda jobs=jobs: nbprod.verify(*paths, jobs=jobs, isolated=True), max(1, args.repeat // 2)
            )
            print(
                f"all {len(paths)} notebooks with --jobs {jobs}: {wall:.2f} s ({wall / len(paths):.2f} s per notebook)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
