"""Tests of plots_params.plots_and_parameters.run(): Plots and parameters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from plots_params import _testing

SNAPSHOT = json.loads(
    (Path(__file__).parent / "snapshots" / "plots_and_parameters.json").read_text()
)


def test_plots_and_parameters_runs(sections):
    """The code of cells 2-3 runs; a failure names the notebook cell."""
    run = _testing.section(sections, "plots_and_parameters")
    assert run.error is None


def test_plots_and_parameters_prints_what_the_notebook_printed(sections):
    pytest.skip(
        "TODO: check what plots_and_parameters.run() prints; no comparison derived: the execution counts show an out-of-order run, so the saved outputs are not a top-to-bottom run"
    )


def test_plots_and_parameters_returns_match_the_recorded_run(sections):
    pytest.skip(
        "TODO: check plots_and_parameters.run() -> its effects (files written, state changed): type, shape, columns, values; no recorded run to derive them from (run `nbprod export --capture`)"
    )
