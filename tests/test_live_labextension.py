"""The prebuilt JupyterLab extension: built from extension/ as it is, shipped as data files,
seen by ``jupyter labextension list`` with no Node on the machine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parent.parent
LABEXT = REPO / "nbprod" / "labextension"
NAME = "nbprod-jupyterlab"


def test_the_committed_build_matches_its_sources() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "extension" / "build.py"), "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "matches extension/" in proc.stdout


def test_the_build_check_notices_a_changed_source(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(
        REPO / "extension", copy / "extension", ignore=shutil.ignore_patterns("node_modules", "lib")
    )
    shutil.copytree(LABEXT, copy / "nbprod" / "labextension")
    index = copy / "extension" / "src" / "index.ts"
    index.write_text(index.read_text() + "\n// an edit\n")
    proc = subprocess.run(
        [sys.executable, str(copy / "extension" / "build.py"), "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 1 and "run python extension/build.py" in proc.stderr


def test_every_built_file_is_shipped_as_a_data_file() -> None:
    package = json.loads((LABEXT / "package.json").read_text())
    assert package["name"] == NAME and package["jupyterlab"]["_build"]["load"].startswith("static/")
    assert (LABEXT / package["jupyterlab"]["_build"]["load"]).is_file()
    data_files = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    shipped = set()
    for target, patterns in data_files.items():
        assert target.startswith(f"share/jupyter/labextensions/{NAME}")
        for pattern in patterns:
            shipped.update(p.resolve() for p in REPO.glob(pattern))
    built = {p.resolve() for p in LABEXT.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert built and built <= shipped


@pytest.mark.slow
def test_jupyterlab_lists_the_installed_extension(tmp_path: Path) -> None:
    """Installed where pip puts data files (here through JUPYTER_PATH): enabled and OK."""
    pytest.importorskip("jupyterlab")
    share = tmp_path / "share" / "jupyter"
    target = share / "labextensions" / NAME
    shutil.copytree(LABEXT, target)
    env = {**os.environ, "JUPYTER_PATH": str(share), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    proc = subprocess.run(
        [sys.executable, "-m", "jupyterlab.labextensions", "list"], capture_output=True, text=True, env=env
    )
    out = proc.stdout + proc.stderr
    line = next((ln for ln in out.splitlines() if NAME in ln), "")
    assert "enabled" in line and "OK" in line, out


@pytest.mark.slow
@pytest.mark.network
def test_the_wheel_installs_the_extension_under_share_jupyter(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if proc.returncode != 0 and "setuptools" in proc.stderr and "Could not" in proc.stderr:
        pytest.skip("no package index to fetch the build backend from")
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = tmp_path.glob("nbprod-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    prefix = f"/data/share/jupyter/labextensions/{NAME}/"
    assert any(n.endswith(prefix + "package.json") for n in names)
    assert any(prefix + "static/remoteEntry." in n for n in names)
