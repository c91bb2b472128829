"""End to end: ``python -m magics`` runs and prints what the notebook printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from magics import _testing, pipeline

EXPECTED = None
NOT_COMPARED = "cell 3 uses a magic whose printed output the package does not reproduce (timing, install, %env...)"
# The options README.md documents: the same table generated the console script.
OPTIONS = ["--plots"]


def test_help_lists_every_documented_option(capsys):
    with pytest.raises(SystemExit) as exc:
        pipeline.main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for option in OPTIONS:
        assert option in text, f"{option} missing from --help"


@pytest.fixture(scope="module")
def pipeline_run(workdir):
    """One run of ``python -m magics`` in the notebook folder."""
    cmd = [sys.executable, "-m", "magics"]
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
