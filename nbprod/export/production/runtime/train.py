"""``train``: run the pipeline, then save the model, its card and the reference profile."""

from __future__ import annotations

import builtins
import datetime as dt
import json
import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import ProductionError, config, sha256_file, spec, write_table, write_text
from .capture import run_capturing
from .card import (
    OpenedFiles,
    fingerprint_files,
    frame_fingerprint,
    git_commit,
    markdown,
    numbers,
    versions,
)
from .profile import as_series, profile_frame, profile_series
from .serve import CARD_FILE, MODEL_FILE, apply, prediction_signal

SAMPLE_ROWS = 1000


def _getter(values: dict[str, Any]) -> Any:
    def get(expr: str, what: str) -> Any:
        try:
            return eval(compile(expr, "<nbprod spec>", "eval"), {"__builtins__": builtins}, values)
        except Exception as exc:  # noqa: BLE001 - one clear line for the user, whatever failed
            raise ProductionError(
                f"the notebook's {what} `{expr}` is not available after the run ({type(exc).__name__}: {exc})"
            ) from None

    return get


def _frame(value: Any, what: str, columns: list[str] | None = None) -> pd.DataFrame:
    if isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, pd.Series):
        return value.to_frame()
    arr = np.asarray(value)
    if arr.ndim != 2:
        raise ProductionError(f"the {what} is not a table (shape {arr.shape})")
    names = columns if columns and len(columns) == arr.shape[1] else [f"x{i}" for i in range(arr.shape[1])]
    return pd.DataFrame(arr, columns=names)


def _kind(model: Any) -> str:
    est = getattr(model, "_estimator_type", None)
    if est is None and hasattr(model, "__sklearn_tags__"):
        try:
            est = model.__sklearn_tags__().estimator_type
        except Exception:  # noqa: BLE001 - a third-party estimator with partial tags
            est = None
    if est in ("classifier", "regressor"):
        return str(est)
    return "classifier" if hasattr(model, "classes_") else "regressor"


def _key(name: str) -> str:
    parts = [
        p
        for p in name.lower().split("_")
        if p not in ("baseline", "dummy", "naive", "model", "test", "score", "scores")
    ]
    return "_".join(parts)


def _metrics(sp: dict[str, Any], values: dict[str, Any]) -> list[dict[str, Any]]:
    found = {n: numbers(values.get(n)) for n in sp.get("metrics", [])}
    found = {n: v for n, v in found.items() if v is not None}
    is_base = {n: any(t in n.lower() for t in ("baseline", "dummy", "naive")) for n in found}
    bases = {_key(n): v for n, v in found.items() if is_base[n]}
    rows = []
    for n, v in found.items():
        if is_base[n]:
            continue
        base = bases.get(_key(n))
        if isinstance(v, dict):
            for k, x in v.items():
                b = base.get(k) if isinstance(base, dict) else None
                rows.append({"name": f"{n}[{k}]", "model": x, "baseline": b, "source": "notebook"})
        else:
            rows.append(
                {
                    "name": n,
                    "model": v,
                    "baseline": base if isinstance(base, float) else None,
                    "source": "notebook",
                }
            )
    return rows


def _heldout_metrics(kind: str, y_true: Any, pred: np.ndarray, y_train: Any) -> list[dict[str, Any]]:
    y = np.asarray(y_true)
    if y.shape[0] != pred.shape[0]:
        return []
    if kind == "classifier":
        values, counts = np.unique(np.asarray(y_train).astype(str), return_counts=True)
        majority = values[np.argmax(counts)]
        acc = float(np.mean(pred.astype(str) == y.astype(str)))
        base = float(np.mean(y.astype(str) == majority))
        return [
            {
                "name": "accuracy on held-out rows",
                "model": acc,
                "baseline": base,
                "source": "nbprod, baseline: majority class",
            }
        ]
    y = y.astype(float)
    p = pred.astype(float)
    mean = float(np.mean(np.asarray(y_train, dtype=float)))
    mae, base_mae = float(np.mean(np.abs(y - p))), float(np.mean(np.abs(y - mean)))
    ss = float(np.sum((y - y.mean()) ** 2)) or 1.0
    return [
        {
            "name": "MAE on held-out rows",
            "model": mae,
            "baseline": base_mae,
            "source": "nbprod, baseline: training mean",
        },
        {
            "name": "R2 on held-out rows",
            "model": 1 - float(np.sum((y - p) ** 2)) / ss,
            "baseline": 1 - float(np.sum((y - mean) ** 2)) / ss,
            "source": "nbprod, baseline: training mean",
        },
    ]


def _seeds(sp: dict[str, Any], model: Any) -> dict[str, Any]:
    seeds = dict(sp.get("seeds", {}))
    try:
        params = model.get_params()
    except Exception:  # noqa: BLE001 - not a scikit-learn style estimator
        params = {}
    for k, v in params.items():
        if k.endswith(("random_state", "seed")) and isinstance(v, (int, type(None))):
            seeds[f"model.{k}"] = v
    return seeds


def _proba_check(bundle: dict[str, Any], model: Any, fit_X: Any, rows: np.ndarray) -> None:
    """Let predict derive the class from the probabilities when that is what the model's predict does."""
    if bundle["kind"] != "classifier" or not bundle["classes"] or not hasattr(model, "predict_proba"):
        return
    sample = fit_X.iloc[rows] if isinstance(fit_X, pd.DataFrame) else np.asarray(fit_X)[rows]
    try:
        proba = np.asarray(model.predict_proba(sample))
        pred = np.asarray(model.predict(sample))
    except Exception:  # noqa: BLE001 - predict_proba exists but cannot be used: predict alone
        return
    classes = np.asarray(model.classes_)
    if proba.ndim == 2 and pred.ndim == 1 and np.array_equal(classes[np.argmax(proba, axis=1)], pred):
        bundle["pred_from_proba"] = True
        bundle["classes_array"] = classes


def train(artifacts: Path, config_path: str | None = None) -> dict[str, Any]:
    """Run the notebook's pipeline and write the model, model card, profile and samples."""
    sp = spec()
    cfg = config(config_path)
    from .. import pipeline

    started = dt.datetime.now(dt.timezone.utc)  # noqa: UP017 - datetime.UTC needs Python 3.11
    OpenedFiles.install()
    t0 = time.perf_counter()
    try:
        values = run_capturing(pipeline)
    finally:
        OpenedFiles.active = False
    seconds = time.perf_counter() - t0
    get = _getter(values)
    model = get(sp["model"], "model")
    fit_X = get(sp["fit_X"], "training features")
    y_train = get(sp["fit_y"], "training target") if sp.get("fit_y") else None
    raw = _frame(
        get(sp["raw_X"], "raw features"), "raw features", list(getattr(fit_X, "columns", [])) or None
    )
    steps = [(step, get(name, "preprocessing step") if name else None) for step, name in sp["steps"]]
    kind = _kind(model)
    bundle: dict[str, Any] = {
        "model": model,
        "steps": steps,
        "fit_columns": [str(c) for c in fit_X.columns] if steps and isinstance(fit_X, pd.DataFrame) else None,
        "fit_is_array": not isinstance(fit_X, pd.DataFrame) and not steps,
        "dtypes": {str(c): raw[c].dtype for c in raw.columns},
        "kind": kind,
        "classes": [c.item() if hasattr(c, "item") else c for c in getattr(model, "classes_", [])] or None,
        "target_range": None,
    }
    if kind == "regressor" and y_train is not None:
        yv = np.asarray(y_train, dtype=float)
        bundle["target_range"] = (float(np.nanmin(yv)), float(np.nanmax(yv)))
    raw = raw.copy()
    raw.columns = [str(c) for c in raw.columns]
    notes = list(sp.get("notes", []))
    head = raw.iloc[np.unique(np.linspace(0, len(raw) - 1, min(SAMPLE_ROWS, len(raw))).astype(int))]
    try:
        replay, _ = apply(bundle, head)
    except Exception as exc:  # noqa: BLE001 - one clear line for the user, whatever failed
        raise ProductionError(
            f"replaying the preprocessing on the training rows failed ({type(exc).__name__}: {exc})"
        ) from None
    rows = np.unique(np.linspace(0, len(raw) - 1, min(SAMPLE_ROWS, len(raw))).astype(int))
    _proba_check(bundle, model, fit_X, rows)
    direct = np.asarray(
        model.predict(fit_X.iloc[rows] if isinstance(fit_X, pd.DataFrame) else np.asarray(fit_X)[rows])
    )
    if replay.shape != direct.shape or not np.array_equal(replay.astype(str), direct.astype(str)):
        notes.append(
            "predict's replay of the preprocessing does not reproduce the notebook's model input on the training rows"
        )
    heldout = heldout_y = None
    if sp.get("heldout_X"):
        heldout = _frame(get(sp["heldout_X"], "held-out features"), "held-out features", list(raw.columns))
        heldout.columns = [str(c) for c in heldout.columns]
        heldout_y = get(sp["heldout_y"], "held-out target") if sp.get("heldout_y") else None
    ref_rows = heldout if heldout is not None else head
    pred, proba = apply(bundle, ref_rows)
    expected = pred
    nb_pred = values.get(sp["notebook_predictions"]) if sp.get("notebook_predictions") else None
    if heldout is not None and nb_pred is not None and len(as_series(nb_pred)) == len(heldout):
        expected = as_series(nb_pred).to_numpy()
    profile = profile_frame(raw, int(cfg["bins"]))
    profile["predictions"] = profile_series(
        as_series(prediction_signal(pred, proba, bundle)), int(cfg["bins"])
    )
    artifacts.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".model.", dir=artifacts)
    os.close(fd)
    with open(tmp, "wb") as fh:  # a plain pickle: joblib.load reads it too, serve loads it fast
        pickle.dump(bundle, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, artifacts / MODEL_FILE)
    samples = artifacts / "samples"
    if cfg["save_samples"]:
        write_table(head, samples / "train_rows.csv")
        write_table(pd.DataFrame({"prediction": replay}), samples / "train_predictions.csv")
        write_table(ref_rows, samples / "heldout_rows.csv")
        write_table(pd.DataFrame({"prediction": np.asarray(expected)}), samples / "heldout_predictions.csv")
    metrics = _metrics(sp, values)
    if heldout is not None and heldout_y is not None:
        metrics += _heldout_metrics(kind, heldout_y, pred, y_train)
    frames = {"training features": frame_fingerprint(raw)}
    if heldout is not None:
        frames["held-out features"] = frame_fingerprint(heldout)
    card = {
        "package": sp["dist"],
        "package_version": sp["version"],
        "notebook": sp["notebook"],
        "notebook_sha256": sp["notebook_sha256"],
        "trained_at": started.isoformat(timespec="seconds"),
        "training_seconds": seconds,
        "model": {
            "name": sp["model"],
            "class": type(model).__name__,
            "kind": kind,
            "features": list(raw.columns),
            "preprocessing": sp["preprocessing"],
            "classes": bundle["classes"],
            "target_range": bundle["target_range"],
        },
        "artifact": {
            "file": MODEL_FILE,
            "format": "pickle",
            "sha256": sha256_file(artifacts / MODEL_FILE),
            "bytes": (artifacts / MODEL_FILE).stat().st_size,
        },
        "seeds": _seeds(sp, model),
        "inputs": fingerprint_files(list(OpenedFiles.paths)),
        "frames": frames,
        "metrics": metrics,
        "versions": versions(sp.get("requirements", [])),
        "git": git_commit(Path.cwd()),
        "notes": notes,
    }
    write_text(artifacts / "reference_profile.json", json.dumps(profile, indent=1) + "\n")
    write_text(artifacts / CARD_FILE, json.dumps(card, indent=1, default=str) + "\n")
    write_text(artifacts / "MODEL_CARD.md", markdown(card))
    return card
