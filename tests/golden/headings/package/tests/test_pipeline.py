"""End to end: ``python -m headings`` runs and prints what the notebook printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from headings import _testing, pipeline

EXPECTED = "(800, 8)\ndefault rate: 0.171\n(600, 7) (200, 7)\nbaseline ROC AUC: 0.500\nmodel ROC AUC: 0.751\nprecision recall f1-score support\n\n0 0.899 0.801 0.847 166\n1 0.365 0.559 0.442 34\n\naccuracy 0.760 200\nmacro avg 0.632 0.680 0.644 200\nweighted avg 0.808 0.760 0.778 200\n\nsaved out/model.joblib"
NOT_COMPARED = None
# The options README.md documents: the same table generated the console script.
OPTIONS = ["--seed", "--test-size", "--n-estimators", "--target", "--plots"]


def test_help_lists_every_documented_option(capsys):
    with pytest.raises(SystemExit) as exc:
        pipeline.main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for option in OPTIONS:
        assert option in text, f"{option} missing from --help"


@pytest.fixture(scope="module")
def pipeline_run(workdir):
    """One run of ``python -m headings`` in the notebook folder."""
    cmd = [sys.executable, "-m", "headings"]
    here = str(Path(pipeline.__file__).resolve().parent.parent)  # installed or not
    path = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path}
    return subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)


def test_pipeline_runs(pipeline_run):
    assert pipeline_run.returncode == 0, (
        "the pipeline failed:\n" + pipeline_run.stderr[-3000:]
    )


def test_pipeline_prints_what_the_notebook_printed(pipeline_run):
    assert pipeline_run.returncode == 0, pipeline_run.stderr[-3000:]
    if EXPECTED is None:
        pytest.skip(
            "TODO: check what the pipeline prints; no comparison derived: "
            + NOT_COMPARED
        )
    _testing.assert_same_output(pipeline_run.stdout, EXPECTED)
