"""Parameters of the notebook: the cell tagged `parameters` and literal constants.

Each one is also an option of the console script and an argument of ``pipeline.run()``.
"""

SEED = 42
TEST_SIZE = 0.25
N_ESTIMATORS = 200
NUMERIC = [
    "age",
    "income",
    "loan_amount",
    "term_months",
    "credit_history_years",
    "num_late_payments",
]
CATEGORICAL = ["employment_type"]
TARGET = "default"
