"""Random forest (cell 17 of headings.ipynb)."""

import numpy as np
from sklearn.metrics import roc_auc_score

from .helpers import build_pipeline


def run(CATEGORICAL, NUMERIC, N_ESTIMATORS, SEED, X_train, y_train, X_test, y_test):
    """Random forest: the code of cell 17."""
    # (notebook cell 16)
    model = build_pipeline(
        N_ESTIMATORS, SEED, CATEGORICAL=CATEGORICAL, NUMERIC=NUMERIC
    ).fit(X_train, y_train)
    proba = model.predict_proba(X_test)[:, 1]
    assert np.isfinite(proba).all()
    auc = roc_auc_score(y_test, proba)
    print(f"model ROC AUC: {auc:.3f}")
    return model, proba, auc
