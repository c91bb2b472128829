"""Parameters of the notebook: the cell tagged `parameters` and literal constants.

Each one is also an option of the console script and an argument of ``pipeline.run()``.
"""

n_points = 50
slope = 0.5
label = "demo"
NOISE = 0.1
