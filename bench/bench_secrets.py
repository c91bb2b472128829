"""How right are NB401 and NB402? Recall and precision on the labelled set, and NB402's speed.

Run:  python bench/bench_secrets.py            (a few seconds; --seeds N for more draws)

* accuracy: every case of ``tests/data/secrets/cases.json`` (realistic secrets and
  look-alikes, in code cells and in every output kind) becomes a one-cell notebook, its
  ``{kind}`` fields filled with fresh fakes (``tests/secretgen.py``: valid formats and
  checksums, never real) for each of ``--seeds`` draws, and is checked with
  ``nbprod.check(select=[rule])``. A case counts as found when its rule fires. Printed:
  recall and precision per rule (target >= 0.95 each) and per output kind, and the ids of
  the cases each rule gets wrong.
* speed: ``NB402`` alone (``output_parts`` + ``find_secrets``) over big real-shaped outputs
  (a 3 MB plotly HTML, a 1 MB DataFrame table, 2 MB of training log), in MB/s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from secretgen import case_cell, load_cases  # noqa: E402

import nbprod  # noqa: E402
from nbprod.rules.secrets import find_secrets, output_parts  # noqa: E402

TARGET = 0.95


def _notebook(cell: dict) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(nbformat.v4.new_code_cell(execution_count=1, **cell))
    return nb


def run_cases(seeds: int) -> list[tuple[dict, bool]]:
    """(case, fired) for every case and seed."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(seeds):
            for i, case in enumerate(load_cases(seed)):
                path = Path(tmp) / f"s{seed}_{i:03d}.ipynb"
                nbformat.write(_notebook(case_cell(case)), str(path))
                report = nbprod.check(path, isolated=True, select=[case["rule"]])
                if report.errors:
                    raise SystemExit(f"{case['id']}: {report.errors}")
                results.append((case, any(f.rule == case["rule"] for f in report.findings)))
    return results


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def scores(results: list[tuple[dict, bool]], key: str) -> dict[str, dict[str, int]]:
    """tp/fn/fp/tn by ``key`` ('rule' or 'where')."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0, "tn": 0})
    for case, fired in results:
        secret = case["label"] == "secret"
        cell = "tp" if secret and fired else "fn" if secret else "fp" if fired else "tn"
        table[case[key]][cell] += 1
    return dict(table)


def print_scores(title: str, table: dict[str, dict[str, int]]) -> bool:
    print(f"\n{title}")
    print(f"  {'':18} {'secrets':>8} {'look-alikes':>12} {'recall':>7} {'precision':>10}")
    ok = True
    for name, t in sorted(table.items()):
        recall = _ratio(t["tp"], t["tp"] + t["fn"])
        precision = _ratio(t["tp"], t["tp"] + t["fp"])
        ok = ok and recall >= TARGET and precision >= TARGET
        print(f"  {name:18} {t['tp'] + t['fn']:>8} {t['fp'] + t['tn']:>12} {recall:>7.3f} {precision:>10.3f}")
    return ok


def speed() -> None:
    """NB402's throughput on big outputs of the shapes notebooks really hold."""
    plot = (
        "<div>"
        + "<script>Plotly.newPlot('x', [{\"y\": ["
        + ",".join(["0.123456"] * 380000)
        + "]}])</script></div>"
    )
    rows = "".join(f"<tr><th>{i}</th><td>{i * 0.5}</td><td>name_{i}</td></tr>" for i in range(25000))
    table = f'<table class="dataframe"><thead><tr><th></th><th>x</th><th>token_count</th></tr></thead>{rows}</table>'
    log = "".join(f"Epoch {i}: loss=0.{i % 997:03d} acc=0.9 tokens/s=1234 lr=1e-4\n" for i in range(35000))
    outputs = {
        "plotly HTML": {"output_type": "display_data", "data": {"text/html": plot, "text/plain": "Figure()"}},
        "DataFrame HTML": {"output_type": "execute_result", "data": {"text/html": table}},
        "training log": {"output_type": "stream", "name": "stdout", "text": log},
    }
    print("\nNB402 speed (output_parts + find_secrets), median of 5")
    for name, out in outputs.items():
        size = sum(len(v) for v in (out.get("data") or {"t": out.get("text", "")}).values()) / 1e6
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            for _, text in output_parts(out):
                find_secrets(text)
            times.append(time.perf_counter() - t0)
        t = sorted(times)[2]
        print(f"  {name:16} {size:5.1f} MB  {t * 1000:7.1f} ms  {size / t:7.0f} MB/s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3, help="draws of fakes per case (default 3)")
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    results = run_cases(args.seeds)
    n_secret = sum(c["label"] == "secret" for c, _ in results) // args.seeds
    print(f"labelled set: {n_secret} secrets, {len(results) // args.seeds - n_secret} look-alikes, "
          f"x {args.seeds} draws ({time.perf_counter() - t0:.1f} s)")  # fmt: skip
    ok = print_scores("by rule", scores(results, "rule"))
    print_scores("by where the secret stands (code cell or output kind)", scores(results, "where"))
    wrong = sorted({(c["id"], "missed" if c["label"] == "secret" else "false alarm") for c, fired in results
                    if fired != (c["label"] == "secret")})  # fmt: skip
    if wrong:
        print("\nwrong (in at least one draw):")
        for cid, what in wrong:
            print(f"  {cid}: {what}")
    if not args.no_speed:
        speed()
    print(f"\ntargets (recall and precision >= {TARGET} per rule): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
