"""Tests of plots_params.data.run(): Data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from plots_params import _testing

SNAPSHOT = json.loads((Path(__file__).parent / "snapshots" / "data.json").read_text())


def test_data_runs(sections):
    """The code of cells 5-6 runs; a failure names the notebook cell."""
    run = _testing.section(sections, "data")
    assert run.error is None


def test_data_prints_what_the_notebook_printed(sections):
    pytest.skip(
        "TODO: check what data.run() prints; no comparison derived: the execution counts show an out-of-order run, so the saved outputs are not a top-to-bottom run"
    )


def test_data_returns_match_the_recorded_run(sections):
    pytest.skip(
        "TODO: check data.run() -> xs, ys: type, shape, columns, values; no recorded run to derive them from (run `nbprod export --capture`)"
    )
