"""The results cache of ``nbprod check``: transparent, invalidated by what changes a result,
atomic under concurrent runs, bounded, and off when asked; plus the process pool."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import FIXTURES, REPO, SAMPLES, build_notebook

import nbprod.checker as checker
from nbprod.cache import CACHE_DIR, PIN_FILES, RECORD_SUFFIX, TICKS_SUFFIX, CheckCache, project_root
from nbprod.cli import main
from nbprod.config import Config
from nbprod.manual import ticks_path
from nbprod.record import record_path

FORMATS = ("text", "json")
HOUR_AGO = time.time() - 3600


def _corpus(dest: Path) -> Path:
    """The sample and fixture notebooks (with their data and side files), copied."""
    shutil.copytree(SAMPLES, dest / "samples")
    shutil.copytree(FIXTURES, dest / "fixtures")
    return dest


def _age(folder: Path) -> None:
    """Give every file an mtime an hour ago, as in a repository nobody just edited."""
    for p in [folder, *folder.rglob("*")]:
        os.utime(p, (HOUR_AGO, HOUR_AGO))


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _entries(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("*.bin")}


def _no_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, checking any notebook fails the test: only the cache may answer."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a notebook was checked although the cache holds it")

    monkeypatch.setattr(checker, "check_notebook", refuse)


@pytest.mark.parametrize("aged", [False, True], ids=["fresh-files", "old-files"])
def test_a_hit_prints_the_same_bytes_as_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], aged: bool
) -> None:
    """Over the sample and test notebooks, in every format: no cache, a cold cache and a
    warm one print byte-identical output with the same exit code; the warm run checks
    nothing. Fresh files take the content-hash path, old ones the stat path."""
    corpus = _corpus(tmp_path / "nbs")
    cache = tmp_path / "cache"
    monkeypatch.setenv("NBPROD_CACHE_DIR", str(cache))
    if aged:
        _age(corpus)
    inputs = [str(corpus / "samples"), str(corpus / "fixtures")]
    plain = {fmt: _check(capsys, "--no-cache", "--format", fmt, *inputs) for fmt in FORMATS}
    assert not cache.exists()  # --no-cache writes nothing
    assert plain["text"][0] == 2 and "not a notebook" in plain["text"][2]  # the broken fixtures
    cold = {fmt: _check(capsys, "--format", fmt, *inputs) for fmt in FORMATS}
    written = _entries(cache)
    nbs = len(list(corpus.rglob("*.ipynb")))
    assert len(written) == nbs  # one entry per notebook, broken ones included (their error is the result)
    _no_analysis(monkeypatch)
    for fmt in FORMATS:
        warm = _check(capsys, "--format", fmt, *inputs)
        assert cold[fmt] == plain[fmt]
        assert warm == plain[fmt]
    if aged:  # the stat path rewrites nothing
        assert _entries(cache) == written
    doc = json.loads(plain["json"][1])
    assert {"findings", "checklist", "score"} <= set(doc["notebooks"][0])


def test_what_changes_a_result_misses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The notebook's bytes, a requirements file appearing beside it, its session record,
    its ticks file, the configuration, and the checklist being wanted or not."""
    monkeypatch.setenv("NBPROD_CACHE_DIR", str(tmp_path / "cache"))
    project = tmp_path / "project"
    project.mkdir()
    nb = project / "nb.ipynb"
    nbformat.write(build_notebook(["import numpy as np\nx = np.random.rand()", "print(x)"]), str(nb))

    def rules(**kw: object) -> set[str]:
        report = checker.check_paths([nb], kw.pop("config", None), cache=True, **kw)  # type: ignore[arg-type]
        return {f.rule for f in report.findings}

    first = rules()
    assert {"NB201", "NB203"} <= first
    assert rules() == first
    nbformat.write(build_notebook(["import numpy as np\nnp.random.seed(0)\nx = np.random.rand()"]), str(nb))
    assert "NB201" not in rules()  # content changed
    (project / "requirements.txt").write_text("numpy==2.1.0\n")
    assert "NB203" not in rules()  # a pin file beside it
    (project / "requirements.txt").unlink()
    assert "NB203" in rules()
    record = {"nbprod_record": 1, "packages": {"numpy": "2.1.0"}}
    record_path(nb).write_text(json.dumps(record))
    assert "NB203" not in rules()  # the session record records the environment
    assert rules(config=Config(select=["NB2"])) <= {"NB201", "NB202", "NB203", "NB204", "NB205"}
    assert rules(config=Config(ignore=["NB2"])) & {"NB201", "NB203"} == set()
    report = checker.check_paths([nb], cache=True, checklist=False)
    assert "checklist" not in report.notebooks[0].extra
    report = checker.check_paths([nb], cache=True)
    assert report.notebooks[0].extra["checklist"]["sections"]
    ticks_path(nb).write_text("not toml [")
    report = checker.check_paths([nb], cache=True)
    assert report.errors and "checklist file" in report.errors[0]["message"]
    ticks_path(nb).unlink()
    assert not checker.check_paths([nb], cache=True).errors


def test_an_edit_within_the_same_second_is_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same size, same mtime restored by hand, same inode: only the content differs. The
    entry was written right after the file changed, so it is not trusted on stat alone."""
    monkeypatch.setenv("NBPROD_CACHE_DIR", str(tmp_path / "cache"))
    nb = tmp_path / "nb.ipynb"
    nbformat.write(build_notebook(["x = 1", "print(x)"]), str(nb))
    before = nb.stat()
    assert "NB105" not in {f.rule for f in checker.check_paths([nb], cache=True).findings}
    text = nb.read_text().replace("print(x)", "print(y)")
    with open(nb, "r+") as fh:  # in place: the inode stays
        fh.write(text)
    os.utime(nb, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert nb.stat().st_size == before.st_size and nb.stat().st_ino == before.st_ino
    assert "NB105" in {f.rule for f in checker.check_paths([nb], cache=True).findings}


def test_the_folder_is_at_the_project_root_and_git_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NBPROD_CACHE_DIR", raising=False)
    repo = tmp_path / "repo"
    (repo / "notebooks" / "deep").mkdir(parents=True)
    nb = repo / "notebooks" / "deep" / "nb.ipynb"
    nbformat.write(build_notebook(["x = 1"]), str(nb))
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    assert project_root(nb) == repo
    monkeypatch.chdir(tmp_path)
    _check(capsys, str(nb))
    cache = repo / CACHE_DIR
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert len(_entries(cache)) == 1
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=repo, capture_output=True, text=True
    )
    assert ".nbprod_cache" not in status.stdout and "nb.ipynb" in status.stdout
    (repo / "notebooks" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert project_root(nb) == repo / "notebooks"  # the nearest marker wins
    lone = tmp_path / "lone"
    lone.mkdir()
    monkeypatch.chdir(lone)
    assert project_root("/") == Path("/") or project_root("/") == lone  # no marker: the cwd


@pytest.mark.parametrize("how", ["flag", "env", "pyproject"])
def test_the_cache_can_be_turned_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    monkeypatch.delenv("NBPROD_CACHE_DIR", raising=False)
    (tmp_path / "pyproject.toml").write_text("[tool.nbprod]\ncache = false\n" if how == "pyproject" else "")
    nbformat.write(build_notebook(["x = 1"]), str(tmp_path / "nb.ipynb"))
    if how == "env":
        monkeypatch.setenv("NBPROD_NO_CACHE", "1")
    flags = ["--fail-on", "never", *(["--no-cache"] if how == "flag" else [])]
    code, out, err = _check(capsys, str(tmp_path / "nb.ipynb"), *flags)
    assert code == 0 and "1 notebook(s) checked" in out and not err
    assert not (tmp_path / CACHE_DIR).exists()


def test_a_bad_cache_key_in_pyproject_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.nbprod]\ncache = 'sometimes'\n")
    nbformat.write(build_notebook(["x = 1"]), str(tmp_path / "nb.ipynb"))
    code, out, err = _check(capsys, str(tmp_path / "nb.ipynb"))
    assert code == 2 and err.strip().endswith("cache must be true or false") and err.count("\n") == 1


def test_damaged_entries_are_misses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("NBPROD_CACHE_DIR", str(cache))
    shutil.copy(SAMPLES / "credit_risk_messy.ipynb", tmp_path / "nb.ipynb")
    _age(tmp_path)
    expected = _check(capsys, "--format", "json", str(tmp_path / "nb.ipynb"))
    (entry,) = cache.glob("*.bin")
    for junk in (b"", b"nbprod-cache\x01garbage", entry.read_bytes()[:-40], b"\x00" * 100):
        entry.write_bytes(junk)
        assert _check(capsys, "--format", "json", str(tmp_path / "nb.ipynb")) == expected
    assert len(list(cache.glob("*.bin"))) == 1  # rewritten in place, nothing left over
    assert not list(cache.glob(".*.tmp"))


def test_an_unwritable_cache_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would go\n")
    monkeypatch.setenv("NBPROD_CACHE_DIR", str(blocker / "cache"))
    nbformat.write(build_notebook(["x = 1"]), str(tmp_path / "nb.ipynb"))
    code, out, err = _check(capsys, "--fail-on", "never", str(tmp_path / "nb.ipynb"))
    assert code == 0 and not err and "1 notebook(s) checked" in out


def test_the_folder_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond NBPROD_CACHE_MAX_BYTES the oldest entries go, down to 80% of the cap."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("NBPROD_CACHE_DIR", str(cache))
    for i in range(12):
        nbformat.write(build_notebook([f"x = {i}", "print(x)"]), str(tmp_path / f"nb{i:02d}.ipynb"))
    checker.check_paths([tmp_path], cache=True, jobs=1)
    sizes = [p.stat().st_size for p in cache.glob("*.bin")]
    assert len(sizes) == 12
    cap = sum(sizes) // 2
    monkeypatch.setenv("NBPROD_CACHE_MAX_BYTES", str(cap))
    nbformat.write(build_notebook(["y = 2"]), str(tmp_path / "new.ipynb"))
    checker.check_paths([tmp_path / "new.ipynb"], cache=True)
    left = list(cache.glob("*.bin"))
    assert sum(p.stat().st_size for p in left) <= cap
    store = CheckCache.for_run(tmp_path, Config(), True)
    assert Path(store.slot(str(tmp_path / "new.ipynb"))) in left  # the newest entry stays


def test_concurrent_runs_agree_and_leave_whole_entries(tmp_path: Path) -> None:
    """Four ``nbprod check`` processes at once on one cold cache: the same output each,
    and every entry readable afterwards."""
    corpus = _corpus(tmp_path / "nbs")
    cache = tmp_path / "cache"
    env = {**os.environ, "NBPROD_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "nbprod", "check", "--format", "json", "--jobs", "1", str(corpus)]
    reference = subprocess.run([*cmd, "--no-cache"], capture_output=True, text=True, env=env, timeout=300)
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(4)]
    outs = [p.communicate(timeout=300) for p in procs]
    for out, _ in outs:
        assert out.decode() == reference.stdout
    store = CheckCache.for_run(corpus, Config(), True)
    entries = list(cache.glob("*.bin"))
    assert entries and all(store.read(str(p)) is not None for p in entries)
    assert not list(cache.glob(".*.tmp"))


def test_side_file_names_match_the_modules_that_own_them() -> None:
    from nbprod.rules.reproducibility import _PIN_FILES

    assert record_path("a/b.ipynb").name == "b" + RECORD_SUFFIX
    assert ticks_path("a/b.ipynb").name == "b" + TICKS_SUFFIX
    assert PIN_FILES == _PIN_FILES


# -- the process pool ---------------------------------------------------------------------


def _real_or_samples() -> list[Path]:
    sys.path.insert(0, str(REPO / "tests"))
    from realworld import realworld_notebooks

    return (realworld_notebooks() or [])[:120] + sorted(SAMPLES.glob("*.ipynb")) + sorted(FIXTURES.glob("*"))


def test_a_pool_gives_the_serial_result_in_the_serial_order() -> None:
    files = _real_or_samples()
    serial = checker.check_paths(files, jobs=1)
    pooled = checker.check_paths(files, jobs=2)
    assert pooled.to_json() == serial.to_json()
    assert format_both(pooled) == format_both(serial)
    assert [Path(nb.path) for nb in pooled.notebooks] == [
        p for p in files if str(p) in {n.path for n in serial.notebooks}
    ]


def format_both(report: object) -> tuple[str, str]:
    from nbprod.report import format_text

    return format_text(report), report.to_json()  # type: ignore[arg-type, attr-defined]


def test_no_pool_for_one_or_two_notebooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import concurrent.futures

    made: list[int] = []
    real = concurrent.futures.ProcessPoolExecutor

    def counting(*args: object, **kwargs: object) -> object:
        made.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", counting)
    for i in range(3):
        nbformat.write(build_notebook([f"x = {i}"]), str(tmp_path / f"nb{i}.ipynb"))
    checker.check_paths(sorted(tmp_path.glob("*.ipynb"))[:2], jobs=4)
    assert made == []
    checker.check_paths(sorted(tmp_path.glob("*.ipynb")), jobs=4)
    assert made == [1]
    checker.check_paths(sorted(tmp_path.glob("*.ipynb")), jobs=1)
    assert made == [1]


def test_bad_jobs_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _check(capsys, "--jobs", "0", str(tmp_path))
    assert code == 2 and "--jobs wants a positive number or auto" in err


# -- a lean start -------------------------------------------------------------------------


# stdlib modules a warm run has no use for (each costs milliseconds at every start)
STDLIB_HEAVY = {"dataclasses", "inspect", "typing", "shutil", "tempfile", "html", "base64", "shlex"}


def _modules_after(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, set[str]]:
    code = (
        "import sys\nfrom nbprod.cli import main\n"
        f"rc = main({args!r})\n"
        f"lean = {sorted(STDLIB_HEAVY)!r}\n"
        "print('MODULES', ' '.join(sorted(m for m in sys.modules if m.startswith('nbprod') or m in lean)), rc, file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )
    last = proc.stderr.strip().splitlines()[-1].split()
    return int(last[-1]), set(last[1:-1])


def test_a_warm_run_imports_no_analysis(tmp_path: Path) -> None:
    """Answered from the cache, ``nbprod check`` imports neither the analysis nor the rules."""
    shutil.copy(SAMPLES / "credit_risk_messy.ipynb", tmp_path / "nb.ipynb")
    _age(tmp_path)
    env = {**os.environ, "NBPROD_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
    args = ["check", "--format", "json", str(tmp_path / "nb.ipynb")]
    rc_cold, cold = _modules_after(args, tmp_path, env)
    rc_warm, warm = _modules_after(args, tmp_path, env)
    assert rc_cold == rc_warm == 1
    assert {"nbprod.analysis.cell", "nbprod.rules", "nbprod.checklist"} <= cold
    heavy = {
        "nbprod.analysis.cell",
        "nbprod.analysis.facts",
        "nbprod.rules",
        "nbprod.autochecks",
        "nbprod.manual",
        "nbprod.notebook",
    }
    assert warm & heavy == set()
    assert warm & STDLIB_HEAVY == set(), "the notebook model, argparse's shutil or tempfile came back"
    assert cold & {"typing", "dataclasses", "inspect"} == set(), "the cold path imports typing or dataclasses"
    assert "nbprod.checklist_data" in warm and "nbprod.checklist" not in warm  # the cached checklist expands


# -- the analysis walk --------------------------------------------------------------------


def test_the_fast_walk_finds_what_a_plain_ast_walk_finds() -> None:
    """The walk dispatches through a class-level table and skips context and operator
    nodes; a walker visiting every child through ``ast.iter_child_nodes`` (the walk as it
    was) gives the same facts for every code cell of the samples and real notebooks."""
    import ast

    from nbprod.analysis import cell as cell_module
    from nbprod.analysis.source import parse_cell
    from nbprod.notebook import read_notebook

    class PlainWalk(cell_module._Analyzer):
        def visit(self, node: ast.AST) -> None:
            getattr(self, "v_" + type(node).__name__, self.generic)(node)

        def generic(self, node: ast.AST) -> None:
            for child in ast.iter_child_nodes(node):
                self.visit(child)

    def facts(walker: type, source: str) -> str:
        parsed = parse_cell(source)
        f = cell_module.CellFacts(source, parsed.python, parsed.tree, parsed.error, parsed.error_line)
        if parsed.tree is not None:
            walker(f).run(parsed.tree)
        plain = {k: getattr(f, k) for k in f.__slots__ if k not in ("tree", "stmts")}
        plain["stmts"] = [{k: getattr(s, k) for k in s.__slots__} for s in f.stmts]
        return repr(plain)

    cells = 0
    for path in _real_or_samples():
        try:
            nb = read_notebook(path)
        except Exception:  # the broken fixtures
            continue
        for c in nb.code_cells:
            assert facts(cell_module._Analyzer, c.source) == facts(PlainWalk, c.source), (path, c.index)
            cells += 1
    assert cells > 100


def test_a_pool_that_cannot_start_falls_back_to_serial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import concurrent.futures

    def broken(*args: object, **kwargs: object) -> object:
        raise OSError(38, "Function not implemented")  # no POSIX semaphores in this sandbox

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", broken)
    for i in range(4):
        nbformat.write(build_notebook([f"x = {i}", "print(y)"]), str(tmp_path / f"nb{i}.ipynb"))
    report = checker.check_paths([tmp_path], jobs=4)
    assert [Path(nb.path).name for nb in report.notebooks] == [f"nb{i}.ipynb" for i in range(4)]
    assert all("NB105" in {f.rule for f in nb.findings} for nb in report.notebooks)


def test_the_fast_names_are_pathlibs() -> None:
    """``default_out_dir`` and the stem take a shortcut for plain str paths: the same as Path's."""
    from nbprod import naming
    from nbprod.naming import _stem, default_out_dir, names_for, out_dir_name

    cases = [
        "a.ipynb", "x/b.ipynb", "/b.ipynb", "a//b.ipynb", "a/./b.ipynb", "a/../b.ipynb",
        "./c.d.ipynb", ".ipynb", "a/.hidden", "a.", "..x", "x/..ipynb", "x/", "x/.", "x/..",
        "/", "a b/Mon Notebook (1).ipynb", "é/ü.ipynb", "class.ipynb", "1x.ipynb", "noext",
        str(SAMPLES / "credit_risk_messy.ipynb"),
    ]  # fmt: skip
    for case in cases:
        assert _stem(case) == Path(case).stem, case
        for name in (None, "my.pkg", "bad name"):
            dist = names_for(Path(case), name)[0]
            assert names_for(case, name)[0] == dist
            assert str(default_out_dir(case, name)) == str(Path(case).parent / dist), case
        if case not in ("", "/"):
            assert Path(out_dir_name(case)) == default_out_dir(case), case  # the same folder
            remembered = out_dir_name(case)  # from the memo of path texts on a second ask
            naming._plain_out_dir.cache_clear()
            assert out_dir_name(case) == remembered == out_dir_name(case), case


def test_the_help_width_is_shutils(monkeypatch: pytest.MonkeyPatch) -> None:
    """The help formatter finds the terminal width as ``shutil.get_terminal_size`` does."""
    from nbprod.cli import _terminal_columns

    for columns in ("100", "0", "x", None):
        if columns is None:
            monkeypatch.delenv("COLUMNS", raising=False)
        else:
            monkeypatch.setenv("COLUMNS", columns)
        assert _terminal_columns() == shutil.get_terminal_size().columns


def test_a_path_is_one_stat_and_means_what_it_did(tmp_path: Path) -> None:
    """A folder, a file, a missing path and a path under a file: as is_dir() / exists() said."""
    nb = tmp_path / "nb.ipynb"
    shutil.copy(SAMPLES / "credit_risk_messy.ipynb", nb)
    files, errors = checker.expand_paths([tmp_path, nb, tmp_path / "gone", nb / "under"], Config())
    assert files == [nb, nb]
    assert errors == [
        {"path": str(tmp_path / "gone"), "message": "no such file or folder"},
        {"path": str(nb / "under"), "message": "no such file or folder"},
    ]


def test_the_fast_ticks_name_is_pathlibs() -> None:
    """``ticks_file`` takes a shortcut for plain str paths: the same text as ``ticks_path``."""
    from nbprod.manual import ticks_file, ticks_path

    cases = [
        "a.ipynb", "x/b.ipynb", "/b.ipynb", "a//b.ipynb", "a/./b.ipynb", "a/../b.ipynb", "x/./a.ipynb",
        "./c.d.ipynb", ".ipynb", "a/.hidden", "a.", "..x", "x/..ipynb", "x/", "x/.", "x/..", "..",
        "//a.ipynb", "...", "a b/Mon Notebook (1).ipynb", "é/ü.ipynb", "noext", "a\nb/c.ipynb",
        str(SAMPLES / "credit_risk_messy.ipynb"),
    ]  # fmt: skip
    for case in cases:
        assert ticks_file(case) == str(ticks_path(case)), case
        assert ticks_file(Path(case)) == str(ticks_path(case)), case
    for refused in ("", "/", "."):
        with pytest.raises(ValueError):
            ticks_file(refused)


def test_an_entry_with_a_foreign_checklist_is_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A well-formed entry whose checklist has not the compact shape is a miss, rewritten."""
    import marshal

    cache = tmp_path / "cache"
    monkeypatch.setenv("NBPROD_CACHE_DIR", str(cache))
    shutil.copy(SAMPLES / "credit_risk_messy.ipynb", tmp_path / "nb.ipynb")
    _age(tmp_path)
    expected = _check(capsys, str(tmp_path / "nb.ipynb"))
    (entry,) = cache.glob("*.bin")
    magic = b"nbprod-cache\x01"
    good = marshal.loads(entry.read_bytes()[len(magic) :])
    compact = good["value"]["checklist"]
    ticks, columns = compact[0], compact[1]
    for bad in (
        {"overall": 0.5},  # the dict of format 1
        (ticks, tuple(c[:-1] for c in columns), [], None),  # an item short
        (ticks, columns[:-1], [], None),  # a column short
        (ticks, (tuple(str(x) for x in columns[0]), *columns[1:]), [], None),  # scores that are text
        (ticks, (*columns[:2], tuple(b"x" for _ in columns[2]), *columns[3:]), [], None),  # bytes
        (ticks, columns, [], 3),  # an error that is not text
        (ticks, [list(c) for c in columns], [], None),  # lists, not tuples
    ):
        damaged = {**good, "value": {**good["value"], "checklist": bad}}
        entry.write_bytes(magic + marshal.dumps(damaged))
        assert _check(capsys, str(tmp_path / "nb.ipynb")) == expected
        assert marshal.loads(entry.read_bytes()[len(magic) :])["value"]["checklist"] == compact


def test_the_parent_checks_its_share_beside_one_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With two workers wanted, one process is started and this one checks the chunks no
    helper started, from the end: each notebook once, the report in the serial order."""
    import concurrent.futures

    started: list[object] = []
    real = concurrent.futures.ProcessPoolExecutor

    def counting(workers: int, *args: object, **kwargs: object) -> object:
        started.append(workers)
        return real(workers, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", counting)
    log = tmp_path / "log"
    one = checker._check_one

    def logged(work: tuple) -> dict:  # type: ignore[type-arg]
        with open(log, "a") as f:  # forked helpers append here too
            f.write(f"{os.getpid()} {Path(work[0]).name}\n")
        return one(work)

    monkeypatch.setattr(checker, "_check_one", logged)
    folder = tmp_path / "nbs"
    folder.mkdir()
    for i in range(40):
        nbformat.write(build_notebook([f"x = {i}", "print(y)"]), str(folder / f"nb{i:02d}.ipynb"))
    report = checker.check_paths([folder], jobs=2)
    assert started == [1]
    assert [Path(nb.path).name for nb in report.notebooks] == [f"nb{i:02d}.ipynb" for i in range(40)]
    assert all("NB105" in {f.rule for f in nb.findings} for nb in report.notebooks)
    rows = [line.split() for line in log.read_text().splitlines()]
    assert sorted(name for _, name in rows) == [f"nb{i:02d}.ipynb" for i in range(40)]  # each once
    mine = [name for pid, name in rows if pid == str(os.getpid())]
    assert "nb39.ipynb" in mine  # the parent took from the end (the helper from the front)


def test_a_run_leaves_the_collector_as_it_found_it(tmp_path: Path) -> None:
    """check_paths pauses the collector and moves what the run left to its oldest generation
    (gc.freeze then unfreeze): afterwards it is on again, nothing is left frozen, and objects
    the program froze itself (as before a fork) stay frozen."""
    import gc

    for name in ("credit_risk_messy.ipynb", "iris_quick.ipynb"):
        shutil.copy(SAMPLES / name, tmp_path / name)
    expected = checker.check_paths([tmp_path], jobs=1)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:  # a caller that keeps the collector off keeps it off
        assert checker.check_paths([tmp_path], jobs=1) == expected
        assert not gc.isenabled()
    finally:
        gc.enable()
    kept = [[i] for i in range(100)]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen >= len(kept)
        assert checker.check_paths([tmp_path], jobs=1) == expected
        assert gc.get_freeze_count() == frozen and gc.isenabled()
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
