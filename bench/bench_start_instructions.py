"""Instructions of a one-notebook ``nbprod check`` as a whole process, counted by callgrind.

Usage: ``python bench/bench_start_instructions.py [--script /venv/bin/nbprod ...] [NOTEBOOK]``
(needs ``valgrind``; about a minute per script). Each console script checks the notebook
(default ``sample_notebooks/credit_risk_messy.ipynb``, copied to a temporary folder) cold
(``--no-cache``) and warm (a second run answered by the cache), and ``python -c "import
json"`` of the same interpreter runs beside it; the ratios are of instruction counts.

On a loaded machine the start-up's wall and CPU time move by a quarter between runs; its
instruction count moves by well under 1%. It is not the time: the interpreter's own start
runs fewer instructions per nanosecond (page faults, cold caches) than nbprod's code, so the
time ratio is lower than this one (on a quiet machine, 2.43x in time was 3.74x here).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def instructions(cmd: list[str], env: dict[str, str]) -> int:
    """Instructions callgrind counts for one run of ``cmd`` (children not followed)."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    m = re.search(r"Collected : (\d+)", done.stderr)
    if m is None:
        raise SystemExit(f"callgrind gave no count for {cmd}:\n{done.stderr[-2000:]}")
    return int(m.group(1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--script", action="append", default=[], help="an installed nbprod console script")
    ap.add_argument("notebook", nargs="?", default=str(REPO / "sample_notebooks" / "credit_risk_messy.ipynb"))
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed", file=sys.stderr)
        return 2
    scripts = args.script or [str(Path(sys.executable).parent / "nbprod")]
    with tempfile.TemporaryDirectory(prefix="nbprod-start-") as tmp:
        one = Path(tmp) / "one" / Path(args.notebook).name
        one.parent.mkdir()
        shutil.copy(args.notebook, one)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "NBPROD_NO_CACHE")}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")  # bytecode cached, as a wheel's is
        for script in scripts:
            python = str(Path(script).parent / "python")
            env["NBPROD_CACHE_DIR"] = str(Path(tmp) / f"cache-{abs(hash(script))}")
            subprocess.run(
                [script, "check", "--no-cache", str(one)], env=env, capture_output=True, check=False
            )
            subprocess.run([script, "check", str(one)], env=env, capture_output=True, check=False)  # fills it
            base = instructions([python, "-c", "import json"], env)
            cold = instructions([script, "check", "--no-cache", str(one)], env)
            warm = instructions([script, "check", str(one)], env)
            print(f"{script}: python -c 'import json' {base / 1e6:.1f} M instructions")
            print(f"  cold: {cold / 1e6:.1f} M = {cold / base:.2f}x")
            print(f"  warm: {warm / 1e6:.1f} M = {warm / base:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
