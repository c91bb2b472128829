"""Drift of a batch against the reference profile: PSI, KS, chi-square, missing rates."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .profile import factorize, kind_of

EPS = 1e-4


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index of two distributions over the same bins."""
    e = np.clip(np.asarray(expected, dtype=float), EPS, None)
    a = np.clip(np.asarray(actual, dtype=float), EPS, None)
    return float(np.sum((a - e) * np.log(a / e)))


def ks_pvalue(d: float, n: int, m: int) -> float:
    """Asymptotic two-sample Kolmogorov-Smirnov p-value."""
    if n == 0 or m == 0 or d <= 0:
        return 1.0
    en = math.sqrt(n * m / (n + m))
    lam = (en + 0.12 + 0.11 / en) * d
    total = sum(2 * (-1) ** (k - 1) * math.exp(-2 * k * k * lam * lam) for k in range(1, 101))
    return float(min(max(total, 0.0), 1.0))


def _gamma_q(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) (series / continued fraction)."""
    if x <= 0:
        return 1.0
    gln = math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        ap = a
        for _ in range(1000):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-12:
                break
        return max(0.0, 1.0 - total * math.exp(-x + a * math.log(x) - gln))
    b = x + 1 - a
    c = 1 / 1e-300
    d = 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1 / d
        h *= d * c
        if abs(d * c - 1) < 1e-12:
            break
    return min(1.0, math.exp(-x + a * math.log(x) - gln) * h)


def chi2_pvalue(stat: float, dof: int) -> float:
    """Upper tail of the chi-square distribution."""
    return 1.0 if dof <= 0 else float(_gamma_q(dof / 2.0, stat / 2.0))


def _finite(s: pd.Series) -> np.ndarray:
    """The finite numbers of a column, as float64 (text that is not a number dropped)."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        v = s.to_numpy(dtype=float, na_value=np.nan)
    else:
        v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    finite = np.isfinite(v)
    return v if finite.all() else v[finite]  # no copy when all are finite (callers do not write to it)


def _numeric_drift(ref: dict[str, Any], s: pd.Series) -> dict[str, Any]:
    v = np.sort(_finite(s))  # numpy's SIMD sort: cheaper than searching unsorted values
    if v.size == 0 or not ref.get("count"):
        return {"test": "ks", "psi": 0.0, "statistic": 0.0, "p_value": 1.0, "mean": None}
    # every count is a search of the reference's few edges and points in the sorted batch
    edges = np.asarray(ref["bin_edges"], dtype=float)
    frac = np.diff(np.concatenate(([0], np.searchsorted(v, edges, side="left"), [v.size]))) / v.size
    points = np.asarray(ref["cdf_points"], dtype=float)
    cdf_new = np.searchsorted(v, points, side="right") / v.size
    d = float(np.max(np.abs(cdf_new - np.asarray(ref["cdf"], dtype=float))))
    if v[0] < points[0]:
        d = max(d, float(np.searchsorted(v, points[0], side="left") / v.size))
    return {
        "test": "ks",
        "psi": psi(np.asarray(ref["bin_frac"]), frac),
        "statistic": d,
        "p_value": ks_pvalue(d, int(ref["count"]), int(v.size)),
        "mean": float(v.mean()),
        "bin_frac": frac.tolist(),
    }


def _counts(s: pd.Series, codes_uniques: Any = None) -> tuple[list[str], np.ndarray]:
    """Category counts of a column as text, largest first (one hashing pass, no per-row str)."""
    codes, uniques = factorize(s) if codes_uniques is None else codes_uniques
    per = np.bincount(codes[codes >= 0], minlength=len(uniques))
    merged: dict[str, int] = {}
    for u, n in zip(uniques, per.tolist(), strict=True):  # distinct values only
        merged[str(u)] = merged.get(str(u), 0) + n
    order = sorted(merged, key=lambda k: -merged[k])
    return order, np.array([merged[k] for k in order], dtype=float)


def _categorical_drift(ref: dict[str, Any], s: pd.Series, codes_uniques: Any = None) -> dict[str, Any]:
    names, values = _counts(s, codes_uniques)
    counts = dict(zip(names, values.tolist(), strict=True))
    n = int(values.sum())
    known = list(ref.get("frequencies", {}))
    if n == 0 or not known:
        return {"test": "chi2", "psi": 0.0, "statistic": 0.0, "p_value": 1.0, "unseen": []}
    exp = np.array([ref["frequencies"][k] for k in known] + [max(0.0, 1 - sum(ref["frequencies"].values()))])
    obs = np.array(
        [counts.get(k, 0) for k in known] + [n - sum(counts.get(k, 0) for k in known)], dtype=float
    )
    if exp[-1] <= 0 and obs[-1] == 0:  # no "other" bucket on either side
        exp, obs = exp[:-1], obs[:-1]
    exp = np.clip(exp, EPS, None)
    exp = exp / exp.sum()
    stat = float(np.sum((obs - n * exp) ** 2 / (n * exp)))
    dof = int(exp.size) - 1
    unseen = [k for k in names if k not in ref["frequencies"]] if ref.get("complete") else []
    cramers_v = min(1.0, math.sqrt(stat / (n * dof))) if dof > 0 else 0.0
    return {
        "test": "chi2",
        "psi": psi(exp, obs / n),
        "statistic": stat,
        "p_value": chi2_pvalue(stat, dof),
        "cramers_v": cramers_v,
        "unseen": unseen[:20],
        "frequencies": {k: float(obs[i] / n) for i, k in enumerate(known)},
    }


def feature_drift(
    ref: dict[str, Any],
    s: pd.Series,
    cfg: dict[str, Any],
    alpha: float | None = None,
    factorized: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Drift of one column against its reference, with the reasons it counts as drift.

    ``factorized``: when given, a categorical column's ``factorize`` is kept there under its
    name, for ``serve.validate`` to reuse on the same batch."""
    alpha = cfg["p_value"] if alpha is None else alpha
    kind = ref["kind"] if ref["kind"] != "other" else kind_of(s)
    out: dict[str, Any] = {"kind": kind}
    missing = None
    if kind == "numeric":
        out.update(_numeric_drift(ref, s))
    elif kind == "categorical":
        codes_uniques = factorize(s)
        if factorized is not None:
            factorized[str(s.name)] = codes_uniques
        out.update(_categorical_drift(ref, s, codes_uniques))
        missing = int(np.count_nonzero(codes_uniques[0] < 0))  # NaN's code: no second pass (isna)
    else:
        out.update({"test": None, "psi": 0.0, "statistic": 0.0, "p_value": 1.0})
    if missing is None:
        missing = int(s.isna().sum())
    out["missing_rate"] = missing / len(s) if len(s) else 0.0
    out["missing_rate_ref"] = ref["missing_rate"]
    reasons = []
    # a distance counts only when the test says sampling noise does not explain it (small
    # batches give large PSIs by chance); ``alpha`` is the per-feature share of ``p_value``
    significant = out["p_value"] < alpha
    if significant and out["psi"] >= cfg["psi"]:
        reasons.append(f"PSI {out['psi']:.3f} >= {cfg['psi']}")
    if significant and kind == "numeric" and out["statistic"] >= cfg["ks_statistic"]:
        reasons.append(f"KS {out['statistic']:.3f} (p={out['p_value']:.2g})")
    if significant and kind == "categorical" and out.get("cramers_v", 0) >= cfg["cramers_v"]:
        reasons.append(f"chi-square p={out['p_value']:.2g}, Cramer's V {out.get('cramers_v', 0):.3f}")
    if out.get("unseen"):
        reasons.append(f"categories never seen in training: {', '.join(repr(u) for u in out['unseen'][:3])}")
    change = abs(out["missing_rate"] - out["missing_rate_ref"])
    if change >= cfg["missing_rate_change"]:
        reasons.append(f"missing rate {out['missing_rate_ref']:.3f} -> {out['missing_rate']:.3f}")
    out["drift"] = bool(reasons)
    out["reasons"] = reasons
    return out


def batch_drift(
    profile: dict[str, Any], df: pd.DataFrame, cfg: dict[str, Any], factorized: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Per-feature drift of ``df``; columns missing from the batch are reported, not guessed."""
    features: dict[str, Any] = {}
    missing = []
    alpha = cfg["p_value"] / max(len(profile["features"]), 1)  # Bonferroni over the features
    for name, ref in profile["features"].items():
        if name not in df.columns:
            missing.append(name)
            continue
        features[name] = feature_drift(ref, df[name], cfg, alpha, factorized)
    return {"rows": len(df), "missing_columns": missing, "features": features, "alpha": alpha}
