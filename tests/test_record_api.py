"""The record readers the docs show take what the docs pass them: a path, a dict, an
nbformat notebook, nbprod's Notebook."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from nbprod.errors import NbprodError
from nbprod.notebook import read_notebook
from nbprod.record import embedded_record, find_record, record_path

REPO = Path(__file__).resolve().parent.parent
CLEAN = REPO / "sample_notebooks" / "credit_risk_clean.ipynb"  # saved with an embedded record


@pytest.mark.parametrize(
    "form",
    ["str", "path", "dict", "nbformat", "Notebook"],
)
def test_embedded_record_accepts_every_documented_form(form: str, tmp_path: Path) -> None:
    nb = {
        "str": str(CLEAN),
        "path": CLEAN,
        "dict": json.loads(CLEAN.read_text()),
        "nbformat": nbformat.read(str(CLEAN), as_version=4),
        "Notebook": read_notebook(CLEAN),
    }[form]
    record = embedded_record(nb)
    assert record is not None and record["nbprod_record"] == 1
    assert "scikit-learn" in record["packages"]
    assert find_record(nb) is not None


def test_find_record_prefers_the_side_file(tmp_path: Path) -> None:
    nb = tmp_path / "nb.ipynb"
    shutil.copy(CLEAN, nb)
    side = json.loads(json.dumps(embedded_record(nb)))
    side["packages"] = {"only-in-side-file": {"version": "1.0", "modules": ["x"]}}
    record_path(nb).write_text(json.dumps(side))
    assert list(find_record(nb)["packages"]) == ["only-in-side-file"]
    assert list(find_record(str(nb))["packages"]) == ["only-in-side-file"]


def test_a_notebook_without_a_record_gives_none(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    assert embedded_record(nb) is None
    assert find_record(nb) is None


def test_something_else_is_one_clear_error() -> None:
    with pytest.raises(NbprodError, match="expected a notebook"):
        embedded_record(42)  # type: ignore[arg-type]
