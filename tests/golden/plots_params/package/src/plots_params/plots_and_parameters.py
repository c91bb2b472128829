"""Plots and parameters (cells 1-2 of plots_params.ipynb)."""

import matplotlib


def run():
    """Plots and parameters: the code of cells 1-2."""
    # (notebook cell 2)
    matplotlib.use("Agg")
