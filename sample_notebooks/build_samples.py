"""Build the sample notebooks in this directory, with real outputs.

Run from anywhere:

    python sample_notebooks/build_samples.py

What it does:

1. writes the two small data sets ``data/credit.csv`` and ``data/sales.csv``
   from a fixed seed (same bytes on every run);
2. builds each notebook with nbformat (4.5, stable cell ids);
3. starts a real ``python3`` kernel with its working directory set to this
   folder and executes code cells one at a time, in a chosen order, with
   nbclient -- so the saved execution counts tell a true story (cells run out
   of order, re-run, or never run);
4. removes stray files the notebooks create (``helper_tmp.py`` ...) and checks
   that every notebook validates and stays small.

The *data* is deterministic; the notebook *outputs* are not entirely (timings
in ``%%time`` cells, and the messy notebook draws unseeded random numbers on
purpose), so re-running the script produces small diffs in those outputs.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import sys
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
from nbclient import NotebookClient
from nbclient.util import ensure_async

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
MAX_BYTES = 200_000
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# Files/directories the notebooks create in HERE that must not be kept.
STRAY = ["helper_tmp.py", "__pycache__"]


# --------------------------------------------------------------------------- data

def make_credit_csv(path: Path) -> pd.DataFrame:
    """~800 loan applications with a default flag correlated with the features."""
    rng = np.random.default_rng(20240517)
    n = 800
    age = np.clip(rng.normal(41, 11, n), 21, 72).round().astype(int)
    income = np.round(rng.lognormal(np.log(52_000), 0.45, n), -2)
    loan = np.round(income * rng.uniform(0.05, 0.65, n), -1)
    term = rng.choice([12, 24, 36, 48, 60], n, p=[0.10, 0.25, 0.35, 0.15, 0.15])
    history = np.round(np.clip((age - 18) * rng.uniform(0.2, 1.0, n), 0, None), 1)
    late = rng.poisson(0.3 + 0.8 * (history < 3), n)
    employment = rng.choice(
        ["salaried", "self_employed", "contract", "unemployed"], n, p=[0.60, 0.20, 0.14, 0.06]
    )
    emp_effect = pd.Series(employment).map(
        {"salaried": 0.0, "self_employed": 0.3, "contract": 0.6, "unemployed": 1.4}
    ).to_numpy()
    z = (
        -2.0
        + 4.0 * (loan / income - 0.35)
        + 0.55 * late
        - 0.05 * (history - 10)
        + 0.012 * (term - 36)
        - 0.015 * (age - 40)
        + emp_effect
    )
    default = rng.binomial(1, 1 / (1 + np.exp(-z)))
    df = pd.DataFrame(
        {
            "age": age,
            "income": income,
            "loan_amount": loan,
            "term_months": term,
            "credit_history_years": history,
            "num_late_payments": late,
            "employment_type": pd.Series(employment, dtype=object),
            "default": default,
        }
    )
    # a few missing values so that imputation matters
    df.loc[rng.choice(n, 24, replace=False), "income"] = np.nan
    df.loc[rng.choice(n, 12, replace=False), "employment_type"] = np.nan
    df.to_csv(path, index=False, lineterminator="\n")
    return df


def make_sales_csv(path: Path) -> pd.DataFrame:
    """Two years of daily sales for two stores: trend + weekly + yearly seasonality."""
    rng = np.random.default_rng(7)
    dates = pd.date_range("2022-01-01", "2023-12-31", freq="D")
    t = np.arange(len(dates))
    weekly = np.array([0.85, 0.80, 0.85, 0.95, 1.10, 1.35, 1.20])[dates.day_of_week]
    yearly = 1 + 0.15 * np.sin(2 * np.pi * (dates.day_of_year - 80) / 365.25)
    frames = []
    for store, level, growth in [("S1", 420.0, 0.00035), ("S2", 260.0, 0.0006)]:
        promo = rng.random(len(dates)) < 0.04
        sales = level * (1 + growth * t) * weekly * yearly * (1 + 0.35 * promo)
        sales = sales * rng.normal(1, 0.06, len(dates))
        frames.append(
            pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "store": store, "sales": sales.round().astype(int)})
        )
    df = pd.concat(frames).sort_values(["date", "store"]).reset_index(drop=True)
    df.to_csv(path, index=False, lineterminator="\n")
    return df


# ---------------------------------------------------------------------- notebooks

def md(source: str) -> dict:
    return {"cell_type": "markdown", "source": textwrap.dedent(source).strip("\n")}


def code(source: str, tags: list[str] | None = None) -> dict:
    return {"cell_type": "code", "source": textwrap.dedent(source).strip("\n"), "tags": tags}


def new_nb(stem: str, cells: list[dict]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    for i, spec in enumerate(cells):
        if spec["cell_type"] == "markdown":
            cell = nbformat.v4.new_markdown_cell(spec["source"])
        else:
            cell = nbformat.v4.new_code_cell(spec["source"])
            if spec.get("tags"):
                cell.metadata["tags"] = list(spec["tags"])
        # stable ids, so that rebuilding does not churn the diff
        cell.id = hashlib.sha1(f"{stem}:{i}".encode()).hexdigest()[:8]
        nb.cells.append(cell)
    return nb


async def _execute(nb, order, allow_errors_in, clear_errors_in):
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=120,
        record_timing=False,
        resources={"metadata": {"path": str(HERE)}},
    )
    async with client.async_setup_kernel():
        msg_id = await ensure_async(client.kc.kernel_info())
        reply = await client.async_wait_for_reply(msg_id)
        nb.metadata["language_info"] = reply["content"]["language_info"]
        for index in order:
            cell = nb.cells[index]
            assert cell.cell_type == "code", (index, cell.cell_type)
            client.allow_errors = index in allow_errors_in
            await client.async_execute_cell(cell, index)
            if index in clear_errors_in and any(o.output_type == "error" for o in cell.outputs):
                cell.outputs = []
    return nb


def build(stem: str, cells: list[dict], order: list[int], allow_errors_in=(), clear_errors_in=()) -> Path:
    nb = new_nb(stem, cells)
    asyncio.run(_execute(nb, order, set(allow_errors_in), set(clear_errors_in)))
    nbformat.validate(nb)
    path = HERE / f"{stem}.ipynb"
    nbformat.write(nb, path)
    return path


# --------------------------------------------------------------- 1. messy credit

CREDIT_MESSY = [
    md("""
    # Credit default model

    Quick model for the risk team. TODO: try xgboost once the RF works.
    """),                                                                      # 0
    md("Install deps"),                                                        # 1
    code("!pip install xgboost"),                                              # 2 never run
    code("""
    import pandas as pd
    import numpy as np
    import matplotlib.pyplot as plt
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import accuracy_score
    """),                                                                      # 3
    code("""
    OUTPUT_DIR = "/home/alice/projects/credit/out"
    API_KEY = "sk-live-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    """),                                                                      # 4
    md("## Data"),                                                             # 5
    code("""
    df = pd.read_csv("data/credit.csv")
    df.head()
    """),                                                                      # 6
    code("df.describe()"),                                                     # 7 re-run at the end
    code('df["default"].value_counts()'),                                      # 8
    md("### Cleaning"),                                                        # 9
    code("""
    df["income"] = df["income"].fillna(df["income"].mean())
    df = pd.get_dummies(df, columns=["employment_type"])
    df.shape
    """),                                                                      # 10
    md("### Features"),                                                        # 11
    code("""
    df["debt_to_income"] = df["loan_amount"] / df["income"]
    df["late_ratio"] = df["num_late_payments"] / (df["credit_history_years"] + 1)
    # jitter so the trees don't split on exact ties
    df["income"] = df["income"] + np.random.rand(len(df)) * 10
    """),                                                                      # 12 run AFTER the model
    md("## Model"),                                                            # 13
    code("""
    X = df.drop(columns=["default"])
    y = df["default"]

    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)

    X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, test_size=0.2)
    """),                                                                      # 14
    code("""
    clf = RandomForestClassifier()
    clf.fit(X_train, y_train)
    preds = clf.predict(X_test)
    print("accuracy:", accuracy_score(y_test, preds))
    """),                                                                      # 15
    code("""
    proba = clf.predict_proba(X_test)[:, 1]
    preds_t = (proba > threshold).astype(int)
    accuracy_score(y_test, preds_t)
    """),                                                                      # 16 uses `threshold` from 18
    md("### Threshold"),                                                       # 17
    code("threshold = 0.35"),                                                  # 18
    code("""
    idx = np.random.choice(len(y_test), 50)
    print("accuracy on a random subsample:", accuracy_score(y_test.iloc[idx], preds[idx]))
    """),                                                                      # 19
    md("## Log results"),                                                      # 20
    code("""
    def log_metric(name, value, api_key=API_KEY):
        # TODO: post to the tracking server
        print(f"[{api_key[:8]}...] {name}={value:.4f}")

    log_metric("accuracy", accuracy_score(y_test, preds))
    log_metric("accuracy_t", accuracy_score(y_test, preds_t))
    """),                                                                      # 21
    code("""
    fig, ax = plt.subplots(figsize=(4, 3), dpi=60)
    pd.Series(clf.feature_importances_, index=X.columns).sort_values().plot.barh(ax=ax)
    """),                                                                      # 22
]
# 3,4,6,7,8,10 in order; split+fit (14,15) BEFORE feature engineering (12);
# 18 (threshold) before 16 which uses it; 7 re-run at the end.
CREDIT_MESSY_ORDER = [3, 4, 6, 7, 8, 10, 14, 15, 18, 16, 12, 19, 21, 7, 22]


# --------------------------------------------------------------- 2. clean credit

CREDIT_CLEAN = [
    md("""
    # Credit default model

    Predicts the probability that a loan application defaults, from the
    application data in `data/credit.csv`. Run top to bottom; parameters are in
    the cell tagged `parameters`.
    """),                                                                      # 0
    md("## Setup"),                                                            # 1
    code("%load_ext nbprod"),                                                  # 2
    code("""
    SEED = 42
    TEST_SIZE = 0.25
    N_ESTIMATORS = 200
    """, tags=["parameters"]),                                                 # 3
    code("""
    import random
    from pathlib import Path

    import joblib
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.dummy import DummyClassifier
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.metrics import classification_report, confusion_matrix, roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    random.seed(SEED)
    np.random.seed(SEED)

    DATA_PATH = Path("data/credit.csv")
    OUT_DIR = Path("out")
    OUT_DIR.mkdir(exist_ok=True)
    """),                                                                      # 4
    md("## Data"),                                                             # 5
    code('''
    NUMERIC = ["age", "income", "loan_amount", "term_months",
               "credit_history_years", "num_late_payments"]
    CATEGORICAL = ["employment_type"]
    TARGET = "default"


    def load_data(path):
        """Read the applications and fill the categorical gaps with a constant."""
        df = pd.read_csv(path)
        df["employment_type"] = df["employment_type"].fillna("unknown")
        return df


    df = load_data(DATA_PATH)
    print(df.shape)
    df.head()
    '''),                                                                      # 6
    code("df.isna().sum()"),                                                   # 7
    code('print(f"default rate: {df[TARGET].mean():.3f}")'),                   # 8
    md("### Train / test split"),                                              # 9
    code("""
    X = df[NUMERIC + CATEGORICAL]
    y = df[TARGET]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=SEED, stratify=y
    )
    print(X_train.shape, X_test.shape)
    """),                                                                      # 10
    md("## Model"),                                                            # 11
    code('''
    def build_pipeline(n_estimators, seed):
        """Impute + scale numbers, one-hot the categories, then a random forest."""
        numeric = Pipeline([
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
        ])
        preprocess = ColumnTransformer([
            ("num", numeric, NUMERIC),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), CATEGORICAL),
        ])
        clf = RandomForestClassifier(
            n_estimators=n_estimators, min_samples_leaf=5,
            class_weight="balanced", random_state=seed, n_jobs=1,
        )
        return Pipeline([("preprocess", preprocess), ("clf", clf)])
    '''),                                                                      # 12
    md("### Baseline"),                                                        # 13
    code("""
    baseline = DummyClassifier(strategy="prior").fit(X_train, y_train)
    baseline_auc = roc_auc_score(y_test, baseline.predict_proba(X_test)[:, 1])
    print(f"baseline ROC AUC: {baseline_auc:.3f}")
    """),                                                                      # 14
    md("### Random forest"),                                                   # 15
    code("""
    model = build_pipeline(N_ESTIMATORS, SEED).fit(X_train, y_train)
    proba = model.predict_proba(X_test)[:, 1]
    assert np.isfinite(proba).all()
    auc = roc_auc_score(y_test, proba)
    print(f"model ROC AUC: {auc:.3f}")
    """),                                                                      # 16
    md("## Evaluation"),                                                       # 17
    code("""
    pred = model.predict(X_test)
    print(classification_report(y_test, pred, digits=3))
    confusion_matrix(y_test, pred)
    """),                                                                      # 18
    code('assert auc > baseline_auc, "model does not beat the baseline"'),     # 19
    md("### Feature importances"),                                             # 20
    code("""
    names = model.named_steps["preprocess"].get_feature_names_out()
    importances = pd.Series(model.named_steps["clf"].feature_importances_, index=names)
    fig, ax = plt.subplots(figsize=(4, 3), dpi=60)
    importances.sort_values().plot.barh(ax=ax)
    ax.set_title("Feature importance")
    fig.tight_layout()
    importances.sort_values(ascending=False).head()
    """),                                                                      # 21
    md("## Save the model"),                                                   # 22
    code("""
    model_path = OUT_DIR / "model.joblib"
    joblib.dump(model, model_path)
    print("saved", model_path)
    """),                                                                      # 23
]
CREDIT_CLEAN_ORDER = [i for i, c in enumerate(CREDIT_CLEAN) if c["cell_type"] == "code"]


# ------------------------------------------------------------ 3. sales regression

SALES = [
    md("""
    # Daily sales forecast

    One-day-ahead forecast of store `S1` daily sales. The model has to beat the
    naive forecast "tomorrow = today".
    """),                                                                      # 0
    code("""
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.metrics import mean_absolute_error, mean_squared_error

    SEED = 0
    STORE = "S1"
    TEST_DAYS = 90
    """),                                                                      # 1
    md("## Data"),                                                             # 2
    code("""
    sales = pd.read_csv("data/sales.csv", parse_dates=["date"])
    series = sales[sales["store"] == STORE].set_index("date")["sales"].asfreq("D")
    print(len(series), series.index.min().date(), series.index.max().date())
    series.tail()
    """),                                                                      # 3
    md("## Features"),                                                         # 4
    md("### Lags and calendar"),                                               # 5
    code('''
    def make_features(s, lags=(1, 2, 7, 14)):
        """Lagged values, a 7-day rolling mean and calendar columns; target is `y`."""
        out = pd.DataFrame({"y": s})
        for lag in lags:
            out[f"lag_{lag}"] = s.shift(lag)
        out["roll_7"] = s.shift(1).rolling(7).mean()
        out["dayofweek"] = s.index.day_of_week
        out["dayofyear"] = s.index.day_of_year
        return out.dropna()


    feats = make_features(series)
    feats.head()
    '''),                                                                      # 6
    md("### Time-based split"),                                                # 7
    code("""
    train, test = feats.iloc[:-TEST_DAYS], feats.iloc[-TEST_DAYS:]
    X_train, y_train = train.drop(columns="y"), train["y"]
    X_test, y_test = test.drop(columns="y"), test["y"]
    print(f"train {len(train)} days, test {len(test)} days")
    """),                                                                      # 8
    md("## Baseline: last value"),                                             # 9
    code("""
    def scores(y_true, y_pred):
        return {
            "MAE": mean_absolute_error(y_true, y_pred),
            "RMSE": mean_squared_error(y_true, y_pred) ** 0.5,
        }


    baseline_pred = series.shift(1).loc[y_test.index]   # tomorrow = today
    baseline_scores = scores(y_test, baseline_pred)
    print("baseline:", {k: round(v, 1) for k, v in baseline_scores.items()})
    """),                                                                      # 10
    md("## Gradient boosting"),                                                # 11
    code("""
    model = GradientBoostingRegressor(
        n_estimators=300, max_depth=3, learning_rate=0.05, random_state=SEED
    )
    model.fit(X_train, y_train)
    pred = pd.Series(model.predict(X_test), index=y_test.index)
    model_scores = scores(y_test, pred)
    print("model:   ", {k: round(v, 1) for k, v in model_scores.items()})
    """),                                                                      # 12
    code("""
    pd.DataFrame({"baseline": baseline_scores, "model": model_scores}).round(1)
    """),                                                                      # 13
    code('assert model_scores["MAE"] < baseline_scores["MAE"]'),              # 14
    md("### Last 60 days"),                                                    # 15
    code("""
    fig, ax = plt.subplots(figsize=(4, 3), dpi=60)
    y_test[-60:].plot(ax=ax, label="actual")
    pred[-60:].plot(ax=ax, label="model")
    baseline_pred[-60:].plot(ax=ax, label="last value", alpha=0.6)
    ax.legend(fontsize=7)
    fig.tight_layout()
    """),                                                                      # 16
]
SALES_ORDER = [i for i, c in enumerate(SALES) if c["cell_type"] == "code"]


# --------------------------------------------------------------- 4. magic mess

MAGIC = [
    md("# scratch - credit EDA"),                                              # 0
    code("""
    %matplotlib inline
    %load_ext autoreload
    %autoreload 2
    import asyncio
    import pandas as pd
    import numpy as np
    import matplotlib.pyplot as plt
    """),                                                                      # 1
    code("!pip install seaborn"),                                              # 2 never run
    code("!echo hello"),                                                       # 3
    code("""
    files = !ls data
    files
    """),                                                                      # 4
    code("""
    %env NBPROD_DEMO=1
    %env NBPROD_DEMO
    """),                                                                      # 5
    md("## Load"),                                                             # 6
    code("""
    %%time
    df = pd.read_csv("data/credit.csv")
    df["dti"] = df["loan_amount"] / df["income"]
    """),                                                                      # 7
    code("""
    display(df.head())
    print(df.shape)
    """),                                                                      # 8 re-run later
    code("df?"),                                                               # 9
    code("""
    %time means = df.groupby("employment_type")["default"].mean()
    means
    """),                                                                      # 10
    md("## Helpers"),                                                          # 11
    md("### quick helper module"),                                             # 12
    code('''
    %%writefile helper_tmp.py
    def dti(loan, income):
        """Debt to income ratio."""
        return loan / income
    '''),                                                                      # 13
    code("""
    from helper_tmp import dti
    df["dti2"] = df.apply(lambda r: dti(r.loan_amount, r.income), axis=1)
    num_cols = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and c != "default"]
    num_cols
    """),                                                                      # 14
    code("""
    %%bash
    wc -l data/*.csv
    echo done
    """),                                                                      # 15
    code("""
    await asyncio.sleep(0)
    print("slept")
    """),                                                                      # 16
    code("%who"),                                                              # 17
    md("## Plots"),                                                            # 18
    code("""
    fig, ax = plt.subplots(figsize=(4, 3), dpi=60)
    df.plot.scatter(x="age", y="income", c="default", cmap="coolwarm", s=4, ax=ax, colorbar=False)
    """),                                                                      # 19
    code("""
    square = lambda x: x ** 2
    {c: square(df[c].std()) for c in num_cols[:3]}
    """),                                                                      # 20
]
MAGIC_ORDER = [1, 3, 4, 5, 7, 8, 9, 10, 13, 14, 8, 15, 16, 17, 19, 20]


# ---------------------------------------------------------------- 5. iris quick

IRIS = [
    md("# Iris: logistic regression"),                                         # 0
    code("""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split

    X, y = load_iris(return_X_y=True, as_frame=True)
    X.head()
    """),                                                                      # 1
    code("""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    """),                                                                      # 2
    code("clf = LogisticRegression(max_iter=500).fit(X_train, y_train)"),      # 3
    code('print(f"test accuracy: {accuracy_score(y_test, clf.predict(X_test)):.3f}")'),  # 4
]
IRIS_ORDER = [1, 2, 3, 4]


# ------------------------------------------------------------------------- main

def cleanup() -> None:
    for name in STRAY:
        p = HERE / name
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def check(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    size = path.stat().st_size
    assert size < MAX_BYTES, f"{path.name} is {size} bytes"
    text = path.read_text()
    # outputs must not leak the build machine's paths
    for needle in (str(HERE), "/root/", "site-packages", "/tmp/ipykernel"):
        assert needle not in text, f"{path.name} mentions {needle!r}"
    # no warnings or other stderr noise in the saved outputs
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            assert out.get("name") != "stderr", f"{path.name} cell {i}: stderr {out.text[:200]!r}"
            assert out.output_type != "error", f"{path.name} cell {i}: error output"
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    print(f"  {path.name:28s} {size:7d} B  {len(nb.cells):2d} cells  counts={counts}")


def main() -> int:
    DATA.mkdir(exist_ok=True)
    make_credit_csv(DATA / "credit.csv")
    make_sales_csv(DATA / "sales.csv")
    try:
        paths = [
            build("credit_risk_messy", CREDIT_MESSY, CREDIT_MESSY_ORDER),
            # `%load_ext nbprod` fails while nbprod is not importable: keep the
            # cell (count 1) but drop the traceback.
            build("credit_risk_clean", CREDIT_CLEAN, CREDIT_CLEAN_ORDER,
                  allow_errors_in={2}, clear_errors_in={2}),
            build("sales_regression", SALES, SALES_ORDER),
            build("magic_mess", MAGIC, MAGIC_ORDER),
            build("iris_quick", IRIS, IRIS_ORDER),
        ]
    finally:
        cleanup()
    print("built:")
    for p in paths:
        check(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
