"""Exported packages in fresh venvs: do they run, print what the notebook printed, and do
their generated suites agree?

    python bench/bench_export_venv.py                  # every real notebook run top to bottom (~70), slow
    python bench/bench_export_venv.py --limit-notebooks 3 --json out.json

The notebooks: every executed notebook of the sdists ``tests/realworld.py`` downloads
(nobody on the team wrote them) whose saved outputs come from a top-to-bottom run (every
code cell run once, in order, without an error; counts may skip numbers), one copy
per distinct code (the same fixture shipped by two sdists, reformatted, counts once), with
the files beside it. Each one is first re-run in a fresh kernel of the same Python
(``nbprod verify``'s runner, nbclient): a notebook that fails there, or does not print what
its saved outputs say it printed (the comparison below, verify's normaliser), is not
self-contained (outputs from an older library, unseeded randomness, a file the sdist does
not ship, a live kernel's stdin, fixtures whose saved outputs are not their code's); it is
reported apart with the cause, and the headline figures count only the self-contained ones. Each one is exported, then installed with
its real dependencies (``pip install PKG[test]``, not ``--no-deps``) into a fresh venv that
does not see any system or nbprod site-packages; pip's cache is shared between the venvs.
Figures, over the self-contained notebooks (then over all):

* pipelines that run and print what the notebook printed (same comparison as the generated
  tests: ``nbprod verify``'s normaliser, numbers within 1e-6);
* generated suite agrees with the pipeline: green exactly when the pipeline reproduces the
  notebook (runs, and prints the same where the suite can compare), red otherwise;
* declared dependencies complete and pinned: installed, every line ``==``-pinned, and no
  ``ModuleNotFoundError`` when the pipeline or its suite runs;
* secret literals anywhere in a package folder (known token shapes, NB401-style literals).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the shared downloader of real notebooks


def clean_notebooks() -> list[Path]:
    """Real notebooks whose saved outputs come from a top-to-bottom run, one per code."""
    from realworld import realworld_root

    from nbprod.notebook import read_notebook

    root = realworld_root()
    if root is None:
        return []
    seen: set[str] = set()
    out = []
    for p in sorted(root.glob("**/*.ipynb")):
        if not p.is_file():
            continue
        if any(part.endswith(".partial") for part in p.parts):
            continue
        try:
            nb = read_notebook(p)
        except Exception:  # noqa: BLE001 - not a notebook that parses
            continue
        if not nb.is_python or expected_text(p) is None:
            continue
        digest = code_digest(nb)
        if digest not in seen:
            seen.add(digest)
            out.append(p)
    return out


def code_digest(nb: Any) -> str:
    """What makes two notebooks the same test: their code, whatever the quotes and spacing."""
    code = "\n".join(c.source for c in nb.code_cells)
    return hashlib.sha256(re.sub(r"[\s'\"]+", "", code).encode()).hexdigest()


def fresh_runs(nbs: list[Path], jobs: int, timeout: float) -> dict[Path, str | None]:
    """Re-run each notebook in a fresh kernel (``nbprod verify``'s runner: nbclient, a copy of
    its folder); None when it prints what its saved outputs say it printed (the comparison
    the pipeline gets), else why not: the classified cause of the first failure, or the
    first cell whose printed text differs."""
    import asyncio

    import nbformat

    from nbprod.export.snapshot import stream_text
    from nbprod.notebook import read_notebook
    from nbprod.verify.runner import run_notebook
    from nbprod.verify.session import VerifyOptions, build_result, run_coroutine, to_nbformat

    options = VerifyOptions(runs=1, jobs=jobs, timeout=timeout, kernel="python3")
    loaded = [read_notebook(p) for p in nbs]

    async def all_runs() -> list[Any]:
        limit = asyncio.Semaphore(jobs)

        async def one(nb: Any) -> Any:
            async with limit:
                node = nbformat.from_dict(to_nbformat(nb))
                run = run_notebook(node, Path(nb.path), kernel="python3", timeout=timeout)
                try:  # a whole-run bound too: a kernel that never answers must not stop the bench
                    return await asyncio.wait_for(run, 2 * timeout + 60)
                except asyncio.TimeoutError:
                    return TimeoutError(f"no end of the run after {2 * timeout + 60:g} s")

        return list(await asyncio.gather(*(one(nb) for nb in loaded), return_exceptions=True))

    runs = run_coroutine(all_runs)
    out: dict[Path, str | None] = {}
    for p, nb, run in zip(nbs, loaded, runs, strict=True):
        if isinstance(run, BaseException):
            out[p] = f"could not run: {type(run).__name__}: {run}"[:300]
            continue
        if run.failure is not None:
            cause = build_result(nb, [run], options).cause
            out[p] = f"{cause.kind}: {cause.message}"[:300] if cause else "failed in a fresh kernel"
            continue
        out[p] = None
        fresh = "".join(stream_text(run.outputs.get(c.index, [])) for c in nb.code_cells)
        if not same_output(fresh, expected_text(p) or ""):
            for c in nb.code_cells:
                saved, now = stream_text(c.outputs), stream_text(run.outputs.get(c.index, []))
                if not same_output(now, saved):
                    out[p] = (
                        f"prints other text than its saved outputs: cell {c.index + 1}: saved {saved[:60]!r}, now {now[:60]!r}"
                    )
                    break
            else:
                out[p] = "prints other text than its saved outputs"
    return out


def expected_text(nb: Path) -> str | None:
    """What the notebook printed, when its saved outputs come from a top-to-bottom run."""
    from nbprod.notebook import read_notebook

    cells = [c for c in read_notebook(nb).code_cells if c.source.strip()]
    counts = [c.execution_count for c in cells]
    if not cells or not all(isinstance(n, int) for n in counts):
        return None
    if any(a >= b for a, b in zip(counts, counts[1:], strict=False)):  # gaps allowed: the fresh run checks
        return None
    if any(o.get("output_type") == "error" for c in cells for o in c.outputs):
        return None
    return "".join(
        "".join(o.get("text", "")) if isinstance(o.get("text"), list) else str(o.get("text", ""))
        for c in cells
        for o in c.outputs
        if o.get("output_type") == "stream" and o.get("name") == "stdout"
    )


def same_output(actual: str, expected: str) -> bool:
    """The generated tests' comparison (``_testing.assert_same_output``), with verify's normaliser."""
    from nbprod.export.snapshot import TESTING_SOURCE
    from nbprod.verify.normalize import normalise

    ns: dict[str, Any] = {}
    exec(compile(TESTING_SOURCE, "_testing", "exec"), ns)  # noqa: S102 - our own template
    ns["normalise"] = normalise
    try:
        ns["assert_same_output"](actual, expected)
    except AssertionError:
        return False
    return True


def run(cmd: list[str], cwd: Path, env: dict[str, str], limit: int) -> tuple[int | str, str, str]:
    """Run in its own process group; ("timeout", ...) after ``limit`` seconds, group killed."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)  # fmt: skip
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return "timeout", out, err
    return proc.returncode, out, err


def secrets_in(folder: Path) -> list[str]:
    """Secret literals in a package folder: token shapes anywhere, secret-named literals in code."""
    from nbprod.export.secrets import code_secrets
    from nbprod.rules.security import find_tokens

    found = []
    for path in folder.rglob("*"):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found += [f"{path.name}: {kind}" for kind, _ in find_tokens(text)]
        if path.suffix == ".py":
            found += [f"{path.name}:{s.line}: {s.kind}" for s in code_secrets(text)]
    return found


def measure(src: Path, work: Path, index: int, limit: int) -> dict[str, Any]:
    """Export one notebook, install it in a fresh venv, run its pipeline and its suite."""
    from nbprod.errors import NbprodError
    from nbprod.export import export_notebook

    folder = work / f"nb{index:03d}"
    folder.mkdir()
    for sibling in src.parent.iterdir():  # the files (and local packages) beside it
        if sibling.is_file() and sibling.stat().st_size < 5_000_000:
            shutil.copy(sibling, folder / sibling.name)
        elif sibling.is_dir() and (sibling / "__init__.py").is_file():
            shutil.copytree(sibling, folder / sibling.name)
    nb = folder / src.name
    row: dict[str, Any] = {"notebook": str(src), "exported": False}
    try:
        result = export_notebook(nb, folder / "pkg", name=f"nb{index:03d}")
    except NbprodError as exc:
        row["export_error"] = str(exc)
        return row
    out, package = result.out_dir, result.package
    row.update(exported=True, package=package, secrets=secrets_in(out))
    deps = result.report.dependencies
    row["deps"] = deps
    row["all_pinned"] = all("==" in d for d in deps)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "VIRTUAL_ENV"))}
    env["MPLBACKEND"] = "Agg"
    venv = folder / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = str(venv / "bin" / "python")
    t = time.perf_counter()
    rc, _, err = run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", f"{out}[test]"],
                     folder, env, 1800)  # fmt: skip
    row["install_seconds"] = round(time.perf_counter() - t, 1)
    row["installed"] = rc == 0
    if rc != 0:
        row["install_error"] = (err.strip().splitlines() or ["?"])[-1]
        return row
    rc, stdout, stderr = run([python, "-m", package], folder, env, limit)
    row["runs"] = rc == 0
    if rc != 0:
        row["run_error"] = (stderr.strip().splitlines() or [str(rc)])[-1]
    expected = expected_text(nb) or ""
    row["same_output"] = rc == 0 and same_output(stdout, expected)
    comparable = "EXPECTED = None" not in (out / "tests" / "test_pipeline.py").read_text()
    row["suite_compares_output"] = comparable
    trc, tout, terr = run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], out, env, limit * 3
    )
    row["suite_green"] = trc == 0
    row["suite_tail"] = (tout.strip().splitlines() or [""])[-1]
    reproduces = row["runs"] and (row["same_output"] or not comparable)
    row["suite_agrees"] = row["suite_green"] == reproduces
    missing = "ModuleNotFoundError" in stderr + tout + terr or "No module named" in stderr + tout + terr
    row["deps_complete"] = row["all_pinned"] and not missing
    return row


def figures(rows: list[dict[str, Any]], what: str) -> list[str]:
    """The four figures (and the steps before them) over some rows."""

    def pct(a: int, b: int) -> str:
        return f"{a}/{b} = {100 * a / max(1, b):.1f}%"

    n = len(rows)
    exported = [r for r in rows if r["exported"]]
    installed = [r for r in exported if r.get("installed")]
    return [
        f"notebooks: {n} ({what})",
        f"exported: {pct(len(exported), n)}",
        f"installed from their own pyproject in a fresh venv: {pct(len(installed), len(exported))}",
        f"pipelines that run: {pct(sum(bool(r.get('runs')) for r in installed), len(installed))}",
        f"pipelines that run and print what the notebook printed: "
        f"{pct(sum(bool(r.get('same_output')) for r in rows), n)}",
        f"generated suite agrees with the pipeline: {pct(sum(bool(r.get('suite_agrees')) for r in installed), len(installed))}",
        f"declared pinned dependencies complete: {pct(sum(bool(r.get('deps_complete')) for r in exported), len(exported))}",
        f"secret literals in package folders: {sum(len(r.get('secrets', [])) for r in exported)}",
    ]


def summary(rows: list[dict[str, Any]]) -> list[str]:
    """The figures, one line each: over the self-contained notebooks (the headline), then all."""
    mine = [r for r in rows if r.get("self_contained", True)]
    others = [r for r in rows if not r.get("self_contained", True)]
    lines = ["self-contained (reproduce their saved outputs when re-run in a fresh kernel):"]
    lines += ["  " + line for line in figures(mine, "real, run top to bottom, distinct, self-contained")]
    lines += ["all (self-contained or not):"]
    lines += ["  " + line for line in figures(rows, "real, run top to bottom, distinct")]
    lines.append("export failures among the self-contained:")
    for r in mine:
        why = r.get("export_error") or r.get("install_error") or r.get("run_error")
        if why or not r.get("same_output") or not r.get("suite_agrees"):
            lines.append(
                f"  {Path(r['notebook']).name}: runs={r.get('runs')} same={r.get('same_output')} "
                f"suite_green={r.get('suite_green')} agrees={r.get('suite_agrees')} {why or ''}".rstrip()
            )
    lines.append(f"not self-contained ({len(others)}), not counted in the headline:")
    for r in others:
        lines.append(
            f"  {Path(r['notebook']).name}: {r.get('fresh_run')} (export: same={r.get('same_output')} "
            f"agrees={r.get('suite_agrees')})"
        )
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit-notebooks", type=int, default=0, help="only the first N notebooks")
    ap.add_argument("--limit", type=int, default=300, help="seconds allowed for one pipeline run")
    ap.add_argument("--json", help="write every row here")
    ap.add_argument("--fresh-only", action="store_true", help="only re-run the notebooks in fresh kernels")
    ap.add_argument("--jobs", type=int, default=1, help="notebooks measured at a time (fresh runs too)")
    ap.add_argument(
        "--kernel-python",
        help="the notebooks' environment: a python with ipykernel and their libraries, used as the "
        "`python3` kernel the export asks for versions (default: the installed python3 kernel)",
    )
    ap.add_argument("--summary-of", metavar="JSON", help="print the figures of a saved run (--json) and exit")
    args = ap.parse_args()
    if args.summary_of:
        print("\n".join(summary(json.loads(Path(args.summary_of).read_text()))))
        return 0
    if args.kernel_python:
        spec = Path(tempfile.mkdtemp(prefix="nbprod-bench-kernel-")) / "kernels" / "python3"
        spec.mkdir(parents=True)
        argv = [args.kernel_python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        (spec / "kernel.json").write_text(
            json.dumps({"argv": argv, "display_name": "bench", "language": "python"})
        )
        os.environ["JUPYTER_PATH"] = str(spec.parent.parent)
    nbs = clean_notebooks()
    if args.limit_notebooks:
        nbs = nbs[: args.limit_notebooks]
    if not nbs:
        print("offline: no real notebooks")
        return 0
    work = Path(tempfile.mkdtemp(prefix="nbprod-bench-venv-"))
    t = time.perf_counter()
    fresh = fresh_runs(nbs, args.jobs, args.limit)
    print(f"fresh kernel runs: {sum(v is None for v in fresh.values())}/{len(nbs)} notebooks reproduce "
          f"their saved outputs ({time.perf_counter() - t:.0f} s)", flush=True)  # fmt: skip
    if args.fresh_only:
        from realworld import cache_dir

        for src, why in fresh.items():
            print(f"  {os.path.relpath(src, cache_dir())}: {why or 'self-contained'}")
        return 0

    def one(i: int, src: Path) -> dict[str, Any]:
        t = time.perf_counter()
        row = measure(src, work, i, args.limit)
        row["seconds"] = round(time.perf_counter() - t, 1)
        row["self_contained"] = fresh[src] is None
        row["fresh_run"] = fresh[src]
        print(f"[{i + 1}/{len(nbs)}] {src.name}: self-contained={row['self_contained']} runs={row.get('runs')} "
              f"same={row.get('same_output')} agrees={row.get('suite_agrees')} deps={row.get('deps_complete')} "
              f"({row['seconds']} s)", flush=True)  # fmt: skip
        shutil.rmtree(work / f"nb{i:03d}" / "venv", ignore_errors=True)  # disk: keep the package
        return row

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        rows = list(pool.map(one, range(len(nbs)), nbs))
    print()
    print("\n".join(summary(rows)))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    print(f"(work folder: {work})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
