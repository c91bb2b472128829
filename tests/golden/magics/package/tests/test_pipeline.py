"""End to end: ``python -m magics`` prints what the notebook printed."""

from __future__ import annotations

import pytest
from magics import pipeline

EXPECTED = None


def test_main_lists_the_parameters_as_options(capsys):
    with pytest.raises(SystemExit) as exc:
        pipeline.main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for option in ["plots"]:
        assert option in text, f"--{option} missing from --help"


def test_pipeline_prints_what_the_notebook_printed(workdir):
    pytest.skip(
        "TODO: check what the pipeline prints; no comparison derived: cell 3 uses a magic whose printed output the package does not reproduce (timing, install, %env...)"
    )
