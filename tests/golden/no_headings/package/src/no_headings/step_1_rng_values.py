"""step 1 rng values (cells 2-4 of no_headings.ipynb)."""

import functools

import numpy as np
import pandas as pd

from .helpers import transform


def run():
    """step 1 rng values: the code of cells 2-4."""
    # (notebook cell 1)
    rng = np.random.default_rng(7)
    values = rng.normal(size=200)
    df = pd.DataFrame({"x": values, "g": np.arange(200) % 3})
    # (notebook cell 2)
    scale = 2.5
    offset = 1.0
    # (notebook cell 3)
    df["y"] = df["x"].apply(functools.partial(transform, offset=offset, scale=scale))
    print(round(df["y"].mean(), 6))
    return rng, values, df, scale, offset
