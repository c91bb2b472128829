"""The tolerant notebook reader: every nbformat 4 minor, v3, and bad input as one-line errors."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat
import pytest
from conftest import FIXTURES, SAMPLES, build_notebook

from nbprod.errors import NotebookError
from nbprod.notebook import atomic_write, iter_notebook_paths, parse_notebook, read_notebook


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.ipynb")), ids=lambda p: p.name)
def test_reader_agrees_with_nbformat(path: Path) -> None:
    ours = read_notebook(path)
    theirs = nbformat.read(str(path), as_version=4)
    assert [c.kind for c in ours.cells] == [c.cell_type for c in theirs.cells]
    assert [c.source for c in ours.cells] == [c.source for c in theirs.cells]
    assert [c.id for c in ours.cells] == [c.get("id") for c in theirs.cells]
    assert [c.execution_count for c in ours.code_cells] == [
        c.execution_count for c in theirs.cells if c.cell_type == "code"
    ]


def test_v3_notebook_is_upgraded() -> None:
    nb = read_notebook(FIXTURES / "v3_notebook.ipynb")
    raw = json.loads((FIXTURES / "v3_notebook.ipynb").read_text())
    assert raw["nbformat"] == 3 and nb.nbformat == 4
    assert nb.code_cells and nb.is_python


def test_nbformat_40_without_ids() -> None:
    nb = read_notebook(FIXTURES / "nbformat40_no_ids.ipynb")
    assert nb.code_cells and all(c.id is None for c in nb.cells)


@pytest.mark.parametrize("minor", [0, 1, 2, 3, 4, 5])
def test_every_v4_minor(tmp_path: Path, minor: int) -> None:
    nb = build_notebook(["x = 1", ("markdown", "# Title"), "y = x"])
    raw = json.loads(nbformat.writes(nb))
    raw["nbformat_minor"] = minor
    if minor < 5:
        for cell in raw["cells"]:
            cell.pop("id", None)
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(raw))
    read = read_notebook(path)
    assert [c.source for c in read.cells] == ["x = 1", "# Title", "y = x"]
    assert read.nbformat_minor == minor


def test_source_as_list_of_lines(tmp_path: Path) -> None:
    raw = json.loads(nbformat.writes(build_notebook(["x = 1\ny = 2"])))
    raw["cells"][0]["source"] = ["x = 1\n", "y = 2"]
    nb = parse_notebook(json.dumps(raw))
    assert nb.cells[0].source == "x = 1\ny = 2"


BAD = {
    "malformed.ipynb": "invalid JSON",
    "binary_junk.ipynb": "not UTF-8",
    "not_a_notebook.json": "no 'nbformat'",
}


@pytest.mark.parametrize(("name", "words"), BAD.items())
def test_bad_fixtures_raise_one_line(name: str, words: str) -> None:
    with pytest.raises(NotebookError) as info:
        read_notebook(FIXTURES / name)
    message = str(info.value)
    assert words in message and "\n" not in message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("[1, 2]", "not an object"),
        ('{"nbformat": 5, "cells": []}', "unsupported nbformat version 5"),
        ('{"nbformat": "4", "cells": []}', "not a number"),
        ('{"nbformat": 4, "cells": {}}', "no 'cells' list"),
        ('{"nbformat": 4, "cells": [1]}', "cell 1 is not an object"),
        ('{"nbformat": 4, "cells": [{"cell_type": "weird"}]}', "cell_type 'weird'"),
        ("[" * 100000 + "]" * 100000, "not a notebook"),
    ],
)
def test_bad_json_shapes(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_text(text)
    with pytest.raises(NotebookError) as info:
        read_notebook(path)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(NotebookError, match="no such file"):
        read_notebook(tmp_path / "missing.ipynb")
    with pytest.raises(NotebookError, match="is a directory"):
        read_notebook(tmp_path)


def test_language_detection() -> None:
    r = read_notebook(FIXTURES / "r_kernel.ipynb")
    assert r.language == "r" and not r.is_python
    py2 = read_notebook(FIXTURES / "python2_cells.ipynb")
    assert py2.is_python and py2.python_major == 2


def test_iter_notebook_paths_skips_checkpoints_and_hidden(tmp_path: Path) -> None:
    for rel in ["a.ipynb", "sub/b.ipynb", "sub/deeper/c.ipynb", ".ipynb_checkpoints/a-checkpoint.ipynb",
                "sub/.ipynb_checkpoints/b-checkpoint.ipynb", ".hidden/d.ipynb", "notes.txt"]:  # fmt: skip
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_notebook_paths(tmp_path)]
    assert found == ["a.ipynb", "sub/b.ipynb", "sub/deeper/c.ipynb"]


def test_atomic_write_replaces_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    atomic_write(target, "one")
    os.chmod(target, 0o600)
    atomic_write(target, b"two")
    assert target.read_text() == "two"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def _big_notebook(path: Path, megabytes: int) -> None:
    """A realistic big notebook: many code cells, each with a large saved image output."""
    png = "iVBORw0KGgo" + "A" * 200_000
    cells = []
    for i in range(megabytes * 1_000_000 // len(png) + 1):
        out = nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})
        source = f"import numpy as np\nnp.random.seed({i})\nx{i} = np.random.rand(10)\nx{i}.sum()"
        cells.append({"source": source, "outputs": [out]})
    nbformat.write(build_notebook(cells), str(path))


@pytest.mark.slow
def test_fifty_megabyte_notebook(tmp_path: Path) -> None:
    path = tmp_path / "big.ipynb"
    _big_notebook(path, 50)
    size = path.stat().st_size
    assert size >= 50_000_000
    start = time.perf_counter()
    nb = read_notebook(path)
    elapsed = time.perf_counter() - start
    assert len(nb.code_cells) >= 250
    assert elapsed < 10, f"reading {size / 1e6:.0f} MB took {elapsed:.1f}s"
