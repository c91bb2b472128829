"""The package's tests: real ones where a recorded run lets them be derived, honest stubs otherwise."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbprod.export.plan import Plan, Section
from nbprod.export.render import _cells, options
from nbprod.export.snapshot import has_error, stream_text
from nbprod.report import cell_label


@dataclass
class Evidence:
    """What the tests can be derived from: expected printed text and value snapshots."""

    source: str  # "capture", "saved outputs" or "none"
    stdout: dict[int, str] = field(default_factory=dict)  # cell -> printed text
    errors: set[int] = field(default_factory=set)
    snapshots: dict[int, dict[str, Any]] = field(default_factory=dict)  # last cell -> summaries
    clean: bool = False
    why_not: str = ""
    reproducible: bool = True
    random_note: str = ""
    secrets: list[str] = field(default_factory=list)  # environment variables the package needs
    literals: list[str] = field(default_factory=list)  # the secret values: never in a snapshot


def saved_evidence(plan: Plan) -> Evidence:
    """Expected printed text from the notebook's saved outputs, when they come from a clean run."""
    code = [c for c in plan.notebook.cells if c.kind == "code" and c.source.strip()]
    counts = [c.execution_count for c in code]
    numbers = [n for n in counts if n is not None]
    ev = Evidence("saved outputs")
    if not code:
        ev.why_not = "the notebook has no code"
        return ev
    if any(n is None for n in counts):
        ev.why_not = "some code cells were never run, so the saved outputs are not a top-to-bottom run"
    elif numbers != list(range(1, len(numbers) + 1)):
        ev.why_not = (
            "the execution counts show an out-of-order run, so the saved outputs are not a top-to-bottom run"
        )
    else:
        ev.clean = True
    for c in code:
        ev.stdout[c.index] = stream_text(c.outputs)
        if has_error(c.outputs):
            ev.errors.add(c.index)
    if ev.clean and ev.errors:
        ev.clean = False
        ev.why_not = "a cell's saved output is an error"
    return ev


def captured_evidence(result: dict[str, Any]) -> Evidence:
    """Evidence from ``snapshot.capture()``."""
    ev = Evidence("capture", clean=True)
    for idx, cell in result["cells"].items():
        ev.stdout[int(idx)] = cell["stdout"]
        if cell["error"]:
            ev.errors.add(int(idx))
    ev.snapshots = {int(k): v for k, v in result["sections"].items()}
    if ev.errors:
        ev.clean = False
        ev.why_not = f"{cell_label(min(ev.errors))} raised an error when the notebook was run"
    return ev


def _expected_output(plan: Plan, s: Section, ev: Evidence) -> tuple[str | None, str]:
    """(expected printed text of a section or None, reason when None)."""
    if not ev.clean:
        return None, ev.why_not or "no recorded run"
    unfaithful = [c for c in s.cells if not plan.faithful.get(c, True)]
    if unfaithful:
        return None, (
            f"{cell_label(unfaithful[0])} uses a magic whose printed output the package does not reproduce "
            "(timing, install, %env...)"
        )
    if not ev.reproducible:
        return None, ev.random_note
    return _masked("".join(ev.stdout.get(c, "") for c in s.cells), ev)


def _masked(text: str, ev: Evidence) -> tuple[str | None, str]:
    """Printed text as a snapshot keeps it: volatile parts masked, never a secret."""
    from nbprod.export.secrets import mask_text
    from nbprod.verify.normalize import normalise

    _, leaked = mask_text(text, ev.literals)
    if leaked:
        return None, "the notebook printed a secret, which a snapshot never keeps"
    return normalise(text), ""


def _doc(text: str) -> str:
    """A one-line docstring for any text (headings may hold backslashes and quotes)."""
    text = " ".join(text.replace("\\", "/").replace('"', "'").split())
    return f'"""{text}"""'


def _safe_values(snap: dict[str, Any] | None, ev: Evidence) -> dict[str, Any] | None:
    """Value summaries without any secret in them."""
    if not snap:
        return snap
    from nbprod.export.secrets import mask_text

    return {k: v for k, v in snap.items() if not mask_text(json.dumps(v), ev.literals)[1]}


def _q(text: str) -> str:
    return json.dumps(text)


def _fn(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def render_tests(plan: Plan, ev: Evidence, package: str, workdir_rel: str) -> dict[str, str]:
    """Test files (relative path -> text) and snapshot JSON files."""
    files: dict[str, str] = {}
    env = f"{package.upper()}_WORKDIR"
    files[
        "tests/conftest.py"
    ] = f'''"""Fixtures: the notebook's folder as working directory, and one run of the sections."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from {package} import _testing, config, pipeline

# The notebook's folder, where its relative paths (data files...) resolve; override with ${env}.
WORKDIR = Path(os.environ.get({env!r}) or Path(__file__).resolve().parent / {workdir_rel!r})
PARAMETERS = {{name: getattr(config, name) for name in {list(plan.config)!r}}}
# Secrets the notebook wrote as literals: the package reads them from these variables.
SECRETS = {ev.secrets!r}


@pytest.fixture(scope="session")
def workdir():
    """Run in the notebook's folder, as the notebook did."""
    if not WORKDIR.is_dir():
        pytest.skip(f"the notebook's folder {{WORKDIR}} is missing: set ${env}")
    missing = [name for name in SECRETS if not os.environ.get(name)]
    if missing:
        pytest.skip(f"the pipeline reads secrets from the environment: set {{', '.join(missing)}}")
    old = Path.cwd()
    os.chdir(WORKDIR)
    yield WORKDIR
    os.chdir(old)


@pytest.fixture(scope="session")
def sections(workdir):
    """Each section's returned values and printed text, from one run in notebook order."""
    return _testing.run_sections(pipeline.SECTIONS, PARAMETERS)
'''
    for s in plan.sections:
        last = s.cells[-1] if s.cells else -1
        expected, why = _expected_output(plan, s, ev)
        snap = ev.snapshots.get(last)
        if snap is not None:
            snap = _safe_values({k: v for k, v in snap.items() if k in s.returns}, ev)
        record = {"stdout": expected, "values": snap, "reproducible": ev.reproducible}
        files[f"tests/snapshots/{s.module}.json"] = json.dumps(record, indent=1, sort_keys=True) + "\n"
        fn = _fn(s.module)
        lines = [
            _doc(f"Tests of {package}.{s.module}.{plan.entry}(): {s.title}."),
            "",
            "from __future__ import annotations",
            "",
            "import json",
            "from pathlib import Path",
            "",
            "import pytest",
            "",
            f"from {package} import _testing",
            "",
            f'SNAPSHOT = json.loads((Path(__file__).parent / "snapshots" / "{s.module}.json").read_text())',
            "",
            "",
            f"def test_{fn}_runs(sections):",
            f"    {_doc(f'The code of {_cells(s.cells)} runs; a failure names the notebook cell.')}",
            f"    run = _testing.section(sections, {s.module!r})",
            "    assert run.error is None",
            "",
            "",
            f"def test_{fn}_prints_what_the_notebook_printed(sections):",
        ]
        if expected is not None:
            lines.append(f"    run = _testing.section(sections, {s.module!r})")
            lines.append('    _testing.assert_same_output(run.stdout, SNAPSHOT["stdout"])')
        else:
            reason = f"TODO: check what {s.module}.run() prints; no comparison derived: {why}"
            lines.append(f"    pytest.skip({_q(reason)})")
        lines += ["", ""]
        lines.append(f"def test_{fn}_returns_match_the_recorded_run(sections):")
        if snap:
            lines.append(f"    run = _testing.section(sections, {s.module!r})")
            lines.append('    for name, summary in SNAPSHOT["values"].items():')
            lines.append(
                '        _testing.assert_matches(run.values[name], summary, SNAPSHOT["reproducible"], name)'
            )
        else:
            what = ", ".join(s.returns) if s.returns else "its effects (files written, state changed)"
            reason = (
                f"TODO: check {s.module}.run() -> {what}: type, shape, columns, values; "
                "no recorded run to derive them from (run `nbprod export --capture`)"
            )
            lines.append(f"    pytest.skip({_q(reason)})")
        files[f"tests/test_{s.module}.py"] = "\n".join(lines) + "\n"
    if plan.helpers:
        lines = [
            f'"""Tests of {package}.helpers: the functions and classes written in the notebook."""',
            "",
            "from __future__ import annotations",
            "",
            "import pytest",
            "",
            f"from {package} import helpers",
        ]
        for u in plan.helpers:
            name = u.node.name  # type: ignore[union-attr]
            kind = "class" if u.node.__class__.__name__ == "ClassDef" else "function"
            reason = (
                f"TODO: test helpers.{name}: call it on a small input and check what it returns "
                f"(the notebook defines this {kind} in {cell_label(u.cell)} and gives no recorded example)"
            )
            lines += [
                "",
                "",
                f"def test_{_fn(name)}():",
                f"    assert callable(helpers.{name})",
                f"    pytest.skip({_q(reason)})",
            ]
        files["tests/test_helpers.py"] = "\n".join(lines) + "\n"
    files["tests/test_pipeline.py"] = _pipeline_test(plan, ev, package)
    return files


def _pipeline_test(plan: Plan, ev: Evidence, package: str) -> str:
    reasons = [why for s in plan.sections for out, why in [_expected_output(plan, s, ev)] if out is None]
    expected = None
    if not reasons:
        expected, why = _masked("".join(ev.stdout.get(c, "") for s in plan.sections for c in s.cells), ev)
        if expected is None:
            reasons.append(why)
    flags = [o.flag for o in options(plan)]
    lines = [
        _doc(f"End to end: ``python -m {package}`` runs and prints what the notebook printed."),
        "",
        "from __future__ import annotations",
        "",
        "import os",
        "import subprocess",
        "import sys",
        "from pathlib import Path",
        "",
        "import pytest",
        "",
        f"from {package} import _testing, pipeline",
        "",
        f"EXPECTED = {_q(expected) if expected is not None else 'None'}",
        f"NOT_COMPARED = {_q(reasons[0]) if expected is None else 'None'}",
        "# The options README.md documents: the same table generated the console script.",
        f"OPTIONS = {flags!r}",
        "",
        "",
        "def test_help_lists_every_documented_option(capsys):",
        "    with pytest.raises(SystemExit) as exc:",
        '        pipeline.main(["--help"])',
        "    assert exc.value.code == 0",
        "    text = capsys.readouterr().out",
        "    for option in OPTIONS:",
        '        assert option in text, f"{option} missing from --help"',
        "",
        "",
        '@pytest.fixture(scope="module")',
        "def pipeline_run(workdir):",
        f"    {_doc(f'One run of ``python -m {package}`` in the notebook folder.')}",
        f"    cmd = [sys.executable, '-m', {package!r}]",
        "    here = str(Path(pipeline.__file__).resolve().parent.parent)  # installed or not",
        "    path = os.pathsep.join(p for p in (here, os.environ.get('PYTHONPATH', '')) if p)",
        "    env = {**os.environ, 'PYTHONPATH': path}",
        "    return subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)",
        "",
        "",
        "def test_pipeline_runs(pipeline_run):",
        '    assert pipeline_run.returncode == 0, "the pipeline failed:\\n" + pipeline_run.stderr[-3000:]',
        "",
        "",
        "def test_pipeline_prints_what_the_notebook_printed(pipeline_run):",
        "    assert pipeline_run.returncode == 0, pipeline_run.stderr[-3000:]",
        "    if EXPECTED is None:",
        '        pytest.skip("TODO: check what the pipeline prints; no comparison derived: " + NOT_COMPARED)',
        "    _testing.assert_same_output(pipeline_run.stdout, EXPECTED)",
    ]
    return "\n".join(lines) + "\n"


def workdir_relative(notebook: str | os.PathLike[str], out_dir: Path) -> str:
    """The notebook's folder relative to the package's tests folder (absolute when on another drive)."""
    nb_dir = Path(notebook).resolve().parent
    tests = (out_dir / "tests").resolve()
    try:
        return os.path.relpath(nb_dir, tests)
    except ValueError:
        return str(nb_dir)


__all__ = ["Evidence", "captured_evidence", "render_tests", "saved_evidence", "workdir_relative"]
