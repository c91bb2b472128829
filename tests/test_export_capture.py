"""``nbprod export --capture``: one run in a fresh kernel records what the tests compare against."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES

from nbprod.cli import main

pytestmark = pytest.mark.slow


def _pytest(out: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(out / "src"), "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(out / "tests")],
        cwd=out, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def test_capture_derives_snapshot_tests(tmp_path: Path) -> None:
    """With no record, the saved outputs give printed text only; a fresh run gives values."""
    shutil.copytree(SAMPLES / "data", tmp_path / "data")
    nb = tmp_path / "sales.ipynb"
    shutil.copy(SAMPLES / "sales_regression.ipynb", nb)
    before = nb.read_bytes()
    assert main(["export", "-q", "--capture", str(nb)]) == 0
    assert nb.read_bytes() == before
    out = tmp_path / "sales"
    snaps = {p.stem: json.loads(p.read_text()) for p in (out / "tests" / "snapshots").glob("*.json")}
    data = snaps["data"]["values"]
    printed = snaps["data"]["stdout"]  # "730 2022-01-01 2023-12-31": the notebook prints len(series)
    assert data["series"]["shape"] == [int(printed.split()[0])] and "dtype" in data["series"]
    feats = snaps["lags_and_calendar"]["values"]["feats"]
    assert feats["columns"][0] == "y" and "lag_7" in feats["columns"]
    done = _pytest(out)
    assert done.returncode == 0, done.stdout[-4000:]
    assert "returns_match_the_recorded_run" not in done.stdout  # none skipped: all derived


def test_capture_never_installs_packages(tmp_path: Path) -> None:
    nb = tmp_path / "magics.ipynb"
    shutil.copy(REPO / "tests" / "golden" / "magics" / "magics.ipynb", nb)
    from nbprod.export import snapshot

    result = snapshot.capture(nb, [])
    cell = result["cells"][2]  # `%pip install requests==2.31.0` / `!pip install tqdm`
    assert cell["stdout"] == "" and not cell["error"]
    assert not any("Successfully installed" in c["stdout"] for c in result["cells"].values())
    assert (tmp_path / "golden_helper.py").is_file()  # the rest of the notebook did run there
