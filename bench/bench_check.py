"""How fast is ``nbprod check``? Ratios against the floor, the interpreter and ruff, in one run.

Run:  python bench/bench_check.py                      (a few minutes; --quick for a smoke run)
      python bench/bench_check.py --script /path/to/venv/bin/nbprod ...   (installed scripts)

* floor: read each notebook's JSON and ``ast.parse`` every code cell, nothing else (CPU time);
* folder, in one process: cold with one worker (CPU time), cold with a pool of one worker
  per core (wall time, against the single-core floor), warm from the cache (CPU time);
* folder, as a whole process: ``python -m nbprod check DIR`` cold and warm, CPU time of
  the child (``getrusage``) less that of ``python -c "import json"``;
* one notebook: each console script (``--script``, default: the one beside this Python)
  and ``python -m nbprod``, cold (``--no-cache``) and warm, against ``python -c "import json"``;
* ruff on the same folder, ``ruff check --no-cache`` and cached, printed beside ours, and
  ``nbqa flake8`` / ``pynblint`` when installed (``$NBPROD_PEERS_BIN`` or PATH).

The corpus is the real-world notebooks of ``tests/realworld.py`` (PyPI sdists, downloaded
once) plus ``sample_notebooks/``, replicated with a distinct comment in every code cell up
to ``--notebooks`` files, so that no copy hits nbprod's per-source analysis cache; every
file's mtime is set an hour back, as in a repository nobody just edited. Timings on a
shared machine are noisy: CPU time (not wall) wherever one process does the work, the
minimum over repeats for in-process figures and the median for whole processes.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import resource
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
TARGETS = {"cold": 3.0, "pool": 1.5, "warm": 0.3, "one": 2.0}


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
    """Copies of the sources in ``dest``, at least ``minimum`` files, an hour old."""
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
    past = time.time() - 3600
    for p in [*files, *{f.parent for f in files}]:
        os.utime(p, (past, past))
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


def best(fn: Callable[[], object], repeats: int, clock: Callable[[], float] = time.process_time) -> float:
    """The least time ``fn`` took over ``repeats`` runs (CPU time unless told)."""
    times = []
    for _ in range(repeats):
        t = clock()
        fn()
        times.append(clock() - t)
    return min(times)


def all_cpu() -> float:
    """CPU seconds of this process and of its finished children (pool workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


# Child processes cache bytecode as an installed package would (a wheel install compiles
# it; PYTHONDONTWRITEBYTECODE=1, set on some machines, would recompile nbprod on every run),
# in a folder of their own so the checkout is left as it is.
CHILD_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "NBPROD_NO_CACHE")}


def child_cpu(cmd: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of ``cmd`` (user + system, all its threads)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, env=CHILD_ENV, check=False
    )
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def interleaved(commands: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float]]:
    """Median (CPU, wall) of each command, run in turn ``runs`` times (drift hits all alike)."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for cmd in commands.values():  # one warm-up each: file cache, .pyc files, nbprod's cache
        child_cpu(cmd)
    for _ in range(runs):
        for name, cmd in commands.items():
            times[name].append(child_cpu(cmd))
    return {
        name: (statistics.median(c for c, _ in t), statistics.median(w for _, w in t))
        for name, t in times.items()
    }


FRESH_CHILD = """
import gc, json, sys, time, warnings
from pathlib import Path
warnings.simplefilter("ignore", SyntaxWarning)
sys.path.insert(0, sys.argv[3])
files = [Path(p) for p in json.loads(Path(sys.argv[2]).read_text())]
if sys.argv[1] == "floor":
    from bench_check import floor
    run = lambda: floor(files)
else:
    from nbprod.checker import _preload, check_paths
    from nbprod.config import Config
    _preload(True)
    check_paths([Path(sys.argv[4])], Config(), jobs=1)  # lazy imports and one-off set-up, outside the timing
    run = lambda: check_paths(files, Config(), jobs=1)
gc.collect()
t = time.process_time()
run()
print(time.process_time() - t)
"""


def fresh_cold(files: list[Path], warmup: Path, repeats: int, tmp: Path) -> tuple[float, float]:
    """(floor, cold one worker) CPU seconds, each repeat in a new process, as a user's run starts:
    nothing analysed yet, no previous repeat's objects on the heap or to free. Imports and a
    check of one other notebook (lazy imports, compiled patterns) come before the timing; the
    floor is timed the same way. The least of ``repeats`` of each, alternated."""
    listing = tmp / "fresh-files.json"
    listing.write_text(json.dumps([str(p) for p in files]))
    here = str(Path(__file__).resolve().parent)
    times: dict[str, list[float]] = {"floor": [], "cold": []}
    for _ in range(repeats):
        for mode in times:
            cmd = [sys.executable, "-c", FRESH_CHILD, mode, str(listing), here, str(warmup)]
            out = subprocess.run(cmd, capture_output=True, text=True, env=CHILD_ENV, check=False)
            try:
                times[mode].append(float(out.stdout.strip().splitlines()[-1]))
            except (ValueError, IndexError):
                raise SystemExit(
                    f"bench_check: the fresh-process child failed: {out.stderr.strip()[-500:]}"
                ) from None
    return min(times["floor"]), min(times["cold"])


def console_scripts(given: list[str]) -> list[str]:
    """The scripts to time: those given, else the real ``nbprod`` beside this interpreter."""
    if given:
        return given
    for folder in (Path(sys.executable).parent, Path(sys.prefix) / "bin"):
        if (folder / "nbprod").is_file():
            return [str(folder / "nbprod")]
    found = shutil.which("nbprod")
    return [found] if found and "shims" not in found else []


def install_kind(script: str) -> str:
    """``editable`` or ``regular``, from the script's environment."""
    site = list(Path(script).resolve().parent.parent.glob("lib/python*/site-packages"))
    if site and any(site[0].glob("__editable__*nbprod*")):
        return "editable"
    return "regular" if site else "?"


def peer(name: str) -> str | None:
    """A peer tool from $NBPROD_PEERS_BIN or PATH."""
    folder = os.environ.get("NBPROD_PEERS_BIN")
    if folder and (Path(folder) / name).is_file():
        return str(Path(folder) / name)
    return shutil.which(name)


def peer_commands(corpus: str, tmp: Path) -> dict[str, list[str]]:
    """``nbqa flake8`` and ``pynblint`` when installed (see bench/README.md)."""
    found = {}
    nbqa, pynblint = peer("nbqa"), peer("pynblint")
    if nbqa and peer("flake8"):
        found["nbqa flake8"] = [nbqa, "flake8", corpus]
    if pynblint:
        found["pynblint"] = [pynblint, "-q", "-y", "-o", str(tmp / "pynblint.json"), corpus]
    return found


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def verdict(ratio: float, target: float) -> str:
    return f"(target <= {target:g}x: {'ok' if ratio <= target else 'MISSED'})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notebooks", type=int, default=300, help="corpus size (replicated copies)")
    ap.add_argument("--repeats", type=int, default=5, help="repeats of the in-process measurements")
    ap.add_argument("--runs", type=int, default=15, help="runs of each whole-process command")
    ap.add_argument("--script", action="append", default=[], help="an installed nbprod console script")
    ap.add_argument("--quick", action="store_true", help="small numbers, for a smoke run")
    args = ap.parse_args(argv)
    if args.quick:
        args.notebooks, args.repeats, args.runs = 40, 2, 3
    warnings.simplefilter("ignore", SyntaxWarning)  # ast.parse of cells with "\d" strings

    sources, origin = corpus_sources()
    with tempfile.TemporaryDirectory(prefix="nbprod-bench-") as tmp:
        CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        CHILD_ENV["NBPROD_CACHE_DIR"] = str(Path(tmp) / "cache-child")
        os.environ["NBPROD_CACHE_DIR"] = str(Path(tmp) / "cache")
        files = build_corpus(sources, Path(tmp) / "corpus", args.notebooks)
        corpus = str(Path(tmp) / "corpus")
        n = len(files)
        cells = floor(files)
        print(f"corpus: {n} notebooks, {cells} code cells ({origin}, replicated with distinct sources)")
        print(f"python {sys.version.split()[0]} at {sys.executable}, {os.cpu_count()} cores")
        print(
            f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}: a shared machine makes every figure noisy\n"
        )

        t_floor = best(lambda: floor(files), args.repeats)
        print(
            f"floor (read JSON + ast.parse of every code cell): {ms(t_floor)} CPU = {ms(t_floor / n)} per notebook"
        )

        import nbprod.analysis.cell as cell_module
        from nbprod.checker import check_paths
        from nbprod.config import Config

        def cold(jobs: int | None) -> Callable[[], object]:
            def run() -> None:
                cell_module._CACHE.clear()  # every repeat analyses every cell again
                check_paths(files, Config(), jobs=jobs)

            return run

        cold(1)()  # warm-up: lazy imports (nbformat for v3 files...) happen once
        ratios = {}
        t_cold = best(cold(1), args.repeats)
        ratios["cold"] = t_cold / t_floor
        print(
            f"cold, one worker: {ms(t_cold)} CPU = {ratios['cold']:.2f}x floor {verdict(ratios['cold'], TARGETS['cold'])}"
        )
        warmup = Path(tmp) / "warmup" / "credit_risk_clean.ipynb"
        warmup.parent.mkdir()
        shutil.copy(REPO / "sample_notebooks" / "credit_risk_clean.ipynb", warmup)
        f_fresh, c_fresh = fresh_cold(files, warmup, args.repeats, Path(tmp))
        print(  # the first-time costs a repeat in this process has paid already (IPython's transformer
            # for the cells the fast path leaves to it, nbformat for v3 files, lazily compiled patterns)
            f"  each repeat in a new process (as a user's run starts; imports before the timing):"
            f" {ms(c_fresh)} CPU = {c_fresh / f_fresh:.2f}x the floor timed the same way ({ms(f_fresh)})"
        )
        t_floor_wall = best(lambda: floor(files), args.repeats, time.perf_counter)
        t_pool = best(cold(None), args.repeats, time.perf_counter)
        ratios["pool"] = t_pool / t_floor
        print(
            f"cold, all cores: {ms(t_pool)} wall = {ratios['pool']:.2f}x the floor's CPU time "
            f"({t_pool / t_floor_wall:.2f}x its wall time) {verdict(ratios['pool'], TARGETS['pool'])}"
        )
        t_pool_cpu = best(cold(None), args.repeats, all_cpu)
        print(
            f"  the pool's CPU time, parent and workers: {ms(t_pool_cpu)} = {t_pool_cpu / t_floor:.2f}x floor"
            f" (on {os.cpu_count()} idle cores, the wall time would be about that divided by {os.cpu_count()})"
        )
        check_paths(files, Config(), cache=True)  # fill the cache
        time.sleep(2.1)  # entries written within 2 s of a change are checked by content
        t_warm = best(lambda: check_paths(files, Config(), cache=True), args.repeats)
        ratios["warm"] = t_warm / t_floor
        print(
            f"warm (nothing changed): {ms(t_warm)} CPU = {ratios['warm']:.2f}x floor {verdict(ratios['warm'], TARGETS['warm'])}"
        )

        def no_checklist() -> None:
            cell_module._CACHE.clear()
            check_paths(files, Config(), jobs=1, checklist=False)

        t_bare = best(no_checklist, args.repeats)
        check_paths(files, Config(), cache=True, checklist=False)
        time.sleep(2.1)
        t_bare_warm = best(lambda: check_paths(files, Config(), cache=True, checklist=False), args.repeats)
        print(
            f"  without the readiness checklist (outputs that do not show it): cold {t_bare / t_floor:.2f}x,"
            f" warm {t_bare_warm / t_floor:.2f}x floor"
        )

        typical = Path(tmp) / "typical" / "credit_risk_messy.ipynb"
        typical.parent.mkdir()
        shutil.copy(REPO / "sample_notebooks" / "credit_risk_messy.ipynb", typical)
        os.utime(typical, (time.time() - 3600,) * 2)
        reps = args.repeats * 20
        f_one = best(lambda: floor([typical]), reps)

        def cold_one() -> None:
            cell_module._CACHE.clear()
            check_paths([typical], Config())

        c_one = best(cold_one, reps)
        check_paths([typical], Config(), cache=True)
        time.sleep(2.1)
        w_one = best(lambda: check_paths([typical], Config(), cache=True), reps)
        print(
            f"one typical notebook ({typical.name}, floor {ms(f_one)}): cold {c_one / f_one:.2f}x"
            f" {verdict(c_one / f_one, TARGETS['cold'])}, warm {w_one / f_one:.2f}x {verdict(w_one / f_one, TARGETS['warm'])}"
        )

        py = [sys.executable]
        base_cmd = py + ["-c", "import json"]
        folder_cmds = {
            "python": base_cmd,
            "cold": py + ["-m", "nbprod", "check", "--no-cache", "--jobs", "1", "--format", "json", corpus],
            "warm": py + ["-m", "nbprod", "check", "--format", "json", corpus],
        }
        whole = interleaved(folder_cmds, max(args.repeats // 2, 1))
        base = whole["python"][0]
        for name in ("cold", "warm"):
            cpu = whole[name][0] - base
            print(
                f"python -m nbprod check DIR, {name}, whole process less interpreter start: {ms(cpu)} CPU = {cpu / t_floor:.2f}x floor"
            )

        ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
        if Path(ruff).is_file():
            ruff_cache = str(Path(tmp) / "ruff-cache")
            ruff_cmds = {
                "--no-cache": [ruff, "check", "--no-cache", "--exit-zero", "--quiet", corpus],
                "cached": [ruff, "check", "--cache-dir", ruff_cache, "--exit-zero", "--quiet", corpus],
            }
            got = interleaved(ruff_cmds, max(args.repeats // 2, 1))
            for name, (cpu, wall) in got.items():
                print(
                    f"ruff check {name} DIR: {ms(cpu)} CPU ({cpu / t_floor:.2f}x floor), {ms(wall)} wall  [{ruff}]"
                )
        else:
            print("ruff: not installed")
        for name, cmd in peer_commands(corpus, Path(tmp)).items():
            cpu, wall = interleaved({name: cmd}, 1)[name]
            print(f"{name} DIR: {ms(cpu)} CPU ({cpu / t_floor:.2f}x floor), {ms(wall)} wall  [{cmd[0]}]")

        one = Path(tmp) / "one" / "credit_risk_messy.ipynb"
        one.parent.mkdir()
        shutil.copy(REPO / "sample_notebooks" / "credit_risk_messy.ipynb", one)
        os.utime(one, (time.time() - 3600,) * 2)
        commands = {"python": base_cmd}
        commands["module cold"] = py + ["-m", "nbprod", "check", "--no-cache", str(one)]
        commands["module warm"] = py + ["-m", "nbprod", "check", str(one)]
        scripts = console_scripts(args.script)
        for script in scripts:
            commands[f"{script} cold"] = [script, "check", "--no-cache", str(one)]
            commands[f"{script} warm"] = [script, "check", str(one)]
        single = interleaved(commands, args.runs)
        base_one = single["python"][0]
        print(
            f'\none notebook ({one.name}); python -c "import json": {ms(base_one)} CPU, {ms(single["python"][1])} wall'
        )
        worst = 0.0
        for name, (cpu, wall) in single.items():
            if name == "python":
                continue
            label = name
            if name.split()[0] in scripts:
                label = f"{name.split()[0]} ({install_kind(name.split()[0])} install) {name.split()[1]}"
                worst = max(worst, cpu / base_one)
            print(
                f"  {label}: {ms(cpu)} CPU = {cpu / base_one:.2f}x, {ms(wall)} wall = {wall / single['python'][1]:.2f}x"
            )
        if not scripts:
            print("  nbprod console script: not found beside this interpreter (pass --script)")
        ratios["one"] = worst
        print(f"console scripts, worst: {worst:.2f}x {verdict(worst, TARGETS['one'])}")

        ok = all(ratios[k] <= TARGETS[k] for k in ratios)
        print(
            f"\ntargets {'met' if ok else 'MISSED'}: " + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items())
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
