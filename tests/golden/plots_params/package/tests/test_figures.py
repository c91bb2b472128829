"""Tests of plots_params.figures.run(): Figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from plots_params import _testing

SNAPSHOT = json.loads(
    (Path(__file__).parent / "snapshots" / "figures.json").read_text()
)


def test_figures_runs(sections):
    """The code of cells 8-10 runs; a failure names the notebook cell."""
    run = _testing.section(sections, "figures")
    assert run.error is None


def test_figures_prints_what_the_notebook_printed(sections):
    pytest.skip(
        "TODO: check what figures.run() prints; no comparison derived: the execution counts show an out-of-order run, so the saved outputs are not a top-to-bottom run"
    )


def test_figures_returns_match_the_recorded_run(sections):
    pytest.skip(
        "TODO: check figures.run() -> its effects (files written, state changed): type, shape, columns, values; no recorded run to derive them from (run `nbprod export --capture`)"
    )
