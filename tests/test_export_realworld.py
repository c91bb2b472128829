"""Real notebooks nobody on the team wrote (jupytext's sdist): every one that parses exports.

Downloaded once by ``realworld.py`` (skipped offline). The bench (``bench/bench_export.py``)
also installs and tests the packages; here: export, statement accounting, valid Python,
and ruff's default rules on every package.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from realworld import realworld_root
from test_export import _statements

from nbprod.export import export_notebook
from nbprod.notebook import read_notebook

pytestmark = [pytest.mark.slow, pytest.mark.network]


@pytest.fixture(scope="module")
def jupytext_notebooks() -> list[Path]:
    root = realworld_root()
    folder = root / "jupytext-1.16.4" if root else None
    found = sorted(folder.rglob("inputs/ipynb_py/*.ipynb")) if folder and folder.is_dir() else []
    if not found:
        pytest.skip("offline: jupytext's sdist could not be downloaded")
    return found


def test_every_python_notebook_exports(jupytext_notebooks: list[Path], tmp_path: Path) -> None:
    exported = []
    for i, src in enumerate(jupytext_notebooks):
        nb = tmp_path / f"nb{i}" / src.name
        nb.parent.mkdir()
        shutil.copy(src, nb)
        if not read_notebook(nb).is_python:
            continue
        result = export_notebook(nb, nb.parent / "pkg", name=f"nb{i}")
        assert len(result.report.statements) == _statements(nb), src.name
        assert not [w for w in result.report.warnings if "please report" in w], src.name
        for path in (result.out_dir / "src").rglob("*.py"):
            compile(path.read_text(), str(path), "exec")
        exported.append(result.out_dir)
    assert len(exported) >= 15
    ruff = shutil.which("ruff")
    if ruff:
        lint = subprocess.run(
            [ruff, "check", "--isolated", "--no-cache", *map(str, exported)], capture_output=True, text=True
        )
        assert lint.returncode == 0, lint.stdout[-3000:]
