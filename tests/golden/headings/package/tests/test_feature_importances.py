"""Tests of headings.feature_importances.run(): Feature importances."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from headings import _testing

SNAPSHOT = json.loads(
    (Path(__file__).parent / "snapshots" / "feature_importances.json").read_text()
)


def test_feature_importances_runs(sections):
    """The code of cell 22 runs; a failure names the notebook cell."""
    run = _testing.section(sections, "feature_importances")
    assert run.error is None


def test_feature_importances_prints_what_the_notebook_printed(sections):
    run = _testing.section(sections, "feature_importances")
    _testing.assert_same_output(run.stdout, SNAPSHOT["stdout"])


def test_feature_importances_returns_match_the_recorded_run(sections):
    pytest.skip(
        "TODO: check feature_importances.run() -> names, importances: type, shape, columns, values; no recorded run to derive them from (run `nbprod export --capture`)"
    )
