"""Render a Plan as module source text (formatting and writing happen in the writer)."""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbprod.export.plan import Plan, Section
from nbprod.export.units import Unit, reindentable
from nbprod.report import cell_label

RUNTIME_IMPORTS = {
    "sh": "from ._magics import sh",
    "getoutput": "from ._magics import getoutput",
    "magic_todo": "from ._magics import magic_todo",
    "os": "import os",
    "Path": "from pathlib import Path",
    "functools": "import functools",
    "display": "from ._ipython import display",
    "get_ipython": "from ._ipython import get_ipython",
    "input": "from ._ipython import input",
    "env_secret": "from ._secrets import env_secret",
    "timed": "from ._magics import timed",
    "capture": "from ._magics import capture",
}
CELL_MARK = "# (notebook cell {})"  # before each cell's code: a failing test names the cell


@dataclass(frozen=True)
class Option:
    """One option of the generated console script: the CLI, the README and the tests use this table."""

    flag: str
    dest: str
    argparse: str  # the keyword arguments of ``add_argument`` after ``dest``
    help: str
    default: str  # as the README shows it


def options(plan: Plan) -> list[Option]:
    """The options of the package's console script, in order (``--plots`` last)."""
    out = []
    for name, value in plan.config.items():
        if name in plan.hidden_options:
            continue  # a personal path: not a default printed by --help
        if isinstance(value, bool):
            kind = "action=argparse.BooleanOptionalAction"
        elif isinstance(value, (int, float, str)):
            kind = f"type={type(value).__name__}"
        else:
            continue
        out.append(
            Option(
                option_name(name),
                name,
                f"{kind}, default=config.{name}",
                "default: %(default)s",
                plan.config_text[name],
            )  # fmt: skip
        )
    out.append(Option("--plots", "plots", "action='store_true'", "draw the notebook's plots", "off"))
    return out


def _doc(text: str) -> str:
    text = text.replace("\\", "/").replace('"""', "'''").strip()
    return f'"""{text}"""'


def _cells(cells: list[int]) -> str:
    if not cells:
        return "no cells"
    if len(cells) == 1:
        return cell_label(cells[0])
    return f"cells {cells[0] + 1}-{cells[-1] + 1}"  # numbered as cell_label numbers them


def import_lines(plan: Plan, names: set[str], module: str) -> list[str]:
    """Import statements for the names a module reads, in notebook order."""
    out: list[str] = []
    for alias, text in plan.imports.items():
        if alias in names and text not in out:
            out.append(text)
    for name, text in RUNTIME_IMPORTS.items():
        if name in names and name not in plan.imports and text not in out:
            out.append(text)
    helper_names = [u.node.name for u in plan.helpers if u.node is not None and u.node.name in names]  # type: ignore[attr-defined]
    if helper_names and module != "helpers":
        out.append(f"from .helpers import {', '.join(helper_names)}")
    if plan.star_imports:
        out.extend(plan.star_imports)
    return out


def _unit_text(u: Unit) -> str:
    if u.kind == "todo":
        return f"# TODO(nbprod): {u.reason}\n# {cell_label(u.cell)}, line {u.line}: {u.snippet}"
    return reindentable(u)


def _body(units: list[Unit], tail: str) -> str:
    parts = []
    cell = None
    for u in units:
        if u.cell != cell:
            parts.append(CELL_MARK.format(u.cell))
            cell = u.cell
        parts.append(_unit_text(u))
    code = "\n".join(parts)
    if tail:
        code += "\n" + tail
    return textwrap.indent(code, "    ")


def _returns(names: list[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return f"return {names[0]}"
    return "return " + ", ".join(names)


def render_section(plan: Plan, s: Section) -> str:
    """One section module: ``run()`` for its code and ``plot()`` for its plots."""
    nbname = Path(plan.notebook.path).name
    names = set(s.imports) | set(s.helpers)
    lines = [_doc(f"{s.title} ({_cells(s.cells)} of {nbname})."), ""]
    lines += import_lines(plan, names, s.module)
    for name, where in s.placeholders.items():
        lines += [
            "",
            f"# TODO(nbprod): the notebook reads `{name}` here but {where} defines it earlier; set it.",
            f"{name} = None",
        ]
    lines += ["", ""]
    prefix = "async def" if s.is_async else "def"
    lines.append(f"{prefix} {plan.entry}({', '.join(s.params)}):")
    lines.append(f"    {_doc(f'{s.title}: the code of {_cells(s.cells)}.')}")
    if s.body:
        lines.append(_body(s.body, _returns(s.returns)))
    elif s.returns:
        lines.append("    " + _returns(s.returns))
    if s.plots:
        lines += ["", ""]
        lines.append(f"def {plan.plot_entry}({', '.join(s.plot_params)}):")
        lines.append(f"    {_doc(f'The plots of {s.title}; the pipeline draws them only when asked.')}")
        lazy = [t for a, t in plan.imports.items() if a in s.plot_imports]
        lines += [f"    {t}" for t in dict.fromkeys(lazy)]
        lines.append(_body(s.plots, ""))
    return "\n".join(lines) + "\n"


def render_helpers(plan: Plan) -> str:
    """The notebook's own functions and classes, with injected globals as keyword-only parameters."""
    names = set()
    for u in plan.helpers:
        names |= u.reads | u.deferred
    lines = [_doc("Functions and classes written in the notebook, kept as they were."), ""]
    lines += import_lines(plan, names, "helpers")
    if plan.helper_config:
        lines.append(f"from .config import {', '.join(sorted(plan.helper_config))}")
    if plan.helpers_partial and "functools" not in names:
        lines.append("import functools")
    for u in plan.helpers:
        lines += ["", "", u.text]
    return "\n".join(lines) + "\n"


def render_config(plan: Plan) -> str:
    """``config.py``: the notebook's parameters, one per line."""
    lines = [
        _doc(
            "Parameters of the notebook: the cell tagged `parameters` and literal constants.\n\n"
            "Each one is also an option of the console script and an argument of ``pipeline.run()``.\n"
        ),
        "",
    ]
    for name, text in plan.config_text.items():
        lines.append(f"{name} = {text}")
    return "\n".join(lines) + "\n"


def _annotation(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float, str)):
        return type(value).__name__
    return "Any"


def option_name(name: str) -> str:
    """``TEST_SIZE`` -> ``--test-size``."""
    opt = name.lower().replace("_", "-").strip("-")
    return f"--{opt}" if opt not in ("plots", "help", "h") else f"--param-{opt}"


def render_pipeline(plan: Plan, title: str, script: str) -> str:
    """``pipeline.py``: ``run()`` calls the sections in order; ``main()`` is the console script."""
    nbname = Path(plan.notebook.path).name
    has_async = any(s.is_async for s in plan.sections)
    has_plots = any(s.plots for s in plan.sections)
    lines = [_doc(f"{title}: the sections of {nbname} in notebook order."), ""]
    lines += ["from __future__ import annotations", "", "import argparse"]
    if has_async:
        lines.append("import asyncio")
    lines += ["from collections.abc import Sequence", "from typing import Any", ""]
    mods = sorted({s.module for s in plan.sections})
    if plan.config:
        lines.append("from . import config")
    for m in mods:
        lines.append(f"from . import {m}")
    lines += ["", ""]
    lines.append(
        "SECTIONS = ("
        + "".join(
            f"\n    ({s.module!r}, {s.module}.{plan.entry}, {tuple(s.params)!r}, {tuple(s.returns)!r}, {s.is_async!r}),"
            for s in plan.sections
        )
        + "\n)"
    )
    lines.append('"""(module, function, parameters, returns, is async) of each section, in order."""')
    params = [f"{n}: {_annotation(v)} = config.{n}" for n, v in plan.config.items()]
    params.append("plots: bool = False")
    lines += ["", ""]
    lines.append(f"def run({', '.join(params)}) -> dict[str, Any]:")
    lines.append(f"    {_doc('Run the notebook top to bottom; returns the values its sections produce.')}")
    for s in plan.sections:
        call = f"{s.module}.{plan.entry}({', '.join(s.params)})"
        if s.is_async:
            call = f"asyncio.run({call})"
        target = ", ".join(s.returns)
        lines.append(f"    {target} = {call}" if target else f"    {call}")
        if s.plots:
            lines.append("    if plots:")
            lines.append(f"        {s.module}.{plan.plot_entry}({', '.join(s.plot_params)})")
    result = ", ".join(f"{n!r}: {n}" for n in plan.results)
    lines.append(f"    return {{{result}}}")
    lines += ["", ""]
    lines.append("def main(argv: Sequence[str] | None = None) -> int:")
    lines.append(f"    {_doc('Console script: run the pipeline; the notebook parameters are options.')}")
    lines.append(f"    parser = argparse.ArgumentParser(prog={script!r}, description={title!r})")
    for opt in options(plan):
        lines.append(
            f"    parser.add_argument({opt.flag!r}, dest={opt.dest!r}, {opt.argparse}, help={opt.help!r})"
        )
    lines.append("    args = parser.parse_args(argv)")
    lines.append("    run(**vars(args))")
    if has_plots and "matplotlib" in plan.import_roots.values():
        lines.append("    if args.plots:")
        lines.append("        import matplotlib.pyplot as plt")
        lines.append("")
        lines.append("        plt.show()")
    lines.append("    return 0")
    return "\n".join(lines) + "\n"


def render_init(title: str, nbname: str, side_effects: list[str] | None = None) -> str:
    """The package's ``__init__.py``: ``_ipython`` first (it routes library displays outside
    IPython), then the imports the notebook made for their side effect, then the pipeline."""
    effects = "".join(f"{t}  # noqa: F401\n" for t in side_effects or [])
    if effects:
        effects = "\n# imported by the notebook for their side effect\n" + effects
    return (
        _doc(f"{title}: exported from {nbname} by nbprod.")
        + "\n\n"
        + "# first: outside IPython, the displays libraries make go to stderr, as the notebook's do\n"
        + "from . import _ipython  # noqa: F401\n"
        + (effects + "\n" if effects else "")
        + 'from .pipeline import main, run\n\n__all__ = ["main", "run"]\n'
    )


MAIN = '"""``python -m`` runs the pipeline."""\n\nfrom .pipeline import main\n\nraise SystemExit(main())\n'


def literal_ok(text: str) -> bool:
    """True when ``text`` is valid Python."""
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


__all__ = [
    "CELL_MARK",
    "MAIN",
    "Option",
    "import_lines",
    "literal_ok",
    "option_name",
    "options",
    "render_config",
    "render_helpers",
    "render_init",
    "render_pipeline",
    "render_section",
]
