"""step 2 total v (cells 5-8 of no_headings.ipynb)."""

from .helpers import Summary


def run(df):
    """step 2 total v: the code of cells 5-8."""
    # (notebook cell 4)
    total = 0
    for v in df["y"]:
        total += v
    total = total / len(df)
    print(round(total, 6))
    # (notebook cell 5)
    df = df[df["y"] > 0]
    print(len(df))
    # (notebook cell 6)
    square = lambda v: v**2
    print(Summary(df).line(), round(square(df["y"]).sum(), 3))
    # (notebook cell 7)
    by_group = df.groupby("g")["y"].mean().round(4)
    print(by_group.to_dict())
    return total, df, square, by_group
