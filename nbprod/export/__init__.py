"""The converter: a notebook becomes a modular, installable, tested package.

``export_notebook()`` plans (sections, data flow), renders, formats and writes;
``check_export()`` tells whether a package is in sync with its notebook.
"""

from __future__ import annotations

import os
import re
import sys
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nbprod.errors import NbprodError
from nbprod.naming import default_out_dir, names_for
from nbprod.report import cell_label

if TYPE_CHECKING:  # the planner is heavy: ``nbprod check`` asks only for names_for()
    from nbprod.export.report import ExportReport

__all__ = ["CheckResult", "ExportResult", "check_export", "default_out_dir", "export_notebook", "names_for"]


@dataclass
class ExportResult:
    """What an export produced."""

    out_dir: Path
    package: str
    files: dict[str, str]
    report: ExportReport


@dataclass
class CheckResult:
    """Whether a package is in sync with its notebook."""

    notebook: str
    out_dir: Path
    in_sync: bool
    messages: list[str] = field(default_factory=list)


def _read(notebook: str | os.PathLike[str]) -> Any:
    from nbprod.errors import NotebookError
    from nbprod.notebook import read_notebook

    try:
        nb = read_notebook(notebook)
    except NotebookError as exc:
        raise NbprodError(f"{notebook}: {exc}") from None
    if not nb.is_python:
        raise NbprodError(f"{notebook}: a {nb.language} notebook; nbprod exports Python notebooks")
    return nb


def export_notebook(
    notebook: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    name: str | None = None,
    force: bool = False,
    capture: bool = False,
    write: bool = True,
    overwrite_edits: bool = False,
) -> ExportResult:
    """Export a notebook to a package folder; never modifies the notebook.

    ``force`` replaces the files a previous export generated (and only those);
    ``overwrite_edits`` also replaces generated files edited by hand since.
    """
    from nbprod.analysis.facts import analyze_notebook
    from nbprod.export import deps, render, secrets, testgen, writer
    from nbprod.export.magics import runtime
    from nbprod.export.plan import plan_export
    from nbprod.export.report import build_report, format_markdown
    from nbprod.export.snapshot import TESTING_SOURCE
    from nbprod.record import find_record

    start = time.perf_counter()
    original = _read(notebook)
    nb, moved, literals = secrets.scrub(original)
    dist, package = names_for(notebook, name)
    out = Path(out_dir) if out_dir is not None else default_out_dir(notebook, name)
    if write:
        writer.prepare_out_dir(out, Path(notebook), force)
    record = find_record(nb)
    facts = analyze_notebook(nb, record)
    if package in {q.split(".")[0] for q in facts.imports.values()}:
        package += "_pipeline"  # never shadow a module the notebook imports
    plan = plan_export(nb, facts, package)
    _flag_secrets(plan, facts)
    for m in moved:
        plan.warnings.append(
            f"cell {m.cell} line {m.line}: a secret ({m.kind}) is not copied into the package: "
            f"it reads ${m.name} (env_secret), set it before running"
        )
    for u in plan.units:
        if u.kind in ("code", "helper", "plot") and "get_ipython" in (u.reads | u.deferred):
            plan.warnings.append(
                f"{cell_label(u.cell)} line {u.line} calls get_ipython(): in a script it gets a stand-in "
                "that fails on what only a live IPython has (_ipython.py); check that line"
            )
    if "ipywidgets" in plan.import_roots.values():
        plan.warnings.append(
            "the notebook uses ipywidgets: in a script, what it sent into an Output widget (a `with out:` "
            "body, interact's function) goes to stderr with its other displays, and an exception raised "
            "inside `with out:` is printed there and the run goes on, as the kernel did (_ipython.py)"
        )
    nbname = Path(notebook).name
    title = _title(nb) or Path(notebook).stem.replace("_", " ")
    pkg_dir = f"src/{package}"
    files: dict[str, str] = {}
    notes: list[str] = []
    for s in plan.sections:
        files[f"{pkg_dir}/{s.module}.py"] = render.render_section(plan, s)
    if plan.helpers:
        files[f"{pkg_dir}/helpers.py"] = render.render_helpers(plan)
    for mod, body in plan.module_files.items():
        files[f"{pkg_dir}/{mod}.py"] = body
    files[f"{pkg_dir}/config.py"] = render.render_config(plan)
    files[f"{pkg_dir}/pipeline.py"] = render.render_pipeline(plan, title, dist)
    files[f"{pkg_dir}/__init__.py"] = render.render_init(title, nbname, plan.side_effect_imports)
    files[f"{pkg_dir}/__main__.py"] = render.MAIN
    files[f"{pkg_dir}/_testing.py"] = TESTING_SOURCE
    files[f"{pkg_dir}/_normalize.py"] = _normaliser_source()
    all_text = "\n".join(files.values())
    if "from ._magics import" in all_text:
        files[f"{pkg_dir}/_magics.py"] = runtime()
    from nbprod.export.snapshot import _template

    files[f"{pkg_dir}/_ipython.py"] = _template("_ipython.py.txt")  # __init__ imports it first
    if "from ._secrets import" in all_text:
        files[f"{pkg_dir}/_secrets.py"] = secrets.RUNTIME
    for path, text in files.items():
        if path.endswith(".py") and not render.literal_ok(text):
            notes.append(f"{path} is not valid Python: please report this export as a bug")
    evidence = _evidence(plan, facts, notebook, capture)
    evidence.secrets = sorted({m.name for m in moved})
    evidence.literals = literals
    files.update(testgen.render_tests(plan, evidence, package, testgen.workdir_relative(notebook, out)))
    modules, plot_modules = _runtime_modules(plan, files, pkg_dir)
    from nbprod.export.local import find_local

    found = find_local(Path(notebook).parent, modules | plot_modules, {package, "tests"})
    local = found.names
    for mod in found.modules + found.packages:
        plan.warnings.append(
            f"`{mod}` is a local module beside the notebook: copied into the package as written"
        )
    plan.warnings.extend(found.warnings)
    modules |= found.imports - local  # what the local modules import is needed when the pipeline runs
    kernel = deps.kernel_name(nb)
    requirements, origins, dep_warnings = deps.resolve(modules - local, plan.requirements, record, kernel)
    plot_reqs, plot_origins, plot_warnings = deps.resolve(plot_modules - local - modules, [], record, kernel)
    plot_reqs = [r for r in plot_reqs if r not in requirements]
    origins.update(plot_origins)
    plan.warnings.extend(dep_warnings + plot_warnings)
    rep = build_report(plan, str(out), pkg_dir)
    rep.dependencies = requirements
    rep.secrets = [{"name": m.name, "cell": m.cell, "line": m.line, "kind": m.kind} for m in moved]
    files["pyproject.toml"] = writer.pyproject(
        dist, package, "0.1.0", writer.python_requirement(nb), requirements, dist, title, plot_reqs,
        found.modules,
    )  # fmt: skip
    writer.black_format(files, notes)
    user = {f"{pkg_dir}/{s.module}.py" for s in plan.sections} | {
        f"{pkg_dir}/{m}.py" for m in plan.module_files
    }
    writer.lint_marks(files, user | {f"{pkg_dir}/helpers.py"}, notes)
    files.update(found.files)  # the notebook's own modules, neither formatted nor linted
    plan.warnings.extend(notes)
    rep.warnings = list(dict.fromkeys(plan.warnings))
    rep.tests = _count_tests(files)
    nb_hash = writer.notebook_hash(original)
    files["README.md"] = _readme(
        plan, title, nbname, nb_hash, dist, package, requirements + [f"{r} (extra: plots)" for r in plot_reqs],
        origins, record, rep, evidence,
    )  # fmt: skip
    files["EXPORT_REPORT.md"] = format_markdown(rep)
    from nbprod.export.production import attach  # train / predict / monitor when a model is trained

    attach(
        files,
        plan,
        facts,
        package,
        dist,
        nbname,
        nb_hash,
        os.path.relpath(Path(notebook).resolve().parent, out.resolve()),
    )
    rep.seconds = time.perf_counter() - start
    import json

    from nbprod import __version__

    manifest = {
        "nbprod": __version__,
        "notebook": os.path.relpath(Path(notebook).resolve(), out.resolve()),
        "notebook_sha256": nb_hash,
        "options": {"name": name, "capture": capture},
        # what the re-export with --force may replace: only these files, while they hash the same
        "files": {p: writer.file_hash(t) for p, t in sorted(files.items())},
        "report": rep.to_dict(),
    }
    files[writer.MANIFEST] = json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"
    if write:
        writer.write_tree(out, files, overwrite_edits)
    return ExportResult(out, package, files, rep)


def _normaliser_source() -> str:
    """The normaliser ``nbprod verify`` uses, copied verbatim: one normaliser for both."""
    from nbprod.verify import normalize

    text = Path(normalize.__file__).read_text(encoding="utf-8")
    return "# Copied from nbprod.verify.normalize by nbprod export.\n# ruff: noqa\n" + text


def _runtime_modules(plan: Any, files: dict[str, str], pkg_dir: str) -> tuple[set[str], set[str]]:
    """(top-level modules the package imports when it runs, those only ``--plots`` needs)."""
    from nbprod.export import deps

    used: set[str] = set()
    lazy: set[str] = set()
    for s in plan.sections:
        used |= s.imports
        lazy |= s.plot_imports
    for u in plan.helpers:
        used |= u.reads | u.deferred
    roots = plan.import_roots
    modules = {roots[a] for a in used if roots.get(a)} | set(plan.inline_roots)
    plot_modules = {roots[a] for a in lazy if roots.get(a)} - modules
    modules |= {s.split()[1].split(".")[0] for s in plan.star_imports if not s.split()[1].startswith(".")}
    own = {p: t for p, t in files.items() if p.startswith(pkg_dir) and p.endswith(".py")}
    own.pop(f"{pkg_dir}/_ipython.py", None)  # its IPython imports run only inside IPython
    code = "\n".join(own.values())
    body_code = "\n".join(t.split("\ndef plot")[0] for t in own.values())
    if "from IPython.display import display" in code:
        modules.add("IPython")
    modules |= deps.optional_modules(body_code)
    plot_modules |= deps.optional_modules(code) - modules
    if any(s.plots for s in plan.sections) and "matplotlib" not in modules:
        plot_modules.add("matplotlib")  # pandas' .plot and the pipeline's --plots draw with it
    return modules, plot_modules - modules


def _title(nb: Any) -> str | None:
    for cell in nb.cells:
        if cell.kind == "markdown":
            for line in cell.source.splitlines():
                m = re.match(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", line)
                if m:
                    return re.sub(r"[`*_]", "", m.group(1)).strip()[:80]
    return None


def _flag_secrets(plan: Any, facts: Any) -> None:
    """Secrets and personal paths stay as the notebook wrote them, but are never CLI defaults."""
    from nbprod.checker import run_rules
    from nbprod.config import Config

    config = Config()
    config.select = ["NB401", "NB204"]
    found = {(f.cell, f.line): f for f in run_rules(facts, config) if f.rule in ("NB401", "NB204")}
    from nbprod.rules.security import find_tokens

    for u in plan.units:
        if u.kind not in ("dropped", "todo") and find_tokens(u.text):  # a token NB401 did not place
            from nbprod.report import Finding

            hit = Finding("NB401", "error", u.cell, None, u.line, "a token-shaped secret")
            found.setdefault((u.cell, u.line), hit)
        if find_tokens(u.snippet):
            u.snippet = "(a line holding a secret)"
        for line in range(u.line, u.end_line + 1):
            f = found.get((u.cell, line))
            if f is None:
                continue
            if f.rule == "NB401":  # a secret the scrubber could not move: never copied
                for n in u.defs & set(plan.config):
                    plan.config_text[n] = (
                        "None  # TODO(nbprod): a secret was here: read it from the environment"
                    )
                    plan.hidden_options.add(n)
                u.kind, u.reason = "todo", "a secret nbprod could not move to an environment variable"
                u.defs, u.reads, u.deferred = set(), set(), set()
                plan.warnings.append(f"cell {u.cell} line {line}: a secret (NB401) left out: {f.message}")
                break
            where = "config.py" if u.kind == "config" else (u.where or "the package")
            what = "an absolute or personal path"
            plan.warnings.append(
                f"{cell_label(u.cell)} line {line}: {what} ({f.rule}) kept as written in {where}: "
                "move it to an environment variable or a relative path"
            )
            if u.kind == "config":
                plan.hidden_options.update(u.defs)


def _evidence(plan: Any, facts: Any, notebook: Any, capture: bool) -> Any:
    from nbprod.checker import run_rules
    from nbprod.config import Config
    from nbprod.export import snapshot, testgen

    if capture:
        ends = [(s.cells[-1], s.returns) for s in plan.sections if s.cells]
        ev = testgen.captured_evidence(snapshot.capture(notebook, ends))
    else:
        ev = testgen.saved_evidence(plan)
    random = [f for f in run_rules(facts, Config()) if f.rule in ("NB201", "NB202")]
    if random:
        ev.reproducible = False
        first = random[0]
        where = cell_label(first.cell) if first.cell is not None else "notebook level"
        ev.random_note = (
            f"the notebook is not reproducible ({first.rule} at {where}: {first.message}); "
            "seed it, re-export, and this test will compare"
        )
    return ev


def _count_tests(files: dict[str, str]) -> dict[str, int]:
    real = stub = 0
    for path, text in files.items():
        if path.startswith("tests/test_") and path.endswith(".py"):
            for block in re.split(r"\n(?=def test_)", text)[1:]:
                if "pytest.skip(" in block:
                    stub += 1
                else:
                    real += 1
    return {"real": real, "TODO stubs": stub}


def _readme(
    plan: Any, title: str, nbname: str, nb_hash: str, dist: str, package: str, requirements: list[str],
    origins: dict[str, str], record: Any, rep: ExportReport, evidence: Any,
) -> str:  # fmt: skip
    from nbprod.export import deps
    from nbprod.export.render import options

    c = rep.counts
    lines = [
        f"# {title}",
        "",
        f"Exported by `nbprod export` from the notebook `{nbname}`",
        f"(sha256 of its cells: `{nb_hash}`). Do not edit by hand what you want to keep in",
        "sync with the notebook: re-export instead (`nbprod export --check` tells when it is stale).",
        "",
        "## Use",
        "",
        "```",
        "pip install -e '.[test]'",
        f"{dist}            # or: python -m {package}",
        f"{dist} --help     # the notebook's parameters are options",
        "pytest",
        "```",
        "",
        f"Run it from the notebook's folder, where its relative paths resolve. `{package}.run()` returns",
        "the values the notebook's sections produce.",
        "",
        "## Layout",
        "",
    ]
    for s in plan.sections:
        extra = " and `plot()` (with `--plots`)" if s.plots else ""
        lines.append(f"- `src/{package}/{s.module}.py`: {s.title} — `run()`{extra}")
    if plan.helpers:
        lines.append(f"- `src/{package}/helpers.py`: the notebook's functions and classes")
    lines.append(
        f"- `src/{package}/config.py`: parameters; `src/{package}/pipeline.py`: `run()` and `main()`"
    )
    lines += ["", "## Options", "", f"`{dist} --help` lists exactly these (a generated test checks it):", ""]
    lines += ["| option | default | help |", "|---|---|---|"]
    for o in options(plan):
        default = o.default.replace("|", "\\|").replace("`", "'")
        lines.append(f"| `{o.flag}` | `{default}` | {o.help.replace('%(default)s', 'as shown')} |")
    shown = {o.dest for o in options(plan)}
    others = [n for n in plan.config if n not in shown]
    if others:
        lines += ["", "Arguments of `run()` only (not options): " + ", ".join(f"`{n}`" for n in others) + "."]
    if not plan.config:
        lines += ["", "No parameters found (no cell tagged `parameters`, no literal UPPER_CASE constants)."]
    if rep.secrets:
        lines += ["", "## Secrets", "", "The notebook wrote these secrets as literals; the package never contains them",
                  "and reads each from an environment variable (a clear error when it is unset):", ""]  # fmt: skip
        for name in sorted({s["name"] for s in rep.secrets}):
            cells = sorted({s["cell"] for s in rep.secrets if s["name"] == name})
            lines.append(f"- `${name}` (cell {', '.join(map(str, cells))})")
    lines += ["", "## Recorded seeds and versions", ""]
    seeds = deps.recorded_seeds(record)
    lines.append(
        "Seeds recorded by the nbprod extension: " + (", ".join(seeds) if seeds else "none recorded.")
    )
    lines += ["", "| requirement | version from |", "|---|---|"]
    lines += [f"| `{r}` | {origins.get(r, '')} |" for r in requirements]
    lines += [
        "",
        "## Tests",
        "",
        f"Derived from: {evidence.source}"
        + (f" ({evidence.why_not})" if evidence.why_not else "")
        + f". {rep.tests.get('real', 0)} real tests, {rep.tests.get('TODO stubs', 0)} TODO stubs that skip and say what to check.",
        "",
        "## Export report",
        "",
        f"{sum(c.values())} statements: {c.get('kept', 0)} kept, {c.get('dropped', 0)} dropped, "
        f"{c.get('todo', 0)} TODO. See `EXPORT_REPORT.md`.",
    ]
    if rep.warnings:
        lines += [""] + [f"- {w}" for w in rep.warnings]
    return "\n".join(lines) + "\n"


def check_export(
    notebook: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None, name: str | None = None
) -> CheckResult:
    """Compare the notebook's content hash with the one the package was exported from."""
    from nbprod.export import writer

    nb = _read(notebook)
    out = Path(out_dir) if out_dir is not None else default_out_dir(notebook, name)
    result = CheckResult(str(notebook), out, True)
    manifest = writer.read_manifest(out)
    if manifest is None:
        result.in_sync = False
        result.messages.append(f"{notebook}: no exported package at {out} (run: nbprod export {notebook})")
        return result
    if manifest.get("notebook_sha256") != writer.notebook_hash(nb):
        result.in_sync = False
        result.messages.append(
            f"{notebook}: changed since {out} was exported (re-run: nbprod export {notebook} --force)"
        )
    files = manifest.get("files") or {}
    missing = [p for p in files if not (out / p).is_file()]
    if missing:
        result.in_sync = False
        result.messages.append(f"{out}: {len(missing)} exported file(s) missing, e.g. {missing[0]}")
    edited = [
        p
        for p, h in files.items()
        if (out / p).is_file() and writer.file_hash((out / p).read_text(encoding="utf-8")) != h
    ]
    if edited:
        result.messages.append(f"{out}: {len(edited)} file(s) edited since the export, e.g. {edited[0]}")
    if result.in_sync:
        result.messages.insert(0, f"{notebook}: {out} is in sync")
    return result


class _CallableModule(types.ModuleType):
    """Importing ``nbprod.export`` rebinds that attribute to this package: keep it callable."""

    def __call__(
        self,
        path: str | os.PathLike[str],
        out_dir: str | os.PathLike[str] | None = None,
        *,
        name: str | None = None,
        force: bool = False,
        capture: bool = False,
        overwrite_edits: bool = False,
    ) -> ExportResult:
        return export_notebook(
            path, out_dir, name=name, force=force, capture=capture, overwrite_edits=overwrite_edits
        )


sys.modules[__name__].__class__ = _CallableModule
