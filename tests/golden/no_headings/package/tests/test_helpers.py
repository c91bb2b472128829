"""Tests of no_headings.helpers: the functions and classes written in the notebook."""

from __future__ import annotations

import pytest
from no_headings import helpers


def test_transform():
    assert callable(helpers.transform)
    pytest.skip(
        "TODO: test helpers.transform: call it on a small input and check what it returns (the notebook defines this function in cell 3 and gives no recorded example)"
    )


def test_Summary():
    assert callable(helpers.Summary)
    pytest.skip(
        "TODO: test helpers.Summary: call it on a small input and check what it returns (the notebook defines this class in cell 7 and gives no recorded example)"
    )
