"""Plots and parameters (cells 2-3 of plots_params.ipynb)."""

import matplotlib


def run():
    """Plots and parameters: the code of cells 2-3."""
    # (notebook cell 2)
    matplotlib.use("Agg")
