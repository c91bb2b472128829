"""The docs are true: every command and snippet of README.md and docs/*.md runs as shown.

See tests/docsnippets.py for what each kind of block means and how a block is marked as
not runnable here (such blocks are listed as skipped, with their reason, never dropped).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from docsnippets import (
    DOCS,
    REPO,
    Snippet,
    all_snippets,
    console_steps,
    expected_exit,
    matches,
    run_command,
    shell_commands,
    usage_problems,
    workspace,
)

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

SNIPPETS = [s for s in all_snippets() if s.kind != "none"]


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    """One reader's folder per Markdown file: its blocks run in order and see each other's files."""
    return {doc: workspace(tmp_path_factory.mktemp(doc.stem)) for doc in DOCS}


def _python_source(snippet: Snippet) -> str:
    """The block, after the blocks it continues (``continue`` marker), in file order."""
    blocks = [s for s in SNIPPETS if s.path == snippet.path and s.kind == "python"]
    chain = [snippet]
    i = blocks.index(snippet)
    while "continue" in chain[0].markers and i > 0:
        i -= 1
        chain.insert(0, blocks[i])
    return "\n\n".join(s.text for s in chain)


def _magics(source: str) -> bool:
    return bool(re.search(r"^\s*[%!]", source, re.MULTILINE))


_CONFIG_LINE = re.compile(r"^c\.(\w+)\.(\w+)\s*=", re.MULTILINE)


def check_config(snippet: Snippet) -> None:
    """``c.NbprodMagics.ignore = [...]``: the class is configurable and has that trait."""
    from IPython.core.shellapp import InteractiveShellApp
    from IPython.terminal.ipapp import TerminalIPythonApp

    from nbprod.live.magics import NbprodMagics

    classes = {c.__name__: c for c in (NbprodMagics, InteractiveShellApp, TerminalIPythonApp)}
    for name, trait in _CONFIG_LINE.findall(snippet.text):
        assert name in classes, f"{snippet.where}: no configurable class {name}"
        assert trait in classes[name].class_trait_names(config=True), (
            f"{snippet.where}: {name} has no setting {trait}"
        )


def check_python(snippet: Snippet, cwd: Path) -> None:
    source = _python_source(snippet)
    if _CONFIG_LINE.search(source) and all(
        _CONFIG_LINE.match(line) or not line.strip() or line.lstrip().startswith("#")
        for line in source.splitlines()
    ):
        check_config(snippet)
        return
    if _magics(source):
        script = cwd / f"snippet_{snippet.line}.ipy"
        command = f"{sys.executable} -m IPython --quick --no-banner --colors=NoColor {script.name}"
    else:
        script = cwd / f"snippet_{snippet.line}.py"
        command = f"{sys.executable} {script.name}"
    script.write_text(source, encoding="utf-8")
    done = run_command(command, cwd)
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "Traceback" not in output and "Error:" not in output, (
        f"{snippet.where}: the snippet fails (exit {done.returncode}):\n{source}\n---\n{output}"
    )


def check_console(snippet: Snippet, cwd: Path) -> None:
    for command, shown in console_steps(snippet.text):
        done = run_command(command, cwd)
        want = expected_exit(snippet)
        assert done.returncode == want, (
            f"{snippet.where}: `{command}` exited {done.returncode}, the docs say {want}:\n"
            f"{done.stdout}{done.stderr}"
        )
        problem = matches(shown, (done.stdout + done.stderr).splitlines())
        assert problem is None, (
            f"{snippet.where}: `{command}` prints something else "
            f"(python tests/docsnippets.py --update rewrites it):\n{problem}"
        )


def check_shell(snippet: Snippet, cwd: Path) -> None:
    for command in shell_commands(snippet.text):
        done = run_command(command, cwd)
        want = expected_exit(snippet)
        assert done.returncode == want, (
            f"{snippet.where}: `{command}` exited {done.returncode}, the docs say {want}:\n"
            f"{done.stdout}{done.stderr}"
        )


def check_output(snippet: Snippet, cwd: Path) -> None:
    command = snippet.markers["output-of"]
    done = run_command(command, cwd)
    if snippet.lang == "json":
        shown, real = json.loads(snippet.text), json.loads(done.stdout)
        missing = _missing_keys(shown, real)
        assert not missing, f"{snippet.where}: keys shown that `{command}` does not print: {missing}"
        return
    problem = matches(snippet.text.splitlines(), (done.stdout + done.stderr).splitlines())
    assert problem is None, f"{snippet.where}: `{command}` prints something else:\n{problem}"


def _missing_keys(shown: object, real: object, where: str = "") -> list[str]:
    """Key paths of ``shown`` that ``real`` lacks (lists: the first item stands for all)."""
    if isinstance(shown, dict) and isinstance(real, dict):
        out = []
        for key, value in shown.items():
            if key not in real:
                out.append(f"{where}.{key}")
            else:
                out += _missing_keys(value, real[key], f"{where}.{key}")
        return out
    if isinstance(shown, list) and isinstance(real, list) and shown and real:
        return _missing_keys(shown[0], real[0], f"{where}[0]")
    return []


def check_toml(snippet: Snippet, cwd: Path) -> None:
    data = tomllib.loads(snippet.text)
    if "tool" not in data or "nbprod" not in data["tool"]:
        return
    project = cwd / f"project_{snippet.line}"
    project.mkdir()
    (project / "pyproject.toml").write_text(snippet.text, encoding="utf-8")
    (project / "nb.ipynb").write_bytes((REPO / "sample_notebooks" / "iris_quick.ipynb").read_bytes())
    done = run_command(f"{sys.executable} -m nbprod check {project.name}/nb.ipynb", cwd)
    assert done.returncode in (0, 1) and "warning:" not in done.stderr and "error:" not in done.stderr, (
        f"{snippet.where}: nbprod does not take this [tool.nbprod] as it is:\n{done.stderr}"
    )


def check_yaml(snippet: Snippet, cwd: Path) -> None:
    yaml = pytest.importorskip("yaml")
    data = yaml.safe_load(snippet.text)
    hooks_file = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    ours = {h["id"] for h in hooks_file}
    for repo in (data or {}).get("repos", []) if isinstance(data, dict) else []:
        for hook in repo.get("hooks", []):
            if "nbprod" in str(repo.get("repo", "")) or hook.get("id", "").startswith("nbprod"):
                assert hook["id"] in ours, (
                    f"{snippet.where}: no hook '{hook['id']}' in .pre-commit-hooks.yaml"
                )


CHECKS = {
    "python": check_python,
    "console": check_console,
    "shell": check_shell,
    "output": check_output,
    "toml": check_toml,
    "yaml": check_yaml,
    "json": lambda s, cwd: json.loads(s.text),
    "usage": lambda s, cwd: _assert_usage(s),
    "transcript": lambda s, cwd: pytest.fail(
        f"{s.where}: an IPython transcript the test cannot replay: mark it "
        "<!-- docs-test: skip REASON --> (and say where it is tested)"
    ),
}


def _assert_usage(snippet: Snippet) -> None:
    problems = usage_problems(snippet)
    assert not problems, f"{snippet.where}: {'; '.join(problems)}"


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[f"{s.where}-{s.kind}" for s in SNIPPETS])
def test_snippet(snippet: Snippet, workspaces: dict[Path, Path]) -> None:
    if snippet.skip_reason is not None:
        pytest.skip(f"marked not runnable here: {snippet.skip_reason}")
    if "in-repo" in snippet.markers:
        before = _tracked_state()
        CHECKS[snippet.kind](snippet, REPO)
        assert _tracked_state() == before, f"{snippet.where}: an in-repo command changed the checkout"
        return
    CHECKS[snippet.kind](snippet, workspaces[snippet.path])


def _tracked_state() -> str:
    import subprocess

    done = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else ""


def test_every_marked_block_says_why() -> None:
    """A block kept out of the test is marked with a reason, never silently."""
    unexplained = [s.where for s in SNIPPETS if s.skip_reason is not None and len(s.skip_reason) < 8]
    assert not unexplained, f"blocks marked skip without a reason: {unexplained}"


def test_the_docs_have_snippets() -> None:
    """The extractor finds the docs' blocks (a broken extractor must not pass as 'no drift')."""
    kinds = {s.kind for s in SNIPPETS}
    assert {"console", "shell", "python", "usage"} <= kinds, kinds
    assert len(SNIPPETS) >= 40


def test_ci_runs_the_readme_set_up_word_for_word() -> None:
    """The README's two set-up commands are marked as not run here because they install
    and run the suite: .ci/run runs them, exactly as written, in a fresh venv."""
    readme = REPO / "README.md"
    setup = [s for s in SNIPPETS if s.path == readme and s.kind == "shell" and s.skip_reason][:2]
    assert len(setup) == 2, "the README's set-up blocks are not where this test looks"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for snippet in setup:
        for command in shell_commands(snippet.text):
            assert command in ci, f".ci/run does not run the README's `{command}`"
