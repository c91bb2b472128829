"""Functions and classes written in the notebook, kept as they were."""

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def load_data(path):
    """Read the applications and fill the categorical gaps with a constant."""
    df = pd.read_csv(path)
    df["employment_type"] = df["employment_type"].fillna("unknown")
    return df


def build_pipeline(n_estimators, seed, *, CATEGORICAL, NUMERIC):
    """Impute + scale numbers, one-hot the categories, then a random forest."""
    numeric = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
        ]
    )
    preprocess = ColumnTransformer(
        [
            ("num", numeric, NUMERIC),
            (
                "cat",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                CATEGORICAL,
            ),
        ]
    )
    clf = RandomForestClassifier(
        n_estimators=n_estimators,
        min_samples_leaf=5,
        class_weight="balanced",
        random_state=seed,
        n_jobs=1,
    )
    return Pipeline([("preprocess", preprocess), ("clf", clf)])
