"""Baseline (cells 13-15 of headings.ipynb)."""

from sklearn.dummy import DummyClassifier
from sklearn.metrics import roc_auc_score


def run(X_train, y_train, X_test, y_test):
    """Baseline: the code of cells 13-15."""
    # (notebook cell 14)
    baseline = DummyClassifier(strategy="prior").fit(X_train, y_train)
    baseline_auc = roc_auc_score(y_test, baseline.predict_proba(X_test)[:, 1])
    print(f"baseline ROC AUC: {baseline_auc:.3f}")
    return baseline, baseline_auc
