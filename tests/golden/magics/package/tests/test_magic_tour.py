"""Tests of magics.magic_tour.run(): Magic tour."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from magics import _testing

SNAPSHOT = json.loads(
    (Path(__file__).parent / "snapshots" / "magic_tour.json").read_text()
)


def test_magic_tour_runs(sections):
    """The code of cells 2-6 runs; a failure names the notebook cell."""
    run = _testing.section(sections, "magic_tour")
    assert run.error is None


def test_magic_tour_prints_what_the_notebook_printed(sections):
    pytest.skip(
        "TODO: check what magic_tour.run() prints; no comparison derived: cell 3 uses a magic whose printed output the package does not reproduce (timing, install, %env...)"
    )


def test_magic_tour_returns_match_the_recorded_run(sections):
    pytest.skip(
        "TODO: check magic_tour.run() -> listing: type, shape, columns, values; no recorded run to derive them from (run `nbprod export --capture`)"
    )
