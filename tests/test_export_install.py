"""Exported packages install into a fresh virtualenv, their tests pass or skip, and
``python -m <package>`` prints what the notebook printed.

One fresh virtualenv per session, without system site-packages: each package is installed
with ``pip install '<package>[test]'`` from the package indexes, so its declared
dependencies must be complete for its tests and ``python -m <package>`` to pass (the build
uses the wheelhouse's setuptools, without build isolation; the tests skip when offline).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES
from hookrepo import BUILD_REQUIREMENT, wheelhouse

from nbprod.export import export_notebook

pytestmark = pytest.mark.slow

GOLDEN = REPO / "tests" / "golden"
# notebook -> does its saved run let the generated tests compare the printed output?
CASES = {
    SAMPLES / "credit_risk_clean.ipynb": True,
    SAMPLES / "sales_regression.ipynb": True,
    SAMPLES / "iris_quick.ipynb": True,
    SAMPLES / "credit_risk_messy.ipynb": False,  # run out of order, unseeded
    SAMPLES / "magic_mess.ipynb": False,  # run out of order, timing magics
    GOLDEN / "no_headings" / "no_headings.ipynb": True,
    GOLDEN / "magics" / "magics.ipynb": False,  # %%time, %env and %%capture print differently
    GOLDEN / "plots_params" / "plots_params.ipynb": False,  # run out of order
}


@pytest.fixture(scope="session")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with only pip and setuptools; returns its python."""
    wheels = wheelhouse()
    if wheels is None:
        pytest.skip("offline: no setuptools wheel to build the exported packages")
    root = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=300)
    python = root / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-index", "--find-links", str(wheels), BUILD_REQUIREMENT],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return python


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Copies of the notebooks (and the samples' data) to export from."""
    base = tmp_path_factory.mktemp("install")
    shutil.copytree(SAMPLES / "data", base / "data")
    for nb in CASES:
        shutil.copy(nb, base / nb.name)
    return base


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "PIP_"))}
    env["MPLBACKEND"] = "Agg"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.mark.parametrize("notebook", list(CASES), ids=[p.stem for p in CASES])
def test_exported_package_installs_and_its_tests_pass(venv: Path, workspace: Path, notebook: Path) -> None:
    nb = workspace / notebook.name
    result = export_notebook(nb, workspace / f"pkg-{nb.stem}")
    out = result.out_dir
    done = subprocess.run(
        [str(venv), "-m", "pip", "install", "-q", "--no-build-isolation", f"{out}[test]"],
        capture_output=True, text=True, timeout=1800, env=_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # run from outside the source tree: the installed copy is what gets imported
    where = subprocess.run(
        [str(venv), "-c", f"import {result.package}; print({result.package}.__file__)"],
        capture_output=True, text=True, cwd=workspace, env=_env(),
    )  # fmt: skip
    assert where.returncode == 0, where.stderr
    assert "site-packages" in where.stdout
    junit = out / "junit.xml"
    tests = subprocess.run(
        [str(venv), "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", str(out / "tests")],
        capture_output=True, text=True, timeout=900, cwd=out, env=_env(),
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout[-4000:]
    outcomes = _outcomes(junit)
    assert outcomes, "no test ran"
    assert all(o in ("passed", "skipped") for o in outcomes.values())
    # the generated end-to-end test runs `python -m <package>` in the notebook's folder
    # and compares its printed text with the notebook's saved outputs
    compared = outcomes.get("test_pipeline_prints_what_the_notebook_printed")
    assert compared == ("passed" if CASES[notebook] else "skipped")


def _outcomes(junit: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        status = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                status = "failed"
            elif child.tag == "skipped":
                status = "skipped"
        found[case.get("name", "")] = status
    return found
