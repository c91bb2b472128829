"""Data (cells 5-6 of plots_params.ipynb)."""

import numpy as np


def run(n_points, NOISE, slope, label):
    """Data: the code of cells 5-6."""
    # (notebook cell 4)
    xs = np.linspace(0, 1, n_points)
    ys = slope * xs + NOISE
    print(label, round(float(ys.sum()), 4))
    return xs, ys
