"""Evaluation (cells 19-20 of headings.ipynb)."""

from sklearn.metrics import classification_report


def run(X_test, model, y_test, auc, baseline_auc):
    """Evaluation: the code of cells 19-20."""
    # (notebook cell 18)
    pred = model.predict(X_test)
    print(classification_report(y_test, pred, digits=3))
    # (notebook cell 19)
    assert auc > baseline_auc, "model does not beat the baseline"
    return pred
