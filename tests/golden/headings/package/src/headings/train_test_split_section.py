"""Train / test split (cell 11 of headings.ipynb)."""

from sklearn.model_selection import train_test_split


def run(CATEGORICAL, NUMERIC, df, TARGET, SEED, TEST_SIZE):
    """Train / test split: the code of cell 11."""
    # (notebook cell 10)
    X = df[NUMERIC + CATEGORICAL]
    y = df[TARGET]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=SEED, stratify=y
    )
    print(X_train.shape, X_test.shape)
    return X, y, X_train, y_train, X_test, y_test
