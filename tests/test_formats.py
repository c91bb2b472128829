"""CI formats: SARIF 2.1.0 that validates against the official schema, GitHub workflow
annotations and GitLab code quality, each at the line of the .ipynb file itself."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from json.decoder import scanstring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

import jsonschema
import nbformat
import pytest
from conftest import REPO, SAMPLES, build_notebook

from nbprod.cli import main
from nbprod.formats.lines import SourceMap

SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
MESSY = SAMPLES / "credit_risk_messy.ipynb"
CELLS = [
    ("markdown", "# Title\nintro"),
    "import numpy as np",
    'x = 1\ny = np.random.rand(3)  # é, "quoted", \\ back',
    "",
    "print(ghost)",
]


def _run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _write(path: Path, cells: list[Any], form: str) -> Path:
    """The same notebook saved as nbformat does (list sources), with string sources, or minified."""
    nb = json.loads(nbformat.writes(build_notebook(cells)))
    if form == "string":
        for c in nb["cells"]:
            c["source"] = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    elif form == "minified":
        path.write_text(json.dumps(nb, separators=(",", ":")), encoding="utf-8")
    else:
        path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


def _lands_on_source(path: Path, result: dict[str, Any]) -> bool:
    """The file text at the result's line and column reads the finding's cell source line."""
    loc = result["locations"][0]
    region, props = loc["physicalLocation"]["region"], loc.get("properties", {})
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    offset = sum(len(x) + 1 for x in lines[: region["startLine"] - 1]) + region["startColumn"] - 1
    nb = nbformat.reads(text, as_version=4)
    source = nb.cells[props["cellIndex"]].source.split("\n")
    expected = source[props["lineInCell"] - 1]
    rest, _ = scanstring(text, offset)  # decode the JSON string from the annotated point on
    return rest.startswith(expected)


def _cli(cwd: Path, *argv: str) -> str:
    """stdout of ``python -m nbprod ARGV`` run in ``cwd`` (a fresh process, a real cwd)."""
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "nbprod", *argv]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env).stdout


def _uris(out: str) -> set[str]:
    return {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(out)["runs"][0]["results"]
    }


def _validate(log: dict[str, Any]) -> None:
    jsonschema.Draft4Validator(SCHEMA).validate(log)


@pytest.mark.parametrize("form", ["list", "string", "minified"])
def test_sarif_validates_and_lands_on_the_source_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, form: str
) -> None:
    path = _write(tmp_path / "nb.ipynb", CELLS, form)
    code, out, _ = _run(capsys, "check", path, "--format", "sarif")
    assert code == 1
    log = json.loads(out)
    _validate(log)
    results = log["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    assert {"NB201", "NB105", "NB203"} <= set(by_rule)
    for r in results:
        props = r["locations"][0].get("properties", {})
        if "lineInCell" in props:
            assert _lands_on_source(path, r), r
    nb201 = by_rule["NB201"]["locations"][0]
    assert nb201["properties"] == {
        "cell": 3,
        "cellIndex": 2,
        "cellId": nbformat.read(path, as_version=4).cells[2].id,
        "lineInCell": 2,
    }
    if form == "minified":
        assert nb201["physicalLocation"]["region"]["startLine"] == 1
    else:
        assert nb201["physicalLocation"]["region"]["startLine"] > 1
    # a notebook-wide finding points at the top of the file
    assert by_rule["NB203"]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1,
        "startColumn": 1,
    }


def test_sarif_rules_metadata_and_indices(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "check", MESSY, "--format", "sarif")
    log = json.loads(out)
    _validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    from nbprod.rules import all_rules

    assert [r["id"] for r in rules] == list(all_rules())
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        fp = result["partialFingerprints"]["nbprodFinding/v1"]
        assert re.fullmatch(r"[0-9a-f]{32}:\d+", fp)
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
            "credit_risk_messy.ipynb"
        )
    assert len({r["partialFingerprints"]["nbprodFinding/v1"] for r in run["results"]}) == len(run["results"])
    assert run["invocations"][0]["executionSuccessful"] is True
    assert code == 1


def test_sarif_uri_is_relative_to_the_current_folder(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "sub" / "nb.ipynb", CELLS, "list")
    uris = _uris(_cli(tmp_path, "check", "sub/nb.ipynb", "--format", "sarif"))
    assert uris == {"sub/nb.ipynb"}


def test_fingerprints_survive_cells_added_above(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = build_notebook(CELLS)
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, str(path))
    _, before, _ = _run(capsys, "check", path, "--format", "sarif", "--select", "NB201,NB105")
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("a new note\nover two lines"))
    nb.cells[3].source = "# a comment pushes the draw down\n" + nb.cells[3].source
    nbformat.write(nb, str(path))
    _, after, _ = _run(capsys, "check", path, "--format", "sarif", "--select", "NB201,NB105")

    def prints(out: str) -> dict[str, tuple[str, int]]:
        return {
            r["ruleId"]: (
                r["partialFingerprints"]["nbprodFinding/v1"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
            )
            for r in json.loads(out)["runs"][0]["results"]
        }

    b, a = prints(before), prints(after)
    assert {k: v[0] for k, v in b.items()} == {k: v[0] for k, v in a.items()}
    assert all(a[k][1] > b[k][1] for k in b)  # the lines moved, the fingerprints did not
    nb.cells[3].source = nb.cells[3].source.replace("np.random.rand(3)", "np.random.rand(4)")
    nbformat.write(nb, str(path))
    _, changed, _ = _run(capsys, "check", path, "--format", "sarif", "--select", "NB201")
    assert prints(changed)["NB201"][0] != b["NB201"][0]


def test_sarif_reports_unreadable_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json", encoding="utf-8")
    code, out, err = _run(capsys, "check", bad, MESSY, "--format", "sarif")
    log = json.loads(out)
    _validate(log)
    inv = log["runs"][0]["invocations"][0]
    assert code == 2 and inv["executionSuccessful"] is False
    assert "bad.ipynb" in json.dumps(inv["toolExecutionNotifications"])
    assert "bad.ipynb" in err
    assert log["runs"][0]["results"]  # the readable notebook is still reported


def test_clean_notebook_gives_an_empty_valid_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "nb.ipynb", ["x = 1\nassert x"], "list")
    code, out, _ = _run(capsys, "check", path, "--format", "sarif", "--select", "NB1,NB2")
    (tmp_path / "requirements.txt").write_text("numpy==2.0\n")
    log = json.loads(out)
    _validate(log)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["NB203"]
    code, out, _ = _run(capsys, "check", path, "--format", "sarif", "--select", "NB1,NB2")
    assert code == 0 and json.loads(out)["runs"][0]["results"] == []
    code, out, _ = _run(capsys, "check", path, "--format", "github", "--select", "NB1,NB2")
    assert code == 0 and out.strip() == ""


def test_github_annotations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "nb.ipynb", CELLS, "list")
    code, out, _ = _run(capsys, "check", path, "--format", "github")
    assert code == 1
    lines = out.strip().splitlines()
    pattern = re.compile(r"::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),title=([^:]+)::(.+)")
    parsed = [pattern.fullmatch(line) for line in lines]
    assert all(parsed), lines
    smap = SourceMap(path.read_text(encoding="utf-8"))
    draw = next(m for m in parsed if m and "NB201" in m.group(5))
    assert draw.group(1) == "error"
    assert (int(draw.group(3)), int(draw.group(4))) == smap.locate(2, 2)
    assert draw.group(6).startswith("cell 3, line 2: np.random.rand()")
    assert draw.group(5) == "nbprod NB201 unseeded-randomness"
    levels = {m.group(5).split()[1]: m.group(1) for m in parsed if m}
    assert levels["NB203"] == "warning" and levels["NB305"] == "notice"


def test_github_escapes_newlines_commas_and_colons() -> None:
    from nbprod.formats.ci import _escape_data, _escape_property

    assert _escape_data("a\nb%c\r") == "a%0Ab%25c%0D"
    assert _escape_property("dir,x/a:b.ipynb") == "dir%2Cx/a%3Ab.ipynb"


def test_gitlab_code_quality(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "nb.ipynb", CELLS, "list")
    code, out, _ = _run(capsys, "check", path, "--format", "gitlab")
    issues = json.loads(out)
    assert code == 1 and isinstance(issues, list) and issues
    smap = SourceMap(path.read_text(encoding="utf-8"))
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    draw = next(i for i in issues if i["check_name"] == "NB201")
    assert draw["location"]["lines"]["begin"] == smap.locate(2, 2)[0] and draw["severity"] == "major"


def test_source_map_nbformat3_and_edge_cases() -> None:
    v3 = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {},
        "worksheets": [
            {
                "cells": [
                    {"cell_type": "markdown", "metadata": {}, "source": ["# t"]},
                    {"cell_type": "code", "metadata": {}, "input": ["a = 1\n", "b = 2"], "outputs": []},
                ]
            }
        ],
    }
    text = json.dumps(v3, indent=1)
    smap = SourceMap(text)
    line, col = smap.locate(1, 2)
    assert text.split("\n")[line - 1][col - 1 :].startswith("b = 2")
    assert smap.locate(None, None) == (1, 1)
    assert smap.locate(99, 1) == (1, 1)  # a cell the file does not have: the top, never a crash
    empty = SourceMap(json.dumps({"cells": [{"cell_type": "code", "source": [], "metadata": {}}]}))
    assert empty.locate(0, 1)[0] == 1
    bom = SourceMap("\ufeff" + json.dumps({"cells": [{"cell_type": "code", "source": "x\ny"}]}))
    assert bom.line_text(0, 2) == "y"


def test_annotations_land_on_real_notebooks(capsys: pytest.CaptureFixture[str]) -> None:
    """Notebooks nobody on the team wrote (PyPI sdists), as their authors saved them."""
    from realworld import realworld_notebooks

    found = realworld_notebooks()
    if not found:
        pytest.skip("offline: no real-world notebooks cached")
    picked = found
    checked = 0
    for path in picked:
        code, out, _ = _run(capsys, "check", path, "--format", "sarif")
        if code == 2:
            continue
        log = json.loads(out)
        _validate(log)
        for r in log["runs"][0]["results"]:
            if "lineInCell" in r["locations"][0].get("properties", {}):
                assert _lands_on_source(path, r), (path, r)
                checked += 1
    assert checked >= 20  # 26 findings with a line in the cell on the pinned set


def test_ci_formats_from_the_verify_command_parse(capsys: pytest.CaptureFixture[str]) -> None:
    from nbprod.cli import build_parser

    args = build_parser("verify").parse_args(["verify", str(MESSY), "--format", "sarif"])
    assert args.format == "sarif"


def test_format_key_in_pyproject(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_notebook: Callable[..., Path]
) -> None:
    path = make_notebook(["import numpy as np", "x = np.random.rand()"])
    (tmp_path / "pyproject.toml").write_text('[tool.nbprod]\nformat = "github"\n')
    _, out, _ = _run(capsys, "check", path)
    assert out.startswith("::")
    (tmp_path / "pyproject.toml").write_text('[tool.nbprod]\nformat = "xml"\n')
    code, _, err = _run(capsys, "check", path)
    assert code == 2 and "format must be text, json, sarif, github or gitlab" in err


def test_sarif_uri_outside_the_current_folder_is_a_file_uri(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "my nb.ipynb", CELLS, "list")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    _, out, _ = _run(capsys, "check", path, "--format", "sarif")
    uris = _uris(out)
    assert uris == {path.as_uri()} and "%20" in path.as_uri()
    monkeypatch.chdir(tmp_path)
    _, out, _ = _run(capsys, "check", path, "--format", "sarif")
    uris = _uris(out)
    assert uris == {"my%20nb.ipynb"}


def test_source_map_reads_nan_in_cells() -> None:
    text = '{"cells": [{"cell_type": "code", "execution_count": NaN, "x": [Infinity, -Infinity], "source": ["a\\n", "b"]}]}'
    smap = SourceMap(text)
    assert text[smap.locate(0, 2)[1] - 1 :].startswith("b")
