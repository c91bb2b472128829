"""The production face of ``nbprod export`` on real notebooks: train, predict, monitor.

    python bench/bench_production.py              # corpus + samples, then the 100k-row timings
    python bench/bench_production.py --no-timing  # fidelity only
    python bench/bench_production.py --only wine_kadai
    python bench/bench_production.py --timing-only --cold  # the timed packages only: export, train, time

Corpus: ``bench/production_corpus/*.ipynb`` (public code adapted to generated or bundled data;
provenance in ``PROVENANCE.md``; rebuild with ``build.py``) plus ``sample_notebooks/`` that train.
Per notebook: the notebook runs in a fresh kernel (nbclient), and after its last cell the kernel
writes its held-out rows and the notebook's own predictions on them; the package is exported,
``train`` runs, ``predict`` scores the kernel's held-out rows (compared with the notebook's
predictions), ``monitor`` checks them and a shifted copy; the generated ``test_production.py`` runs.
Timing: a 100k-row CSV resampled from the held-out rows, every float feature moved by about 1%
(``--input resampled``: the rows as they are, a few hundred distinct ones repeated); ``predict``
and ``monitor`` in process,
CPU time, against ``pandas.read_csv`` of the same file, the three interleaved, medians of
``--repeats``. Each call is split into the model's own ``predict`` / ``predict_proba`` (timed
inside that same call), and into parts (artifact, read, validate, preprocessing, model, checks,
drift, write, audit log, rest), each exclusive of the parts inside it; nbprod's own part is all
but the model and the replayed preprocessing. Imports are not counted (``--cold`` adds a
new-process line where they are). The machine is shared: timings are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "bench" / "production_corpus"
SAMPLES = REPO / "sample_notebooks"
TIMED = ("credit_risk_clean", "recipes_column_transformer", "scaled_logreg_outside_pipeline")

DUMP = """
import numpy as _np, pandas as _pd
_spec = {spec!r}
_Z = eval(_spec["heldout_X"])
_rows = _Z.copy() if isinstance(_Z, _pd.DataFrame) else _pd.DataFrame(_np.asarray(_Z), columns=[f"x{{i}}" for i in range(_np.asarray(_Z).shape[1])])
for _s, _n in _spec["steps"]:
    _Z = _np.asarray(_Z) if _s == "values" else getattr(eval(_n), _s)(_Z)
_pred = eval(_spec["notebook_predictions"]) if _spec["notebook_predictions"] else eval(_spec["model"]).predict(_Z)
_rows.columns = [str(c) for c in _rows.columns]
_rows.to_csv({rows!r}, index=False)
_pd.DataFrame({{"prediction": _np.asarray(_pred).ravel()}}).to_csv({pred!r}, index=False)
"""


def _env(src: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(src)
    env["MPLBACKEND"] = "Agg"
    return env


def _run_notebook(nb_path: Path, extra: str, timeout: int = 600) -> str | None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(extra))
    try:
        NotebookClient(
            nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(nb_path.parent)}}
        ).execute()
    except Exception as exc:  # the notebook's own error, or a kernel problem
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:160] if str(exc).strip() else ''}"
    return None


def _same(a: Path, b: Path) -> bool:
    import numpy as np
    import pandas as pd

    x, y = pd.read_csv(a)["prediction"], pd.read_csv(b)["prediction"]
    if len(x) != len(y):
        return False
    if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
        return bool(np.allclose(x.to_numpy(float), y.to_numpy(float), rtol=1e-9, atol=1e-12))
    return x.astype(str).tolist() == y.astype(str).tolist()


def one(nb: Path, work: Path, quick: bool = False) -> dict[str, object]:
    """Export, train, predict, monitor and the generated tests; ``quick``: export and train only,
    and time on the held-out rows ``train`` saved (the same rows the notebook's kernel writes)."""
    from nbprod.export import export_notebook

    row: dict[str, object] = {"notebook": nb.stem}
    here = work / nb.stem
    here.mkdir()
    shutil.copy(nb, here / nb.name)
    if (nb.parent / "data").is_dir():
        shutil.copytree(nb.parent / "data", here / "data")
    local = here / nb.name
    try:
        result = export_notebook(local, here / "pkg")
    except Exception as exc:
        row["stage"] = f"export failed: {exc}"
        return row
    spec_file = result.out_dir / "src" / result.package / "production" / "spec.json"
    if not spec_file.is_file():
        row["stage"] = "no model detected"
        return row
    spec = json.loads(spec_file.read_text())
    row.update(model=spec["model"], preprocessing=spec["preprocessing"], steps=len(spec["steps"]))
    if not spec.get("heldout_X"):
        row["stage"] = "no held-out rows detected"
    rows, nbpred = here / "heldout_rows.csv", here / "notebook_predictions.csv"
    if spec.get("heldout_X") and not quick:
        err = _run_notebook(local, DUMP.format(spec=spec, rows=str(rows), pred=str(nbpred)))
        if err:
            row["notebook_run"] = err
    env = _env(result.out_dir / "src")
    art = here / "artifacts"
    py = [sys.executable, "-m", result.package]
    t0 = time.perf_counter()
    done = subprocess.run(
        [*py, "train", "--artifacts", str(art)],
        cwd=here,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    row["train_s"] = round(time.perf_counter() - t0, 2)
    row["train"] = done.returncode == 0
    if done.returncode != 0:
        row["stage"] = "train failed: " + (done.stderr.strip().splitlines() or ["?"])[-1][:200]
        return row
    batch = rows if rows.is_file() else art / "samples" / "heldout_rows.csv"
    if quick:
        row.update(
            stage="trained", predict=True, package=str(result.out_dir), heldout=str(batch), artifacts=str(art)
        )
        return row
    out = here / "pred.csv"
    done = subprocess.run(
        [*py, "predict", str(batch), "-o", str(out), "--artifacts", str(art)],
        cwd=here,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    row["predict"] = done.returncode == 0
    if done.returncode != 0:
        row["stage"] = "predict failed: " + (done.stderr.strip().splitlines() or ["?"])[-1][:200]
    elif nbpred.is_file():
        row["same_as_notebook"] = _same(out, nbpred)
    mon = subprocess.run(
        [*py, "monitor", str(batch), "--artifacts", str(art), "--report", str(here / "mon")],
        cwd=here,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    import pandas as pd

    df = pd.read_csv(batch)
    num = df.select_dtypes("number").columns
    df[num] = df[num] * 1.5 + df[num].std() * 2 + 1
    df.to_csv(here / "shifted.csv", index=False)
    shifted = subprocess.run(
        [*py, "monitor", str(here / "shifted.csv"), "--artifacts", str(art), "--report", str(here / "mon2")],
        cwd=here,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    row["monitor"] = mon.returncode in (0, 1) and (here / "mon" / "drift.json").is_file()
    row["heldout_drift"] = mon.returncode == 1
    row["shift_detected"] = shifted.returncode == 1
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_production.py"],
                           cwd=result.out_dir, env=env, capture_output=True, text=True, timeout=1800)  # fmt: skip
    row["generated_tests"] = (tests.stdout.strip().splitlines() or ["?"])[-1]
    row.setdefault("stage", "ok" if row["predict"] and row["monitor"] else "partial")
    row["package"] = str(result.out_dir)
    row["heldout"] = str(batch)
    row["artifacts"] = str(art)
    return row


TIMER = r"""
import contextlib, io, json, statistics, sys, time
import pandas as pd
import {package}.production as prod
from {package}.production import cli, drift, html, serve
art, src, big, reps, mode = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
rows = pd.read_csv(src)
batch = rows.sample(n=100_000, replace=True, random_state=0).reset_index(drop=True)
if mode == "distinct":
    # new data is not the held-out rows over and over: every float feature moves by about 1%,
    # written with the column's own number of decimals (at least 2), so rows and the model's
    # outputs are as varied as a real batch's while every column keeps its distribution
    import numpy as np
    rng = np.random.default_rng(0)
    for name in batch.columns:
        col = batch[name]
        if col.dtype.kind != "f":
            continue
        text = rows[name].dropna().astype(str)
        places = max([len(v.split(".", 1)[1]) for v in text if "." in v and "e" not in v] + [2])
        batch[name] = (col * (1 + 0.01 * rng.standard_normal(len(col)))).round(min(places, 6))
batch.to_csv(big, index=False)
distinct = int(len(batch.drop_duplicates()))
clock = time.process_time
stack = []  # [part, start, time spent in timed parts below it]
parts = {{}}  # CPU seconds of this call in each part, exclusive of the parts inside it


def timed(part, f, below=None):
    # ``below``: time only when called inside that part or at the top (feature_drift is both
    # the features' test, inside batch_drift, and the predictions' one, from the command)
    def inner(*a, **k):
        if stack and below is not None and stack[-1][0] != below:
            return f(*a, **k)
        stack.append([part, clock(), 0.0])
        try:
            return f(*a, **k)
        finally:
            name, t0, inside = stack.pop()
            spent = clock() - t0
            parts[name] = parts.get(name, 0.0) + spent - inside
            if stack:
                stack[-1][2] += spent
    return inner


jobs = {{}}
what = {{}}
load = serve.load_bundle


def timed_load(a):
    bundle, card = load(a)
    model = bundle["model"]
    steps = [s for _, s in getattr(model, "steps", [])] or [model]
    what["model"] = "+".join(type(s).__name__ for s in steps)
    if hasattr(steps[-1], "n_estimators"):
        what["model"] += f"({{steps[-1].n_estimators}} trees)"
    try:  # as the notebook set them: nothing in nbprod overrides them
        jobs.update({{k: v for k, v in model.get_params().items() if k.endswith("n_jobs")}})
    except Exception:
        pass
    for name in ("predict", "predict_proba"):
        if hasattr(model, name):  # the instance's own, for this process only
            object.__setattr__(model, name, timed("model", getattr(model, name)))
    return bundle, card


PARTS = {{  # (module, attribute): part; every name the commands look up at call time
    (serve, "load_bundle"): "artifact",
    (cli, "_load"): "artifact",
    (cli, "read_table"): "read input",
    (serve, "validate"): "validate input",
    (serve, "apply"): "preprocessing",
    (serve, "check_predictions"): "check predictions",
    (serve, "output_frame"): "write output",
    (prod, "write_table"): "write output",
    (cli, "sha256_file"): "audit log",
    (serve, "summary"): "audit log",
    (drift, "batch_drift"): "feature drift",
    (serve, "prediction_signal"): "prediction drift",
    (cli, "write_text"): "write output",
    (html, "render"): "write output",
}}
for (mod, attr), part in PARTS.items():
    f = timed_load if (mod, attr) == (serve, "load_bundle") else getattr(mod, attr)
    setattr(mod, attr, timed(part, f))
drift.feature_drift = timed("prediction drift", drift.feature_drift, below="never")
for name in ("_verified_bytes", "_unpickle"):  # the artifact's two halves, when serve has them
    if hasattr(serve, name):
        setattr(serve, name, timed("artifact sha256" if name == "_verified_bytes" else "artifact unpickle", getattr(serve, name)))


def run(argv):
    parts.clear()
    with contextlib.redirect_stdout(io.StringIO()):
        t = clock()
        code = cli.main(argv)
        total = clock() - t
    assert code in (0, 1), code
    assert not stack
    got = dict(parts)
    got["other"] = total - sum(got.values())
    got["total"] = total
    return got


predict_argv = ["predict", big, "-o", big + ".out.csv", "--artifacts", art]
monitor_argv = ["monitor", big, "--artifacts", art, "--report", big + ".mon"]
run(predict_argv), run(monitor_argv)  # imports, first-call caches
got = {{"read_csv": [], "predict": [], "monitor": []}}
for _ in range(reps):  # interleaved: drift in the machine's load hits all three alike
    t = clock(); pd.read_csv(big); got["read_csv"].append({{"total": clock() - t}})
    got["predict"].append(run(predict_argv))
    got["monitor"].append(run(monitor_argv))
out = {{"n_jobs": jobs, "reps": reps, **what, "input_bytes": __import__("os").path.getsize(big), "distinct_rows": distinct}}
for k, v in got.items():
    names = sorted({{n for r in v for n in r}})
    out[k] = {{n: statistics.median(r.get(n, 0.0) for r in v) for n in names}}
print(json.dumps(out))
"""

COLD = r"""
import resource, subprocess, sys, statistics
py, package, art, big, reps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
argvs = {{
    "read_csv": [py, "-c", f"import pandas; pandas.read_csv({{big!r}})"],
    "predict": [py, "-m", package, "predict", big, "-o", big + ".cold.csv", "--artifacts", art],
    "monitor": [py, "-m", package, "monitor", big, "--artifacts", art, "--report", big + ".cold"],
}}
got = {{k: [] for k in argvs}}
for _ in range(reps):
    for k, argv in argvs.items():
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(argv, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert done.returncode in (0, 1), done.stderr[-400:]
        got[k].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
print(__import__("json").dumps({{k: statistics.median(v) for k, v in got.items()}}))
"""

# nbprod's own part: everything but the model's predict and the notebook's replayed preprocessing
NOT_OURS = ("model", "preprocessing")
ORDER = ("artifact", "artifact sha256", "artifact unpickle", "read input", "validate input", "preprocessing",
         "model", "check predictions", "feature drift", "prediction drift", "write output", "audit log", "other")  # fmt: skip


def timing(row: dict[str, object], work: Path, reps: int, cold: bool, mode: str) -> dict[str, Any] | None:
    pkg_dir = Path(str(row["package"]))
    package = next(
        p.name for p in (pkg_dir / "src").iterdir() if p.is_dir() and not p.name.endswith("egg-info")
    )
    big = work / f"{row['notebook']}-100k.csv"
    env = _env(pkg_dir / "src")
    done = subprocess.run([sys.executable, "-c", TIMER.format(package=package), str(row["artifacts"]), str(row["heldout"]), str(big), str(reps), mode],
                          env=env, capture_output=True, text=True, timeout=1800)  # fmt: skip
    if done.returncode != 0:
        print(f"  timing failed: {done.stderr.strip().splitlines()[-1:]}")
        return None
    t: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if cold:
        done = subprocess.run([sys.executable, "-c", COLD.format(), sys.executable, package, str(row["artifacts"]), str(big), str(reps)],
                              env=env, capture_output=True, text=True, timeout=1800)  # fmt: skip
        if done.returncode == 0:
            t["cold"] = json.loads(done.stdout.strip().splitlines()[-1])
        else:
            print(f"  cold timing failed: {done.stderr.strip().splitlines()[-1:]}")
    return t


def own(t: dict[str, Any], cmd: str) -> float:
    """nbprod's own CPU seconds in ``cmd``: the total less the model and the replayed preprocessing."""
    return float(t[cmd]["total"] - sum(t[cmd].get(k, 0.0) for k in NOT_OURS))


def _lines(name: str, t: dict[str, Any]) -> list[str]:
    floor = t["read_csv"]["total"]
    jobs = ", ".join(f"{k}={v}" for k, v in t["n_jobs"].items()) or "no n_jobs"
    out = [
        f"timing {name} ({t['model']}; {jobs}), 100k rows ({t.get('distinct_rows', 0):,} distinct, {t['input_bytes'] / 1e6:.1f} MB), CPU s,"
        f" median of {t['reps']}: read_csv {floor:.3f}"
    ]
    for cmd in ("predict", "monitor"):
        c = t[cmd]
        mine = own(t, cmd)
        out.append(
            f"  {cmd} {c['total']:.3f} ({c['total'] / floor:.1f}x): nbprod's own {mine:.3f} ({mine / floor:.2f}x),"
            f" model {c.get('model', 0.0):.3f} ({c.get('model', 0.0) / floor:.1f}x),"
            f" preprocessing {c.get('preprocessing', 0.0):.3f} ({c.get('preprocessing', 0.0) / floor:.2f}x)"
        )
        out.append(
            "    "
            + ", ".join(
                f"{k} {c[k]:.3f} ({c[k] / floor:.2f}x)" for k in ORDER if k in c and k not in NOT_OURS
            )
        )
    if "cold" in t:
        cold = t["cold"]
        out.append(
            f"  new process each (start-up and imports counted): read_csv {cold['read_csv']:.3f},"
            f" predict {cold['predict']:.3f} ({cold['predict'] / cold['read_csv']:.1f}x),"
            f" monitor {cold['monitor']:.3f} ({cold['monitor'] / cold['read_csv']:.1f}x)"
        )
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument(
        "--timing-only",
        action="store_true",
        help="the 100k-row timings alone: export and train the timed packages, nothing else (~3 min)",
    )
    ap.add_argument(
        "--cold", action="store_true", help="also time each command in a new process (imports counted)"
    )
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--json", help="write the rows here")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (printed) for profiling")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per command (median)")
    ap.add_argument(
        "--input",
        choices=("distinct", "resampled"),
        default="distinct",
        help="the 100k rows: the held-out rows resampled with every float feature moved by ~1%% "
        "(distinct, the default: as varied as new data) or resampled as they are (a few hundred "
        "distinct rows repeated, which flatters anything that formats each distinct value once)",
    )
    args = ap.parse_args()
    notebooks = sorted(CORPUS.glob("*.ipynb")) + [
        SAMPLES / f"{n}.ipynb"
        for n in ("credit_risk_clean", "credit_risk_messy", "sales_regression", "iris_quick")
    ]
    if args.timing_only:
        notebooks = [n for n in notebooks if n.stem in TIMED]
    if args.only:
        notebooks = [n for n in notebooks if n.stem in args.only]
    work = Path(tempfile.mkdtemp(prefix="nbprod-bench-production-"))
    rows = []
    for nb in notebooks:
        row = one(nb, work, quick=args.timing_only)
        rows.append(row)
        print(
            json.dumps({k: v for k, v in row.items() if k not in ("package", "heldout", "artifacts")}),
            flush=True,
        )
    corpus = [r for r in rows if (CORPUS / f"{r['notebook']}.ipynb").is_file()]
    for label, group in (("corpus", corpus), ("all", rows)):
        if args.timing_only:
            break
        n = len(group)
        working = sum(1 for r in group if r.get("train") and r.get("predict") and r.get("monitor"))
        compared = [r for r in group if "same_as_notebook" in r]
        same = sum(1 for r in compared if r["same_as_notebook"])
        shift = sum(1 for r in group if r.get("shift_detected"))
        print(
            f"{label}: {n} notebooks; train+predict+monitor work on {working}; predictions equal the notebook's on "
            f"{same} of {len(compared)} compared ({same / max(len(compared), 1):.0%}); shifted batch flagged on {shift}"
        )
    if not args.no_timing:
        timed = []
        for r in rows:
            if r["notebook"] in TIMED and r.get("predict"):
                t = timing(r, work, args.repeats, args.cold, args.input)
                if t:
                    print("\n".join(_lines(str(r["notebook"]), t)), flush=True)
                    r["timing"] = t
                    timed.append(t)
        for cmd in ("predict", "monitor"):
            total = sum(t[cmd]["total"] / t["read_csv"]["total"] <= 3 for t in timed)
            mine = sum(own(t, cmd) / t["read_csv"]["total"] <= 3 for t in timed)
            print(
                f"{cmd} within 3x read_csv: total on {total} of {len(timed)}; nbprod's own part (all but the model's"
                f" predict and the notebook's replayed preprocessing) on {mine} of {len(timed)}"
            )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=str))
    if args.keep:
        print(f"work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
