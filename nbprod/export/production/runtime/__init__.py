"""The package's production face: train, predict, monitor (written by nbprod export)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


class ProductionError(Exception):
    """A problem the user can fix: one line on stderr, exit code 2."""


def spec() -> dict[str, Any]:
    """What nbprod found in the notebook: the model, its features, target and held-out rows."""
    data: dict[str, Any] = json.loads((HERE / "spec.json").read_text(encoding="utf-8"))
    return data


def config(path: str | None = None) -> dict[str, Any]:
    """Thresholds and switches: ``config.json`` beside this file, overridden by ``path``."""
    cfg: dict[str, Any] = json.loads((HERE / "config.json").read_text(encoding="utf-8"))
    if path:
        try:
            extra = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ProductionError(f"cannot read the config {path}: {exc}") from None
        if not isinstance(extra, dict):
            raise ProductionError(f"{path}: the config must be a JSON object")
        unknown = sorted(set(extra) - set(cfg))
        if unknown:
            raise ProductionError(f"{path}: unknown config key(s) {', '.join(unknown)}")
        cfg.update(extra)
    return cfg


def artifacts_dir(override: str | None = None) -> Path:
    """``--artifacts``, else ``$<PACKAGE>_ARTIFACTS``, else ``artifacts/`` in the current folder."""
    return Path(override or os.environ.get(spec()["artifacts_env"]) or "artifacts")


def sha256_file(path: Path) -> str:
    """sha256 of a file's bytes."""
    with open(path, "rb") as fh:
        if hasattr(hashlib, "file_digest"):  # Python 3.11+: no Python-level loop
            return hashlib.file_digest(fh, "sha256").hexdigest()
        h = hashlib.sha256()
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_table(path: str | Path) -> Any:
    """A CSV or Parquet file as a DataFrame; a clear error otherwise."""
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise ProductionError(f"{path}: no such file")
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(p)
        return pd.read_csv(p)
    except ImportError as exc:
        raise ProductionError(f"{path}: reading Parquet needs pyarrow ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - pandas raises many kinds for a bad file
        raise ProductionError(
            f"{path}: not a readable CSV/Parquet table ({type(exc).__name__}: {exc})"
        ) from None


def write_table(df: Any, path: str | Path) -> None:
    """Write CSV or Parquet (by suffix) atomically."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.tmp")
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            df.to_parquet(tmp, index=False)
        else:
            body = _csv_body(df)
            if body is None:
                df.to_csv(tmp, index=False)
            else:
                with open(tmp, "w", encoding="utf-8", newline="") as fh:
                    fh.write(df.head(0).to_csv(index=False, lineterminator="\n"))
                    fh.write(body)
    except ImportError as exc:
        tmp.unlink(missing_ok=True)
        raise ProductionError(f"{path}: writing Parquet needs pyarrow ({exc})") from None
    os.replace(tmp, p)


def _csv_body(df: Any) -> str | None:
    """The CSV rows pandas would write, for numbers without NaN (repr is pandas' shortest
    round-trip form, at twice its speed); None for anything else (pandas writes those)."""
    import numpy as np

    cols = []
    for i in range(df.shape[1]):
        v = df.iloc[:, i].to_numpy()
        if v.dtype.kind not in "biuf" or v.dtype.kind == "f" and (v.dtype != np.float64 or np.isnan(v).any()):
            return None
        cols.append(list(map(repr, v.tolist())))
    if not cols:
        return None
    if not cols[0]:
        return ""
    return "\n".join(map(",".join, zip(*cols, strict=True))) + "\n"  # one join: no per-row concatenation


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
