"""Tests of headings.setup.run(): Setup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from headings import _testing

SNAPSHOT = json.loads((Path(__file__).parent / "snapshots" / "setup.json").read_text())


def test_setup_runs(sections):
    """The code of cells 3-5 runs; a failure names the notebook cell."""
    run = _testing.section(sections, "setup")
    assert run.error is None


def test_setup_prints_what_the_notebook_printed(sections):
    run = _testing.section(sections, "setup")
    _testing.assert_same_output(run.stdout, SNAPSHOT["stdout"])


def test_setup_returns_match_the_recorded_run(sections):
    pytest.skip(
        "TODO: check setup.run() -> DATA_PATH, OUT_DIR: type, shape, columns, values; no recorded run to derive them from (run `nbprod export --capture`)"
    )
