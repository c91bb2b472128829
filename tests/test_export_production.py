"""The production face of an export: model detection, the runtime's statistics, the generated
package's train / predict / monitor, and the readiness items it fills."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLES

from nbprod.checklist import checklist_for
from nbprod.export import export_notebook
from nbprod.export.production.runtime import drift

SPLIT = "from sklearn.model_selection import train_test_split\nX_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)"


def _spec(out: Path) -> dict:
    return json.loads(next(out.glob("src/*/production/spec.json")).read_text())


def _export(make_notebook, tmp_path: Path, cells: list[str]) -> Path:
    nb = make_notebook(cells, executed=False)
    return export_notebook(nb, tmp_path / "pkg").out_dir


def test_the_model_is_what_is_fit_and_used_last_not_the_dummy_baseline(make_notebook, tmp_path: Path) -> None:
    out = _export(make_notebook, tmp_path, [
        "from sklearn.datasets import load_iris\nX, y = load_iris(return_X_y=True, as_frame=True)",
        SPLIT,
        "from sklearn.dummy import DummyClassifier\nfrom sklearn.tree import DecisionTreeClassifier\n"
        "from sklearn.linear_model import LogisticRegression\nfrom sklearn.metrics import accuracy_score\n"
        "tree = DecisionTreeClassifier().fit(X_train, y_train)\n"
        "clf = LogisticRegression(max_iter=500)\nclf.fit(X_train, y_train)\n"
        "base = DummyClassifier().fit(X_train, y_train)\nbaseline_acc = accuracy_score(y_test, base.predict(X_test))\n"
        "pred = clf.predict(X_test)\nacc = accuracy_score(y_test, pred)",
    ])  # fmt: skip
    spec = _spec(out)
    assert (spec["model"], spec["fit_X"], spec["fit_y"]) == ("clf", "X_train", "y_train")
    assert (spec["heldout_X"], spec["heldout_y"], spec["notebook_predictions"]) == (
        "X_test",
        "y_test",
        "pred",
    )
    assert spec["metrics"] == ["baseline_acc", "acc"] and spec["preprocessing"] == "in the model"
    report = (out / "EXPORT_REPORT.md").read_text()
    assert "- model: `clf` (cell 2 line" in report  # cells numbered as in the rest of the report
    assert '"example_production.production.cli:main"' not in (out / "pyproject.toml").read_text()
    assert ".production.cli:main" in (out / "pyproject.toml").read_text()


def test_a_scaler_outside_the_pipeline_is_replayed_with_its_fitted_state(
    make_notebook, tmp_path: Path
) -> None:
    out = _export(make_notebook, tmp_path, [
        "from sklearn.datasets import load_breast_cancer\nX, y = load_breast_cancer(return_X_y=True, as_frame=True)",
        SPLIT,
        "from sklearn.preprocessing import StandardScaler\nfrom sklearn.linear_model import LogisticRegression\n"
        "scaler = StandardScaler()\nX_train_s = scaler.fit_transform(X_train)\nX_test_s = scaler.transform(X_test)\n"
        "model = LogisticRegression().fit(X_train_s, y_train)\ny_pred = model.predict(X_test_s)",
    ])  # fmt: skip
    spec = _spec(out)
    assert spec["raw_X"] == "X_train" and spec["steps"] == [["transform", "scaler"]]
    assert spec["heldout_X"] == "X_test" and spec["preprocessing"] == "fitted transformers replayed"


def test_preprocessing_that_cannot_be_isolated_is_named_not_guessed(make_notebook, tmp_path: Path) -> None:
    out = _export(make_notebook, tmp_path, [
        "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2, 3, 4] * 10, 'c': ['x', 'y'] * 20, 't': [0, 1] * 20})",
        "df = pd.get_dummies(df, columns=['c'])\nX = df.drop(columns='t')\ny = df['t']",
        SPLIT,
        "from sklearn.linear_model import LogisticRegression\nm = LogisticRegression().fit(X_train, y_train)\np = m.predict(X_test)",
    ])  # fmt: skip
    spec = _spec(out)
    assert spec["preprocessing"] == "prepared features"
    report = (out / "EXPORT_REPORT.md").read_text()
    assert "`predict` takes already-prepared features" in report
    assert "cell 1 line 1: `df = pd.get_dummies(df, columns=['c'])`" in report
    assert "Not replayed by `predict`" in (out / "README.md").read_text()


def test_a_notebook_without_a_model_gets_no_production_face(make_notebook, tmp_path: Path) -> None:
    out = _export(
        make_notebook, tmp_path, ["import pandas as pd\ndf = pd.DataFrame({'a': [1]})\nprint(df.sum())"]
    )
    assert not list(out.glob("src/*/production"))
    assert "No model found" in (out / "EXPORT_REPORT.md").read_text()
    assert ".pipeline:main" in (out / "pyproject.toml").read_text()


def test_drift_statistics_agree_with_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    assert drift.chi2_pvalue(7.8, 3) == pytest.approx(stats.chi2.sf(7.8, 3), rel=1e-6)
    assert drift.chi2_pvalue(150.0, 40) == pytest.approx(stats.chi2.sf(150.0, 40), rel=1e-6)
    assert drift.ks_pvalue(0.05, 2000, 1000) == pytest.approx(
        stats.kstwobign.sf(0.05 * np.sqrt(2000 * 1000 / 3000)), abs=0.02
    )
    assert drift.psi(np.array([0.5, 0.5]), np.array([0.5, 0.5])) == 0.0
    assert drift.psi(np.array([0.25, 0.75]), np.array([0.5, 0.5])) == pytest.approx(
        0.25 * np.log(2) + 0.25 * np.log(1.5)
    )


def test_the_reference_profile_and_drift_of_a_numeric_and_a_categorical_column() -> None:
    from nbprod.export.production.runtime.profile import profile_frame

    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(size=5000), "c": rng.choice(["a", "b", "c"], 5000)})
    profile = profile_frame(ref)
    assert profile["features"]["x"]["kind"] == "numeric" and profile["features"]["c"]["kind"] == "categorical"
    assert abs(profile["features"]["x"]["quantiles"]["p50"]) < 0.1
    cfg = {"psi": 0.2, "ks_statistic": 0.1, "cramers_v": 0.1, "p_value": 0.01, "missing_rate_change": 0.1}
    same = drift.batch_drift(profile, ref.sample(1000, random_state=1), cfg)
    assert not any(f["drift"] for f in same["features"].values())
    moved = ref.sample(1000, random_state=2).assign(x=lambda d: d["x"] + 1, c="a")
    moved.loc[moved.index[:200], "x"] = np.nan
    got = drift.batch_drift(profile, moved, cfg)["features"]
    assert got["x"]["drift"] and got["c"]["drift"]
    assert any("missing rate" in r for r in got["x"]["reasons"]) and any(
        "KS" in r for r in got["x"]["reasons"]
    )


@pytest.fixture(scope="module")
def credit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """credit_risk_clean copied with its data, exported, trained once."""
    base = tmp_path_factory.mktemp("credit")
    shutil.copytree(SAMPLES / "data", base / "data")
    shutil.copy(SAMPLES / "credit_risk_clean.ipynb", base)
    out = export_notebook(base / "credit_risk_clean.ipynb").out_dir
    return base, out


def _cli(base: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(out / "src"), "MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "credit_risk_clean", *args],
        cwd=base,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_train_predict_monitor_from_the_command_line(credit: tuple[Path, Path]) -> None:
    base, out = credit
    done = _cli(base, out, "train")
    assert done.returncode == 0, done.stderr
    assert "auc: 0.7512 (baseline 0.5)" in done.stdout
    card = json.loads((base / "artifacts" / "model_card.json").read_text())
    assert card["inputs"][0]["path"] == "data/credit.csv" and card["inputs"][0]["rows"] == 800
    assert card["seeds"]["SEED"] == 42 and card["versions"]["scikit-learn"]
    assert "| auc (notebook) | 0.75124 | 0.5 |" in (base / "artifacts" / "MODEL_CARD.md").read_text()
    rows = base / "artifacts" / "samples" / "heldout_rows.csv"
    done = _cli(base, out, "predict", str(rows), "-o", "scored.parquet" if _has("pyarrow") else "scored.csv")
    assert done.returncode == 0, done.stderr
    log = [json.loads(line) for line in (base / "artifacts" / "predictions.jsonl").read_text().splitlines()]
    assert log[-1]["rows"] == 200 and log[-1]["model_sha256"] == card["artifact"]["sha256"]
    # a raw row of the data file with a NaN the notebook's load_data() filled: one clear line, exit 1
    done = _cli(base, out, "predict", "data/credit.csv")
    assert done.returncode == 1
    assert "predict: warning: extra column(s) ignored: default" in done.stderr
    assert (
        "predict: error: column 'employment_type': 12 row(s) missing (NaN) where training had none"
        in done.stderr
    )
    assert "Traceback" not in done.stderr
    assert _cli(base, out, "monitor", str(rows)).returncode == 0
    shifted = pd.read_csv(rows).assign(income=lambda d: d["income"] * 3)
    shifted.to_csv(base / "shifted.csv", index=False)
    done = _cli(base, out, "monitor", "shifted.csv")
    assert done.returncode == 1 and "income: PSI" in done.stdout
    report = json.loads((base / "artifacts" / "monitor" / "drift.json").read_text())
    assert (
        report["drift"] and report["features"]["income"]["drift"] and not report["features"]["age"]["drift"]
    )
    assert "<svg" in (base / "artifacts" / "monitor" / "drift.html").read_text()
    # bad input: one line, exit 2, no traceback
    done = _cli(base, out, "predict", "nowhere.csv")
    assert (done.returncode, done.stderr.strip()) == (
        2,
        "credit-risk-clean predict: error: nowhere.csv: no such file",
    )


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def test_the_generated_production_tests_pass(credit: tuple[Path, Path]) -> None:
    _base, out = credit
    env = {"PYTHONPATH": str(out / "src"), "MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_production.py"],
                          cwd=out, env=env, capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]
    assert "7 passed" in done.stdout


def test_readiness_items_filled_by_the_in_sync_package(credit: tuple[Path, Path]) -> None:
    base, out = credit
    nb = base / "credit_risk_clean.ipynb"
    cl = checklist_for(nb)
    for item in ("M3", "M4", "O2", "O6", "D4"):
        r = cl.item(item)
        assert r.score == 2 and "exported" in r.reason and str(out) in r.reason, (item, r.reason)
    assert cl.tally()["verified"] >= 5
    # the notebook changes: the package is stale and no longer vouches for these items
    data = json.loads(nb.read_text())
    data["cells"][-1]["source"] = "print('changed')"
    nb.write_text(json.dumps(data))
    stale = checklist_for(nb)
    assert stale.item("O6").score == 0 and "exported" not in stale.item("O2").reason


def _artifacts(tmp_path: Path, data: bytes, fmt: str | None) -> Path:
    import hashlib

    art = tmp_path / "art"
    art.mkdir()
    (art / "model.joblib").write_bytes(data)
    artifact = {"file": "model.joblib", "sha256": hashlib.sha256(data).hexdigest()}
    if fmt:
        artifact["format"] = fmt
    (art / "model_card.json").write_text(json.dumps({"artifact": artifact}))
    return art


def test_the_artifact_loaded_is_the_bytes_hashed_and_a_changed_one_is_refused(tmp_path: Path) -> None:
    import pickle

    import joblib

    from nbprod.export.production.runtime import ProductionError, serve

    bundle = {"model": "m", "classes": [0, 1], "dtypes": {"a": np.dtype("float64")}}
    art = _artifacts(tmp_path, pickle.dumps(bundle, protocol=pickle.HIGHEST_PROTOCOL), "pickle")
    assert serve.load_bundle(art)[0] == bundle
    assert joblib.load(art / "model.joblib") == bundle  # a plain pickle: joblib reads it too
    with open(art / "model.joblib", "ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(ProductionError, match="refusing to load a tampered or swapped artifact"):
        serve.load_bundle(art)
    # an artifact an older runtime wrote with joblib.dump (no format in the card)
    joblib.dump(bundle, tmp_path / "old.joblib")
    (tmp_path / "old").mkdir()
    old = _artifacts(tmp_path / "old", (tmp_path / "old.joblib").read_bytes(), None)
    assert serve.load_bundle(old)[0] == bundle


@pytest.mark.parametrize(
    "frame",
    [
        {"prediction": [0, 1, 1], "proba_0": [0.75, 1e-7, 1 / 3], "proba_a,b": [0.25, 1 - 1e-7, 2 / 3]},
        {"prediction": [1e17, -0.0, 123456.789, float("inf")]},
        {"prediction": [True, False]},
        {"prediction": [1.5, float("nan")]},  # NaN: pandas writes it (empty field)
        {"prediction": ["yes", "no, really"]},
        {"prediction": np.array([0.1, 0.2], dtype=np.float32)},
        {"prediction": np.array([], dtype=float), "proba_1": np.array([], dtype=float)},  # header only
        {  # many rows: every float shape repr meets (17 digits, exponents, integers, -0.0)
            "prediction": np.random.default_rng(0).integers(-5, 5, 5000),
            "proba_1": np.random.default_rng(1).random(5000) ** 9,
            "value": np.random.default_rng(2).lognormal(0, 12, 5000) * np.resize([1, -1, 0], 5000),
        },
    ],
)
def test_the_predictions_csv_is_byte_for_byte_what_pandas_writes(tmp_path: Path, frame: dict) -> None:
    from nbprod.export.production.runtime import write_table

    df = pd.DataFrame(frame)
    df.to_csv(tmp_path / "pandas.csv", index=False)
    write_table(df, tmp_path / "nbprod.csv")
    assert (tmp_path / "nbprod.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


_RNG = np.random.default_rng(7)
_P = _RNG.integers(0, 201, 20_000) / 200  # a 200-tree forest's probabilities: 201 distinct values
_SPECIAL = np.array(
    [
        0.0,
        -0.0,
        np.nan,
        np.inf,
        -np.inf,
        1e-05,
        1e16,
        1e17,
        123456.789,
        1.7976931348623157e308,
        5e-324,
        -2.5,
        0.1 + 0.2,
    ]
)


@pytest.mark.parametrize(
    ("frame", "fast"),
    [
        # few distinct rows: each value and each row formatted once (the row-dedup path)
        ({"prediction": (_P > 0.5).astype(np.int64), "proba_0": 1 - _P, "proba_1": _P}, True),
        ({"prediction": _RNG.choice(_SPECIAL, 6000)}, True),  # one column, NaN there: a row of one "" field
        ({"a": _RNG.choice(_SPECIAL, 6000), "b": _RNG.choice(_SPECIAL, 6000)}, True),  # NaN,NaN -> ","
        ({"prediction": _RNG.choice(["yes", "no", "peut-être", " padded ", "tab\there"], 5000)}, True),
        (
            {
                "prediction": _RNG.choice(np.array(["yes", "no", None], dtype=object), 5000),
                "p": _RNG.random(5000),
            },
            True,
        ),
        (
            {"prediction": pd.Categorical(_RNG.choice(["b", "a", None], 5000), categories=["a", "b", "c"])},
            True,
        ),
        ({"prediction": _RNG.random(5000) > 0.3, "n": _RNG.integers(-3, 3, 5000)}, True),
        ({"prediction": _RNG.integers(-(2**62), 2**62, 5000)}, True),  # ints over a wide range, all distinct
        ({"prediction": np.array([2**64 - 1, 0, 2**63] * 100, dtype=np.uint64)}, True),
        ({"prediction": np.array([-128, 127, 0, -1] * 100, dtype=np.int8)}, True),  # the offset must not wrap
        (
            {
                "prediction": np.array([2**64 - 1, 2**64 - 3] * 100, dtype=np.uint64),
                "b": np.array([-(2**15), 2**15 - 1] * 100, dtype=np.int16),
            },
            True,
        ),
        ({"prediction": _RNG.integers(0, 10**12, 5000) // 10**9 * 10**9}, True),  # few, far apart
        # every value distinct: one repr per row (floats the shapes repr meets: 17 digits, exponents)
        ({"prediction": _RNG.lognormal(0, 12, 5000) * np.resize([1, -1], 5000)}, True),
        (
            {
                "prediction": np.where(_RNG.random(5000) < 0.1, np.nan, _RNG.normal(0, 1e6, 5000)),
                "k": _RNG.integers(0, 2, 5000),
            },
            True,
        ),
        ({"prediction": [0.5] * 3}, True),  # too few rows to count distinct values: per-row repr
        # what pandas formats itself: the writer hands them back
        ({"prediction": _RNG.choice(["a,b", 'say "hi"', "plain"], 300)}, False),  # quoting
        ({"prediction": _RNG.choice(["", "x"], 300)}, False),  # an empty text field
        ({"prediction": _RNG.choice(np.array([1, "a", 2.5], dtype=object), 300)}, False),  # mixed types
        ({"prediction": _RNG.random(300).astype(np.float32)}, False),
        ({"prediction": pd.array(_RNG.integers(0, 5, 300), dtype="Int64")}, False),
        ({"when": pd.date_range("2026-01-01", periods=300, freq="h")}, False),
    ],
)
def test_the_fast_csv_writer_is_pandas_byte_for_byte(tmp_path: Path, frame: dict, fast: bool) -> None:
    """Every path of the writer (distinct values once, distinct rows once, one repr per row)
    against ``DataFrame.to_csv``; ``fast``: the writer formats the frame itself, not pandas."""
    from nbprod.export.production.runtime import _csv_body, write_table

    df = pd.DataFrame(frame)
    assert (_csv_body(df) is not None) is fast
    df.to_csv(tmp_path / "pandas.csv", index=False)
    write_table(df, tmp_path / "nbprod.csv")
    assert (tmp_path / "nbprod.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    if fast:  # and from the file pandas reads back, the same values
        back = pd.read_csv(tmp_path / "nbprod.csv", keep_default_na=False, na_values=[""])
        assert back.shape == df.shape


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["b", "a", None, "b", "c"]),
        pd.Series(["b", "a", None, "b"], dtype=object),
        pd.Series(["b", "a", None, "b"], dtype="string"),
        pd.Series(["b", "a", None, "b"], dtype="category"),
        pd.Series([True, False, True]),
        pd.Series([2.5, np.nan, 2.5, 1.0]),
    ],
)
def test_the_runtime_factorize_is_pandas_factorize(values: pd.Series) -> None:
    from nbprod.export.production.runtime.profile import factorize

    codes, uniques = factorize(values)
    want_codes, want_uniques = pd.factorize(values)
    assert codes.tolist() == want_codes.tolist()
    assert [str(u) for u in uniques] == [str(u) for u in want_uniques]


def test_the_drift_report_draws_svg_without_importing_matplotlib() -> None:
    code = (
        "import sys, numpy as np, pandas as pd\n"
        "from nbprod.export.production.runtime import drift, html, profile\n"
        "rng = np.random.default_rng(0)\n"
        "ref = pd.DataFrame({'x': rng.normal(size=2000), 'c': rng.choice(['a', 'b'], 2000)})\n"
        "p = profile.profile_frame(ref)\n"
        "cfg = {'psi': 0.2, 'ks_statistic': 0.1, 'cramers_v': 0.1, 'p_value': 0.01, 'missing_rate_change': 0.1}\n"
        "rep = drift.batch_drift(p, ref.assign(x=ref['x'] + 2, c='a'), cfg)\n"
        "rep.update(input='b.csv', checked_at='now', drift=True, predictions=None)\n"
        "page = html.render(rep, p, 20)\n"
        "assert page.count('<svg') == 2 and '<title>x: reference against batch</title>' in page, page\n"
        "assert 'matplotlib' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("text", ["str", object])
def test_validate_reports_the_same_with_or_without_the_drift_pass_factorize(tmp_path: Path, text) -> None:
    """``predict`` validates alone (a set of the values first, then a factorize only when there
    is something to report); ``monitor`` reuses the drift pass's factorize: same lines either way."""
    from nbprod.export.production.runtime import drift, profile, serve

    train = pd.DataFrame(
        {"city": pd.Series(["Oslo", "Rome", "Lima"] * 40, dtype=text), "n": np.arange(120.0)}
    )
    prof = profile.profile_frame(train)
    bundle = {"dtypes": dict(train.dtypes)}
    clean = train.sample(frac=1, random_state=0).reset_index(drop=True)
    dirty = clean.copy()
    dirty.loc[[3, 7, 8], "city"] = ["Kyiv", None, "Kyiv"]
    dirty.loc[9, "city"] = "Pune"
    for batch, want in (
        (clean, []),
        (
            dirty,
            [
                "column 'city': 1 row(s) missing (NaN) where training had none (rows 7)",
                "column 'city': 3 row(s) with categories never seen in training: 'Kyiv', 'Pune'",
            ],
        ),
    ):
        alone = serve.validate(batch, bundle, prof)
        factorized: dict = {}
        thresholds = {
            "p_value": 0.01,
            "psi": 0.2,
            "ks_statistic": 0.1,
            "cramers_v": 0.1,
            "missing_rate_change": 0.05,
        }
        drift.batch_drift(prof, batch, thresholds, factorized)
        assert "city" in factorized
        reused = serve.validate(batch, bundle, prof, factorized)
        assert alone[1:] == reused[1:] == ([], want, [])
        pd.testing.assert_frame_equal(alone[0], reused[0])
        pd.testing.assert_frame_equal(alone[0], batch)
        assert alone[0] is not batch
    # a column coerced to its training dtype: in the features, never in the caller's frame
    ints = clean.assign(n=clean["n"].astype(np.int64))
    X, errors, problems, _ = serve.validate(ints, bundle, prof)
    assert (errors, problems) == ([], [])
    assert X["n"].dtype == np.float64 and ints["n"].dtype == np.int64


def _float_families(n: int) -> dict[str, np.ndarray]:
    """The float64 shapes a model's outputs take, and the edges of repr's plain range."""
    rng = np.random.default_rng(2026)
    bits = rng.integers(0, 2**63, n, dtype=np.uint64) | (
        rng.integers(0, 2, n, dtype=np.uint64) << np.uint64(63)
    )
    edges = np.array(
        [np.nextafter(e, s * np.inf) for e in (1e-4, 1e16, -1e-4, -1e16) for s in (1, -1)]
        + [1e-4, 1e16, -1e-4, -1e16]
    )
    around = np.concatenate([e * (1 + np.arange(-50, 51) * np.finfo(float).eps) for e in (1e-4, 1e16)])
    return {
        "bit patterns": bits.view(np.float64),
        "log-uniform": 10 ** rng.uniform(-4.5, 16.5, n) * rng.choice([-1, 1], n),
        "mantissa x 2^e": np.ldexp(rng.random(n), rng.integers(-20, 60, n)),
        "rounded decimals": np.array(
            [
                round(x, d)
                for x, d in zip(rng.normal(0, 1e4, n).tolist(), rng.integers(0, 8, n).tolist(), strict=True)
            ]
        ),
        "integers": rng.integers(-(2**54), 2**54, n).astype(np.float64),
        "forest k/200": rng.integers(0, 201, n) / 200,
        "uniform": rng.random(n),
        "subnormals": rng.integers(1, 2**52, n // 10, dtype=np.uint64).view(np.float64),
        "edges": np.concatenate([edges, around, [0.0, -0.0, np.nan, np.inf, -np.inf, 5e-324]]),
    }


@pytest.mark.parametrize("family", list(_float_families(1)))
def test_the_fast_float_text_is_repr_on_every_family(family: str) -> None:
    """orjson writes repr's digits in repr's plain range; outside it (and for NaN, inf) repr itself."""
    pytest.importorskip("orjson")
    from nbprod.export.production.runtime import _float_text, _shortest

    v = _float_families(40_000)[family]
    want = list(map(repr, v.tolist()))
    assert _shortest(v) == want
    whole = _float_text(v)  # the one-call path: only when no value needs repr
    if whole is not None:
        assert whole.decode("ascii").split(",") == want


def test_without_orjson_the_writer_falls_back_to_repr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbprod.export.production.runtime import _numeric_body, _shortest, write_table

    monkeypatch.setitem(sys.modules, "orjson", None)  # import orjson raises ImportError
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"prediction": rng.integers(0, 2, 3000), "proba_1": rng.random(3000)})
    assert _shortest(df["proba_1"].to_numpy()) is None and _numeric_body(df) is None
    df.to_csv(tmp_path / "pandas.csv", index=False)
    write_table(df, tmp_path / "nbprod.csv")
    assert (tmp_path / "nbprod.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


_N = 3000
_R = np.random.default_rng(11)


def _u(n: int) -> np.ndarray:
    """Probabilities away from 0 (repr writes those below 1e-4 with an exponent: another path)."""
    return 0.001 + 0.998 * _R.random(n)


@pytest.mark.parametrize(
    ("frame", "numeric"),
    [
        ({"prediction": _R.integers(0, 3, _N), "proba_0": _u(_N), "proba_1": _u(_N)}, True),
        ({"proba_0": _u(_N), "prediction": _R.integers(-5, 5, _N), "proba_1": _u(_N)}, True),
        ({"p": _u(_N), "u": _R.integers(0, 2**40, _N).astype(np.uint64)}, True),
        ({"p": _u(_N), "big": np.full(_N, 2**53 - 1)}, True),
        ({"p": _u(_N), "big": np.full(_N, 2**53)}, False),  # not exact as a float: not this path
        (
            {
                "p": np.where(_u(_N) < 0.2, _R.choice([0.0, 1.0, -0.0], _N), _u(_N)),
                "k": np.zeros(_N, int),
            },
            True,
        ),
        ({"p": _R.random(_N) * 1e-5, "k": np.zeros(_N, int)}, False),  # exponent form: repr writes those
        ({"p": np.where(_u(_N) < 0.01, np.nan, _u(_N)), "k": np.zeros(_N, int)}, False),  # NaN
        ({"p": _u(_N), "q": _R.normal(0, 1e6, _N)}, True),
    ],
)
def test_the_numeric_block_writer_is_pandas_byte_for_byte(tmp_path: Path, frame: dict, numeric: bool) -> None:
    pytest.importorskip("orjson")
    from nbprod.export.production.runtime import _numeric_body, write_table

    df = pd.DataFrame(frame)
    assert (_numeric_body(df) is not None) is numeric
    df.to_csv(tmp_path / "pandas.csv", index=False)
    write_table(df, tmp_path / "nbprod.csv")
    assert (tmp_path / "nbprod.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
