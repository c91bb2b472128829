"""End to end: the ``nbprod-check`` pre-commit hook of this checkout, in a real git repo.

The working tree (with its uncommitted changes) is copied into a temporary git repo and
committed there, so pre-commit clones exactly the code under test. pre-commit builds the
hook's virtualenv itself, without system site-packages, and pip installs nbprod and its
dependencies offline from a wheelhouse built once from the package indexes
(``hookrepo.wheelhouse``): the hook gets only what a new user's machine would get.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from conftest import build_notebook
from hookrepo import hook_env, hook_repo, wheelhouse
from hookrepo import run as _run

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]


def _write_notebook(path: Path, cells: list[str], counts: list[int]) -> None:
    import nbformat

    nb = build_notebook(cells, executed=False)
    for cell, count in zip(nb.cells, counts, strict=True):
        cell.execution_count = count
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A user's git repo whose .pre-commit-config.yaml uses this checkout's hook."""
    wheels = wheelhouse()
    if wheels is None:
        pytest.skip("offline: no wheelhouse of nbprod's dependencies to build the hook's environment")
    base = tmp_path_factory.mktemp("precommit")
    env = hook_env(base, wheels)
    rev = hook_repo(base / "hooks", env)
    repo = base / "project"
    repo.mkdir()
    _run(["git", "init", "-q"], repo, env)
    config = f"repos:\n  - repo: {base / 'hooks'}\n    rev: {rev}\n    hooks:\n      - id: nbprod-check\n"
    (repo / ".pre-commit-config.yaml").write_text(config)
    # The environment is recorded beside the notebook, as a team would do (NB203).
    (repo / "requirements.txt").write_text("numpy==2.1.0\n")
    (repo / "README.md").write_text("a project with notebooks\n")
    _run(["git", "add", "-A"], repo, env)
    _run(["git", "commit", "-q", "-m", "start"], repo, env)
    _run([sys.executable, "-m", "pre_commit", "install"], repo, env)
    return repo, env


def test_commit_refused_for_nb1_error_then_accepted(project: tuple[Path, dict[str, str]]) -> None:
    repo, env = project
    nb = repo / "analysis.ipynb"
    # Cell 1 reads `total`, which only cell 2 defines: Restart & Run All fails (NB104).
    _write_notebook(nb, ["print(total)", "total = 41 + 1"], counts=[2, 1])
    _run(["git", "add", "analysis.ipynb"], repo, env)
    before = nb.read_bytes()

    refused = _run(["git", "commit", "-m", "add analysis"], repo, env, check=False)
    assert refused.returncode != 0
    out = refused.stdout + refused.stderr
    assert "nbprod check" in out and "Failed" in out
    assert "analysis.ipynb:cell 1:line 1: NB104" in out
    assert "'total' is used here but first defined in cell 2" in out
    assert "readiness" not in out  # the default hook leaves the checklist out
    log = _run(["git", "log", "--oneline"], repo, env).stdout
    assert "add analysis" not in log  # nothing was committed
    assert nb.read_bytes() == before  # the hook never edits the notebook

    # Fixed: definition first, counts in order.
    _write_notebook(nb, ["total = 41 + 1", "print(total)"], counts=[1, 2])
    _run(["git", "add", "analysis.ipynb"], repo, env)
    accepted = _run(["git", "commit", "-m", "add analysis"], repo, env, check=False)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    out = accepted.stdout + accepted.stderr
    assert "nbprod check" in out and "Passed" in out
    assert "add analysis" in _run(["git", "log", "--oneline"], repo, env).stdout


def test_pre_commit_run_only_sees_notebooks(project: tuple[Path, dict[str, str]]) -> None:
    repo, env = project
    (repo / "notes.py").write_text("print(undefined_name)\n")  # not a notebook: types: [jupyter]
    bad = repo / "scratch.ipynb"
    _write_notebook(bad, ["x = 1", "y = x + z"], counts=[1, 2])  # z defined nowhere: NB105
    _run(["git", "add", "notes.py", "scratch.ipynb"], repo, env)

    result = _run([sys.executable, "-m", "pre_commit", "run", "--all-files"], repo, env, check=False)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "scratch.ipynb:cell 2:line 1: NB105" in out
    assert "notes.py" not in out

    result = _run(
        [sys.executable, "-m", "pre_commit", "run", "nbprod-check", "--files", "notes.py"],
        repo,
        env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no files to check" in result.stdout.lower()


def test_hook_runs_the_copy_pre_commit_installed(project: tuple[Path, dict[str, str]]) -> None:
    """The hook's virtualenv has its own nbprod, not the checkout's editable install."""
    repo, env = project
    home = Path(env["PRE_COMMIT_HOME"])
    pythons = sorted(home.glob("*/py_env-*/bin/python"))
    if not pythons:  # an earlier test builds the environment; run it when alone
        _run([sys.executable, "-m", "pre_commit", "install-hooks"], repo, env)
        pythons = sorted(home.glob("*/py_env-*/bin/python"))
    assert len(pythons) == 1
    where = _run([str(pythons[0]), "-c", "import nbprod; print(nbprod.__file__)"], repo, env).stdout
    assert where.startswith(str(home)), where
    assert (pythons[0].parent / "nbprod").is_file()  # the console script of `entry: nbprod check`


def test_the_hook_answers_unchanged_notebooks_from_the_cache(tmp_path: Path) -> None:
    """Many notebooks, ``pre-commit run`` twice (a ``repo: local`` hook running this
    checkout's ``nbprod check``; pre-commit runs several at once on batches of files): the
    first run fills ``.nbprod_cache/`` at the repository root, git-ignored so the tree
    stays clean; the second rewrites no entry, so it checked no notebook again, and
    prints the same."""
    import os
    import time

    from hookrepo import GIT_ENV

    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBPROD_", "PRE_COMMIT"))}
    env.update(GIT_ENV)
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    repo = tmp_path / "project"
    many = repo / "many"
    many.mkdir(parents=True)
    _run(["git", "init", "-q"], repo, env)
    hook = f"{sys.executable} -m nbprod check"
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: local\n    hooks:\n      - id: nbprod-check\n        name: nbprod check\n"
        f"        entry: {hook}\n        language: system\n        types: [jupyter]\n"
    )
    (many / "requirements.txt").write_text("numpy==2.1.0\n")
    for i in range(80):
        _write_notebook(many / f"nb{i:02d}.ipynb", [f"x = {i}", "print(x)"], counts=[1, 2])
    hour_ago = time.time() - 3600  # committed earlier, as in a real repository
    for p in many.iterdir():
        os.utime(p, (hour_ago, hour_ago))
    _run(["git", "add", "-A"], repo, env)
    cache = repo / ".nbprod_cache"
    cmd = [sys.executable, "-m", "pre_commit", "run", "nbprod-check", "--all-files", "--verbose"]
    took, outputs, entries = [], [], {}
    for _ in range(2):
        start = time.perf_counter()
        result = _run(cmd, repo, env, check=False)
        took.append(time.perf_counter() - start)
        assert result.returncode == 0, result.stdout + result.stderr
        outputs.append(result.stdout.replace(result.stdout.split("- duration:")[-1].split("\n")[0], ""))
        if not entries:
            entries = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in cache.glob("*.bin")}
    print(f"pre-commit over 80 notebooks: first run {took[0]:.2f} s, second (from the cache) {took[1]:.2f} s")
    assert len(entries) == 80  # one per notebook, at the repository root
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in cache.glob("*.bin")} == entries
    assert outputs[0] == outputs[1]
    assert "notebook(s) checked: 0 error(s), 0 warning(s)" in outputs[0]
    status = _run(["git", "status", "--porcelain", "--untracked-files=all"], repo, env).stdout
    assert ".nbprod_cache" not in status and "many/nb00.ipynb" in status
