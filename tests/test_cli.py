"""``nbprod check`` end to end: exit codes, text and JSON output, config, bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import FIXTURES, REPO, SAMPLES, build_notebook

import nbprod
from nbprod.cli import main
from nbprod.rules import all_rules

CLEAN = ["x = 1\nassert x == 1"]  # with requirements.txt beside it: no finding at all
INFO_ONLY = ["x = 1"]  # NB305 (info) once the environment is pinned
WARNING = ["import numpy as np\nnp.random.seed(0)\nnp.random.rand()\n!pip install xgboost\nassert True"]
ERROR = ["print(ghost)\nassert True"]


@pytest.fixture
def nb(make_notebook: Callable[..., Path], tmp_path: Path) -> Callable[..., Path]:
    """A notebook in a folder whose environment is pinned (so NB203 stays quiet)."""
    (tmp_path / "requirements.txt").write_text("numpy==1.26.4\n")
    return make_notebook


def run(capsys: pytest.CaptureFixture[str], *argv: str | os.PathLike[str]) -> tuple[int, str, str]:
    code = main(["check", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def cli(*argv: str | os.PathLike[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nbprod", *map(str, argv)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


# -- exit codes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "fail_on", "code"),
    [
        (CLEAN, None, 0),
        (INFO_ONLY, None, 0),
        (INFO_ONLY, "info", 1),
        (WARNING, None, 1),
        (WARNING, "error", 0),
        (ERROR, "error", 1),
        (ERROR, "never", 0),
    ],
)
def test_exit_codes(
    capsys: pytest.CaptureFixture[str],
    nb: Callable[..., Path],
    cells: list[str],
    fail_on: str | None,
    code: int,
) -> None:
    path = nb(cells)
    args = [path] if fail_on is None else [path, "--fail-on", fail_on]
    assert run(capsys, *args)[0] == code


def test_unreadable_input_is_2_and_others_still_checked(
    capsys: pytest.CaptureFixture[str], nb: Callable[..., Path], tmp_path: Path
) -> None:
    good = nb(ERROR)
    code, out, err = run(capsys, good, tmp_path / "missing.ipynb", "--format", "json")
    assert code == 2
    doc = json.loads(out)
    assert [n["path"] for n in doc["notebooks"]] == [str(good)]
    assert doc["notebooks"][0]["findings"]
    assert doc["errors"] == [{"path": str(tmp_path / "missing.ipynb"), "message": "no such file or folder"}]
    assert err.strip().splitlines() == [
        f"nbprod: error: {tmp_path / 'missing.ipynb'}: no such file or folder"
    ]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["check"],
        ["check", "x.ipynb", "--fail-on", "sometimes"],
        ["check", "x.ipynb", "--format", "xml"],
        ["check", "x.ipynb", "--select", "NB999"],
        ["check", "x.ipynb", "--bogus"],
        ["nonsense"],
    ],
)
def test_usage_errors_exit_2_on_one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2
    if argv:
        assert len(err.strip().splitlines()) == 1 and "error:" in err


def test_non_python_notebook_is_skipped_not_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, FIXTURES / "r_kernel.ipynb")
    assert code == 0 and err == ""
    assert "skipped" in out and "1 skipped" in out.splitlines()[-1]
    code, out, _ = run(capsys, FIXTURES / "r_kernel.ipynb", "--format", "json")
    (entry,) = json.loads(out)["notebooks"]
    assert entry["findings"] == [] and entry["language"] == "r" and "skipped" in entry


# -- text and JSON output ---------------------------------------------------------


def test_text_format_is_ruff_style(capsys: pytest.CaptureFixture[str], nb: Callable[..., Path]) -> None:
    path = nb(["import numpy as np", "x = np.random.rand()\nassert x"])
    code, out, _ = run(capsys, path, "--no-fix")
    lines = out.strip().splitlines()
    assert f"{path}:cell 2:line 1: NB201 [error] np.random.rand() draws from the numpy generator" in lines[0]
    summary = [ln for ln in lines if "notebook(s) checked" in ln]
    assert summary == ["1 notebook(s) checked: 1 error(s), 0 warning(s), 0 info"]
    code, out, _ = run(capsys, path)
    assert f"    fix: {all_rules()['NB201'].fix}" in out.splitlines()


def test_notebook_level_findings_have_no_cell(
    capsys: pytest.CaptureFixture[str], make_notebook: Callable[..., Path]
) -> None:
    path = make_notebook(["x = 1"])
    _, out, _ = run(capsys, path, "--select", "NB203", "--no-fix")
    assert (
        out.splitlines()[0] == f"{path}: NB203 [warning] no package versions are recorded for this notebook"
    )


def _check_finding(f: dict[str, Any], n_cells: int) -> None:
    assert set(f) >= {"rule", "severity", "cell", "cell_id", "line", "message"}
    assert f["rule"] in all_rules() and f["severity"] == all_rules()[f["rule"]].severity
    assert f["cell"] is None or (isinstance(f["cell"], int) and 0 <= f["cell"] < n_cells)
    assert f["cell_id"] is None or isinstance(f["cell_id"], str)
    assert f["line"] is None or (isinstance(f["line"], int) and f["line"] >= 1)
    assert isinstance(f["message"], str) and f["message"] and "\n" not in f["message"]


def test_json_shape_matches_contract(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "samples"
    folder.mkdir()
    for p in SAMPLES.glob("*.ipynb"):
        (folder / p.name).write_bytes(p.read_bytes())
    (folder / "broken.ipynb").write_text("{ nope")
    code, out, _ = run(capsys, folder, "--format", "json")
    assert code == 2
    doc = json.loads(out)
    assert set(doc) == {"version", "notebooks", "errors"} and doc["version"] == 1
    assert doc["errors"] == [{"path": str(folder / "broken.ipynb"), "message": doc["errors"][0]["message"]}]
    assert doc["errors"][0]["message"].startswith("not a notebook: invalid JSON")
    assert len(doc["notebooks"]) == len(list(SAMPLES.glob("*.ipynb")))
    for entry in doc["notebooks"]:
        assert isinstance(entry["path"], str) and entry["language"] == "python"
        n_cells = len(json.loads(Path(entry["path"]).read_text())["cells"])
        for f in entry["findings"]:
            _check_finding(f, n_cells)
        score = entry["score"]
        assert isinstance(score, dict)
        for key, severity in (("errors", "error"), ("warnings", "warning"), ("info", "info")):
            assert score[key] == sum(f["severity"] == severity for f in entry["findings"])


def test_folders_are_searched_recursively(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = (SAMPLES / "iris_quick.ipynb").read_bytes()
    for rel in ["a.ipynb", "deep/er/b.ipynb", ".ipynb_checkpoints/a-checkpoint.ipynb"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(src)
    _, out, _ = run(capsys, tmp_path, "--format", "json")
    paths = [Path(n["path"]).relative_to(tmp_path).as_posix() for n in json.loads(out)["notebooks"]]
    assert paths == ["a.ipynb", "deep/er/b.ipynb"]


def test_folder_without_notebooks_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hi")
    code, _, err = run(capsys, tmp_path)
    assert code == 2 and "no notebooks" in err and len(err.strip().splitlines()) == 1


# -- configuration -----------------------------------------------------------------


def _pyproject(folder: Path, body: str) -> None:
    (folder / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.nbprod]\n{body}\n")


def test_pyproject_select_ignore_fail_on(
    capsys: pytest.CaptureFixture[str], nb: Callable[..., Path], tmp_path: Path
) -> None:
    path = nb(["import numpy as np\nx = np.random.rand()", "print(ghost)\nassert True"])
    _pyproject(tmp_path, 'select = ["NB2"]')
    _, out, _ = run(capsys, path, "--format", "json")
    assert {f["rule"] for f in json.loads(out)["notebooks"][0]["findings"]} == {"NB201"}
    _pyproject(tmp_path, 'ignore = ["NB201", "NB105"]\nfail-on = "error"')
    code, out, _ = run(capsys, path, "--format", "json")
    assert json.loads(out)["notebooks"][0]["findings"] == [] and code == 0
    code, out, _ = run(capsys, path, "--format", "json", "--ignore", "NB105")  # flags override
    assert {f["rule"] for f in json.loads(out)["notebooks"][0]["findings"]} == {"NB201"} and code == 1


def test_pyproject_exclude_and_per_file_ignores(
    capsys: pytest.CaptureFixture[str], nb: Callable[..., Path], tmp_path: Path
) -> None:
    nb(ERROR, name="keep.ipynb")
    nb(ERROR, name="scratch/skip.ipynb")
    nb(ERROR, name="legacy_old.ipynb")
    _pyproject(
        tmp_path, 'exclude = ["*/scratch/*"]\n[tool.nbprod.per-file-ignores]\n"legacy_*.ipynb" = ["NB1"]'
    )
    _, out, _ = run(capsys, tmp_path, "--format", "json")
    found = {Path(n["path"]).name: {f["rule"] for f in n["findings"]} for n in json.loads(out)["notebooks"]}
    assert found == {"keep.ipynb": {"NB105"}, "legacy_old.ipynb": set()}


def test_unknown_config_key_is_warned(
    capsys: pytest.CaptureFixture[str], nb: Callable[..., Path], tmp_path: Path
) -> None:
    path = nb(CLEAN)
    _pyproject(tmp_path, 'selct = ["NB2"]')
    code, _, err = run(capsys, path)
    assert code == 0
    from nbprod.config import KNOWN_KEYS

    assert err.splitlines() == [
        f"nbprod: warning: {tmp_path / 'pyproject.toml'}: unknown key 'selct' in [tool.nbprod] "
        f"(known: {', '.join(sorted(KNOWN_KEYS))})"
    ]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('fail-on = "sometimes"', "fail-on must be"),
        ("select = 5", "select must be a list"),
        ('select = ["NB999"]', "unknown rule id 'NB999'"),
        ("exclude = 3", "exclude must be a list"),
        ('per-file-ignores = "x"', "per-file-ignores must be a table"),
        ('long-notebook-cells = "many"', "long-notebook-cells must be"),
        ('format = "xml"', "format must be"),
        ("select = [", "invalid TOML"),
    ],
)
def test_bad_config_values_exit_2_one_line(
    capsys: pytest.CaptureFixture[str], nb: Callable[..., Path], tmp_path: Path, body: str, words: str
) -> None:
    path = nb(CLEAN)
    _pyproject(tmp_path, body)
    code, out, err = run(capsys, path)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err and err.startswith("nbprod: error:")


def test_long_notebook_cells_option(
    capsys: pytest.CaptureFixture[str], nb: Callable[..., Path], tmp_path: Path
) -> None:
    path = nb([f"x{i} = {i}" for i in range(4)])
    _pyproject(tmp_path, 'long-notebook-cells = 4\nselect = ["NB306"]')
    _, out, _ = run(capsys, path, "--format", "json")
    (finding,) = json.loads(out)["notebooks"][0]["findings"]
    assert finding["message"] == "4 code cells and not one function"


# -- bad input, as a user sees it -------------------------------------------------------


def test_bad_inputs_one_line_each_no_traceback(tmp_path: Path) -> None:
    names = ["malformed.ipynb", "binary_junk.ipynb", "not_a_notebook.json", "syntax_error.ipynb",
             "python2_cells.ipynb", "r_kernel.ipynb", "v3_notebook.ipynb", "nbformat40_no_ids.ipynb",
             "await_top_level.ipynb"]  # fmt: skip
    for name in names:
        (tmp_path / name).write_bytes((FIXTURES / name).read_bytes())
    empty = tmp_path / "empty"
    empty.mkdir()
    args = [tmp_path / n for n in names] + [tmp_path / "missing.ipynb", empty]
    proc = cli("check", *args, "--format", "json")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    err = proc.stderr.strip().splitlines()
    assert len(err) == 5, err  # malformed, binary, not a notebook, missing, empty folder
    assert all(line.startswith("nbprod: error: ") for line in err)
    doc = json.loads(proc.stdout)
    checked = {Path(n["path"]).name: n for n in doc["notebooks"]}
    assert set(checked) == {"syntax_error.ipynb", "python2_cells.ipynb", "r_kernel.ipynb", "v3_notebook.ipynb",
                            "nbformat40_no_ids.ipynb", "await_top_level.ipynb"}  # fmt: skip
    assert "skipped" in checked["r_kernel.ipynb"]
    assert {f["rule"] for f in checked["syntax_error.ipynb"]["findings"]} > {
        "NB106"
    }  # the rest still checked
    assert "NB106" not in {f["rule"] for f in checked["await_top_level.ipynb"]["findings"]}


def test_check_never_writes_the_notebook(tmp_path: Path) -> None:
    paths = []
    for p in [*SAMPLES.glob("*.ipynb"), FIXTURES / "v3_notebook.ipynb", FIXTURES / "malformed.ipynb"]:
        target = tmp_path / p.name
        target.write_bytes(p.read_bytes())
        os.utime(target, (1_000_000_000, 1_000_000_000))
        paths.append(target)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths}
    listing = sorted(p.name for p in tmp_path.iterdir())
    proc = cli("check", tmp_path)
    assert proc.returncode == 2
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


@pytest.mark.slow
def test_fifty_megabyte_notebook_via_cli(tmp_path: Path) -> None:
    from test_notebook import _big_notebook

    path = tmp_path / "big.ipynb"
    _big_notebook(path, 50)
    start = time.perf_counter()
    proc = cli("check", path, "--format", "json")
    elapsed = time.perf_counter() - start
    assert proc.returncode in (0, 1) and proc.stderr == ""
    (entry,) = json.loads(proc.stdout)["notebooks"]
    assert "NB201" not in {f["rule"] for f in entry["findings"]}
    print(f"50 MB notebook checked in {elapsed:.2f}s")
    assert elapsed < 20


# -- Python API and start-up cost ---------------------------------------------------------


def test_python_api(nb: Callable[..., Path]) -> None:
    path = nb(["import numpy as np\nx = np.random.rand()", "print(ghost)\nassert True"])
    report = nbprod.check(path)
    assert {f.rule for f in report.findings} == {"NB201", "NB105"}
    assert report.score["errors"] == 2 and report.score["warnings"] == 0
    doc = json.loads(report.to_json())
    assert [f["rule"] for f in doc["notebooks"][0]["findings"]] == [f.rule for f in report.findings]
    frame = report.to_frame()
    assert list(frame["rule"]) == [f.rule for f in report.findings]
    assert set(frame.columns) >= {"path", "rule", "severity", "cell", "cell_id", "line", "message", "fix"}
    assert report.exit_code("error") == 1 and report.exit_code("never") == 0
    with pytest.raises(TypeError):
        nbprod.check(path, colour="red")


def test_cli_does_not_import_heavy_modules(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_bytes((SAMPLES / "credit_risk_messy.ipynb").read_bytes())
    code = (
        "import sys\nfrom nbprod.cli import main\n"
        f"rc = main(['check', {str(tmp_path / 'nb.ipynb')!r}, '--format', 'json'])\n"
        "heavy = sorted(m for m in ('IPython', 'pandas', 'matplotlib', 'nbformat', 'numpy', 'ipywidgets', 'black')"
        " if m in sys.modules)\n"
        "print('HEAVY', heavy, rc, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.stderr.strip().splitlines()[-1] == "HEAVY [] 1"


def test_a_bug_in_one_rule_spares_the_other_notebooks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An internal error while checking one notebook is one line for that notebook and
    exit 2; the other notebooks are still checked and reported."""
    import nbprod.checker as checker

    for name in ("a.ipynb", "b.ipynb"):
        nbformat.write(build_notebook(["x = 1", "print(x)"]), str(tmp_path / name))
    real = checker.check_notebook

    def flaky(nb, config=None, record=None, **options):  # type: ignore[no-untyped-def]
        if nb.path.endswith("a.ipynb"):
            raise KeyError("boom")
        return real(nb, config, record, **options)

    monkeypatch.setattr(checker, "check_notebook", flaky)
    code = main(["check", "--format", "json", str(tmp_path)])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert code == 2
    assert [Path(nb["path"]).name for nb in doc["notebooks"]] == ["b.ipynb"]
    assert [Path(e["path"]).name for e in doc["errors"]] == ["a.ipynb"]
    assert "internal error: KeyError" in doc["errors"][0]["message"]
    assert err.count("\n") == 1 and "Traceback" not in err


# -- issue 10: output that fits CI and people -------------------------------------


def test_text_shows_each_findings_severity(
    capsys: pytest.CaptureFixture[str], nb: Callable[..., Path]
) -> None:
    path = nb(["import numpy as np\nx = np.random.rand()", "print(ghost)", "!pip install xgboost"])
    _, out, _ = run(capsys, path, "--no-fix", "--no-checklist")
    findings = [line for line in out.splitlines() if line.startswith(str(path))]
    severities = {
        rule: sev for rule, sev in (re.search(r": (NB\d+) \[(\w+)\]", f).groups() for f in findings)
    }  # type: ignore[union-attr]
    assert severities == {"NB201": "error", "NB105": "error", "NB205": "warning", "NB305": "info"}


def test_checklist_can_be_turned_off(
    capsys: pytest.CaptureFixture[str], nb: Callable[..., Path], tmp_path: Path
) -> None:
    path = nb(WARNING)
    _, out, _ = run(capsys, path)
    assert "readiness" in out
    code, out, _ = run(capsys, path, "--no-checklist")
    assert "readiness" not in out and code == 1 and "NB205" in out
    _, out, _ = run(capsys, path, "--no-checklist", "--format", "json")
    assert "checklist" not in json.loads(out)["notebooks"][0]
    _pyproject(tmp_path, "checklist = false")
    _, out, _ = run(capsys, path)
    assert "readiness" not in out and "NB205" in out
    code, _, err = run(capsys, path, "--report", tmp_path / "reports")
    assert code == 2 and "turned off" in err and not (tmp_path / "reports").exists()
    _pyproject(tmp_path, 'checklist = "no"')
    code, _, err = run(capsys, path)
    assert code == 2 and "checklist must be true or false" in err


def test_precommit_default_hook_leaves_the_checklist_out() -> None:
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    entry = hooks["nbprod-check"]["entry"].split()
    assert entry[:2] == ["nbprod", "check"] and "--no-checklist" in entry
    from nbprod.cli import build_parser

    args = build_parser("check").parse_args([*entry[1:], "x.ipynb"])  # the flag really exists
    assert args.no_checklist is True


def _big_notebook(path: Path, cells: int = 3000) -> Path:
    nb = build_notebook(["import numpy as np"] + [f"x{i} = np.random.rand()" for i in range(cells)])
    for i, cell in enumerate(nb.cells):  # 3,000 random ids collide now and then: nbformat warns
        cell.id = f"cell-{i}"
    nbformat.write(nb, str(path))
    return path


def test_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    path = _big_notebook(tmp_path / "many.ipynb")  # ~300 kB of findings: more than a pipe holds
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbprod", "check", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # `| head -1`
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=120)
    assert b"NB20" in first
    assert err == "", err  # no "internal error", no "Exception ignored"
    assert code == 141  # as a program killed by SIGPIPE


def test_open_pipe_gets_everything(tmp_path: Path) -> None:
    path = _big_notebook(tmp_path / "many.ipynb", cells=300)
    done = cli("check", path, "--no-fix", "--no-checklist")
    assert done.returncode == 1 and done.stderr == ""
    assert len([line for line in done.stdout.splitlines() if "NB201" in line]) == 300


def test_patterns_are_relative_to_the_pyproject_folder(
    capsys: pytest.CaptureFixture[str],
    nb: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nb(ERROR, name="keep.ipynb")
    nb(ERROR, name="drafts/skip.ipynb")
    nb(ERROR, name="notebooks/drafts/deep.ipynb")  # 'drafts/*' is anchored: this one is kept
    nb(ERROR, name="legacy/old.ipynb")
    (tmp_path / "notebooks" / "pyproject.toml").unlink(missing_ok=True)
    _pyproject(
        tmp_path, 'exclude = ["drafts/*"]\n[tool.nbprod.per-file-ignores]\n"legacy/*.ipynb" = ["NB105"]'
    )
    expected = {"keep.ipynb": {"NB105"}, "deep.ipynb": {"NB105"}, "old.ipynb": set()}
    for cwd, target in [
        (tmp_path, "."),
        (tmp_path, str(tmp_path)),
        (tmp_path / "notebooks", ".."),
        (tmp_path / "legacy", str(tmp_path)),
        (tmp_path.parent, tmp_path.name),
        (tmp_path / "drafts", "../"),
    ]:
        monkeypatch.chdir(cwd)
        _, out, _ = run(capsys, target, "--format", "json", "--select", "NB105")
        found = {
            Path(n["path"]).name: {f["rule"] for f in n["findings"]} for n in json.loads(out)["notebooks"]
        }
        assert found == expected, (cwd, target)
    monkeypatch.chdir(tmp_path / "legacy")  # a file given by name: still relative to the pyproject
    _, out, _ = run(capsys, "old.ipynb", "--format", "json", "--select", "NB105")
    assert json.loads(out)["notebooks"][0]["findings"] == []
    _, out, _ = run(capsys, "../drafts/skip.ipynb", "--format", "json")
    assert json.loads(out)["notebooks"] == []


def test_path_matches() -> None:
    from nbprod.config import path_matches

    root = "/proj"
    assert path_matches("/proj/a/scratch/x.ipynb", "scratch", root)  # a name at any depth
    assert path_matches("/proj/x_draft.ipynb", "*_draft.ipynb", root)
    assert path_matches("/proj/z/a/x.ipynb", "a/", root)  # as in .gitignore: a trailing / anchors nothing
    assert path_matches("/proj/a/b/x.ipynb", "/a", root) and path_matches("/proj/a/b/x.ipynb", "./a", root)
    assert not path_matches("/proj/z/a/x.ipynb", "a/*", root)  # anchored
    assert path_matches("/proj/z/a/x.ipynb", "**/a/*", root)
    assert path_matches("/proj/a/x.ipynb", "**/a/*", root)  # **/ includes no folder at all
    assert path_matches("/proj/z/a/x.ipynb", "*/a/*", root)
    assert not path_matches("/proj/keep.ipynb", "drafts", root)
    assert not path_matches("/other/drafts/x.ipynb", "drafts/*", root)  # outside the project
    assert not path_matches("/proj/x.ipynb", "", root)


@pytest.mark.parametrize("select", ["NB2", "nb2", ["NB2"], ("NB201", "NB202"), "NB201, NB202"])
def test_python_api_accepts_strings_and_lists(nb: Callable[..., Path], select: Any) -> None:
    path = nb(["import numpy as np\nx = np.random.rand()", "print(ghost)\nassert True"])
    assert {f.rule for f in nbprod.check(path, select=select).findings} == {"NB201"}
    assert {f.rule for f in nbprod.check(path, ignore=select).findings} == {"NB105"}


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"select": "NB9"}, ["select", "unknown rule id 'NB9'"]),
        ({"ignore": ["NB201", "XX1"]}, ["ignore", "'XX1'"]),
        ({"select": 201}, ["select must be a list of rule ids"]),
        ({"fail_on": "errors"}, ["fail_on must be error, warning, info or never", "'errors'"]),
        ({"exclude": 3}, ["exclude must be a list of glob patterns"]),
        ({"per_file_ignores": {"*.ipynb": "NB999"}}, ["per_file_ignores", "'NB999'"]),
        ({"long_notebook_cells": 0}, ["long_notebook_cells must be a positive integer"]),
    ],
)
def test_python_api_rejects_bad_options(
    nb: Callable[..., Path], options: dict[str, Any], words: list[str]
) -> None:
    path = nb(CLEAN)
    with pytest.raises(ValueError) as info:
        nbprod.check(path, **options)
    assert all(w in str(info.value) for w in words), str(info.value)
    assert str(info.value).startswith("check(): ")


def test_python_api_fail_on_and_exit_code(nb: Callable[..., Path]) -> None:
    path = nb(INFO_ONLY)
    report = nbprod.check(path, fail_on="info", per_file_ignores={"*.ipynb": "NB203"}, checklist=False)
    assert report.exit_code("info") == 1 and "checklist" not in report.notebooks[0].extra
    with pytest.raises(ValueError, match="fail_on must be"):
        report.exit_code("warnings")


def test_verify_api_validates_like_check(nb: Callable[..., Path]) -> None:
    path = nb(CLEAN)
    with pytest.raises(ValueError, match="verify\\(\\): select: unknown rule id 'NB77'"):
        nbprod.verify(path, select="NB77")


def test_check_magic_validates_select(nbprod_shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from IPython.core.error import UsageError

    shell = nbprod_shell
    shell.run_cell(
        "import numpy as np\nnoise = np.random.rand(4)\nfrom sklearn.svm import SVC", store_history=True
    )
    with pytest.raises(UsageError, match="unknown rule id 'NB9'"):
        shell.run_line_magic("nbprod", "check --select NB9 --text")
    with pytest.raises(UsageError, match="unknown rule id 'XX'"):
        shell.run_line_magic("nbprod", "check --ignore NB2,XX --text")
    capsys.readouterr()
    shell.run_line_magic("nbprod", "check --select nb2 --text")
    out = capsys.readouterr().out
    assert "NB201" in out and "NB105" not in out


# Command lines the plain-check reader (``nbprod.cli._plain_check``) takes, and some it must
# hand to argparse (None): either way the namespace, messages and exit code are argparse's.
PLAIN_CHECKS = [
    ["check", "a.ipynb"],
    ["check", "a.ipynb", "b", "dir/"],
    ["check", "--no-cache", "a.ipynb"],
    ["check", "a.ipynb", "--no-cache", "--no-fix", "--no-checklist"],
    ["check", "--format", "json", "a.ipynb"],
    ["check", "--format=sarif", "a.ipynb", "b.ipynb"],
    ["check", "a.ipynb", "--format", "github", "--format", "text"],
    ["check", "--select", "NB1,NB201", "--ignore=NB4", "a.ipynb"],
    ["check", "--fail-on", "error", "--config", "pyproject.toml", "a.ipynb"],
    ["check", "--report", "out", "--jobs", "3", "a.ipynb"],
    ["check", "--jobs=auto", "a.ipynb"],
    ["check", "", "a=b.ipynb"],
]
ARGPARSE_CHECKS = [
    [],
    ["check"],
    ["check", "--help"],
    ["check", "-h", "a.ipynb"],
    ["check", "a.ipynb", "--no-cache", "b.ipynb"],  # two runs of PATHs: an error
    ["check", "--no-cach", "a.ipynb"],  # argparse's abbreviations
    ["check", "--format", "yaml", "a.ipynb"],
    ["check", "--format", "a.ipynb"],
    ["check", "a.ipynb", "--format"],
    ["check", "--select", "NB999", "a.ipynb"],
    ["check", "--jobs", "0", "a.ipynb"],
    ["check", "--jobs", "-1", "a.ipynb"],
    ["check", "--jobs", "two", "a.ipynb"],
    ["check", "--config=", "a.ipynb"],
    ["check", "--no-cache=1", "a.ipynb"],
    ["check", "--verify", "a.ipynb"],
    ["check", "--", "-a.ipynb"],
    ["check", "-", "a.ipynb"],
    ["check", "--version"],
    ["--version"],
    ["rules"],
    ["export", "a.ipynb"],
]


@pytest.mark.parametrize("argv", PLAIN_CHECKS, ids=" ".join)
def test_plain_check_reads_what_argparse_reads(argv: list[str]) -> None:
    from nbprod.cli import _parse, _plain_check, build_parser

    plain = _plain_check(argv)
    assert plain is not None
    assert vars(plain) == vars(_parse(build_parser("check"), argv))


@pytest.mark.parametrize("argv", ARGPARSE_CHECKS, ids=lambda a: " ".join(a) or "(nothing)")
def test_anything_else_goes_to_argparse(argv: list[str]) -> None:
    from nbprod.cli import _plain_check

    assert _plain_check(argv) is None


def test_plain_check_imports_no_argparse(make_notebook: Callable[..., Path], tmp_path: Path) -> None:
    """The lean start: a plain check imports neither argparse nor gettext; ``--help``
    still gets argparse's help."""
    nb = make_notebook(["x = 1"])
    probe = (
        "import sys\nfrom nbprod.cli import main\n"
        f"main(['check', '--no-cache', '--format', 'json', {str(nb)!r}])\n"
        "print(sorted(m for m in ('argparse', 'gettext') if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr
    helped = subprocess.run(
        [sys.executable, "-m", "nbprod", "check", "--help"], capture_output=True, text=True, cwd=tmp_path
    )
    assert helped.returncode == 0 and "usage: nbprod check" in helped.stdout


def test_console_exit_keeps_every_byte(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m nbprod check`` leaves without the interpreter's teardown: the whole
    output (to a file, so fully buffered) and the exit code are still those of ``main()``."""
    nb = SAMPLES / "credit_risk_messy.ipynb"
    for fmt in ("text", "json"):
        code, out, _ = run(capsys, "--no-cache", "--format", fmt, nb)
        target = tmp_path / f"out.{fmt}"
        with target.open("w") as fh:
            done = subprocess.run(
                [sys.executable, "-m", "nbprod", "check", "--no-cache", "--format", fmt, str(nb)],
                stdout=fh,
                stderr=subprocess.PIPE,
                text=True,
            )
        assert (done.returncode, target.read_text()) == (code, out)
