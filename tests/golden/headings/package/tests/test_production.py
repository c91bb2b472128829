"""Tests of the production face: train once, then predict, monitor, refuse bad artifacts and inputs."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from headings.production import cli


@pytest.fixture(scope="module")
def artifacts(workdir, tmp_path_factory):
    """One `train` into a temporary artifacts folder."""
    art = tmp_path_factory.mktemp("artifacts")
    assert cli.main(["train", "--artifacts", str(art)]) == 0
    return art


def _same(got: pd.Series, expected: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(got) and pd.api.types.is_numeric_dtype(expected):
        return bool(np.allclose(got.to_numpy(float), expected.to_numpy(float), rtol=1e-9, atol=1e-12, equal_nan=True))
    return got.astype(str).tolist() == expected.astype(str).tolist()


@pytest.mark.parametrize("rows", ["train", "heldout"])
def test_predict_reproduces_the_notebooks_predictions(artifacts, tmp_path, rows):
    out = tmp_path / "out.csv"
    assert cli.main(["predict", str(artifacts / "samples" / f"{rows}_rows.csv"), "-o", str(out), "--artifacts", str(artifacts)]) == 0
    got = pd.read_csv(out)["prediction"]
    expected = pd.read_csv(artifacts / "samples" / f"{rows}_predictions.csv")["prediction"]
    assert len(got) == len(expected)
    assert _same(got, expected)
    assert (artifacts / "predictions.jsonl").read_text().count("\n") >= 1


def test_monitor_reports_no_drift_on_the_training_batch(artifacts, tmp_path):
    import json

    cli.main(["monitor", str(artifacts / "samples" / "train_rows.csv"), "--artifacts", str(artifacts), "--report", str(tmp_path)])
    report = json.loads((tmp_path / "drift.json").read_text())
    assert report["missing_columns"] == []
    assert [n for n, f in report["features"].items() if f["drift"]] == []
    # the prediction reference is the held-out rows: an overfit model scores its own training rows
    # differently, which monitor rightly reports; only the features are compared here
    assert report["predictions"] is not None
    assert (tmp_path / "drift.html").is_file()


def test_monitor_reports_drift_on_a_shifted_batch(artifacts, tmp_path):
    df = pd.read_csv(artifacts / "samples" / "train_rows.csv")
    num = df.select_dtypes("number").columns
    if len(num):
        df[num] = df[num] * 1.5 + df[num].std() * 2 + 1
    else:
        df[df.columns[0]] = df[df.columns[0]].iloc[0]
    df.to_csv(tmp_path / "shifted.csv", index=False)
    code = cli.main(["monitor", str(tmp_path / "shifted.csv"), "--artifacts", str(artifacts), "--report", str(tmp_path)])
    assert code == 1


def test_a_tampered_artifact_is_refused(artifacts, tmp_path, capsys):
    art = tmp_path / "art"
    shutil.copytree(artifacts, art)
    with open(art / "model.joblib", "ab") as fh:
        fh.write(b"tampered")
    assert cli.main(["predict", str(art / "samples" / "train_rows.csv"), "--artifacts", str(art)]) == 2
    assert "refusing to load a tampered or swapped artifact" in capsys.readouterr().err


def test_a_missing_column_is_one_clear_error(artifacts, tmp_path, capsys):
    df = pd.read_csv(artifacts / "samples" / "train_rows.csv")
    df.assign(unrelated=1).drop(columns=df.columns[0]).to_csv(tmp_path / "bad.csv", index=False)
    assert cli.main(["predict", str(tmp_path / "bad.csv"), "--artifacts", str(artifacts)]) == 1
    assert f"missing column(s): {df.columns[0]}" in capsys.readouterr().err


def test_an_unseen_category_or_a_wrong_type_is_one_clear_error(artifacts, tmp_path, capsys):
    import json

    profile = json.loads((artifacts / "reference_profile.json").read_text())
    features = profile["features"]
    cats = [c for c, f in features.items() if f["kind"] == "categorical" and f.get("complete") and f["dtype"] != "bool"]
    df = pd.read_csv(artifacts / "samples" / "train_rows.csv")
    column = cats[0] if cats else next(iter(features))
    df[column] = df[column].astype(object)
    df.loc[0, column] = "never-seen-in-training"
    df.to_csv(tmp_path / "bad.csv", index=False)
    assert cli.main(["predict", str(tmp_path / "bad.csv"), "--artifacts", str(artifacts)]) == 1
    err = capsys.readouterr().err
    if cats:  # a category the model never saw
        assert "categories never seen in training: 'never-seen-in-training'" in err
    else:  # no text category: text in a numeric or boolean column is the input error to report
        assert f"column {column!r}: expected" in err and "never-seen-in-training" in err
