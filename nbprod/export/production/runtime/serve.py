"""Scoring: verify the artifact, validate the input, replay the preprocessing, check predictions."""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import ProductionError, spec
from .profile import factorize

MODEL_FILE = "model.joblib"
_COW = int(pd.__version__.split(".")[0]) >= 3
CARD_FILE = "model_card.json"


def load_card(art: Path) -> dict[str, Any]:
    """The model card in ``art``, or a clear error telling to train first."""
    path = art / CARD_FILE
    if not path.is_file():
        raise ProductionError(f"no trained model in {art}: run `{spec()['dist']} train` first")
    try:
        card: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ProductionError(f"{path}: not valid JSON ({exc})") from None
    return card


def load_bundle(art: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The trained bundle, loaded only when its sha256 matches the model card's.

    The bytes are read once: the ones hashed are the ones unpickled, so the file cannot be
    swapped between the check and the load.
    """
    card = load_card(art)
    path = art / card["artifact"]["file"]
    if not path.is_file():
        raise ProductionError(f"{path}: the model artifact is missing: run `{spec()['dist']} train`")
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != card["artifact"]["sha256"]:
        raise ProductionError(
            f"{path}: sha256 {actual[:16]} does not match the model card ({card['artifact']['sha256'][:16]}): "
            "refusing to load a tampered or swapped artifact (loading a pickle runs code)"
        )
    bundle: dict[str, Any]
    if card["artifact"].get("format") == "pickle":
        bundle = pickle.loads(data)  # the C unpickler: joblib's is pure Python
    else:  # an artifact an older runtime wrote with joblib.dump
        import io

        import joblib

        bundle = joblib.load(io.BytesIO(data))
    return bundle, card


def _coerce(s: pd.Series, dtype: Any, ref: dict[str, Any]) -> pd.Series:
    if str(s.dtype) == str(dtype):
        return s
    if ref["kind"] == "categorical" and not isinstance(dtype, pd.CategoricalDtype):
        if pd.api.types.is_bool_dtype(dtype):
            words = {"true": True, "1": True, "1.0": True, "false": False, "0": False, "0.0": False}
            bad = s.dropna().map(lambda v: str(v).lower() not in words)
            if bad.any():
                raise ValueError("not a boolean")
            mapped = s.map(lambda v: v if pd.isna(v) else words[str(v).lower()])
            return mapped.astype(dtype) if not mapped.isna().any() else mapped
        s = s.where(s.isna(), s.astype(str))
    if ref["kind"] == "numeric":
        s = pd.to_numeric(s, errors="raise")
        if s.isna().any() and pd.api.types.is_integer_dtype(dtype):
            return s.astype("float64")
    return s.astype(dtype)


def _all_known(s: pd.Series, known: dict[str, Any]) -> bool:
    """Whether every value of a text column is a category seen in training, none missing: one
    ``set`` of the values (half a ``factorize``), for the batch that has nothing to report."""
    if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)) or isinstance(
        s.dtype, pd.CategoricalDtype
    ):
        return False
    try:
        distinct = set(s.to_numpy(dtype=object).tolist())
    except TypeError:  # unhashable values
        return False
    return all(type(u) is str and u in known for u in distinct)


def validate(
    df: pd.DataFrame,
    bundle: dict[str, Any],
    profile: dict[str, Any],
    factorized: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, list[str], list[str], list[str]]:
    """The features in training form, plus (errors, problems, notices): one line each.

    ``factorized``: ``factorize`` of ``df``'s columns already done (``drift.batch_drift`` on
    the same batch), reused for a column the dtype check leaves as it is."""
    cols = profile["columns"]
    errors: list[str] = []
    problems: list[str] = []
    notices: list[str] = []
    missing = [c for c in cols if c not in df.columns]
    if missing:
        errors.append(
            f"missing column(s): {', '.join(missing)} (the model was trained on {len(cols)} columns)"
        )
        return df, errors, problems, notices
    extra = [str(c) for c in df.columns if c not in cols]
    if extra:
        notices.append(
            f"extra column(s) ignored: {', '.join(extra[:10])}" + (" ..." if len(extra) > 10 else "")
        )
    # copy-on-write (pandas 3) keeps ``df`` as it is when a column of X is replaced: no copy
    X = df[cols] if _COW else df[cols].copy()
    dtypes = bundle.get("dtypes", {})
    for c in cols:
        ref = profile["features"][c]
        unchanged = True
        if c in dtypes:
            try:
                before = X[c]
                coerced = _coerce(before, dtypes[c], ref)
                unchanged = coerced is before  # _coerce returns a column of the right dtype as it is
                X[c] = coerced
            except (ValueError, TypeError):
                bad = [v for v in X[c].dropna().unique()[:50] if pd.isna(pd.to_numeric(v, errors="coerce"))][
                    :3
                ]
                errors.append(f"column {c!r}: expected {ref['dtype']}, got {X[c].dtype} (values like {bad})")
                continue
        codes_uniques = None
        if ref["kind"] == "categorical":
            codes_uniques = (factorized or {}).get(str(c)) if unchanged else None
            if codes_uniques is None and ref.get("complete"):
                if _all_known(X[c], ref["frequencies"]):
                    continue  # no missing value, no category unseen in training: nothing to report
                codes_uniques = factorize(X[c])
        # missing values: code -1 of the column's factorize where there is one (an isna of a text
        # column costs as much as the factorize itself)
        na = codes_uniques[0] < 0 if codes_uniques is not None else X[c].isna().to_numpy()
        if ref["missing_rate"] == 0 and na.any():
            rows = ", ".join(str(i) for i in np.flatnonzero(na)[:3])
            problems.append(
                f"column {c!r}: {int(na.sum())} row(s) missing (NaN) where training had none (rows {rows})"
            )
        if ref["kind"] == "categorical" and ref.get("complete") and codes_uniques is not None:
            # one hashing pass; the distinct values (few) are compared as text, in order of appearance
            codes, uniques = codes_uniques
            known = ref["frequencies"]
            new = np.array([str(u) not in known for u in uniques], dtype=bool)
            if new.any():
                rows_new = int(np.bincount(codes[codes >= 0], minlength=len(uniques))[new].sum())
                shown = ", ".join(repr(str(u)) for u in np.asarray(uniques, dtype=object)[new][:3])
                problems.append(
                    f"column {c!r}: {rows_new} row(s) with categories never seen in training: {shown}"
                )
    return X, errors, problems, notices


def apply(bundle: dict[str, Any], X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """The notebook's preprocessing (fitted state included), then the model: (predictions, probabilities)."""
    Z: Any = X
    for step, obj in bundle["steps"]:
        if step == "values":
            Z = np.asarray(Z)
        else:
            Z = getattr(obj, step)(Z)
    fit_columns = bundle.get("fit_columns")
    if fit_columns is not None and not isinstance(Z, pd.DataFrame):
        Z = pd.DataFrame(np.asarray(Z), columns=fit_columns, index=X.index)
    if bundle.get("fit_is_array") and isinstance(Z, pd.DataFrame):
        Z = Z.to_numpy()
    model = bundle["model"]
    proba = None
    if bundle.get("kind") == "classifier" and hasattr(model, "predict_proba"):
        try:
            proba = np.asarray(model.predict_proba(Z))
        except Exception:  # noqa: BLE001 - some classifiers expose predict_proba but cannot use it
            proba = None
    if proba is not None and bundle.get("pred_from_proba") and proba.ndim == 2:
        # train checked that the model's predict is the most probable class: one pass, not two
        return np.asarray(bundle["classes_array"])[np.argmax(proba, axis=1)], proba
    pred = np.asarray(model.predict(Z))
    if pred.ndim > 1 and pred.shape[1] == 1:
        pred = pred[:, 0]
    return pred, proba


def check_predictions(pred: np.ndarray, bundle: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(errors, problems): non-finite predictions are errors; unknown classes or out-of-range values problems."""
    errors: list[str] = []
    problems: list[str] = []
    if bundle.get("kind") == "classifier":
        classes = bundle.get("classes")
        if classes is not None:
            unknown = ~pd.Series(pred).isin(list(classes))
            if unknown.any():
                errors.append(f"{int(unknown.sum())} prediction(s) are not classes seen in training")
        return errors, problems
    if pred.dtype.kind not in "fiub":
        return errors, problems
    values = pred.astype(float)
    bad = ~np.isfinite(values)
    if bad.any():
        errors.append(
            f"{int(bad.sum())} prediction(s) are NaN or infinite (rows {', '.join(map(str, np.flatnonzero(bad)[:3]))})"
        )
    lo, hi = bundle.get("target_range") or (None, None)
    if lo is not None:
        out = np.isfinite(values) & ((values < lo) | (values > hi))
        if out.any():
            problems.append(
                f"{int(out.sum())} prediction(s) outside the training target range [{lo:.6g}, {hi:.6g}]"
            )
    return errors, problems


def output_frame(
    pred: np.ndarray, proba: np.ndarray | None, bundle: dict[str, Any], index: Any
) -> pd.DataFrame:
    """Predictions (and class probabilities) as a frame in the input's row order."""
    out = pd.DataFrame({"prediction": pred}, index=index)
    if proba is not None and proba.ndim == 2:
        for i, c in enumerate(bundle.get("classes") or range(proba.shape[1])):
            out[f"proba_{c}"] = proba[:, i]
    return out.reset_index(drop=True)


def summary(pred: np.ndarray, bundle: dict[str, Any]) -> dict[str, Any]:
    """Summary statistics of a batch of predictions, for the log."""
    if bundle.get("kind") == "classifier" or pred.dtype.kind not in "fiub":
        try:
            values, counts = np.unique(pred, return_counts=True)  # no per-row str()
        except TypeError:  # labels of mixed types: no order among them
            ser = pd.Series(pred).astype(str).value_counts()
            values, counts = ser.index.to_numpy(), ser.to_numpy()
        top = np.argsort(-counts, kind="stable")[:20]
        return {"classes": {str(values[i]): int(counts[i]) for i in top}}
    v = pred.astype(float)
    return {
        "mean": float(np.nanmean(v)),
        "std": float(np.nanstd(v)),
        "min": float(np.nanmin(v)),
        "max": float(np.nanmax(v)),
    }


def prediction_signal(pred: np.ndarray, proba: np.ndarray | None, bundle: dict[str, Any]) -> np.ndarray:
    """What prediction drift is measured on: the positive-class probability of a binary classifier, else the predictions."""
    if proba is not None and proba.ndim == 2 and proba.shape[1] == 2:
        return proba[:, 1]
    return pred
