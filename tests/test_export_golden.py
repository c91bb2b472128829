"""Golden packages: each input notebook beside the package nbprod exports from it.

``tests/golden/<case>/<case>.ipynb`` is the input, ``tests/golden/<case>/package/`` the
expected export, readable side by side. After an intended change, regenerate with

    NBPROD_REGEN_GOLDEN=1 pytest tests/test_export_golden.py

and review the diff. Version pins depend on the machine, so they are masked on both sides.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO

from nbprod.export import export_notebook
from nbprod.export.writer import MANIFEST

GOLDEN = REPO / "tests" / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir() and (p / f"{p.name}.ipynb").is_file())
_PIN = re.compile(r"(==|version from \|)[^\"|\s]+")


def _normal(rel: str, text: str) -> str:
    """Mask what depends on the machine: pinned versions and where they came from."""
    if rel in ("pyproject.toml", "README.md"):
        text = _PIN.sub(r"\1<version>", text)
        text = re.sub(
            r"\| (installed where nbprod ran|recorded by the nbprod extension|the notebook's kernel[^|]*|unpinned[^|]*) \|",
            "| <origin> |",
            text,
        )
        text = re.sub(r"- dependency `[^`]+`(:| is not installed here)[^\n]*\n", "", text)
    if rel == "EXPORT_REPORT.md":
        text = re.sub(r"- dependency `[^`]+`(:| is not installed here)[^\n]*\n", "", text)
    return text


def _exported(case: str, tmp_path: Path) -> dict[str, str]:
    src = GOLDEN / case / f"{case}.ipynb"
    nb = tmp_path / case / src.name
    nb.parent.mkdir(parents=True)
    shutil.copy(src, nb)
    result = export_notebook(nb, nb.parent / "package", write=False)
    return {rel: _normal(rel, text) for rel, text in result.files.items() if rel != MANIFEST}


def test_cases_cover_the_converter() -> None:
    assert set(CASES) >= {"headings", "no_headings", "magics", "plots_params"}


@pytest.mark.parametrize("case", CASES)
def test_export_matches_golden_package(case: str, tmp_path: Path) -> None:
    files = _exported(case, tmp_path)
    expected_dir = GOLDEN / case / "package"
    if os.environ.get("NBPROD_REGEN_GOLDEN"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, text in files.items():
            path = expected_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        pytest.skip(f"regenerated {expected_dir.relative_to(REPO)}")
    if not expected_dir.is_dir():
        pytest.fail(f"no golden package for {case}: run NBPROD_REGEN_GOLDEN=1 pytest {__file__}")
    expected = {
        p.relative_to(expected_dir).as_posix(): p.read_text(encoding="utf-8")
        for p in expected_dir.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert sorted(files) == sorted(expected)
    for rel in sorted(files):
        assert files[rel] == expected[rel], f"{case}/package/{rel} differs from the golden file"
