"""Save the model (cell 24 of headings.ipynb)."""

import joblib


def run(OUT_DIR, model):
    """Save the model: the code of cell 24."""
    # (notebook cell 23)
    model_path = OUT_DIR / "model.joblib"
    joblib.dump(model, model_path)
    print("saved", model_path)
    return model_path
