"""Fidelity and speed of ``nbprod export`` on the samples and on real notebooks.

    python bench/bench_export.py            # samples + every Python notebook of the realworld set
    python bench/bench_export.py --quick    # samples + jupytext's ipynb_py notebooks only
    python bench/bench_export.py --no-install --repeats 1

Per notebook: export success, statements kept/dropped/TODO, time (median of --repeats, split
into black's share and the rest); then the packages are installed into one fresh venv
(``--system-site-packages``, ``pip --no-deps --no-build-isolation``), their generated tests
are run, and for self-contained notebooks (saved outputs from a clean top-to-bottom run,
every import available) ``python -m <package>`` is compared with what the notebook printed.
Peers, timed on the same notebooks when found (PATH, or $NBPROD_PEERS_BIN, e.g. /tmp/peers/bin):
``jupyter nbconvert --to script``, ``jupytext --to py``, ``soorgeon refactor``. The floor is
``python -c pass``. Timings are medians; the machine is shared, so they are noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the shared downloader of real notebooks
sys.path.insert(0, str(REPO / "bench"))

from bench_export_venv import expected_text as _clean_saved_run  # noqa: E402
from bench_export_venv import run as _run  # noqa: E402


def notebooks(quick: bool) -> list[Path]:
    from realworld import realworld_root

    from nbprod.notebook import read_notebook

    found = sorted((REPO / "sample_notebooks").glob("*.ipynb"))
    root = realworld_root()
    if root is None:
        print("realworld notebooks: offline, samples only")
    else:
        pattern = "jupytext-1.16.4/**/inputs/ipynb_py/*.ipynb" if quick else "**/*.ipynb"
        found += sorted(root.glob(pattern))
    python = []
    for p in found:
        try:
            if read_notebook(p).is_python:
                python.append(p)
        except Exception:  # noqa: BLE001 - unreadable files are not notebooks that parse
            continue
    return python


def _peer(name: str) -> str | None:
    extra = os.environ.get("NBPROD_PEERS_BIN", "/tmp/peers/bin")
    for folder in (extra, str(Path(sys.executable).parent)):
        cand = Path(folder) / name
        if cand.is_file():
            return str(cand)
    return shutil.which(name)


def _time(cmd: list[str], cwd: Path, repeats: int) -> tuple[float | None, bool]:
    times = []
    ok = True
    for _ in range(repeats):
        t = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)
        times.append(time.perf_counter() - t)
        ok = ok and done.returncode == 0
    return statistics.median(times), ok


def _venv(base: Path) -> str | None:
    from realworld import cache_dir

    wheels = cache_dir() / "export-wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    if not any(wheels.glob("setuptools-*.whl")):
        subprocess.run([sys.executable, "-m", "pip", "download", "setuptools>=77", "--only-binary", ":all:",
                        "--no-deps", "-q", "-d", str(wheels)], capture_output=True)  # fmt: skip
    if not any(wheels.glob("setuptools-*.whl")):
        return None
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(base / "env")], check=True)
    python = str(base / "env" / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-index", "--find-links", str(wheels), "setuptools>=77"],
                   check=True, capture_output=True)  # fmt: skip
    return python


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--limit", type=int, default=120, help="seconds allowed per package's tests and run")
    args = ap.parse_args()

    from nbprod.export import export_notebook, writer

    nbs = notebooks(args.quick)
    print(f"{len(nbs)} Python notebooks")
    work = Path(tempfile.mkdtemp(prefix="nbprod-bench-export-"))
    rows = []
    real_black = writer.black_format
    for i, src in enumerate(nbs):
        folder = work / f"nb{i:03d}"
        folder.mkdir()
        nb = folder / src.name
        shutil.copy(src, nb)
        if (src.parent / "data").is_dir():
            shutil.copytree(src.parent / "data", folder / "data")
        for sibling in src.parent.iterdir():  # files the notebook may read beside it
            if sibling.is_file() and sibling.suffix != ".ipynb" and sibling.stat().st_size < 5_000_000:
                shutil.copy(sibling, folder / sibling.name)
        row = {"nb": nb, "src": src, "ok": False}
        try:
            full, no_black = [], []
            for _ in range(args.repeats):
                t = time.perf_counter()
                result = export_notebook(nb, folder / "pkg", name=f"bench{i:03d}", write=False)
                full.append(time.perf_counter() - t)
                writer.black_format = lambda files, notes: None  # type: ignore[assignment]
                t = time.perf_counter()
                export_notebook(nb, folder / "pkg", name=f"bench{i:03d}", write=False)
                no_black.append(time.perf_counter() - t)
                writer.black_format = real_black
            result = export_notebook(nb, folder / "pkg", name=f"bench{i:03d}")
            row.update(
                ok=True, result=result, t=statistics.median(full), t_noblack=statistics.median(no_black)
            )
        except Exception as exc:  # noqa: BLE001 - the bench reports every failure
            writer.black_format = real_black
            row["error"] = f"{type(exc).__name__}: {exc}"
            print(f"  export failed: {src}: {row['error']}")
        rows.append(row)

    exported = [r for r in rows if r["ok"]]
    counts = {"kept": 0, "dropped": 0, "todo": 0}
    for r in exported:
        for k, v in r["result"].report.counts.items():
            counts[k] = counts.get(k, 0) + v
    times = [r["t"] for r in exported]
    nob = [r["t_noblack"] for r in exported]
    print(f"\nexport success: {len(exported)}/{len(rows)} = {100 * len(exported) / max(1, len(rows)):.1f}%")
    total = sum(counts.values())
    print(f"statements: {total} = {counts['kept']} kept ({100 * counts['kept'] / max(1, total):.1f}%), "
          f"{counts['dropped']} dropped, {counts['todo']} TODO; every one listed in EXPORT_REPORT.md")  # fmt: skip
    if times:
        print(f"time per notebook (in-process, median of {args.repeats}): median {statistics.median(times) * 1000:.0f} ms, "
              f"max {max(times) * 1000:.0f} ms; without black: median {statistics.median(nob) * 1000:.0f} ms, "
              f"max {max(nob) * 1000:.0f} ms")  # fmt: skip

    if not args.no_install:
        python = _venv(work)
        if python is None:
            print("install: skipped (offline: no setuptools wheel)")
        else:
            _install_and_test(exported, python, args.limit)

    if not args.no_peers:
        _peers(rows, args.repeats)
    print(f"\n(work folder: {work})")
    return 0


def _install_and_test(exported: list[dict], python: str, limit: int) -> None:
    from collections import Counter

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "PIP_"))}
    env["MPLBACKEND"] = "Agg"
    installed = tested = contained = same = uncomparable = 0
    mismatches = []
    why_failed: Counter[str] = Counter()
    for r in exported:
        out = r["result"].out_dir
        pkg = r["result"].package
        rc, _, err = _run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                           "--no-index", str(out)], out.parent, env, 600)  # fmt: skip
        if rc != 0:
            print(f"  install failed: {r['src']}: {err.strip().splitlines()[-1:]}")
            continue
        installed += 1
        rc, _, err = _run([python, "-c", f"import {pkg}.pipeline"], out.parent, env, 120)
        runnable = rc == 0
        rc, tout, _ = _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], out, env, limit)
        if rc in (0, 5):
            tested += 1
        else:
            code = "\n".join(p.read_text() for p in (out / "src" / pkg).glob("*.py"))
            if not runnable and "ModuleNotFoundError" in err:
                why = "missing dependency (installed with --no-deps): " + err.strip().splitlines()[-1]
            elif rc == "timeout":
                why = f"timed out after {limit} s (the notebook never ends on its own)"
            elif "input(" in code:
                why = "reads stdin with input()"
            elif "get_ipython" in code or "IPython" in code:
                why = "needs a running IPython kernel"
            else:
                why = "other: " + " ".join(tout.strip().splitlines()[-1:])
            why_failed[why.split(":")[0].split(" (")[0]] += 1
            print(f"  tests failed: {r['src'].name}: {why}")
        expected = _clean_saved_run(r["nb"])
        comparable = "EXPECTED = None" not in (out / "tests" / "test_pipeline.py").read_text()
        if expected is None or not runnable:
            continue
        if not comparable:  # the exporter knows the package cannot print the same (%%time, %env...)
            uncomparable += 1
            continue
        contained += 1
        rc, stdout, _ = _run([python, "-m", pkg], r["nb"].parent, env, limit)
        if rc == 0 and _same(stdout, expected):
            same += 1
        else:
            mismatches.append(r["src"].name)
    n = len(exported)
    print(f"install rate: {installed}/{n} = {100 * installed / max(1, n):.1f}%")
    print(f"tests pass or skip: {tested}/{installed} = {100 * tested / max(1, installed):.1f}%")
    for why, count in why_failed.most_common():
        print(f"  {count} failed: {why}")
    print(f"output equivalence (self-contained: clean saved run, imports available): {same}/{contained} = "
          f"{100 * same / max(1, contained):.1f}%")  # fmt: skip
    print(f"  ({uncomparable} more clean notebooks print through magics the package does not reproduce:"
          " %%time, %env, installs...; their output tests skip with that reason)")  # fmt: skip
    for m in mismatches:
        print(f"  differs: {m}")


def _same(actual: str, expected: str) -> bool:
    from nbprod.export.snapshot import TESTING_SOURCE

    ns: dict = {}
    exec(compile(TESTING_SOURCE, "_testing", "exec"), ns)  # noqa: S102 - our own template
    try:
        ns["assert_same_output"](actual, expected)
    except AssertionError:
        return False
    return True


def _peers(rows: list[dict], repeats: int) -> None:
    floor, _ = _time([sys.executable, "-c", "pass"], REPO, repeats)
    sample = [r for r in rows if r["ok"]][:40]
    nbprod_cli = [sys.executable, "-m", "nbprod", "export", "-q", "--force"]
    peers = {
        "nbprod export (CLI)": lambda nb, out: [*nbprod_cli, str(nb), "-o", str(out)],
        "jupyter nbconvert --to script": lambda nb, out: (
            [_peer("jupyter"), "nbconvert", "--to", "script", "--output-dir", str(out), str(nb)]
            if _peer("jupyter")
            else None
        ),  # fmt: skip
        "jupytext --to py": lambda nb, out: (
            [_peer("jupytext"), "--to", "py", "-o", str(out / "nb.py"), str(nb)]
            if _peer("jupytext")
            else None
        ),  # fmt: skip
        "soorgeon refactor": lambda nb, out: (
            [_peer("soorgeon"), "refactor", str(nb)] if _peer("soorgeon") else None
        ),
    }
    print(
        f"\npeers on {len(sample)} notebooks (CLI, median per notebook; floor `python -c pass` = {floor * 1000:.0f} ms)"
    )
    base = None
    for name, make in peers.items():
        times, ok = [], 0
        for r in sample:
            out = r["nb"].parent / ("peer-" + name.split()[0])
            out.mkdir(exist_ok=True)
            nb = r["nb"]
            if name.startswith("soorgeon"):  # soorgeon rewrites its input: give it a copy
                nb = out / r["nb"].name
                shutil.copy(r["nb"], nb)
            cmd = make(nb, out)
            if cmd is None:
                break
            t, good = _time(cmd, out if name.startswith("soorgeon") else r["nb"].parent, repeats)
            times.append(t or 0.0)
            ok += good
        if not times:
            print(f"  {name:32s} not installed")
            continue
        med = statistics.median(times)
        base = base or med
        print(f"  {name:32s} {med * 1000:7.0f} ms  x{med / base:5.2f} of nbprod  x{med / floor:5.1f} of floor  "
              f"succeeded {ok}/{len(times)}")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
