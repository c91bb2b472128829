"""Display and leftovers (cells 20-24 of magics.ipynb)."""


def run():
    """Display and leftovers: the code of cells 20-24."""
    # (notebook cell 22)
    # TODO(nbprod): %store squares: IPython magic with no Python equivalent; translate by hand
    # cell 23, line 1: %store squares
