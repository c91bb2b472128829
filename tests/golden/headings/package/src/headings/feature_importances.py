"""Feature importances (cell 22 of headings.ipynb)."""

import pandas as pd


def run(model):
    """Feature importances: the code of cell 22."""
    # (notebook cell 21)
    names = model.named_steps["preprocess"].get_feature_names_out()
    importances = pd.Series(model.named_steps["clf"].feature_importances_, index=names)
    return names, importances


def plot(importances):
    """The plots of Feature importances; the pipeline draws them only when asked."""
    import matplotlib.pyplot as plt

    # (notebook cell 21)
    fig, ax = plt.subplots(figsize=(4, 3), dpi=60)
    importances.sort_values().plot.barh(ax=ax)
    ax.set_title("Feature importance")
    fig.tight_layout()
