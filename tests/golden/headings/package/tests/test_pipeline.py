"""End to end: ``python -m headings`` prints what the notebook printed."""

from __future__ import annotations

import subprocess
import sys

import pytest
from headings import _testing, pipeline

EXPECTED = "(800, 8)\ndefault rate: 0.171\n(600, 7) (200, 7)\nbaseline ROC AUC: 0.500\nmodel ROC AUC: 0.751\n              precision    recall  f1-score   support\n\n           0      0.899     0.801     0.847       166\n           1      0.365     0.559     0.442        34\n\n    accuracy                          0.760       200\n   macro avg      0.632     0.680     0.644       200\nweighted avg      0.808     0.760     0.778       200\n\nsaved out/model.joblib\n"


def test_main_lists_the_parameters_as_options(capsys):
    with pytest.raises(SystemExit) as exc:
        pipeline.main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for option in ["seed", "test-size", "n-estimators", "target", "plots"]:
        assert option in text, f"--{option} missing from --help"


def test_pipeline_prints_what_the_notebook_printed(workdir):
    done = subprocess.run(
        [sys.executable, "-m", "headings"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    _testing.assert_same_output(done.stdout, EXPECTED)
