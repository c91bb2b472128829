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
    fresh = bench.fresh_runs(notebooks, jobs=1, timeout=120)
    assert fresh == dict.fromkeys(notebooks), fresh  # each reproduces itself in a fresh kernel
    for row in rows:
        row["self_contained"] = True
    rows.append({"notebook": "x/old.ipynb", "exported": True, "installed": True, "runs": True,
                 "same_output": False, "suite_agrees": True, "self_contained": False,
                 "fresh_run": "prints other text than its saved outputs: cell 1"})  # fmt: skip
    figures = bench.summary(rows)
    headline = figures[: figures.index("all (self-contained or not):")]
    assert "  pipelines that run and print what the notebook printed: 3/3 = 100.0%" in headline
    assert "  pipelines that run and print what the notebook printed: 3/4 = 75.0%" in figures
    assert (
        "  old.ipynb: prints other text than its saved outputs: cell 1 (export: same=False agrees=True)"
        in (figures)
    )
