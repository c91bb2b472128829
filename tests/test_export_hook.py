"""End to end: the ``nbprod-export`` pre-commit hook of this checkout, with real pre-commit and git.

The checkout's installable files are committed into a temporary hook repository (so the
uncommitted work is what runs); pre-commit builds the hook's virtualenv without system
site-packages, pip offline against the wheelhouse of ``hookrepo.wheelhouse``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import build_notebook
from hookrepo import hook_env, hook_repo, wheelhouse
from hookrepo import run as _run

from nbprod.export import export_notebook

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]


def _write(path: Path, cells: list[str]) -> None:
    nbformat.write(build_notebook(cells), str(path))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    wheels = wheelhouse()
    if wheels is None:
        pytest.skip("offline: no wheelhouse of nbprod's dependencies to build the hook's environment")
    base = tmp_path_factory.mktemp("export-hook")
    env = hook_env(base, wheels)
    hooks = base / "hooks"
    rev = hook_repo(hooks, env)
    repo = base / "project"
    repo.mkdir()
    _run(["git", "init", "-q"], repo, env)
    config = f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: nbprod-export\n"
    (repo / ".pre-commit-config.yaml").write_text(config)
    _write(repo / "model.ipynb", ["import math\nSCALE = 2.0", "print(math.sqrt(SCALE))"])
    export_notebook(repo / "model.ipynb")  # -> repo/model/
    _run(["git", "add", "-A"], repo, env)
    _run(["git", "commit", "-q", "-m", "notebook and its package"], repo, env)
    _run([sys.executable, "-m", "pre_commit", "install"], repo, env)
    return repo, env


def test_stale_package_blocks_the_commit_until_re_exported(project: tuple[Path, dict[str, str]]) -> None:
    repo, env = project
    nb = repo / "model.ipynb"
    _write(nb, ["import math\nSCALE = 3.0", "print(math.sqrt(SCALE))"])
    before = nb.read_bytes()
    _run(["git", "add", "model.ipynb"], repo, env)
    refused = _run(["git", "commit", "-m", "new scale"], repo, env, check=False)
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert "nbprod export --check" in out and "Failed" in out
    assert "model.ipynb: changed since" in out
    assert nb.read_bytes() == before  # the hook never edits the notebook or the package
    assert "new scale" not in _run(["git", "log", "--oneline"], repo, env).stdout

    export_notebook(nb, force=True)
    assert "SCALE = 3.0" in (repo / "model" / "src" / "model" / "config.py").read_text()
    _run(["git", "add", "-A"], repo, env)
    accepted = _run(["git", "commit", "-m", "new scale"], repo, env, check=False)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "Passed" in accepted.stdout + accepted.stderr


def test_notebooks_without_a_package_are_not_blocked(project: tuple[Path, dict[str, str]]) -> None:
    repo, env = project
    _write(repo / "scratch.ipynb", ["x = 1"])
    _run(["git", "add", "scratch.ipynb"], repo, env)
    done = _run(
        [sys.executable, "-m", "pre_commit", "run", "nbprod-export", "--all-files"], repo, env, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # touching only the outputs keeps the package in sync (content hashes of the cells)
    data = nbformat.read(str(repo / "model.ipynb"), as_version=4)
    data.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1.7\n")]
    nbformat.write(data, str(repo / "model.ipynb"))
    done = _run(
        [sys.executable, "-m", "pre_commit", "run", "nbprod-export", "--all-files"], repo, env, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
