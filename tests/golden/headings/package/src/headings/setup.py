"""Setup (cells 3-5 of headings.ipynb)."""

import random
from pathlib import Path

import numpy as np


def run(SEED):
    """Setup: the code of cells 3-5."""
    # (notebook cell 4)
    random.seed(SEED)
    np.random.seed(SEED)
    DATA_PATH = Path("data/credit.csv")
    OUT_DIR = Path("out")
    OUT_DIR.mkdir(exist_ok=True)
    return DATA_PATH, OUT_DIR
