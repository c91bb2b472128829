"""Done-when of the production face: a new user exports a sample notebook and, from the package's
README alone, in a fresh virtualenv, runs train, predict on new rows and monitor on a shifted batch."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES
from hookrepo import BUILD_REQUIREMENT, wheelhouse

from nbprod.export import export_notebook

pytestmark = pytest.mark.slow


def _readme_commands(readme: str) -> list[str]:
    section = readme.split("## Production: train, predict, monitor", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.S)
    assert block, "the README's Production section has no command block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_a_new_user_follows_the_readme_in_a_fresh_venv(tmp_path: Path) -> None:
    wheels = wheelhouse()
    if wheels is None:
        pytest.skip("offline: no setuptools wheel to build the exported package")
    work = tmp_path / "project"
    shutil.copytree(SAMPLES / "data", work / "data")
    shutil.copy(SAMPLES / "credit_risk_clean.ipynb", work)
    out = export_notebook(work / "credit_risk_clean.ipynb", tmp_path / "credit_pkg").out_dir
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=300)
    # the fresh venv sees the libraries installed where the tests run (nothing to download)
    site = next(env_dir.glob("lib/python*/site-packages"))
    (site / "_host_libraries.pth").write_text(
        "\n".join(p for p in sys.path if p.endswith("site-packages")) + "\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "PIP_", "VIRTUAL_ENV"))}
    # offline: pip builds from the cached setuptools wheel; the pinned dependencies are already installed
    env.update(PATH=f"{env_dir / 'bin'}:{env['PATH']}", VIRTUAL_ENV=str(env_dir), MPLBACKEND="Agg",
               PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels), PIP_DISABLE_PIP_VERSION_CHECK="1")  # fmt: skip
    subprocess.run(
        ["pip", "install", "-q", BUILD_REQUIREMENT], env=env, check=True, capture_output=True, timeout=300
    )
    commands = _readme_commands((out / "README.md").read_text())
    assert commands[0] == "pip install -e ." and commands[1].startswith("cd ")
    cwd = out
    results = []
    for line in commands:
        if line.startswith("cd "):
            cwd = (cwd / line[3:].strip()).resolve()
            continue
        done = subprocess.run(
            ["bash", "-c", line.split("  #")[0]],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        results.append((line, done))
    codes = {
        line.split()[1] if line.startswith("credit-risk-clean") else line.split()[0]: d.returncode
        for line, d in results
    }
    for line, done in results:
        if not line.startswith("credit-risk-clean monitor"):
            assert done.returncode == 0, (line, done.stderr[-1500:])
    assert shutil.which("credit-risk-clean", path=str(env_dir / "bin"))
    assert codes["monitor"] == 1  # the README says: exit 1 on drift
    assert cwd == work.resolve()
    assert (work / "artifacts" / "model.joblib").is_file() and (
        work / "artifacts" / "MODEL_CARD.md"
    ).is_file()
    assert (work / "predictions.csv").read_text().startswith("prediction,proba_0,proba_1")
    assert (work / "artifacts" / "monitor" / "drift.html").is_file()
    monitor = next(d for line, d in results if line.startswith("credit-risk-clean monitor"))
    assert "features drifted:" in monitor.stdout and "predictions:" in monitor.stdout
