"""Every output of ``nbprod check`` over some folders, written to files, to diff two trees.

Run:  python bench/check_outputs.py OUT TREE DIR [DIR ...]
      python bench/check_outputs.py /tmp/before /path/to/old/tree corpus/ samples/
      python bench/check_outputs.py /tmp/after  /path/to/new/tree corpus/ samples/
      diff -r /tmp/before /tmp/after && echo identical

For each folder, ``python -m nbprod check`` (with ``PYTHONPATH=TREE``, from the folder's
parent, so the paths printed are the same for both trees) in every output format, serially
and with a pool of 2, without the checklist, and twice through a fresh cache (the run that
fills it and the one answered by it): each output and its exit code go to a file of OUT.
The notebooks compared are counted from the JSON output and printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

RUNS = {
    "json": ["--no-cache", "--jobs", "1", "--format", "json"],
    "json-pool": ["--no-cache", "--jobs", "2", "--format", "json"],
    "json-no-checklist": ["--no-cache", "--jobs", "1", "--format", "json", "--no-checklist"],
    "sarif": ["--no-cache", "--jobs", "1", "--format", "sarif"],
    "text": ["--no-cache", "--jobs", "1"],
    "github": ["--no-cache", "--jobs", "1", "--format", "github"],
    "gitlab": ["--no-cache", "--jobs", "1", "--format", "gitlab"],
    "cache-fill": ["--jobs", "1", "--format", "json"],
    "cache-warm": ["--jobs", "1", "--format", "json"],
    "cache-fill-text": ["--jobs", "1"],
    "cache-warm-text": ["--jobs", "1"],
}


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    out, tree, folders = Path(argv[0]), Path(argv[1]).resolve(), [Path(d).resolve() for d in argv[2:]]
    out.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NBPROD_")}
    env["PYTHONPATH"] = str(tree)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    total = 0
    for folder in folders:
        with tempfile.TemporaryDirectory(prefix="nbprod-outputs-") as cache:
            env["NBPROD_CACHE_DIR"] = cache
            for name, options in RUNS.items():
                cmd = [sys.executable, "-m", "nbprod", "check", *options, folder.name]
                done = subprocess.run(cmd, cwd=folder.parent, env=env, capture_output=True, check=False)
                text = done.stdout + f"\n--- exit {done.returncode}\n".encode() + done.stderr
                (out / f"{folder.name}.{name}").write_bytes(text)
                if name == "json":
                    count = len(json.loads(done.stdout).get("notebooks", []))
                    print(f"{folder}: {count} notebooks checked, exit {done.returncode}")
                    total += count
    print(f"{total} notebooks in all; outputs in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
