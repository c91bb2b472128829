"""Setup (cells 2-4 of headings.ipynb)."""

import random
from pathlib import Path

import numpy as np


def run(SEED):
    """Setup: the code of cells 2-4."""
    # (notebook cell 4)
    random.seed(SEED)
    np.random.seed(SEED)
    DATA_PATH = Path("data/credit.csv")
    OUT_DIR = Path("out")
    OUT_DIR.mkdir(exist_ok=True)
    return DATA_PATH, OUT_DIR
