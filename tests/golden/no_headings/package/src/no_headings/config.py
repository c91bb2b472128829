"""Parameters of the notebook: the cell tagged `parameters` and literal constants.

Each one is also an option of the console script and an argument of ``pipeline.run()``.
"""
