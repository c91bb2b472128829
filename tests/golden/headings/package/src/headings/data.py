"""Data (cells 7-9 of headings.ipynb)."""

from .helpers import load_data


def run(DATA_PATH, TARGET):
    """Data: the code of cells 7-9."""
    df = load_data(DATA_PATH)
    print(df.shape)
    print(f"default rate: {df[TARGET].mean():.3f}")
    return df
