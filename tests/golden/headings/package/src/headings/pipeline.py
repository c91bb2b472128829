"""Credit default model: the sections of headings.ipynb in notebook order."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from . import (
    baseline_section,
    config,
    data,
    evaluation,
    feature_importances,
    random_forest,
    save_the_model,
    setup,
    train_test_split_section,
)

SECTIONS = (
    ("setup", setup.run, ("SEED",), ("DATA_PATH", "OUT_DIR"), False),
    ("data", data.run, ("DATA_PATH", "TARGET"), ("df",), False),
    (
        "train_test_split_section",
        train_test_split_section.run,
        ("CATEGORICAL", "NUMERIC", "df", "TARGET", "SEED", "TEST_SIZE"),
        ("X", "y", "X_train", "y_train", "X_test", "y_test"),
        False,
    ),
    (
        "baseline_section",
        baseline_section.run,
        ("X_train", "y_train", "X_test", "y_test"),
        ("baseline", "baseline_auc"),
        False,
    ),
    (
        "random_forest",
        random_forest.run,
        (
            "CATEGORICAL",
            "NUMERIC",
            "N_ESTIMATORS",
            "SEED",
            "X_train",
            "y_train",
            "X_test",
            "y_test",
        ),
        ("model", "proba", "auc"),
        False,
    ),
    (
        "evaluation",
        evaluation.run,
        ("X_test", "model", "y_test", "auc", "baseline_auc"),
        ("pred",),
        False,
    ),
    (
        "feature_importances",
        feature_importances.run,
        ("model",),
        ("names", "importances"),
        False,
    ),
    (
        "save_the_model",
        save_the_model.run,
        ("OUT_DIR", "model"),
        ("model_path",),
        False,
    ),
)
"""(module, function, parameters, returns, is async) of each section, in order."""


def run(
    SEED: int = config.SEED,
    TEST_SIZE: float = config.TEST_SIZE,
    N_ESTIMATORS: int = config.N_ESTIMATORS,
    NUMERIC: Any = config.NUMERIC,
    CATEGORICAL: Any = config.CATEGORICAL,
    TARGET: str = config.TARGET,
    plots: bool = False,
) -> dict[str, Any]:
    """Run the notebook top to bottom; returns the values its sections produce."""
    DATA_PATH, OUT_DIR = setup.run(SEED)
    df = data.run(DATA_PATH, TARGET)
    X, y, X_train, y_train, X_test, y_test = train_test_split_section.run(
        CATEGORICAL, NUMERIC, df, TARGET, SEED, TEST_SIZE
    )
    baseline, baseline_auc = baseline_section.run(X_train, y_train, X_test, y_test)
    model, proba, auc = random_forest.run(
        CATEGORICAL, NUMERIC, N_ESTIMATORS, SEED, X_train, y_train, X_test, y_test
    )
    pred = evaluation.run(X_test, model, y_test, auc, baseline_auc)
    names, importances = feature_importances.run(model)
    if plots:
        feature_importances.plot(importances)
    model_path = save_the_model.run(OUT_DIR, model)
    return {
        "DATA_PATH": DATA_PATH,
        "OUT_DIR": OUT_DIR,
        "df": df,
        "X": X,
        "y": y,
        "X_train": X_train,
        "y_train": y_train,
        "X_test": X_test,
        "y_test": y_test,
        "baseline": baseline,
        "baseline_auc": baseline_auc,
        "model": model,
        "proba": proba,
        "auc": auc,
        "pred": pred,
        "names": names,
        "importances": importances,
        "model_path": model_path,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Console script: run the pipeline; the notebook parameters are options."""
    parser = argparse.ArgumentParser(
        prog="headings", description="Credit default model"
    )
    parser.add_argument(
        "--seed",
        dest="SEED",
        type=int,
        default=config.SEED,
        help="default: %(default)s",
    )
    parser.add_argument(
        "--test-size",
        dest="TEST_SIZE",
        type=float,
        default=config.TEST_SIZE,
        help="default: %(default)s",
    )
    parser.add_argument(
        "--n-estimators",
        dest="N_ESTIMATORS",
        type=int,
        default=config.N_ESTIMATORS,
        help="default: %(default)s",
    )
    parser.add_argument(
        "--target",
        dest="TARGET",
        type=str,
        default=config.TARGET,
        help="default: %(default)s",
    )
    parser.add_argument(
        "--plots", dest="plots", action="store_true", help="draw the notebook's plots"
    )
    args = parser.parse_args(argv)
    run(**vars(args))
    if args.plots:
        import matplotlib.pyplot as plt

        plt.show()
    return 0
