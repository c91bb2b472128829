"""Real notebooks nobody on the team wrote, and regression tests for what they taught us.

The notebooks come from pinned PyPI source distributions (``tests/realworld.py``), are
cached in ``~/.cache/nbprod-tests/`` and the tests that need them skip when offline.
Every finding on them was triaged by hand (docs/precommit.md lists the verdicts); the
true ones are pinned here so they stay found, and the false ones, fixed in the core,
have an inline regression test below that needs no network.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from realworld import realworld_notebooks, realworld_root

from nbprod.checker import check_paths
from nbprod.cli import main
from nbprod.config import Config
from nbprod.errors import NotebookError
from nbprod.notebook import read_notebook
from nbprod.report import NotebookReport, Report

# -- the real notebooks ----------------------------------------------------------------

# Findings checked by hand and found true: (path suffix, rule, 0-based cell).
TRUE_FINDINGS = [
    ("ipynb_py/text_outputs_and_images.ipynb", "NB105", 11),  # saved NameError output
    ("ipynb_py/jupyter_again.ipynb", "NB101", 1),  # counts 6, 7, 7
    ("tests/files/notebook2.ipynb", "NB105", 4),  # `ip` read, defined nowhere
    ("tests/files/notebook2.ipynb", "NB201", 7),  # np.random.uniform, no seed
    ("nbmake-1.5.5/tests/resources/mock.ipynb", "NB105", 1),  # assert z == ...
    ("nbval-0.11.0/tests/sample_notebook.ipynb", "NB105", 15),  # raise Error(...)
    ("nbval-0.11.0/docs/source/index.ipynb", "NB103", 28),
    ("papermill/tests/notebooks/broken.ipynb", "NB106", 0),  # Python 2 print
    ("papermill/tests/notebooks/complex_parameters.ipynb", "NB106", 0),  # `= 2`
    ("example_nbs/example2.ipynb", "NB101", 5),  # counts ..., 37, 7, 6, 53
    ("Skip Execution with Cell Tag.ipynb", "NB103", 0),
]
# False findings the core used to give, fixed: (path suffix, rule that must stay quiet).
FIXED_FALSE_FINDINGS = [
    ("nbclient-0.10.0/tests/files/Disable Stdin.ipynb", "NB105"),  # try: input = raw_input
    ("Rmd_to_ipynb/R_sample.ipynb", "NB105"),  # jupytext main_language: R
    ("script_to_ipynb/julia_sample_script.ipynb", "NB106"),
    ("script_to_ipynb/build.ipynb", "NB106"),  # PowerShell
    ("script_to_ipynb/knitr-spin.ipynb", "NB105"),
]
# Files that are not readable notebooks (nbformat's own invalid-input fixtures).
# (nbformat also refuses test3_no_metadata.ipynb and test3_worksheet_with_no_cells.ipynb;
# nbprod's tolerant reader reads them: a missing metadata or cells list is nothing to check.)
INVALID = {"invalid.ipynb", "test2.ipynb", "test3_no_worksheets.ipynb"}


@pytest.fixture(scope="module")
def real() -> list[Path]:
    found = realworld_notebooks()
    if not found:
        pytest.skip("offline: the real-world notebooks could not be downloaded")
    return found


@pytest.fixture(scope="module")
def real_report(real: list[Path]) -> tuple[Report, dict[Path, str]]:
    """The check of every real notebook, with their digests from before it."""
    digests = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in real}
    return check_paths(real, Config()), digests


def _by_suffix(reports: list[NotebookReport], suffix: str) -> NotebookReport:
    matches = [r for r in reports if r.path.endswith(suffix)]
    assert len(matches) == 1, (suffix, [r.path for r in matches])
    return matches[0]


@pytest.mark.slow
@pytest.mark.network
def test_real_notebooks_never_crash_and_are_never_written(
    real: list[Path], real_report: tuple[Report, dict[Path, str]]
) -> None:
    report, digests = real_report
    assert len(report.notebooks) + len(report.errors) == len(real)
    for err in report.errors:  # bad input: one line naming the problem, never a traceback
        assert Path(err["path"]).name in INVALID, err
        assert "\n" not in err["message"] and "Traceback" not in err["message"]
    checked = [nb for nb in report.notebooks if not nb.skipped]
    assert len(checked) > 150
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in real} == digests


@pytest.mark.slow
@pytest.mark.network
def test_real_notebooks_through_the_cli(real: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    root = realworld_root()
    assert root is not None
    code = main(["check", "--format", "json", str(root)])
    out, err = capsys.readouterr()
    assert code == 2  # nbformat's invalid fixtures cannot be read
    assert "internal error" not in err
    data = json.loads(out)
    assert len(data["notebooks"]) + len(data["errors"]) == len(real)
    assert {Path(e["path"]).name for e in data["errors"]} <= INVALID
    assert len(err.strip().splitlines()) == len(data["errors"])


@pytest.mark.slow
@pytest.mark.network
def test_triaged_findings_stay_as_judged(real_report: tuple[Report, dict[Path, str]]) -> None:
    report, _ = real_report
    for suffix, rule, cell in TRUE_FINDINGS:
        nb = _by_suffix(report.notebooks, suffix)
        assert (rule, cell) in {(f.rule, f.cell) for f in nb.findings}, (suffix, rule, cell, nb.findings)
    for suffix, rule in FIXED_FALSE_FINDINGS:
        nb = _by_suffix(report.notebooks, suffix)
        assert rule not in {f.rule for f in nb.findings}, (suffix, nb.findings)


# -- regression tests for the false findings, no network needed --------------------------


def _check(path: Path) -> NotebookReport:
    report = check_paths([path], Config())
    assert not report.errors, report.errors
    return report.notebooks[0]


def test_equal_execution_counts_are_one_finding_not_a_crash(make_notebook: Callable[..., Path]) -> None:
    """jupytext's jupyter_again.ipynb: a copied cell keeps its count (6, 7, 7)."""
    path = make_notebook(
        [
            {"source": "a = 1", "execution_count": 6},
            {"source": "b = a + 1", "execution_count": 7},
            {"source": "c = b + 1", "execution_count": 7},
        ]
    )
    hits = [f for f in _check(path).findings if f.rule == "NB101"]
    assert len(hits) == 1
    assert "same execution count [7]" in hits[0].message
    assert hits[0].cell in (1, 2) and f"cell {3 - hits[0].cell + 1}" in hits[0].message


@pytest.mark.parametrize(
    "counts",
    [[1, 1], [2, 2, 2], [None, 5, 5, 5], [1, 2, 1, 2], [3, 3, 1]],
    ids=lambda c: "-".join(map(str, c)),
)
def test_repeated_counts_never_crash(make_notebook: Callable[..., Path], counts: list[int | None]) -> None:
    path = make_notebook([{"source": f"x{i} = {i}", "execution_count": c} for i, c in enumerate(counts)])
    findings = _check(path).findings
    assert any(f.rule == "NB101" for f in findings)


def _write_raw(path: Path, metadata: dict[str, object], sources: list[str], minor: int = 5) -> Path:
    nb = nbformat.v4.new_notebook(metadata=metadata)
    nb.cells = [nbformat.v4.new_code_cell(s, execution_count=i + 1) for i, s in enumerate(sources)]
    data = nbformat.writes(nb)
    raw = json.loads(data)
    raw["nbformat_minor"] = minor
    path.write_text(json.dumps(raw))
    return path


@pytest.mark.parametrize("language", ["R", "julia", "powershell"])
def test_jupytext_main_language_marks_a_non_python_notebook(tmp_path: Path, language: str) -> None:
    """jupytext's script_to_ipynb outputs carry no kernelspec, only jupytext.main_language."""
    meta = {"jupytext": {"main_language": language, "notebook_metadata_filter": "-all"}}
    path = _write_raw(tmp_path / "nb.ipynb", meta, ["plot(cars)", "x <- mean(c(1, 2))"])
    nb = _check(path)
    assert nb.skipped and nb.language == language.lower()
    assert nb.findings == []


def test_jupytext_main_language_python_is_checked(tmp_path: Path) -> None:
    path = _write_raw(tmp_path / "nb.ipynb", {"jupytext": {"main_language": "python"}}, ["print(ghost)"])
    nb = _check(path)
    assert not nb.skipped
    assert [f.rule for f in nb.findings if f.rule.startswith("NB1")] == ["NB105"]


def test_kernelspec_wins_over_jupytext_main_language(tmp_path: Path) -> None:
    spec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    meta = {"kernelspec": spec, "jupytext": {"main_language": "R"}}
    path = _write_raw(tmp_path / "nb.ipynb", meta, ["x = 1"])
    assert not _check(path).skipped


@pytest.mark.parametrize(
    "handler", ["except:", "except NameError:", "except (ImportError, NameError):", "except Exception as e:"]
)
def test_read_guarded_by_a_name_error_handler_is_not_undefined(
    make_notebook: Callable[..., Path], handler: str
) -> None:
    """nbclient's 'Disable Stdin.ipynb': ``try: input = raw_input`` for Python 2 and 3."""
    source = f'try:\n    input = raw_input\n{handler}\n    pass\n\nname = input("name: ")'
    rules = {f.rule for f in _check(make_notebook([source])).findings}
    assert "NB105" not in rules and "NB104" not in rules


def test_read_guarded_by_another_handler_is_still_undefined(make_notebook: Callable[..., Path]) -> None:
    source = "try:\n    x = raw_input\nexcept ValueError:\n    pass"
    hits = [f for f in _check(make_notebook([source])).findings if f.rule == "NB105"]
    assert [f.message.split("'")[1] for f in hits] == ["raw_input"]
    assert hits[0].line == 2


def test_function_defined_in_a_guarded_try_is_not_guarded(make_notebook: Callable[..., Path]) -> None:
    """The body runs when the function is called, outside the ``try``."""
    source = "try:\n    def f():\n        return ghost\nexcept NameError:\n    f = None\nf()"
    hits = [f for f in _check(make_notebook([source])).findings if f.rule == "NB105"]
    assert len(hits) == 1 and "'ghost'" in hits[0].message and "inside a function" in hits[0].message


def test_guarded_read_still_counts_as_data_flow() -> None:
    """The converter's statement data flow still sees the read."""
    from nbprod.analysis.cell import analyze_cell

    facts = analyze_cell("try:\n    value = fallback_value\nexcept NameError:\n    value = 0")
    assert "fallback_value" not in facts.uses
    assert "fallback_value" in facts.stmts[0].reads


def test_cell_type_from_a_newer_minor_version_is_kept_not_refused(tmp_path: Path) -> None:
    """nbformat's test4plus.ipynb: nbformat 4.99 may add cell types; the code is still checked."""
    path = _write_raw(tmp_path / "nb.ipynb", {}, ["x = 1", "print(ghost)"], minor=99)
    raw = json.loads(path.read_text())
    raw["cells"].insert(1, {"cell_type": "future cell", "metadata": {}, "source": ""})
    path.write_text(json.dumps(raw))
    nb = read_notebook(path)
    assert [c.kind for c in nb.cells] == ["code", "future cell", "code"]
    report = _check(path)
    assert [(f.rule, f.cell) for f in report.findings if f.rule == "NB105"] == [("NB105", 2)]


def test_unknown_cell_type_in_a_known_version_is_still_bad_input(tmp_path: Path) -> None:
    """nbformat's invalid.ipynb: a v3 'heading' cell in a 4.x file is not a notebook we can trust."""
    path = _write_raw(tmp_path / "nb.ipynb", {}, ["x = 1"], minor=4)
    raw = json.loads(path.read_text())
    raw["cells"].append({"cell_type": "heading", "metadata": {}, "source": "# Title", "level": 1})
    path.write_text(json.dumps(raw))
    with pytest.raises(NotebookError, match="cell_type 'heading'"):
        read_notebook(path)


def test_v3_upgrade_matches_nbformat_without_importing_it() -> None:
    """Importing nbformat (its jsonschema validator) took 1-4 s here: v3 is upgraded natively."""
    import subprocess
    import sys

    from conftest import FIXTURES

    from nbprod.notebook import _cells_v4

    path = FIXTURES / "v3_notebook.ipynb"
    code = f"import sys; from nbprod.notebook import read_notebook; read_notebook({str(path)!r}); print('nbformat' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    ours = read_notebook(path)
    theirs = _cells_v4(json.loads(nbformat.writes(nbformat.read(str(path), as_version=4))))
    assert [(c.kind, c.source, c.execution_count, c.outputs, c.metadata) for c in ours.cells] == [
        (c.kind, c.source, c.execution_count, c.outputs, c.metadata) for c in theirs
    ]
    assert all(c.id is None for c in ours.cells)  # stable: nbformat would invent random ids


def test_v3_heading_cells_and_outputs_are_upgraded(tmp_path: Path) -> None:
    raw = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": "old"},
        "worksheets": [
            {
                "cells": [
                    {"cell_type": "heading", "level": 2, "source": ["Results"], "metadata": {}},
                    {
                        "cell_type": "code",
                        "language": "python",
                        "collapsed": False,
                        "input": ["x = 1\n", "x"],
                        "prompt_number": 3,
                        "metadata": {},
                        "outputs": [
                            {"output_type": "pyout", "prompt_number": 3, "text": ["1"], "metadata": {}},
                            {"output_type": "stream", "stream": "stderr", "text": ["warn"]},
                            {"output_type": "pyerr", "ename": "E", "evalue": "v", "traceback": []},
                        ],
                    },
                ]
            }
        ],
    }
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(raw))
    nb = read_notebook(path)
    heading, code = nb.cells
    assert (heading.kind, heading.source) == ("markdown", "## Results")
    assert (code.source, code.execution_count, code.metadata) == ("x = 1\nx", 3, {"collapsed": False})
    assert [o["output_type"] for o in code.outputs] == ["execute_result", "stream", "error"]
    assert code.outputs[0]["data"] == {"text/plain": ["1"]} and code.outputs[0]["execution_count"] == 3
    assert code.outputs[1]["name"] == "stderr"
    assert "name" not in nb.metadata


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"nbformat": 3, "metadata": {}}, "no 'worksheets' list"),
        ({"nbformat": 3, "worksheets": [{"cells": ["not a cell"]}]}, "a cell is not an object"),
    ],
)
def test_bad_v3_is_one_line_error(tmp_path: Path, raw: dict[str, object], message: str) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_text(json.dumps(raw))
    with pytest.raises(NotebookError, match=message):
        read_notebook(path)
