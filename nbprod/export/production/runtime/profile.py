"""The reference profile: what each feature and the predictions looked like in training."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

MAX_CATEGORIES = 1000  # above this a column is high-cardinality: unseen values are not checked
QUANTILES = np.linspace(0.0, 1.0, 101)


def factorize(s: pd.Series) -> tuple[np.ndarray, Any]:
    """``pd.factorize(s)``: codes and uniques in order of appearance, NaN as -1.

    Text columns are factorized as their object array, which is two to three times faster
    than through the Series and gives the same codes and values."""
    if s.dtype == object or (
        pd.api.types.is_string_dtype(s.dtype) and not isinstance(s.dtype, pd.CategoricalDtype)
    ):
        return pd.factorize(s.to_numpy(dtype=object))
    return pd.factorize(s)


def kind_of(s: pd.Series) -> str:
    """``numeric``, ``categorical`` or ``other`` (dates, objects nbprod does not profile)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(s.dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return "other"
    return "categorical"


def _numeric(s: pd.Series, bins: int) -> dict[str, Any]:
    v = s.dropna().to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"count": 0}
    v.sort()
    qs = np.quantile(v, QUANTILES)
    points = np.unique(qs)
    cdf = np.searchsorted(v, points, side="right") / v.size
    edges = np.unique(np.quantile(v, np.linspace(0, 1, bins + 1))[1:-1])
    frac = np.bincount(np.searchsorted(edges, v, side="right"), minlength=edges.size + 1) / v.size
    return {
        "count": int(v.size),
        "min": float(v[0]),
        "max": float(v[-1]),
        "mean": float(v.mean()),
        "std": float(v.std()),
        "quantiles": {
            "p01": float(qs[1]),
            "p25": float(qs[25]),
            "p50": float(qs[50]),
            "p75": float(qs[75]),
            "p99": float(qs[99]),
        },
        "cdf_points": points.tolist(),
        "cdf": cdf.tolist(),
        "bin_edges": edges.tolist(),
        "bin_frac": frac.tolist(),
        "integer": bool(np.all(np.mod(v, 1) == 0)),
    }


def _categorical(s: pd.Series) -> dict[str, Any]:
    counts = s.dropna().astype(str).value_counts()
    n = int(counts.sum())
    freq = (counts / max(n, 1)).round(6)
    return {
        "count": n,
        "distinct": int(counts.size),
        "frequencies": {str(k): float(v) for k, v in freq.head(MAX_CATEGORIES).items()},
        "complete": bool(counts.size <= MAX_CATEGORIES),
    }


def profile_series(s: pd.Series, bins: int = 10) -> dict[str, Any]:
    """Profile of one column: dtype, missing rate, and its distribution."""
    kind = kind_of(s)
    out: dict[str, Any] = {
        "dtype": str(s.dtype),
        "kind": kind,
        "missing_rate": float(s.isna().mean()) if len(s) else 0.0,
    }
    if isinstance(s.dtype, pd.CategoricalDtype):
        out["categories"] = [str(c) for c in s.dtype.categories]
    if kind == "numeric":
        out.update(_numeric(s, bins))
    elif kind == "categorical":
        out.update(_categorical(s))
    return out


def profile_frame(df: pd.DataFrame, bins: int = 10) -> dict[str, Any]:
    """Profile of every column of the training features, in their order."""
    return {
        "rows": len(df),
        "columns": [str(c) for c in df.columns],
        "features": {str(c): profile_series(df[c], bins) for c in df.columns},
    }


def as_series(pred: Any) -> pd.Series:
    """Predictions (array, Series, one-column frame) as a Series."""
    if isinstance(pred, pd.DataFrame):
        pred = pred.iloc[:, 0]
    if isinstance(pred, pd.Series):
        return pred.reset_index(drop=True)
    arr = np.asarray(pred)
    if arr.ndim > 1:
        arr = arr[:, -1] if arr.shape[1] > 1 else arr[:, 0]
    return pd.Series(arr)
