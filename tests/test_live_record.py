"""The session record format: reading, atomic git-friendly writing, embedding, checker use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from nbprod.checker import check_paths
from nbprod.config import Config
from nbprod.errors import NbprodError
from nbprod.notebook import read_notebook
from nbprod.record import (
    RECORD_MIME,
    dumps_record,
    embedded_record,
    find_record,
    is_record,
    load_record,
    record_findings,
    record_path,
    save_record,
    source_hash,
)


def _record(**extra: Any) -> dict[str, Any]:
    return {"nbprod_record": 1, "packages": {"numpy": {"version": "1.0", "modules": ["numpy"]}}, **extra}


def _notebook(path: Path, cells: list[tuple[str, str]], outputs: dict[str, list[Any]] | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["language_info"] = {"name": "python"}
    for cid, src in cells:
        cell = nbformat.v4.new_code_cell(src, execution_count=len(nb.cells) + 1)
        cell.id = cid
        cell.outputs = (outputs or {}).get(cid, [])
        nb.cells.append(cell)
    nbformat.write(nb, str(path))
    return path


def test_record_path_sits_beside_the_notebook(tmp_path: Path) -> None:
    assert record_path(tmp_path / "a.b.ipynb") == tmp_path / "a.b.nbprod.json"


def test_save_and_load_round_trip_with_stable_text(tmp_path: Path) -> None:
    nb = tmp_path / "n.ipynb"
    rec = _record(seeds=[{"call": "random.seed", "value": 1}])
    save_record(record_path(nb), rec)
    assert load_record(nb) == rec
    text = record_path(nb).read_text()
    # sorted keys, indented, final newline: diffs stay small
    assert text == dumps_record(json.loads(text)) and text.endswith("\n")
    assert text.index('"nbprod_record"') < text.index('"packages"') < text.index('"seeds"')
    assert not list(tmp_path.glob(".*.tmp"))  # the atomic write left no temporary file


def test_save_keeps_keys_other_tools_wrote(tmp_path: Path) -> None:
    target = tmp_path / "n.nbprod.json"
    save_record(target, _record(verify={"ok": True}))
    save_record(target, _record(packages={}))
    saved = json.loads(target.read_text())
    assert saved["verify"] == {"ok": True} and saved["packages"] == {}


def test_never_overwrites_a_file_that_is_not_a_record(tmp_path: Path) -> None:
    target = tmp_path / "n.nbprod.json"
    target.write_text('{"my": "notes"}')
    with pytest.raises(NbprodError, match="not an nbprod record"):
        save_record(target, _record())
    assert json.loads(target.read_text()) == {"my": "notes"}
    with pytest.raises(NbprodError):
        save_record(tmp_path / "other.json", {"packages": {}})


@pytest.mark.parametrize("content", ["", "{not json", "[1, 2]", '{"packages": {}}', '{"nbprod_record": "1"}'])
def test_unreadable_or_foreign_files_are_no_record(tmp_path: Path, content: str) -> None:
    (tmp_path / "n.nbprod.json").write_text(content)
    assert load_record(tmp_path / "n.ipynb") is None


def test_a_newer_schema_is_still_read(tmp_path: Path) -> None:
    save_record(tmp_path / "n.nbprod.json", _record(nbprod_record=2, future={"x": 1}))
    assert load_record(tmp_path / "n.ipynb")["future"] == {"x": 1}  # type: ignore[index]


def test_embedded_record_and_which_one_wins(tmp_path: Path) -> None:
    output = nbformat.v4.new_output(
        "display_data", data={"text/plain": "nbprod", RECORD_MIME: _record(where="nb")}
    )
    path = _notebook(tmp_path / "n.ipynb", [("a", "%load_ext nbprod"), ("b", "x = 1")], {"a": [output]})
    nb = read_notebook(path)
    assert embedded_record(nb)["where"] == "nb"  # type: ignore[index]
    assert find_record(nb)["where"] == "nb"  # type: ignore[index]
    save_record(record_path(path), _record(where="file"))
    assert find_record(nb)["where"] == "file"  # type: ignore[index]
    assert is_record(find_record(nb))


def _nb107(
    cid: str, source: str, message: str = "'x' was set by a cell that has since been deleted"
) -> dict[str, Any]:
    return {
        "rule": "NB107",
        "cell_id": cid,
        "source_hash": source_hash(source),
        "line": 1,
        "message": message,
    }


def test_recorded_nb107_applies_only_to_unchanged_cells(tmp_path: Path) -> None:
    cells = [("a", "y = x + 1"), ("b", "z = x * 2"), ("c", "w = x  # nbprod: ignore[NB107]")]
    path = _notebook(tmp_path / "n.ipynb", cells)
    warnings = [
        _nb107("a", "y = x + 1"),
        _nb107("b", "z = x"),  # recorded against an older version of b
        _nb107("c", cells[2][1]),  # silenced in the cell
        _nb107("gone", "q = x"),  # the cell is not in the notebook any more
        {"rule": "NB201", "cell_id": "a", "source_hash": source_hash("y = x + 1"), "message": "draw"},
    ]
    save_record(record_path(path), _record(warnings=warnings))
    found = record_findings(read_notebook(path), load_record(path))
    assert [(f.rule, f.cell_id, f.cell) for f in found] == [("NB107", "a", 0)]
    assert found[0].message.startswith("(live) ") and found[0].fix
    report = check_paths([path])
    assert [f.cell_id for f in report.findings if f.rule == "NB107"] == ["a"]
    assert "NB203" not in {f.rule for f in report.findings}
    quiet = check_paths([path], Config(ignore=["NB107"]))
    assert "NB107" not in {f.rule for f in quiet.findings}
