"""``nbprod export``: the package it writes, the statement accounting, --check, --force, errors."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import FIXTURES, REPO, SAMPLES

import nbprod
from nbprod.analysis.facts import analyze_notebook
from nbprod.cli import main
from nbprod.export import check_export, export_notebook
from nbprod.export.magics import requirements_of, translate
from nbprod.export.writer import MANIFEST
from nbprod.notebook import read_notebook

GOLDEN = REPO / "tests" / "golden"


@pytest.fixture
def sample(tmp_path: Path):
    """Copy a sample notebook (and its data folder) into tmp_path."""

    def copy(name: str, folder: Path = SAMPLES) -> Path:
        shutil.copy(folder / name, tmp_path / name)
        if (folder / "data").is_dir() and not (tmp_path / "data").exists():
            shutil.copytree(folder / "data", tmp_path / "data")
        return tmp_path / name

    return copy


def _statements(nb_path: Path) -> int:
    """Top-level statements of the notebook's code cells (a cell that does not parse counts once)."""
    facts = analyze_notebook(read_notebook(nb_path))
    total = 0
    for cell, cf in facts.code():
        if cf.tree is not None:
            total += len(cf.tree.body)
        elif cell.source.strip():
            total += 1
    return total


def _run_module(package_dir: Path, name: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(package_dir / "src"), "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", name], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_export_writes_an_installable_layout_and_never_touches_the_notebook(sample) -> None:
    nb = sample("credit_risk_clean.ipynb")
    before = nb.read_bytes()
    result = nbprod.export(nb)
    out = nb.parent / "credit-risk-clean"
    assert result.out_dir == out and nb.read_bytes() == before
    pkg = out / "src" / "credit_risk_clean"
    for rel in ("pyproject.toml", "README.md", "EXPORT_REPORT.md", MANIFEST, "tests/conftest.py"):
        assert (out / rel).is_file(), rel
    for rel in ("__init__.py", "__main__.py", "config.py", "pipeline.py", "helpers.py"):
        assert (pkg / rel).is_file(), rel
    # a module per heading section, a test module per section module
    for module in result.report.sections:
        assert (pkg / f"{module}.py").is_file()
        assert (out / "tests" / f"test_{module}.py").is_file()
    pyproject = (out / "pyproject.toml").read_text()
    assert "scikit-learn==" in pyproject and "sklearn" not in pyproject.replace("scikit-learn", "")
    # the model it trains gives the script train/predict/monitor; anything else runs the pipeline
    assert 'credit-risk-clean = "credit_risk_clean.production.cli:main"' in pyproject
    config = (pkg / "config.py").read_text()
    assert "SEED = 42" in config and "TEST_SIZE = 0.25" in config
    readme = (out / "README.md").read_text()
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["notebook_sha256"] in readme and "credit_risk_clean.ipynb" in readme
    for path in pkg.glob("*.py"):
        compile(path.read_text(), str(path), "exec")


def test_every_statement_is_accounted_for(sample) -> None:
    for name in ("credit_risk_messy.ipynb", "magic_mess.ipynb", "sales_regression.ipynb"):
        nb = sample(name)
        report = export_notebook(nb, nb.parent / name.replace(".ipynb", "-pkg")).report
        assert len(report.statements) == _statements(nb)
        for s in report.statements:
            assert s["status"] in ("kept", "dropped", "todo")
            assert s["detail"], s
        saved = (nb.parent / name.replace(".ipynb", "-pkg") / "EXPORT_REPORT.md").read_text()
        assert saved.count("\n| ") - 1 == len(report.statements)


@pytest.mark.slow
def test_packages_pass_ruff_with_default_rules_and_import_cleanly(sample, tmp_path: Path) -> None:
    # the ruff installed beside this interpreter (the test extra), also when the venv is not activated
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    for name in ("credit_risk_clean.ipynb", "credit_risk_messy.ipynb", "magic_mess.ipynb"):
        nb = sample(name)
        out = export_notebook(nb, tmp_path / f"pkg-{nb.stem}").out_dir
        lint = subprocess.run(
            [ruff, "check", "--isolated", "--no-cache", str(out)], capture_output=True, text=True
        )
        assert lint.returncode == 0, lint.stdout
        env = {**os.environ, "PYTHONPATH": str(out / "src"), "MPLBACKEND": "Agg"}
        pkg = nb.stem
        code = f"import {pkg}, {pkg}.pipeline, {pkg}.config; print(len({pkg}.pipeline.SECTIONS))"
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert int(done.stdout) >= 1


def test_self_contained_package_prints_what_the_notebook_printed(sample) -> None:
    """no_headings ran top to bottom: ``python -m`` must print the same lines."""
    nb = sample("no_headings.ipynb", GOLDEN / "no_headings")
    out = export_notebook(nb, nb.parent / "pkg").out_dir
    expected = "".join(
        "".join(o.get("text", ""))
        for c in read_notebook(nb).code_cells
        for o in c.outputs
        if o.get("name") == "stdout"
    )
    done = _run_module(out, "no_headings", nb.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected
    helpers = (out / "src" / "no_headings" / "helpers.py").read_text()
    # the helper read the notebook's globals: now keyword-only parameters, passed at the call site
    assert "def transform(v, *, offset, scale):" in helpers
    assert "# uses the notebook's scale and offset" in helpers  # the user's comment survives
    assert (
        "functools.partial(transform, offset=offset, scale=scale)"
        in (out / "src" / "no_headings" / "step_1_rng_values.py").read_text()
    )


def test_sections_from_headings_or_data_flow(sample) -> None:
    headed = export_notebook(sample("sales_regression.ipynb"), write=False).report
    assert headed.grouping == "headings"
    assert headed.sections[:2] == ["data", "lags_and_calendar"]
    flat = export_notebook(sample("iris_quick.ipynb"), write=False).report
    assert flat.grouping == "data flow"


def test_reassigned_names_keep_their_order(sample) -> None:
    nb = sample("no_headings.ipynb", GOLDEN / "no_headings")
    result = export_notebook(nb, write=False)
    first, second = result.report.sections
    plan = {s[0]: (s[2], s[3]) for s in _sections_table(result.files["src/no_headings/pipeline.py"])}
    # df is made by the first section, read and reassigned by the second, whose value wins
    assert "df" in plan[first][1]
    assert plan[second][0] == ("df",) and "df" in plan[second][1]
    assert "total" in plan[second][1]


def _sections_table(pipeline: str) -> list[tuple]:
    tree = ast.parse(pipeline)
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SECTIONS":
            rows = []
            for elt in node.value.elts:  # type: ignore[attr-defined]
                rows.append(
                    tuple(ast.literal_eval(e) if not isinstance(e, ast.Attribute) else None for e in elt.elts)
                )
            return rows
    raise AssertionError("no SECTIONS table")


def test_magics_are_translated_by_meaning() -> None:
    names = frozenset({"i", "path"})
    t = translate("system", ["pip install pandas==2.0 -q"], names)
    assert t.requirements == ["pandas==2.0"] and "pyproject" in (t.dropped or "")
    t = translate("run_line_magic", ["matplotlib", "inline"], names)
    assert t.dropped and not t.code
    t = translate("run_cell_magic", ["time", "", "x = 1\n"], names)
    assert ast.unparse(t.code[0]) == "with timed():\n    x = 1"  # prints the times as IPython does
    t = translate("run_cell_magic", ["timeit", "", "x = 1\n"], names)
    assert ast.unparse(t.code[0]) == "x = 1"
    t = translate("system", ["echo {i} $path $HOME"], names)
    assert ast.unparse(t.code[0]) == "sh(f'echo {i} {path} $HOME')"
    t = translate("run_line_magic", ["env", "A=1"], names)
    assert ast.unparse(t.code[0]) == "os.environ['A'] = '1'"
    t = translate("run_cell_magic", ["writefile", "mod.py", "X = 1\n"], names)
    assert t.module_file == ("mod.py", "X = 1\n")
    t = translate("run_line_magic", ["run", "other.py"], names)
    assert t.todo and "translate by hand" in t.todo
    assert requirements_of("python -m pip install -U 'numpy>=1' -r req.txt") == ["numpy>=1"]
    assert requirements_of("ls -l") is None


def test_magic_package_has_subprocess_and_writefile_module(sample) -> None:
    nb = sample("magics.ipynb", GOLDEN / "magics")
    result = export_notebook(nb, nb.parent / "pkg")
    src = result.out_dir / "src" / "magics"
    assert (src / "golden_helper.py").read_text() == "def double(v):\n    return 2 * v\n"
    assert "from .golden_helper import double" in (src / "files.py").read_text()
    assert 'listing = getoutput("echo one && echo two")' in (src / "magic_tour.py").read_text()
    pyproject = (result.out_dir / "pyproject.toml").read_text()
    assert '"requests==2.31.0"' in pyproject and '"tqdm' in pyproject
    todo = [s for s in result.report.statements if s["status"] == "todo"]
    assert [s["code"] for s in todo] == ["%store squares"]
    # the async section runs under asyncio.run in the pipeline
    assert "asyncio.run(files.run())" in (src / "pipeline.py").read_text()


def test_plots_only_on_request_and_parameters_become_options(sample) -> None:
    nb = sample("plots_params.ipynb", GOLDEN / "plots_params")
    out = export_notebook(nb, nb.parent / "pkg").out_dir
    src = out / "src" / "plots_params"
    figures = (src / "figures.py").read_text()
    assert "def plot(xs, ys, label):" in figures and "fig.savefig" in figures
    assert "savefig" not in figures.split("def plot")[0]
    done = _run_module(out, "plots_params", nb.parent)
    assert done.returncode == 0, done.stderr
    assert not (nb.parent / "golden_plot.png").exists()  # plots are drawn only with --plots
    printed = [
        o["text"] for c in read_notebook(nb).code_cells for o in c.outputs if o.get("name") == "stdout"
    ]
    assert done.stdout == "".join("".join(t) for t in printed)
    env = {**os.environ, "PYTHONPATH": str(out / "src"), "MPLBACKEND": "Agg"}
    with_opts = subprocess.run(
        [sys.executable, "-m", "plots_params", "--n-points", "3", "--label", "x", "--plots"],
        cwd=nb.parent, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert with_opts.returncode == 0, with_opts.stderr
    import numpy as np

    assert (
        with_opts.stdout.splitlines()[0] == f"x {round(float((0.5 * np.linspace(0, 1, 3) + 0.1).sum()), 4)}"
    )
    assert (nb.parent / "golden_plot.png").is_file()


def test_recorded_versions_win_over_installed(sample) -> None:
    nb = sample("iris_quick.ipynb")
    record = {
        "nbprod_record": 1,
        "packages": {"scikit-learn": {"version": "1.0.1", "modules": ["sklearn"]}},
        "seeds": [{"call": "numpy.random.seed", "value": 3}],
    }
    (nb.parent / "iris_quick.nbprod.json").write_text(json.dumps(record))
    result = export_notebook(nb, write=False)
    assert '"scikit-learn==1.0.1"' in result.files["pyproject.toml"]
    assert "numpy.random.seed(3)" in result.files["README.md"]


def test_out_of_date_check_uses_content_hashes(sample, capsys) -> None:
    nb = sample("iris_quick.ipynb")
    out = nb.parent / "iris-quick"
    assert main(["export", "--check", str(nb)]) == 1  # nothing exported yet
    assert main(["export", "--check", "--skip-missing", str(nb)]) == 0
    assert main(["export", "-q", str(nb)]) == 0
    assert main(["export", "--check", str(nb)]) == 0
    data = nbformat.read(str(nb), as_version=4)
    data.cells[-1].outputs = []  # outputs and counts do not make it stale
    data.cells[-1].execution_count = 99
    nbformat.write(data, str(nb))
    os.utime(nb, (0, 0))
    assert check_export(nb).in_sync
    data.cells[-1].source += "\nprint('more')"
    nbformat.write(data, str(nb))
    assert main(["export", "--check", str(nb)]) == 1
    assert "changed since" in capsys.readouterr().out
    assert main(["export", "--force", "-q", str(nb)]) == 0
    assert main(["export", "--check", str(nb)]) == 0
    (out / "README.md").unlink()
    assert main(["export", "--check", str(nb)]) == 1


def test_existing_folders_are_protected(sample, capsys) -> None:
    nb = sample("iris_quick.ipynb")
    out = nb.parent / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("the user's file")
    assert main(["export", str(nb), "-o", str(out)]) == 2
    assert main(["export", str(nb), "-o", str(out), "--force"]) == 2
    err = capsys.readouterr().err
    assert err.count("nbprod: error:") == 2 and "Traceback" not in err
    assert "--force" in err and "not made by nbprod" in err
    assert (out / "notes.txt").read_text() == "the user's file"
    assert main(["export", str(nb), "-o", str(nb.parent)]) == 2  # would hold the notebook itself
    assert main(["export", "-q", str(nb), "-o", str(nb.parent / "pkg")]) == 0
    (nb.parent / "pkg" / "extra.txt").write_text("x")
    assert main(["export", "-q", str(nb), "-o", str(nb.parent / "pkg"), "--force"]) == 0
    assert (nb.parent / "pkg" / "extra.txt").read_text() == "x"  # not generated: never touched


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("r_kernel.ipynb", "exports Python notebooks"),
        ("malformed.ipynb", "not a notebook"),
        ("missing.ipynb", "no such file"),
    ],
)
def test_bad_inputs_are_one_line_errors(tmp_path: Path, capsys, name: str, message: str) -> None:
    if (FIXTURES / name).exists():
        shutil.copy(FIXTURES / name, tmp_path / name)
    assert main(["export", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not any(p.is_dir() for p in tmp_path.iterdir())


def test_tricky_fixtures_still_export(tmp_path: Path) -> None:
    for name in (
        "syntax_error.ipynb",
        "v3_notebook.ipynb",
        "nbformat40_no_ids.ipynb",
        "python2_cells.ipynb",
        "await_top_level.ipynb",
    ):
        shutil.copy(FIXTURES / name, tmp_path / name)
        result = export_notebook(tmp_path / name, tmp_path / f"out-{name}")
        statements = result.report.statements
        assert len(statements) == _statements(tmp_path / name)
        if name in ("syntax_error.ipynb", "python2_cells.ipynb"):
            assert any("does not parse" in s["detail"] for s in statements)
        for path in (result.out_dir / "src").rglob("*.py"):
            compile(path.read_text(), str(path), "exec")


def test_generated_tests_are_real_or_honest_stubs(sample) -> None:
    result = export_notebook(sample("credit_risk_messy.ipynb"), write=False)
    tests = {p: t for p, t in result.files.items() if p.startswith("tests/test_")}
    for path, text in tests.items():
        for block in text.split("\ndef test_")[1:]:
            assert "assert" in block or "pytest.skip(" in block, (path, block)
            if "pytest.skip(" in block:
                assert "TODO" in block, (path, block)
    # the messy notebook was not run top to bottom: no output comparison is derived from it
    assert "not a top-to-bottom run" in tests["tests/test_pipeline.py"]
