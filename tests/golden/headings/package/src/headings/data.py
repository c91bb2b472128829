"""Data (cells 7-9 of headings.ipynb)."""

from .helpers import load_data


def run(DATA_PATH, TARGET):
    """Data: the code of cells 7-9."""
    # (notebook cell 6)
    df = load_data(DATA_PATH)
    print(df.shape)
    # (notebook cell 8)
    print(f"default rate: {df[TARGET].mean():.3f}")
    return df
