"""Timing and capture (cells 8-11 of magics.ipynb)."""

from ._magics import capture, timed


def run():
    """Timing and capture: the code of cells 8-11."""
    # (notebook cell 7)
    with timed():
        squares = [i * i for i in range(10)]
        print(sum(squares))
    # (notebook cell 8)
    with timed():
        cubes = [i**3 for i in range(5)]
    print(cubes)
    # (notebook cell 10)
    with capture(stdout=True, stderr=True, display=True) as captured:  # noqa: F841
        print("hidden in the notebook")
