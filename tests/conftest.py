"""Shared fixtures: real notebook files written with nbformat into tmp_path."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
# `nbprod check` keeps a results cache at the project root; the tests' runs share one
# outside the checkout (tests/test_cache.py points it elsewhere where it matters).
os.environ.setdefault("NBPROD_CACHE_DIR", tempfile.mkdtemp(prefix="nbprod-test-cache-"))
SAMPLES = REPO / "sample_notebooks"
FIXTURES = REPO / "tests" / "data" / "notebooks"

# A cell: code source, ("markdown", text), or a dict of new_code_cell keyword arguments.
CellSpec = str | tuple[str, str] | dict[str, Any]


def build_notebook(cells: list[CellSpec], executed: bool = True, language: str = "python") -> Any:
    """An nbformat v4 notebook; code cells get counts 1, 2, ... in order when ``executed``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": language}
    nb.metadata["language_info"] = {"name": language}
    count = 0
    for spec in cells:
        if isinstance(spec, tuple):
            nb.cells.append(nbformat.v4.new_markdown_cell(spec[1]))
            continue
        kwargs = {"source": spec} if isinstance(spec, str) else dict(spec)
        if executed and "execution_count" not in kwargs:
            count += 1
            kwargs["execution_count"] = count
        nb.cells.append(nbformat.v4.new_code_cell(**kwargs))
    return nb


@pytest.fixture
def make_notebook(tmp_path: Path) -> Callable[..., Path]:
    """Write a notebook from cell specs into tmp_path and return its path."""

    def make(cells: list[CellSpec], name: str = "nb.ipynb", **options: Any) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(build_notebook(cells, **options), str(path))
        return path

    return make


@pytest.fixture
def nbprod_shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A real IPython shell (history in memory, its own IPYTHONDIR, in tmp_path) with
    ``%load_ext nbprod`` run; unloaded and closed afterwards."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / ".ipython"))
    monkeypatch.chdir(tmp_path)
    cfg = Config()
    cfg.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell(config=cfg)
    assert shell.run_cell("%load_ext nbprod").success
    yield shell
    shell.run_cell("%unload_ext nbprod")
    shell.history_manager.end_session()
