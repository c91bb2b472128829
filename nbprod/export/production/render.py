"""The text the production face adds: README and EXPORT_REPORT sections, and the generated tests."""

from __future__ import annotations

from typing import Any

PREP = {
    "in the model": "the model is a pipeline that does its own preprocessing: rows in the form of the training features go in",
    "fitted transformers replayed": "the notebook's fitted transformers outside the model are saved with it and replayed",
    "prepared features": "the preprocessing could not be isolated from the notebook's code: `predict` takes already-prepared features",
}


def readme_section(spec: Any, package: str, dist: str, workdir: str = ".") -> str:
    """The README's "Production" section: what was found, and the commands."""
    steps = " -> ".join(f"`{n}.{s}`" if n else f"`.{s}`" for s, n in spec.steps) or "none outside the model"
    lines = [
        "## Production: train, predict, monitor",
        "",
        f"nbprod found the model by data flow: `{spec.model}` (cell {spec.cell}), fit on `{spec.fit_X}` with target "
        f"`{spec.fit_y}`. `predict` takes rows with the columns of `{spec.raw_X}` (CSV or Parquet; other columns are "
        f"ignored with a warning). Preprocessing: {PREP[spec.preprocessing]}; replayed steps: {steps}.",
        "",
        "Install in this folder, then work from the notebook's folder (where its data paths resolve):",
        "",
        "```",
        "pip install -e .",
        f"cd {workdir}",
        f"{dist} train                  # model, MODEL_CARD.md, reference profile -> artifacts/",
        f"{dist} predict artifacts/samples/heldout_rows.csv -o predictions.csv",
        "python -c \"import pandas as pd; d = pd.read_csv('artifacts/samples/heldout_rows.csv'); "
        "n = d.select_dtypes('number').columns; d[n] = d[n] * 1.5 + d[n].std(); d.to_csv('shifted.csv', index=False)\"",
        f"{dist} monitor shifted.csv    # exit 1: drift; report in artifacts/monitor/drift.html",
        "```",
        "",
        "- `train` writes `artifacts/`: `model.joblib`, `model_card.json` + `MODEL_CARD.md` (versions, seeds, input "
        "fingerprints, the notebook's metrics beside the baseline's, training time, git commit, the artifact's sha256), "
        "`reference_profile.json`, and `samples/` (rows in the input form, with the notebook model's predictions).",
        "- `predict INPUT [-o OUT]` refuses an artifact whose sha256 differs from the model card's, checks the input "
        "(missing or extra columns, dtypes, categories never seen in training, NaN where training had none: one line "
        "each), checks the predictions (finite, known classes, training target range), and appends an entry to "
        "`artifacts/predictions.jsonl`. Exit 1 when the input fails the checks, 2 for a missing or tampered model.",
        "- `monitor INPUT` compares a batch with the reference: PSI per feature, KS (numeric), chi-square "
        "(categorical), missing-rate change, prediction drift; writes `drift.json` and `drift.html`; exit 1 on drift.",
        f"- Thresholds and switches: `src/{package}/production/config.json` (`--config FILE` overrides keys); "
        f"`--artifacts DIR` or `${package.upper()}_ARTIFACTS` moves the artifacts.",
    ]
    if spec.upstream:
        lines.append(
            f"- Not replayed by `predict` (the rows must already reflect them): {'; '.join(spec.upstream)}."
        )
    return "\n".join(lines) + "\n"


def report_section(spec: Any, package: str, dist: str) -> str:
    """The EXPORT_REPORT's "Production" section: what was derived, and what was not."""
    if spec is None:
        return (
            "## Production\n\nNo model found: no `fit(X, y)` on an estimator the notebook uses afterwards "
            "(dummy baselines do not count). The package has no `train`/`predict`/`monitor`.\n"
        )
    steps = ", ".join(f"{s} with `{n}`" if n else s for s, n in spec.steps) or "none"
    lines = [
        "## Production",
        "",
        f"- model: `{spec.model}` (cell {spec.cell} line {spec.line}), fit on `{spec.fit_X}`, target `{spec.fit_y}`",
        f"- rows `predict` takes: the form of `{spec.raw_X}`; replayed steps: {steps}",
        f"- held-out rows: {f'`{spec.heldout_X}`' if spec.heldout_X else 'not found: the prediction profile uses training rows'}"
        f", target {f'`{spec.heldout_y}`' if spec.heldout_y else 'not found'}",
        f"- the notebook's predictions: {f'`{spec.notebook_predictions}`' if spec.notebook_predictions else 'not assigned: recomputed from the model'}",
        f"- metrics: {', '.join(f'`{m}`' for m in spec.metrics) or 'none found'}",
        f"- preprocessing: {spec.preprocessing}: {PREP[spec.preprocessing]}",
    ]
    if spec.upstream:
        lines += ["", "Statements that build the model's input and that `predict` does not replay "
                  "(give `predict` rows that already went through them):", ""]  # fmt: skip
        lines += [f"- {u}" for u in spec.upstream]
    return "\n".join(lines) + "\n"


TESTS = '''"""Tests of the production face: train once, then predict, monitor, refuse bad artifacts and inputs."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from {package}.production import cli


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
    assert cli.main(["predict", str(artifacts / "samples" / f"{{rows}}_rows.csv"), "-o", str(out), "--artifacts", str(artifacts)]) == 0
    got = pd.read_csv(out)["prediction"]
    expected = pd.read_csv(artifacts / "samples" / f"{{rows}}_predictions.csv")["prediction"]
    assert len(got) == len(expected)
    assert _same(got, expected)
    assert (artifacts / "predictions.jsonl").read_text().count("\\n") >= 1


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
    assert f"missing column(s): {{df.columns[0]}}" in capsys.readouterr().err


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
        assert f"column {{column!r}}: expected" in err and "never-seen-in-training" in err
'''


def tests_source(spec: Any, package: str, dist: str) -> str:
    """``tests/test_production.py`` for the package."""
    return TESTS.format(package=package)
