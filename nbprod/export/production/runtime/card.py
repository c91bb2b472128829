"""The model card: which data, seeds, versions and metrics made the model (JSON and Markdown)."""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from . import sha256_file

DATA_SUFFIXES = (
    ".csv",
    ".tsv",
    ".txt",
    ".parquet",
    ".pq",
    ".json",
    ".jsonl",
    ".xlsx",
    ".xls",
    ".feather",
    ".gz",
    ".zip",
)


class OpenedFiles:
    """Records the data files the training run reads (an audit hook on ``open``)."""

    active = False
    paths: ClassVar[dict[str, None]] = {}

    @classmethod
    def install(cls) -> None:
        if not getattr(sys, "_nbprod_open_hook", False):
            sys.addaudithook(cls._hook)
            sys._nbprod_open_hook = True  # type: ignore[attr-defined]
        cls.paths = {}
        cls.active = True

    @classmethod
    def _hook(cls, event: str, args: tuple[Any, ...]) -> None:
        if not cls.active or event != "open" or not args or not isinstance(args[0], (str, Path)):
            return
        mode = args[1] if len(args) > 1 else "r"
        if isinstance(mode, str) and any(m in mode for m in "wax+"):
            return
        p = str(args[0])
        if p.lower().endswith(DATA_SUFFIXES):
            cls.paths[p] = None


def _rows_columns(path: Path) -> tuple[int | None, int | None]:
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return None, None
    with open(path, "rb") as fh:
        header = fh.readline()
        rows = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
    sep = b"\t" if path.suffix.lower() == ".tsv" else b","
    return rows, header.count(sep) + 1


def fingerprint_files(paths: list[str]) -> list[dict[str, Any]]:
    """sha256, size, rows and columns of each input file that still exists outside the interpreter."""
    out = []
    skip = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    for p in paths:
        path = Path(p)
        try:
            resolved = path.resolve()
        except OSError:
            continue
        if not resolved.is_file() or any(s in resolved.parents for s in skip):
            continue
        rows, cols = _rows_columns(resolved)
        out.append(
            {
                "path": p,
                "sha256": sha256_file(resolved),
                "bytes": resolved.stat().st_size,
                "rows": rows,
                "columns": cols,
            }
        )
    return out


def frame_fingerprint(df: pd.DataFrame) -> dict[str, Any]:
    """A content hash of a DataFrame (values, index and column names), with its shape."""
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    h.update("\x00".join(map(str, df.columns)).encode())
    return {"sha256": h.hexdigest(), "rows": len(df), "columns": int(df.shape[1])}


def versions(requirements: list[str]) -> dict[str, str]:
    """Installed versions of the package's dependencies, and Python's."""
    out = {"python": platform.python_version()}
    for req in requirements:
        name = req.split(";")[0].split("[")[0]
        for op in ("==", ">=", "<=", "~=", "!=", ">", "<"):
            name = name.split(op)[0]
        name = name.strip()
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(where: Path) -> dict[str, Any] | None:
    """The commit of the working folder, and whether it has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10, check=False
        )
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}


def numbers(value: Any) -> Any:
    """A metric value as JSON numbers (scalars and flat dicts of scalars), or None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value) if np.isfinite(float(value)) else None
    if isinstance(value, dict):
        inner = {str(k): numbers(v) for k, v in value.items()}
        inner = {k: v for k, v in inner.items() if isinstance(v, float)}
        return inner or None
    if isinstance(value, pd.Series) and value.size <= 20 and pd.api.types.is_numeric_dtype(value.dtype):
        return {str(k): float(v) for k, v in value.items()}
    return None


def markdown(card: dict[str, Any]) -> str:
    """The readable view of the card."""
    m = card["model"]
    lines = [f"# Model card: {card['package']} {card['package_version']}", "",
             f"Trained {card['trained_at']} in {card['training_seconds']:.2f} s from the notebook `{card['notebook']}`.", "",
             f"- model: `{m['class']}` ({m['kind']}), the notebook's `{m['name']}`",
             f"- artifact: `{card['artifact']['file']}`, sha256 `{card['artifact']['sha256']}`",
             f"- git: {card['git']['commit'] + (' (uncommitted changes)' if card['git']['dirty'] else '') if card['git'] else 'not a git checkout'}",
             f"- seeds: {', '.join(f'{k}={v}' for k, v in card['seeds'].items()) or 'none found'}", "",
             "## Data", "", "| input | sha256 | rows | columns |", "|---|---|---|---|"]  # fmt: skip
    for f in card["inputs"]:
        lines.append(
            f"| `{f['path']}` | `{f['sha256'][:16]}` | {f['rows'] if f['rows'] is not None else ''} | {f['columns'] or ''} |"
        )
    for name, fp in card["frames"].items():
        lines.append(f"| {name} (in memory) | `{fp['sha256'][:16]}` | {fp['rows']} | {fp['columns']} |")
    lines += ["", "## Metrics", "", "| metric | model | baseline |", "|---|---|---|"]
    for row in card["metrics"]:
        base = "" if row.get("baseline") is None else f"{row['baseline']:.6g}"
        lines.append(f"| {row['name']} ({row['source']}) | {row['model']:.6g} | {base} |")
    lines += ["", "## Versions", "", "| package | version |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in card["versions"].items()]
    if card.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {n}" for n in card["notes"]]
    return "\n".join(lines) + "\n"
