"""Tests of magics.timing_and_capture.run(): Timing and capture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from magics import _testing

SNAPSHOT = json.loads(
    (Path(__file__).parent / "snapshots" / "timing_and_capture.json").read_text()
)


def test_timing_and_capture_runs(sections):
    """The code of cells 8-11 runs; a failure names the notebook cell."""
    run = _testing.section(sections, "timing_and_capture")
    assert run.error is None


def test_timing_and_capture_prints_what_the_notebook_printed(sections):
    pytest.skip(
        "TODO: check what timing_and_capture.run() prints; no comparison derived: cell 10 uses a magic whose printed output the package does not reproduce (timing, install, %env...)"
    )


def test_timing_and_capture_returns_match_the_recorded_run(sections):
    pytest.skip(
        "TODO: check timing_and_capture.run() -> its effects (files written, state changed): type, shape, columns, values; no recorded run to derive them from (run `nbprod export --capture`)"
    )
