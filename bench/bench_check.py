"""How fast is ``nbprod check``? Ratios against the floor, the interpreter and the peers.

Run:  python bench/bench_check.py            (about a minute; --quick for a smoke run)

* floor: read each notebook's JSON and ``ast.parse`` every code cell, nothing else;
* folder: ``check_paths`` over a few hundred notebooks in one process, steady state and
  as a whole ``python -m nbprod check DIR`` process (minus the bare interpreter start);
* one notebook: ``python -m nbprod check one.ipynb`` and the ``nbprod`` console script
  (its real path, not a pyenv shim) against ``python -c "import json"``;
* peers, when installed: ``nbqa flake8`` and ``pynblint`` on the same notebooks, found in
  ``$NBPROD_PEERS_BIN`` (e.g. ``/tmp/peers/bin``) or on PATH; otherwise "not installed".

The corpus is the real-world notebooks of ``tests/realworld.py`` (downloaded once, PyPI
only) plus ``sample_notebooks/``, replicated with a distinct comment in every code cell
so that no copy hits nbprod's per-source cache. Timings on a shared machine are noisy:
every figure is a median over repeats, and the processes are interleaved.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_FOLDER = 3.0  # x the floor
TARGET_ONE = 2.0  # x python -c "import json"


def corpus_sources() -> tuple[list[Path], str]:
    """The real-world notebooks (when they can be had) and the samples."""
    samples = sorted((REPO / "sample_notebooks").glob("*.ipynb"))
    sys.path.insert(0, str(REPO / "tests"))
    try:
        from realworld import realworld_notebooks

        real = realworld_notebooks() or []
    except Exception:  # offline, or tests/ missing: samples only
        real = []
    finally:
        sys.path.pop(0)
    return real + samples, f"{len(real)} real-world + {len(samples)} samples"


def _mark(raw: dict, k: int) -> None:
    """Give every code cell of copy k a distinct source (defeats the per-source cache)."""
    cells = raw.get("cells")
    if cells is None:  # nbformat 3
        cells = [c for ws in raw.get("worksheets") or [] for c in ws.get("cells") or []]
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            key = "source" if "source" in cell else "input"
            src = cell.get(key) or ""
            src = "".join(src) if isinstance(src, list) else str(src)
            cell[key] = src + f"\n# copy {k}"


def build_corpus(sources: list[Path], dest: Path, minimum: int) -> list[Path]:
    """Copies of the sources in ``dest``, at least ``minimum`` files."""
    files = []
    k = 0
    while len(files) < minimum or k == 0:
        for i, src in enumerate(sources):
            out = dest / f"c{k:02d}" / f"{i:03d}_{src.name}"
            out.parent.mkdir(parents=True, exist_ok=True)
            data = src.read_bytes()
            if k:
                try:
                    raw = json.loads(data)
                    _mark(raw, k)
                    data = json.dumps(raw).encode()
                except (ValueError, AttributeError, TypeError):
                    pass  # not JSON (a deliberately broken file): copied as is
            out.write_bytes(data)
            files.append(out)
        k += 1
    return files


def floor(files: list[Path]) -> int:
    """Read every notebook and ast.parse its code cells: the least any checker must do."""
    cells = 0
    for p in files:
        try:
            raw = json.loads(p.read_bytes())
        except (ValueError, UnicodeDecodeError):
            continue
        if not isinstance(raw, dict):
            continue
        nb_cells = raw.get("cells")
        if nb_cells is None:
            nb_cells = [c for ws in raw.get("worksheets") or [] for c in ws.get("cells") or []]
        for c in nb_cells:
            if isinstance(c, dict) and c.get("cell_type") == "code":
                src = c.get("source", c.get("input", ""))
                src = "".join(src) if isinstance(src, list) else str(src)
                cells += 1
                try:
                    ast.parse(src)
                except (SyntaxError, ValueError):
                    pass
    return cells


def timed(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``fn`` over ``repeats`` runs."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


# Child processes cache bytecode as an installed package would (a wheel install compiles
# it; PYTHONDONTWRITEBYTECODE=1, set on some machines, would recompile nbprod on every run),
# in a folder of their own so the checkout is left as it is.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_quiet(cmd: list[str], cwd: Path | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, env=CHILD_ENV, check=False
    )
    return time.perf_counter() - t


def interleaved(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median wall time of each command, run in turn ``runs`` times (drift hits all alike)."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for cmd in commands.values():  # one warm-up each: file cache, .pyc files
        run_quiet(cmd)
    for _ in range(runs):
        for name, cmd in commands.items():
            times[name].append(run_quiet(cmd))
    return {name: statistics.median(t) for name, t in times.items()}


def console_script() -> str | None:
    """The real ``nbprod`` script of this interpreter (a pyenv shim would add ~50 ms)."""
    for folder in (Path(sys.executable).parent, Path(sys.prefix) / "bin"):
        if (folder / "nbprod").is_file():
            return str(folder / "nbprod")
    found = shutil.which("nbprod")
    return found if found and "shims" not in found else None


def peer(name: str) -> str | None:
    """A peer tool from $NBPROD_PEERS_BIN or PATH."""
    folder = os.environ.get("NBPROD_PEERS_BIN")
    if folder and (Path(folder) / name).is_file():
        return str(Path(folder) / name)
    return shutil.which(name)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notebooks", type=int, default=300, help="corpus size (replicated copies)")
    ap.add_argument("--repeats", type=int, default=5, help="repeats of the folder measurements")
    ap.add_argument("--runs", type=int, default=20, help="runs of each whole-process command")
    ap.add_argument("--quick", action="store_true", help="small numbers, for a smoke run")
    args = ap.parse_args(argv)
    if args.quick:
        args.notebooks, args.repeats, args.runs = 40, 2, 3
    warnings.simplefilter("ignore", SyntaxWarning)  # ast.parse of cells with "\d" strings

    sources, origin = corpus_sources()
    with tempfile.TemporaryDirectory(prefix="nbprod-bench-") as tmp:
        CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        files = build_corpus(sources, Path(tmp) / "corpus", args.notebooks)
        corpus = str(Path(tmp) / "corpus")
        n = len(files)
        cells = floor(files)
        print(f"corpus: {n} notebooks, {cells} code cells ({origin}, replicated with distinct sources)")
        print(f"python {sys.version.split()[0]} at {sys.executable}; medians over repeats\n")

        t_floor = timed(lambda: floor(files), args.repeats)
        per_floor = t_floor / n
        print(f"floor (read JSON + ast.parse of every code cell): {ms(per_floor)} per notebook")

        import nbprod.analysis.cell as cell_module
        from nbprod.checker import check_paths
        from nbprod.config import Config

        def check_all() -> None:
            cell_module._CACHE.clear()  # every repeat analyses every cell again
            check_paths(files, Config())

        check_all()  # warm-up: lazy imports (nbformat for v3 files...) happen once
        t_check = timed(check_all, args.repeats)
        ratio_steady = t_check / t_floor
        print(
            f"nbprod check, one process, steady state: {ms(t_check / n)} per notebook"
            f" = {ratio_steady:.2f}x floor (target <= {TARGET_FOLDER:.0f}x)"
        )

        big = [p for p in files if floor([p]) >= 10]  # notebooks of a typical size
        if big:
            t_floor_big = timed(lambda: floor(big), args.repeats)

            def check_big() -> None:
                cell_module._CACHE.clear()
                check_paths(big, Config())

            t_big = timed(check_big, args.repeats)
            print(
                f"  the {len(big)} notebooks with >= 10 code cells: floor {ms(t_floor_big / len(big))},"
                f" check {ms(t_big / len(big))} per notebook = {t_big / t_floor_big:.2f}x floor"
            )

        py = [sys.executable]
        folder_cmds = {
            "python": py + ["-c", "import json"],
            "folder": py + ["-m", "nbprod", "check", "--format", "json", corpus],
        }
        whole = interleaved(folder_cmds, max(args.repeats // 2, 1))
        t_folder = whole["folder"] - whole["python"]
        ratio_folder = t_folder / t_floor
        print(
            f"python -m nbprod check DIR, whole process less interpreter start: {ms(t_folder / n)} per notebook"
            f" = {ratio_folder:.2f}x floor (imports and first-use costs included)"
        )

        one = REPO / "sample_notebooks" / "credit_risk_messy.ipynb"
        commands = {"python": py + ["-c", "import json"], "module": py + ["-m", "nbprod", "check", str(one)]}
        script = console_script()
        if script:
            commands["script"] = [script, "check", str(one)]
        single = interleaved(commands, args.runs)
        base = single["python"]
        print(f'\npython -c "import json": {ms(base)}')
        print(
            f"python -m nbprod check {one.name}: {ms(single['module'])}"
            f" = {single['module'] / base:.2f}x (target <= {TARGET_ONE:.0f}x)"
        )
        if script:
            print(f"{script} check {one.name}: {ms(single['script'])} = {single['script'] / base:.2f}x")
        else:
            print("nbprod console script: not found beside this interpreter")

        print("\npeers, same corpus, one process over the folder, per notebook:")
        nbprod_per = t_folder / n + base / n
        rows = []
        nbqa = peer("nbqa")
        if nbqa and peer("flake8"):
            env_bin = str(Path(nbqa).parent)
            cmd = [nbqa, "flake8", corpus]
            t = statistics.median(
                run_quiet(cmd) for _ in range(max(args.repeats // 2, 1))
            )  # runs flake8 from its own env
            rows.append(("nbqa flake8", t / n, env_bin))
        else:
            print(
                "  nbqa flake8: not installed (python -m venv /tmp/peers && /tmp/peers/bin/pip install nbqa flake8)"
            )
        pynblint = peer("pynblint")
        if pynblint:
            out = Path(tmp) / "pynblint.json"
            t = run_quiet([pynblint, "-q", "-y", "-o", str(out), corpus])
            rows.append(("pynblint", t / n, str(Path(pynblint).parent)))
        else:
            print("  pynblint: not installed (/tmp/peers/bin/pip install pynblint 'click<8.2')")
        for name, per, where in rows:
            print(f"  {name}: {ms(per)} per notebook = {per / nbprod_per:.1f}x nbprod check ({where})")
        print(f"  nbprod check: {ms(nbprod_per)} per notebook (whole process over the folder)")

        ok = ratio_steady <= TARGET_FOLDER and single["module"] / base <= TARGET_ONE
        print(f"\ntargets {'met' if ok else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
