"""Display and leftovers (cells 19-23 of magics.ipynb)."""


def run():
    """Display and leftovers: the code of cells 19-23."""
    # (notebook cell 22)
    # TODO(nbprod): %store squares: IPython magic with no Python equivalent; translate by hand
    # cell 22, line 1: %store squares
