"""End to end: ``python -m no_headings`` prints what the notebook printed."""

from __future__ import annotations

import subprocess
import sys

import pytest
from no_headings import _testing, pipeline

EXPECTED = "0.670095\n0.670095\n125\n125 rows 752.495\n{0: 1.7155, 1: 2.28, 2: 1.936}\n"


def test_main_lists_the_parameters_as_options(capsys):
    with pytest.raises(SystemExit) as exc:
        pipeline.main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for option in ["plots"]:
        assert option in text, f"--{option} missing from --help"


def test_pipeline_prints_what_the_notebook_printed(workdir):
    done = subprocess.run(
        [sys.executable, "-m", "no_headings"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    _testing.assert_same_output(done.stdout, EXPECTED)
