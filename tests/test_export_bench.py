"""The fresh-venv benchmark (``bench/bench_export_venv.py``) on a few real notebooks.

Each notebook is exported, its package installed from its own ``pyproject.toml`` (real
dependencies, no ``--no-deps``, no system site-packages) into a fresh venv, its pipeline run
and its generated suite run: the suite must agree with the pipeline, the pins be complete,
and no secret be in the package. The full run (40+ notebooks) is the benchmark itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.network]
sys.path.insert(0, str(REPO / "bench"))

WANTED = ("HelloWorld.ipynb", "Factorials.ipynb", "Unicode.ipynb")


def test_real_notebooks_in_fresh_venvs(tmp_path: Path) -> None:
    import bench_export_venv as bench

    notebooks = [p for p in bench.clean_notebooks() if p.name in WANTED and "nbclient" in str(p)]
    if len(notebooks) < len(WANTED):
        pytest.skip("offline: nbclient's sdist could not be downloaded")
    rows = [bench.measure(src, tmp_path, i, limit=120) for i, src in enumerate(notebooks)]
    for row in rows:
        assert row["installed"], row
        assert row["runs"] and row["same_output"], row
        assert row["suite_green"] and row["suite_agrees"], row
        assert row["deps_complete"] and not row["secrets"], row
    figures = bench.summary(rows)
    assert "pipelines that run and print what the notebook printed: 3/3 = 100.0%" in figures
