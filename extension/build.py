"""Rebuild the prebuilt JupyterLab extension in nbprod/labextension from extension/.

Usage: ``python extension/build.py`` (needs Node >= 18 and ``npm install`` in extension/)
and ``python extension/build.py --check`` (no Node: exit 1 when the committed build was
made from other sources than those in extension/). The build records the sha256 of its
sources in ``nbprod/labextension/build-source.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "nbprod" / "labextension"
STAMP = OUT / "build-source.json"
SOURCES = ("package.json", "tsconfig.json", "src", "style")


def source_hash() -> str:
    """sha256 over the extension's source files (names and contents, sorted)."""
    h = hashlib.sha256()
    for name in SOURCES:
        path = HERE / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            h.update(f.relative_to(HERE).as_posix().encode() + b"\0")
            h.update(f.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return h.hexdigest()


def recorded() -> str | None:
    try:
        return str(json.loads(STAMP.read_text())["sources_sha256"])
    except (OSError, ValueError, KeyError):
        return None


def build() -> int:
    import jupyterlab

    if shutil.which("node") is None:
        print("build.py: node is not installed (the committed build stays as it is)", file=sys.stderr)
        return 2
    if not (HERE / "node_modules").is_dir():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    subprocess.run(["node", "node_modules/typescript/bin/tsc"], cwd=HERE, check=True)
    core = Path(jupyterlab.__file__).parent / "staging"
    if (OUT / "static").is_dir():
        shutil.rmtree(OUT / "static")
    builder = "node_modules/@jupyterlab/builder/lib/build-labextension.js"
    subprocess.run(["node", builder, "--core-path", str(core), "."], cwd=HERE, check=True)
    STAMP.write_text(json.dumps({"sources_sha256": source_hash()}, indent=2) + "\n")
    print(f"build.py: built {OUT}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare the recorded source hash")
    args = parser.parse_args()
    if args.check:
        if recorded() != source_hash():
            print(
                "build.py: nbprod/labextension was not built from extension/ as it is now: "
                "run python extension/build.py and commit the result",
                file=sys.stderr,
            )
            return 1
        print("build.py: the committed build matches extension/")
        return 0
    return build()


if __name__ == "__main__":
    raise SystemExit(main())
