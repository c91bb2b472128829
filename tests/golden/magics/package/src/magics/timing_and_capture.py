"""Timing and capture (cells 8-11 of magics.ipynb)."""


def run():
    """Timing and capture: the code of cells 8-11."""
    squares = [i * i for i in range(10)]
    print(sum(squares))
    cubes = [i**3 for i in range(5)]
    print(cubes)
    print("hidden in the notebook")
    return squares, cubes
