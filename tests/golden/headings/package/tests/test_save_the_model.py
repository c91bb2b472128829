"""Tests of headings.save_the_model.run(): Save the model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from headings import _testing

SNAPSHOT = json.loads(
    (Path(__file__).parent / "snapshots" / "save_the_model.json").read_text()
)


def test_save_the_model_runs(sections):
    """The code of cell 24 runs; a failure names the notebook cell."""
    run = _testing.section(sections, "save_the_model")
    assert run.error is None


def test_save_the_model_prints_what_the_notebook_printed(sections):
    run = _testing.section(sections, "save_the_model")
    _testing.assert_same_output(run.stdout, SNAPSHOT["stdout"])


def test_save_the_model_returns_match_the_recorded_run(sections):
    pytest.skip(
        "TODO: check save_the_model.run() -> model_path: type, shape, columns, values; no recorded run to derive them from (run `nbprod export --capture`)"
    )
