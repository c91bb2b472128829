"""The IPython extension in a real InteractiveShell: loading, hooks, guards, magics."""

from __future__ import annotations

import ast
import json
import logging
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from nbprod.live import get_hooks
from nbprod.record import RECORD_MIME, is_record, record_path

REPO = Path(__file__).resolve().parent.parent
CREDIT = REPO / "sample_notebooks" / "data" / "credit.csv"


def new_shell(config: Config | None = None) -> InteractiveShell:
    """A real IPython shell with its history in memory."""
    cfg = config or Config()
    cfg.HistoryManager.hist_file = ":memory:"
    return InteractiveShell(config=cfg)


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / ".ipython"))
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    sh = new_shell()
    yield sh
    if get_hooks(sh) is not None:
        sh.run_cell("%unload_ext nbprod")
    sh.history_manager.end_session()


def run(sh: InteractiveShell, source: str, cell_id: str | None = None) -> Any:
    """Run a cell like a kernel does (history on, cell id from the front end)."""
    return sh.run_cell(source, store_history=True, cell_id=cell_id)


def write_notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    """A notebook file with these (cell id, source) code cells."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for cid, src in cells:
        cell = nbformat.v4.new_code_cell(src)
        cell.id = cid
        nb.cells.append(cell)
    nbformat.write(nb, str(path))
    return path


def rules_of(found: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
    return [(w["cell_id"], w["rule"]) for w in found]


# -- loading and unloading ------------------------------------------------------------------
def _state(sh: InteractiveShell) -> dict[str, Any]:
    import numpy
    import pandas

    return {
        "events": {k: list(v) for k, v in sh.events.callbacks.items()},
        "ast": list(sh.ast_transformers),
        "line": dict(sh.magics_manager.magics["line"]),
        "cell": dict(sh.magics_manager.magics["cell"]),
        "registry": dict(sh.magics_manager.registry),
        "configurables": list(sh.configurables),
        "readers": (pandas.read_csv, pandas.read_parquet, numpy.load, numpy.loadtxt),
        "ns": set(sh.user_ns),
    }


def test_load_and_unload_leave_the_shell_as_it_was(shell: InteractiveShell) -> None:
    run(shell, "import pandas as pd\nimport numpy as np")
    # IPython 9 registers its own %load_ext magics lazily, on first use: not ours to undo.
    shell.find_line_magic("load_ext")
    shell.find_line_magic("unload_ext")
    before = _state(shell)
    assert run(shell, "%load_ext nbprod").success
    hooks = get_hooks(shell)
    assert hooks is not None and "nbprod" in shell.magics_manager.magics["line"]
    assert hooks.pre_run_cell in shell.events.callbacks["pre_run_cell"]
    import pandas

    assert pandas.read_csv is not before["readers"][0]  # wrapped while loaded
    assert pandas.read_csv.__wrapped__ is before["readers"][0]
    # loading twice does not register twice
    run(shell, "%load_ext nbprod")
    assert shell.events.callbacks["post_run_cell"].count(hooks.post_run_cell) == 1
    run(shell, "y = 1", "a")
    assert run(shell, "%unload_ext nbprod").success
    after = _state(shell)
    after["ns"] -= {"y"}
    before["ns"] |= {"_i3", "_i4", "_i5", "_i6", "_3"} & after["ns"]
    after["ns"] = {n for n in after["ns"] if not n.startswith("_i")}
    before["ns"] = {n for n in before["ns"] if not n.startswith("_i")}
    assert after == before
    assert get_hooks(shell) is None
    # and it loads again cleanly
    assert run(shell, "%load_ext nbprod").success and get_hooks(shell) is not None


def test_new_sources_are_analysed_once_and_ipython_tree_is_never_touched(shell: InteractiveShell) -> None:
    run(shell, "%load_ext nbprod")
    hooks = get_hooks(shell)
    assert shell.ast_transformers == []  # nothing of nbprod's: no fix_missing_locations per cell
    seen: list[str] = []

    class Spy(ast.NodeTransformer):
        def visit(self, node: ast.AST) -> ast.AST:
            seen.append(ast.dump(node))
            return node

    shell.ast_transformers.append(Spy())
    source = "total = sum(i * i for i in range(10))\nlabel = f'{total:d}'"
    assert run(shell, source, "c1").success
    assert seen[-1] == ast.dump(ast.parse(source))  # the tree IPython runs is untouched
    assert shell.user_ns["label"] == "285"
    facts = hooks.session.cached(source).facts
    assert set(facts.defs) == {"total", "label"}
    assert hooks.session.cells["c1"].runs == 1
    # a re-run is a cache hit: the same facts, not a second analysis
    calls: list[str] = []
    real = hooks._live_cell
    hooks._live_cell = lambda raw, info: calls.append(raw) or real(raw, info)  # type: ignore[method-assign]
    run(shell, source, "c1")
    assert calls == [] and hooks.session.cached(source).facts is facts
    assert hooks.session.cells["c1"].runs == 2
    # magics are analysed in IPython's transformed form: %time's statement defines z
    assert run(shell, "%time z = total + 1", "c2").success and shell.user_ns["z"] == 286
    assert calls == ["%time z = total + 1"]
    assert "z" in hooks.session.cached("%time z = total + 1").defs
    # top-level await parses as IPython runs it; a syntax error is remembered without facts
    assert run(shell, "import asyncio\nawait asyncio.sleep(0)\nw = 1", "c3").success
    assert "w" in hooks.session.cached("import asyncio\nawait asyncio.sleep(0)\nw = 1").defs
    assert not run(shell, "def broken(:", "c4").success
    assert hooks.session.cached("def broken(:").facts is None
    assert hooks.session.internal_errors == 0
    assert hooks.session.cells["c4"].runs == 1


def test_configuration_through_traitlets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = Config()
    cfg.NbprodMagics.ignore = ["NB201"]
    cfg.NbprodMagics.max_history = 5
    sh = new_shell(cfg)
    try:
        sh.extension_manager.load_extension("nbprod")
        hooks = get_hooks(sh)
        assert hooks.settings.max_history == 5 and hooks.session.disabled == {"NB201"}
        run(sh, "import random")
        for i in range(8):
            run(sh, f"r{i} = random.random()", f"c{i}")
        assert hooks.session.warnings == type(hooks.session.warnings)()  # NB201 is off
        assert len(hooks.record()["executions"]) == 5  # bounded log
    finally:
        sh.extension_manager.unload_extension("nbprod")
        sh.history_manager.end_session()


# -- guards -----------------------------------------------------------------------------------
def test_an_error_in_a_hook_never_reaches_the_cell(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: Any
) -> None:
    run(shell, "%load_ext nbprod")
    hooks = get_hooks(shell)
    capsys.readouterr()

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("bug inside nbprod")

    monkeypatch.setattr(hooks.session, "run", boom)
    monkeypatch.setattr("nbprod.live.hooks.analyze_tree", boom)  # the new cell's analysis fails too
    with caplog.at_level(logging.WARNING, logger="nbprod"):
        result = run(shell, "answer = 6 * 7\nanswer", "c1")
    assert result.success and result.result == 42 and shell.user_ns["answer"] == 42
    out = capsys.readouterr()
    assert "bug inside nbprod" not in out.out + out.err and "Traceback" not in out.err
    assert shell.ast_transformers == []  # nothing of nbprod's was ever there
    assert hooks in [getattr(f, "__self__", None) for f in shell.events.callbacks["post_run_cell"]]
    assert hooks.session.internal_errors == 2
    assert "RuntimeError: bug inside nbprod" in hooks.session.last_internal_error
    logged = [r for r in caplog.records if r.name == "nbprod.live"]
    assert len(logged) == 2 and all(r.exc_info for r in logged)


def test_hooks_switch_themselves_off_after_repeated_errors(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbprod.live.hooks import MAX_ERRORS

    run(shell, "%load_ext nbprod")
    hooks = get_hooks(shell)

    def boom(*args: Any, **kwargs: Any) -> None:
        raise ValueError("always")

    monkeypatch.setattr(hooks.session, "run", boom)
    for i in range(MAX_ERRORS + 5):
        assert run(shell, f"v = {i}", "c").success
    assert hooks.disabled and hooks.session.internal_errors == MAX_ERRORS
    assert shell.user_ns["v"] == MAX_ERRORS + 4


def test_failing_and_broken_cells_are_recorded_without_fuss(shell: InteractiveShell) -> None:
    run(shell, "%load_ext nbprod")
    hooks = get_hooks(shell)
    assert not run(shell, "good = 1\nbad = 1 / 0\nafter = 2", "c1").success
    assert not run(shell, "def broken(:", "c2").success
    assert run(shell, "", "c3").success
    s = hooks.session
    assert s.failed == 2 and s.internal_errors == 0
    assert "good" in s.definers and "bad" not in s.definers and "after" not in s.definers
    assert [e["ok"] for e in hooks.record()["executions"]] == [False, False]  # empty cells do not run


# -- live warnings ------------------------------------------------------------------------------
def test_value_from_a_cell_below_is_nb107_when_a_cell_above_defines_it(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    nb = write_notebook(tmp_path / "n.ipynb", [("a", "v = 1"), ("b", "w = v * 10"), ("c", "v = 2")])
    shell.user_ns["__session__"] = str(nb)
    run(shell, "%load_ext nbprod")
    hooks = get_hooks(shell)
    for cid in ("a", "c", "b"):
        src = {"a": "v = 1", "b": "w = v * 10", "c": "v = 2"}[cid]
        run(shell, src, cid)
    assert rules_of(list(hooks.session.warnings)) == [("b", "NB107")]
    w = hooks.session.warnings[0]
    assert "cell 3, below" in w["message"] and "cell 1" in w["message"] and w["line"] == 1


def test_random_draws_before_any_seed_warn_once_per_library(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    run(shell, "%load_ext nbprod")
    hooks = get_hooks(shell)
    run(shell, "import random\nimport numpy as np\nfrom numpy.random import default_rng", "imp")
    capsys.readouterr()
    run(shell, "a = random.random()\nb = random.randint(1, 6)\nc = np.random.normal(size=2)", "draw")
    err = capsys.readouterr().err
    assert err.count("nbprod NB201") == 2 and "random.random()" in err and "np.random.normal()" in err
    run(shell, "rng = default_rng()", "gen")
    run(shell, "SEED = 3\nrng2 = default_rng(SEED)", "gen2")
    assert rules_of(list(hooks.session.warnings)) == [("draw", "NB201"), ("draw", "NB201"), ("gen", "NB201")]
    # a seed inside the user's own function counts when the function is called
    run(shell, "def set_seeds(n):\n    random.seed(n)\n    np.random.seed(n)", "fn")
    run(shell, "set_seeds(1)", "call")
    run(shell, "d = random.random() + np.random.rand()", "draw2")
    assert len(hooks.session.warnings) == 3
    seeds = hooks.record()["seeds"]
    assert {"call": "numpy.random.default_rng", "value": 3} == {k: seeds[0][k] for k in ("call", "value")}
    assert seeds[-1]["call"] == "set_seeds()"


def test_warnings_can_be_turned_off_and_on(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    run(shell, "%load_ext nbprod")
    hooks = get_hooks(shell)
    run(shell, "import random")
    run(shell, "%nbprod warnings off NB201")
    assert "NB201:off" in capsys.readouterr().out
    run(shell, "x = random.random()", "a")
    assert not hooks.session.warnings
    run(shell, "%nbprod warnings on")
    run(shell, "x = random.random()", "a")
    assert rules_of(list(hooks.session.warnings)) == [("a", "NB201")]
    with pytest.raises(UsageError):
        shell.run_line_magic("nbprod", "warnings off NB999")


# -- data files, versions ---------------------------------------------------------------------
def test_csv_reads_are_fingerprinted_even_inside_functions(shell: InteractiveShell, tmp_path: Path) -> None:
    import hashlib

    import pandas as pd

    (tmp_path / "data").mkdir()
    shutil.copy(CREDIT, tmp_path / "data" / "credit.csv")
    (tmp_path / "notes.txt").write_text("hello\n")
    run(shell, "%load_ext nbprod")
    hooks = get_hooks(shell)
    run(shell, "import pandas as pd", "imp")
    run(shell, "def load(p):\n    return pd.read_csv(p)\n\ndf = load('data/credit.csv')", "read")
    run(shell, "with open('notes.txt') as fh:\n    notes = fh.read()", "open")
    assert hooks.background.flush()  # files are hashed off the cell's critical path
    data = {d["path"]: d for d in hooks.record()["data"]}
    expected = pd.read_csv(CREDIT)
    entry = data["data/credit.csv"]
    assert entry["sha256"] == hashlib.sha256(CREDIT.read_bytes()).hexdigest()
    assert (entry["rows"], entry["columns"]) == expected.shape
    assert entry["size"] == CREDIT.stat().st_size and entry["cell_id"] == "read"
    assert entry["stats"]["age"]["max"] == expected["age"].max()
    assert entry["stats"]["income"]["missing"] == int(expected["income"].isna().sum())
    assert data["notes.txt"]["reader"] == "open" and data["notes.txt"]["size"] == 6
    # re-running the read does not re-hash: the fingerprint is cached by size and mtime
    calls: list[Any] = []
    import nbprod.live.data as data_mod

    original = data_mod._sha256
    data_mod._sha256 = lambda p: calls.append(p) or original(p)  # type: ignore[assignment]
    try:
        run(shell, "df = load('data/credit.csv')", "read2")
    finally:
        data_mod._sha256 = original
    assert calls == []


def test_versions_table_and_pinned_requirements(
    shell: InteractiveShell, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from importlib.metadata import version

    run(shell, "import sklearn\nimport numpy as np\nimport json", "imp")  # loaded after the imports
    run(shell, "%load_ext nbprod")
    run(shell, "from pandas import DataFrame", "imp2")
    capsys.readouterr()
    run(shell, "%nbprod versions")
    table = capsys.readouterr().out
    for dist in ("scikit-learn", "numpy", "pandas"):
        assert f"{dist} " in table and version(dist) in table
    assert "json" not in table  # stdlib is not a package
    run(shell, "%nbprod versions --write requirements.txt")
    lines = (tmp_path / "requirements.txt").read_text().splitlines()
    assert f"scikit-learn=={version('scikit-learn')}" in lines and f"pandas=={version('pandas')}" in lines
    with pytest.raises(UsageError, match="--force"):
        shell.run_line_magic("nbprod", "versions --write requirements.txt")
    shell.run_line_magic("nbprod", "versions --write requirements.txt --force")


def test_seed_magic_seeds_random_and_numpy(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    import numpy as np

    run(shell, "%load_ext nbprod")
    run(shell, "import numpy as np\nimport random", "imp")
    run(shell, "%nbprod seed 123", "seed")
    out = capsys.readouterr().out
    assert "seeded random, numpy with 123" in out and "PYTHONHASHSEED" in out
    run(shell, "a = random.random(); b = np.random.rand()", "draw")
    random.seed(123)
    np.random.seed(123)
    assert (shell.user_ns["a"], shell.user_ns["b"]) == (random.random(), np.random.rand())
    hooks = get_hooks(shell)
    assert not hooks.session.warnings
    record = hooks.record()
    seed_run = next(e for e in record["executions"] if e["cell_id"] == "seed")
    assert record["seeds"][-1] == {
        "call": "%nbprod seed", "libraries": ["random", "numpy"], "value": 123, "cell_id": "seed",
        "execution": seed_run["execution"], "execution_count": seed_run["execution_count"],
    }  # fmt: skip
    for bad in ("seed abc", "seed -1", "bogus"):
        with pytest.raises(UsageError):
            shell.run_line_magic("nbprod", bad)
    shell.run_line_magic("nbprod", "")  # no command: the overview of the sub-commands
    assert "%nbprod seed" in capsys.readouterr().out


def test_record_magic_and_saving(
    shell: InteractiveShell, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(shell, "%load_ext nbprod")
    run(shell, "import numpy as np", "imp")
    capsys.readouterr()
    run(shell, "%nbprod record")
    text = capsys.readouterr().out
    assert "nbprod session record" in text and "numpy" in text and "notebook:   unknown" in text
    run(shell, "%nbprod record --json")
    record = json.loads(capsys.readouterr().out)
    assert is_record(record) and record["packages"]["numpy"]["modules"] == ["numpy"]
    with pytest.raises(UsageError, match="path is unknown"):
        shell.run_line_magic("nbprod", "record --save")
    run(shell, "%nbprod record --save out.nbprod.json")
    assert is_record(json.loads((tmp_path / "out.nbprod.json").read_text()))
    (tmp_path / "user.json").write_text('{"mine": true}')
    with pytest.raises(UsageError, match="not an nbprod record"):
        shell.run_line_magic("nbprod", "record --save user.json")
    assert json.loads((tmp_path / "user.json").read_text()) == {"mine": True}


def test_notebook_path_from_session_variable_saves_the_record_beside_it(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    nb = write_notebook(tmp_path / "analysis.ipynb", [("a", "import numpy as np")])
    shell.user_ns["__session__"] = str(nb)
    run(shell, "%load_ext nbprod")
    hooks = get_hooks(shell)
    assert hooks.notebook_path() == nb.resolve()
    run(shell, "import numpy as np", "a")
    assert hooks.background.flush()  # saved off the cell's critical path
    saved = json.loads(record_path(nb).read_text())
    assert saved["notebook"] == "analysis.ipynb" and "numpy" in saved["packages"]
    assert saved["cells"]["a"]["defines"] == ["np"]


def test_check_magic_shows_findings_for_the_live_session(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    run(shell, "%load_ext nbprod")
    run(shell, "import numpy as np", "a")
    run(shell, "noise = np.random.rand(4)", "b")
    capsys.readouterr()
    run(shell, "%nbprod check")
    out = capsys.readouterr().out
    assert "NB201" in out and "<live session>" in out
    assert "NB203" not in out  # the live record is the environment record
    with pytest.raises(UsageError, match="no such file"):
        shell.run_line_magic("nbprod", "check missing.ipynb")


def test_check_report_renders_as_an_html_table() -> None:
    from nbprod.live.magics import check_html
    from nbprod.report import Finding, NotebookReport, Report

    f = Finding("NB104", "error", 2, "x", 3, "'a' <b> is used", "move it")
    html = check_html(Report([NotebookReport("nb.ipynb", "python", [f])]))
    assert "<table" in html and "&lt;b&gt;" in html and "<code>NB104</code>" in html and ">3:3<" in html


def test_embedded_record_in_a_kernel_like_shell(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[tuple[dict[str, Any], bool]] = []

    class Handle:
        def update(self, obj: dict[str, Any], raw: bool = False) -> None:
            shown.append((obj, True))

    def fake_display(obj: dict[str, Any], raw: bool = False, display_id: bool = False, **kw: Any) -> Any:
        shown.append((obj, False))
        return Handle()

    monkeypatch.setattr("IPython.display.display", fake_display)
    run(shell, "%load_ext nbprod")
    hooks = get_hooks(shell)
    hooks.settings.embed_record = "always"
    hooks.embed()
    run(shell, "import numpy as np", "a")
    run(shell, "x = 1", "b")  # nothing new: no update
    assert [updated for _, updated in shown] == [False, True]
    bundle = shown[-1][0]
    assert is_record(bundle[RECORD_MIME]) and "numpy" in bundle[RECORD_MIME]["packages"]
    assert "executions" not in bundle[RECORD_MIME]  # the log stays out of the notebook


def test_loading_after_imports_and_odd_objects_in_the_namespace(shell: InteractiveShell) -> None:
    class Hostile:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("no attributes here")

        def __call__(self) -> None:
            pass

    shell.user_ns["weird"] = Hostile()
    run(shell, "import numpy as np\nfrom random import seed")
    assert run(shell, "%load_ext nbprod").success
    hooks = get_hooks(shell)
    assert hooks.session.internal_errors == 0
    assert hooks.session.imports["np"] == "numpy" and hooks.session.imports["seed"] == "random.seed"
    run(shell, "seed(5)", "s")  # the alias from before the load still resolves
    assert hooks.record()["seeds"][-1]["call"] == "random.seed"
