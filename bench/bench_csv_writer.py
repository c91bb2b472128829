"""The predictions CSV writer of the exported runtime against ``DataFrame.to_csv``, on 100k rows.

    python bench/bench_csv_writer.py [--repeats 7] [--tree PATH]  # PATH: another checkout's writer

Three outputs: a regressor's predictions that all differ, a classifier's label and two
probabilities that all differ (the worst case: one ``repr`` per value), and a 200-tree
forest's probabilities (multiples of 1/200: each distinct value and row formatted once).
CPU seconds, medians of interleaved runs; each file is checked byte for byte against pandas'.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument(
        "--tree", default=str(Path(__file__).resolve().parent.parent), help="checkout whose writer is timed"
    )
    args = ap.parse_args()
    sys.path.insert(0, args.tree)
    from nbprod.export.production.runtime import write_table

    rng = np.random.default_rng(0)
    p = rng.random(100_000)
    q = rng.integers(0, 201, 100_000) / 200
    frames = {
        "regressor, all distinct": pd.DataFrame({"prediction": rng.lognormal(11, 0.5, 100_000)}),
        "classifier, all distinct": pd.DataFrame({"prediction": (p > 0.5).astype(np.int64), "proba_0": 1 - p, "proba_1": p}),
        "forest, 200 trees": pd.DataFrame({"prediction": (q > 0.5).astype(np.int64), "proba_0": 1 - q, "proba_1": q}),
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        ours, theirs = Path(tmp) / "ours.csv", Path(tmp) / "pandas.csv"
        for name, df in frames.items():
            got: dict[str, list[float]] = {"write_table": [], "to_csv": [], "read_csv": []}
            for _ in range(args.repeats):
                for key, run in (
                    ("write_table", lambda df=df: write_table(df, ours)),
                    ("to_csv", lambda df=df: df.to_csv(theirs, index=False)),
                    ("read_csv", lambda: pd.read_csv(theirs)),
                ):
                    t = time.process_time()
                    run()
                    got[key].append(time.process_time() - t)
            same = ours.read_bytes() == theirs.read_bytes()
            med = {k: statistics.median(v) for k, v in got.items()}
            print(
                f"{name}: write_table ({args.tree}) {med['write_table']:.3f} s, to_csv {med['to_csv']:.3f} s,"
                f" read_csv of the file {med['read_csv']:.3f} s; byte-identical: {same}"
            )
            if not same:
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
