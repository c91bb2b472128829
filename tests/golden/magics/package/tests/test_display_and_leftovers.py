"""Tests of magics.display_and_leftovers.run(): Display and leftovers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from magics import _testing

SNAPSHOT = json.loads(
    (Path(__file__).parent / "snapshots" / "display_and_leftovers.json").read_text()
)


def test_display_and_leftovers_runs(sections):
    """The code of cells 20-24 runs; a failure names the notebook cell."""
    run = _testing.section(sections, "display_and_leftovers")
    assert run.error is None


def test_display_and_leftovers_prints_what_the_notebook_printed(sections):
    pytest.skip(
        "TODO: check what display_and_leftovers.run() prints; no comparison derived: cell 20 uses a magic whose printed output the package does not reproduce (timing, install, %env...)"
    )


def test_display_and_leftovers_returns_match_the_recorded_run(sections):
    pytest.skip(
        "TODO: check display_and_leftovers.run() -> its effects (files written, state changed): type, shape, columns, values; no recorded run to derive them from (run `nbprod export --capture`)"
    )
