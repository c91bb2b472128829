"""The export planner: statements classified, sections found, data flow between them.

Pure: takes a notebook and its facts, returns a Plan that the writer renders.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbprod.analysis.cell import analyze_cell
from nbprod.analysis.facts import NotebookFacts, is_predefined
from nbprod.export import magics
from nbprod.export.inject import inject_unit
from nbprod.export.units import Unit, cell_units, rewrite
from nbprod.naming import slug
from nbprod.notebook import Notebook

PLOT_LIBS = ("matplotlib", "seaborn", "plotly", "bokeh", "altair", "pandas.plotting", "missingno",
             "yellowbrick", "scikitplot", "holoviews", "hvplot", "wordcloud")  # fmt: skip
PLOT_LEAVES = frozenset({"plot", "hist", "imshow", "barh", "boxplot", "scatter_matrix", "heatmap",
                         "savefig", "show", "pairplot", "from_estimator", "from_predictions"})  # fmt: skip
# Methods that only look at data: a cell ending with ``df.head()`` just displays it.
VIEW_METHODS = frozenset({
    "head", "tail", "describe", "value_counts", "nunique", "unique", "isna", "isnull",
    "notna", "notnull", "sum", "mean", "median", "std", "var", "min", "max", "count", "corr",
    "cov", "round", "sort_values", "sort_index", "to_frame", "reset_index", "memory_usage",
    "get_params", "keys", "values", "items", "agg", "groupby", "pivot_table", "crosstab",
    "quantile", "idxmax", "idxmin", "any", "all", "abs", "nlargest", "nsmallest", "rename",
    "astype", "T", "transpose", "style", "to_numpy", "tolist", "copy", "get_feature_names_out",
    "score", "shape", "dtypes", "columns", "index", "size", "select_dtypes", "filter", "loc",
    "iloc", "duplicated", "drop_duplicates", "first", "last", "applymap", "map", "apply",
})  # fmt: skip
VIEW_FUNCTIONS = frozenset({"display", "len", "type", "repr", "str", "sorted", "list", "dict",
                            "set", "tuple", "dir", "vars", "id", "round", "sum", "min", "max"})  # fmt: skip
MUTATORS = frozenset({"append", "extend", "insert", "remove", "pop", "clear", "update",
                      "setdefault", "sort", "reverse", "add", "discard", "popitem"})  # fmt: skip
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_HTML_HEADING = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1>", re.I | re.S)
_UPPER = re.compile(r"^[A-Z][A-Z0-9_]*$")
# Modules every package has: a ``%%writefile`` of one of these is renamed ``user_<name>``.
RESERVED_MODULES = frozenset({"config", "pipeline", "helpers", "__init__", "__main__", "_testing",
                              "_magics", "_ipython", "_secrets", "_normalize"})  # fmt: skip
# Names every section module and helper may use without the notebook defining them.
RUNTIME_NAMES = frozenset(
    {"sh", "getoutput", "magic_todo", "os", "Path", "functools", "env_secret", "display", "timed",
     "get_ipython", "input", "capture"}
)  # fmt: skip
# What a live IPython gives the notebook: imported from the package's ``_ipython.py`` stand-ins
# (IPython's own inside IPython, a text or a clear failure in a script).
IPYTHON_STANDINS = {
    "IPython.display": {"display", "clear_output", "update_display", "DisplayHandle"},
    "IPython.core.display": {"display", "clear_output", "update_display", "DisplayHandle"},
    "IPython.core.display_functions": {"display", "clear_output", "update_display"},
    "IPython": {"display", "get_ipython"},
    "IPython.core.getipython": {"get_ipython"},
}


@dataclass(eq=False)
class Section:
    """A group of cells that becomes a module with ``run()`` (and ``plot()`` when it draws)."""

    title: str
    module: str = ""
    cells: list[int] = field(default_factory=list)
    body: list[Unit] = field(default_factory=list)
    plots: list[Unit] = field(default_factory=list)
    params: list[str] = field(default_factory=list)
    returns: list[str] = field(default_factory=list)
    plot_params: list[str] = field(default_factory=list)
    is_async: bool = False
    defs: set[str] = field(default_factory=set)
    imports: set[str] = field(default_factory=set)
    helpers: set[str] = field(default_factory=set)
    runtime: set[str] = field(default_factory=set)
    placeholders: dict[str, str] = field(default_factory=dict)
    partial: bool = False
    plot_imports: set[str] = field(default_factory=set)  # imported inside plot(): only --plots needs them


@dataclass(eq=False)
class Plan:
    """Everything the writer needs to render the package."""

    notebook: Notebook
    facts: NotebookFacts
    package: str
    units: list[Unit] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    imports: dict[str, str] = field(default_factory=dict)  # alias -> import statement
    import_roots: dict[str, str] = field(default_factory=dict)  # alias -> top-level module
    star_imports: list[str] = field(default_factory=list)
    helpers: list[Unit] = field(default_factory=list)
    inject: dict[str, list[str]] = field(default_factory=dict)
    helpers_partial: bool = False
    helper_config: set[str] = field(default_factory=set)
    config: dict[str, Any] = field(default_factory=dict)  # name -> literal value
    config_text: dict[str, str] = field(default_factory=dict)
    requirements: list[str] = field(default_factory=list)
    module_files: dict[str, str] = field(default_factory=dict)  # module name -> source
    faithful: dict[int, bool] = field(default_factory=dict)  # cell -> output reproduced
    grouping: str = "headings"
    warnings: list[str] = field(default_factory=list)
    results: list[str] = field(default_factory=list)
    hidden_options: set[str] = field(default_factory=set)  # config names never shown as CLI defaults
    module_alias: dict[str, str] = field(default_factory=dict)  # %%writefile module -> package module
    inline_roots: set[str] = field(default_factory=set)  # top-level modules imported inline
    side_effect_imports: list[str] = field(default_factory=list)  # kept for their effect, in __init__
    entry: str = "run"  # each section module's function (renamed when the notebook has a ``run``)
    plot_entry: str = "plot"


def _heading(source: str) -> str | None:
    """The last heading of a markdown cell (outside code fences), or None."""
    found = None
    fence = False
    for line in source.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
            continue
        if fence:
            continue
        m = _HEADING.match(line)
        if m:
            found = m.group(2)
    if found is None:
        m2 = list(_HTML_HEADING.finditer(source))
        if m2:
            found = re.sub(r"<[^>]+>", "", m2[-1].group(2)).strip()
    return found or None


# -- classification ------------------------------------------------------------------------


def _display_only(node: ast.stmt, last: bool) -> str | None:
    """Why an expression statement only displays something, or None when it may act."""
    if not isinstance(node, ast.Expr):
        return None
    value = node.value
    if isinstance(value, ast.Constant):
        return "a bare literal (a note or a displayed value)"
    if isinstance(value, ast.Call):
        name = _dotted(value.func)
        if name == "display":
            return "display() only shows a value"
        leaf = value.func.attr if isinstance(value.func, ast.Attribute) else name
        if _pure(value) or (last and leaf in VIEW_METHODS and _pure_receiver(value.func)):
            return "display only: shows a value at the end of a cell"
        if last and re.search(r"(_score|_error|_matrix|_report|_loss)$", leaf or "") and _pure_args(value):
            return "display only: a metric shown at the end of a cell"
        return None
    if isinstance(value, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
        return None
    if _pure(value) or last:
        return "display only: shows a value" + (" at the end of a cell" if last else "")
    return None


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _pure_receiver(node: ast.AST) -> bool:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        if isinstance(node, ast.Call):
            f = node.func
            leaf = f.attr if isinstance(f, ast.Attribute) else _dotted(f)
            if leaf not in VIEW_METHODS and leaf not in VIEW_FUNCTIONS:
                return False
            node = f.value if isinstance(f, ast.Attribute) else f
        else:
            node = node.value
    return isinstance(node, (ast.Name, ast.Constant))


def _pure_args(call: ast.Call) -> bool:
    return all(_pure(a) for a in [*call.args, *(k.value for k in call.keywords)])


def _pure(node: ast.AST) -> bool:
    """An expression with no calls except viewing methods and builtins."""
    for n in ast.walk(node):
        if isinstance(n, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr, ast.Lambda)):
            return False
        if isinstance(n, ast.Call):
            f = n.func
            leaf = f.attr if isinstance(f, ast.Attribute) else _dotted(f)
            if leaf not in VIEW_METHODS and leaf not in VIEW_FUNCTIONS:
                return False
    return True


def _literal(node: ast.AST) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def _is_plot(
    unit: Unit, facts: NotebookFacts, plot_names: set[str], drawing: frozenset[str] = frozenset()
) -> bool:
    node = unit.node
    if node is None or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return False
    if unit.reads & plot_names:
        return True
    if drawing and any(isinstance(n, ast.Call) and _dotted(n.func) in drawing for n in ast.walk(node)):
        return True
    return _draws(node, facts)


def _draws(node: ast.AST, facts: NotebookFacts) -> bool:
    """True when a statement calls a plotting library (not counting definitions inside it)."""
    for n in ast.walk(node):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
        if isinstance(n, ast.Attribute) and n.attr == "plot":
            return True
        if isinstance(n, ast.Call):
            name = _dotted(n.func)
            qualified = facts.qualify(name) if name else ""
            if qualified.startswith(PLOT_LIBS) and not qualified.startswith("matplotlib.use"):
                return True
            leaf = n.func.attr if isinstance(n.func, ast.Attribute) else name
            if leaf in PLOT_LEAVES and (qualified.startswith(PLOT_LIBS) or leaf not in ("show",)):
                if leaf in ("hist", "plot", "boxplot", "imshow", "heatmap", "savefig", "barh",
                            "pairplot", "from_estimator", "from_predictions", "scatter_matrix"):  # fmt: skip
                    return True
    return False


def _prints(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) and _dotted(n.func) in ("print", "display") for n in ast.walk(node))


# -- the planner ---------------------------------------------------------------------------


def plan_export(nb: Notebook, facts: NotebookFacts, package: str) -> Plan:
    """Classify every statement, cut sections, and wire the data flow between them."""
    plan = Plan(nb, facts, package)
    all_names = frozenset(n for f in facts.cells if f is not None for n in f.defs)
    for cell, cf in facts.code():
        plan.faithful[cell.index] = True
        units = cell_units(cell, cf)
        code_units = [u for u in units if u.node is not None]
        for u in units:
            if u.node is not None:
                if u.text.strip():
                    u.flow_from(analyze_cell(u.text))
                _translate_magics(plan, u, all_names)
                if u.kind == "code" and u.node is not None and not u.rewritten:
                    why = _display_only(u.node, u is code_units[-1])
                    if why:
                        u.kind, u.reason = "dropped", why
            else:
                plan.faithful[cell.index] = False
        plan.units.extend(units)
    _imports(plan)
    _config(plan)
    _helpers(plan)
    _plots(plan)
    _sections(plan)
    _flow(plan)
    _side_effects(plan)
    return plan


def _side_effects(plan: Plan) -> None:
    """Imports nothing reads but that act when imported (``enable_halving_search_cv``) go to __init__."""
    read: set[str] = set()
    for u in plan.units:
        if u.kind not in ("dropped", "todo", "import"):
            read |= u.reads | u.deferred
    cells = {c.index: c for c in plan.notebook.cells}
    for u in plan.units:
        node = u.node
        if (
            u.kind != "import"
            or not isinstance(node, (ast.Import, ast.ImportFrom))
            or (isinstance(node, ast.ImportFrom) and node.level)
        ):
            continue
        names = _import_texts(node)
        if not names or set(names) & read:
            continue
        raw = cells[u.cell].source.splitlines()
        line = raw[u.line - 1] if 0 < u.line <= len(raw) else ""
        modules = [a.name for a in node.names] + (
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        )
        if re.search(r"#\s*noqa", line) or any(
            "experimental" in m.split(".") or m.split(".")[-1].startswith("enable_") for m in modules
        ):
            text = ast.unparse(node)
            if text not in plan.side_effect_imports:
                plan.side_effect_imports.append(text)
            u.where = "__init__.py"
            u.reason = "imported for its side effect"
            plan.inline_roots.add(
                modules[-1].split(".")[0] if isinstance(node, ast.ImportFrom) else modules[0].split(".")[0]
            )


def _translate_magics(plan: Plan, u: Unit, names: frozenset[str]) -> None:
    node = u.node
    assert node is not None
    if not any(magics.magic_of(n) is not None for n in ast.walk(node) if isinstance(n, ast.Call)):
        return
    top = magics.magic_of(node.value) if isinstance(node, ast.Expr) else None
    if top is not None:
        t = magics.translate(top[0], top[1], names)
        plan.faithful[u.cell] = plan.faithful[u.cell] and t.faithful
        plan.requirements.extend(t.requirements)
        u.snippet = u.snippet or magics.describe(*top)
        if t.module_file:
            fname, body = t.module_file
            orig = fname[:-3]
            mod = orig if orig not in RESERVED_MODULES and orig != plan.package else f"user_{orig}"
            plan.module_alias[orig] = mod
            plan.module_files[mod] = body
        if t.code:
            rewrite(u, t.code)
            _add_runtime(u, t.helpers)
            if top[0] in ("run_line_magic", "run_cell_magic") and top[1][0] in magics.BODY_MAGICS:
                u.reason = f"{magics.describe(*top)}: kept the code, dropped the timing"
                _flag_display(u)
            return
        if t.todo:
            u.kind, u.reason = "todo", t.todo
            u.defs, u.reads, u.deferred = set(), set(), set()
            return
        u.kind, u.reason = "dropped", t.dropped or "magic"
        return
    tr = magics.NestedMagics(names)
    import copy

    new = tr.visit(copy.deepcopy(node))
    plan.faithful[u.cell] = plan.faithful[u.cell] and tr.faithful
    plan.requirements.extend(tr.requirements)
    rewrite(u, new if isinstance(new, ast.stmt) else list(new))
    _add_runtime(u, tr.helpers)
    if tr.notes:
        u.reason = "; ".join(tr.notes)


def _flag_display(u: Unit) -> None:
    """A kept ``%%time`` body: drop its last line when it only displays a value."""
    try:
        tree = ast.parse(u.text)
    except SyntaxError:
        return
    if tree.body and _display_only(tree.body[-1], True):
        tree.body.pop()
        if tree.body:
            rewrite(u, tree.body)
        else:
            u.kind, u.reason = "dropped", "display only"


def _add_runtime(u: Unit, helpers: set[str]) -> None:
    u.reads |= {h for h in helpers}


def _import_texts(node: ast.Import | ast.ImportFrom) -> dict[str, str]:
    """Bound name -> what it is bound to, for one import statement."""
    out = {}
    for alias in node.names:
        if isinstance(node, ast.Import):
            out[alias.asname or alias.name.split(".")[0]] = (
                alias.name if alias.asname else alias.name.split(".")[0]
            )
        elif alias.name != "*":
            out[alias.asname or alias.name] = f"{'.' * node.level}{node.module or ''}.{alias.name}"
    return out


def _imports(plan: Plan) -> None:
    bound_to: dict[str, set[str]] = {}
    for u in plan.units:
        if u.kind == "code" and isinstance(u.node, (ast.Import, ast.ImportFrom)):
            for name, target in _import_texts(u.node).items():
                bound_to.setdefault(name, set()).add(target)
    conflicting = {n for n, targets in bound_to.items() if len(targets) > 1}
    for u in plan.units:
        node = u.node
        if u.kind != "code" or not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if set(_import_texts(node)) & conflicting:
            # ``from time import time`` here, ``import time`` there: keep each where the notebook
            # runs it, so the name is bound in notebook order
            u.reason = "kept in place: another cell binds the same name to a different import"
            if isinstance(node, ast.ImportFrom) and node.level:
                continue
            roots = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            plan.inline_roots |= {r.split(".")[0] for r in roots if r}
            continue
        u.kind = "import"
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            u.kind, u.reason = "dropped", "__future__ import: the generated modules set their own"
            continue
        for alias in node.names:
            if isinstance(node, ast.Import):
                bound = alias.asname or alias.name.split(".")[0]
                text = ast.unparse(ast.Import([alias]))
                root = alias.name.split(".")[0]
                if alias.name in plan.module_alias:
                    mod = plan.module_alias[alias.name]
                    text, root = (f"from . import {mod}" + (f" as {bound}" if bound != mod else ""), "")
            else:
                module = node.module or ""
                root = module.split(".")[0]
                if node.level == 0 and root in plan.module_alias:
                    module = "." + plan.module_alias[root] + module[len(root) :]
                    root = ""
                if alias.name == "*":
                    stmt = f"from {'.' * node.level}{module} import *"
                    if stmt not in plan.star_imports:
                        plan.star_imports.append(stmt)
                    continue
                bound = alias.asname or alias.name
                text = ast.unparse(ast.ImportFrom(module, [alias], node.level))
                if node.level:
                    root = ""
                elif alias.name in IPYTHON_STANDINS.get(module, ()) and not (
                    module == "IPython" and alias.name == "display" and _module_display(plan, bound)
                ):
                    text, root = ast.unparse(ast.ImportFrom("_ipython", [alias], 1)), ""
            plan.imports.setdefault(bound, text)
            plan.import_roots.setdefault(bound, root)


def _module_display(plan: Plan, bound: str) -> bool:
    """``from IPython import display`` binds the module when the code uses ``display.Image``..."""
    for u in plan.units:
        if u.node is not None and u.kind != "import":
            for n in ast.walk(u.node):
                if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == bound:
                    return True
    return False


def _bindings(plan: Plan) -> dict[str, int]:
    counts: dict[str, int] = {}
    for u in plan.units:
        if u.kind in ("dropped", "todo", "import"):
            continue
        for name in u.defs:
            counts[name] = counts.get(name, 0) + 1
    for cf in plan.facts.cells:
        if cf is not None:
            for name in cf.global_defs:
                counts[name] = counts.get(name, 0) + 2
            for name in cf.deletes:
                counts[name] = counts.get(name, 0) + 2
    return counts


def _mutated(plan: Plan, name: str) -> bool:
    for cf in plan.facts.cells:
        if cf is None:
            continue
        for call in cf.calls:
            if call.name.startswith(name + ".") and call.name.count(".") == 1 and call.leaf in MUTATORS:
                return True
    return False


def _config(plan: Plan) -> None:
    counts = _bindings(plan)
    defined_at: dict[str, int] = {}
    first_read: dict[str, int] = {}
    for i, u in enumerate(plan.units):
        for n in u.defs:
            defined_at.setdefault(n, i)
        for n in u.reads | u.deferred:
            first_read.setdefault(n, i)
    cells = {c.index: c for c in plan.notebook.cells}
    for i, u in enumerate(plan.units):
        node = u.node
        if u.kind != "code" or not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if not isinstance(target, ast.Name) or counts.get(target.id) != 1:
            continue
        ok, value = _literal(node.value)
        if not ok:
            continue
        name = target.id
        tagged = "parameters" in cells[u.cell].tags
        scalar = isinstance(value, (int, float, str, bool)) or value is None
        early = first_read.get(name, 1 << 30) < i
        if not (tagged or (_UPPER.match(name) and name != "_") or (early and scalar)):
            continue
        if not scalar and (
            _mutated(plan, name) or not isinstance(value, (tuple, list, dict, frozenset, set))
        ):
            continue
        u.kind, u.where = "config", "config.py"
        if early:
            u.reason = "read before this cell in the notebook, so it became a parameter in config.py"
        plan.config[name] = value
        cf = plan.facts.cells[u.cell]
        segment = ast.get_source_segment(cf.python, node.value) if cf is not None else None
        plan.config_text[name] = segment or ast.unparse(node.value)
    for name in plan.config:
        if first_read.get(name, 1 << 30) < defined_at.get(name, 0):
            plan.warnings.append(
                f"`{name}` is read before the cell that sets it; the package uses its value from config.py"
            )


def _helpers(plan: Plan) -> None:
    counts = _bindings(plan)
    candidates = {}
    for u in plan.units:
        node = u.node
        if u.kind == "code" and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if counts.get(node.name) == 1 and not u.is_async and not _declares_global(node):
                candidates[node.name] = u
    data = {n for u in plan.units if u.kind == "code" for n in u.defs} | set(plan.config)
    static = set(plan.imports) | set(plan.module_files)
    hoisted = dict(candidates)
    while True:
        removed = False
        for name, u in list(hoisted.items()):
            immediate = u.reads - static - set(hoisted) - set(plan.config)
            immediate = {n for n in immediate if n in data and not is_predefined(n)}
            if immediate or (isinstance(u.node, ast.ClassDef) and _class_needs(u, hoisted, data, static)):
                del hoisted[name]
                removed = True
        inject = _inject_sets(hoisted, data, static)
        for name, u in list(hoisted.items()):
            if isinstance(u.node, ast.ClassDef) and any(
                inject.get(h) for h in u.deferred | u.reads if h in hoisted
            ):
                del hoisted[name]
                removed = True
        if not removed:
            break
    plan.inject = {k: v for k, v in inject.items() if v}
    for name, u in hoisted.items():
        u.kind, u.where = "helper", "helpers.py"
        plan.helper_config |= u.reads & set(plan.config)
        if inject_unit(u, plan.inject, plan.inject.get(name)):
            plan.helpers_partial = True
        plan.helpers.append(u)
    plan.helpers.sort(key=lambda u: plan.units.index(u))
    for u in plan.units:
        if u.kind == "code" and inject_unit(u, plan.inject):
            u.reads.add("functools")


def _declares_global(node: ast.AST) -> bool:
    """True when a definition rebinds notebook globals with ``global`` (it stays in its section)."""
    return any(isinstance(n, ast.Global) for n in ast.walk(node))


def _globals_to_nonlocal(u: Unit, bound: set[str]) -> None:
    """Inside a section's ``run()``, the notebook's ``global x`` is the section's ``nonlocal x``."""
    node = u.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return
    names = {n for g in ast.walk(node) if isinstance(g, ast.Global) for n in g.names}
    if not names or not names <= bound:
        return
    text = re.sub(r"(?m)^(\s*)global(\s+)", r"\1nonlocal\2", u.text)
    try:
        compile("def _run():\n" + "\n".join(f" {n} = None" for n in sorted(names)) + "\n"
                + "\n".join(" " + line for line in text.split("\n")), "<unit>", "exec")  # fmt: skip
    except SyntaxError:
        return
    u.text = text


def _class_needs(u: Unit, hoisted: dict[str, Unit], data: set[str], static: set[str]) -> bool:
    free = (u.deferred | u.reads) - static - set(hoisted)
    return any(n in data and not is_predefined(n) for n in free)


def _inject_sets(hoisted: dict[str, Unit], data: set[str], static: set[str]) -> dict[str, list[str]]:
    need: dict[str, set[str]] = {}
    for name, u in hoisted.items():
        if isinstance(u.node, ast.ClassDef):
            need[name] = set()
            continue
        need[name] = {n for n in u.deferred - static - set(hoisted) if n in data and not is_predefined(n)}
    changed = True
    while changed:
        changed = False
        for name, u in hoisted.items():
            for callee in (u.deferred | u.reads) & set(hoisted):
                if callee != name and not need[callee] <= need[name]:
                    need[name] |= need[callee]
                    changed = True
    return {k: sorted(v) for k, v in need.items()}


def _drawing_functions(plan: Plan) -> frozenset[str]:
    """The notebook's own functions that draw (directly or through another one): plot helpers."""
    defs = {}
    for u in plan.units:
        if u.kind in ("code", "helper") and isinstance(u.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defs[u.node.name] = u.node
    drawing: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, fn in defs.items():
            if name in drawing:
                continue
            body = [n for stmt in fn.body for n in ast.walk(stmt) if isinstance(n, ast.stmt)]
            calls = {_dotted(n.func) for n in ast.walk(fn) if isinstance(n, ast.Call)}
            if _prints(fn):
                continue  # what it prints is part of the pipeline's output
            if any(
                _draws(b, plan.facts) for b in body if not isinstance(b, (ast.FunctionDef, ast.ClassDef))
            ) or (calls & drawing):
                drawing.add(name)
                changed = True
    return frozenset(drawing)


def _plots(plan: Plan) -> None:
    facts = plan.facts
    plot_names: set[str] = set()
    candidates: list[Unit] = []
    drawing = _drawing_functions(plan)
    for u in plan.units:
        if u.kind == "code" and _is_plot(u, facts, plot_names, drawing):
            candidates.append(u)
            plot_names |= u.defs
    while True:
        plot_set = set(map(id, candidates))
        needed = set()
        for u in plan.units:
            if u.kind in ("code", "helper") and id(u) not in plot_set:
                needed |= u.reads | u.deferred
        keep = [u for u in candidates if not (u.defs & needed) and not (u.node and _prints(u.node))]
        if len(keep) == len(candidates):
            break
        candidates = keep
    for u in candidates:
        u.kind = "plot"


def _sections(plan: Plan) -> None:
    nb = plan.notebook
    by_cell: dict[int, list[Unit]] = {}
    for u in plan.units:
        by_cell.setdefault(u.cell, []).append(u)
    sections: list[Section] = []
    current = Section("setup")
    for cell in nb.cells:
        if cell.kind == "markdown":
            title = _heading(cell.source)
            if title:
                if current.body or current.plots:
                    sections.append(current)
                    current = Section(title)
                else:
                    current.title = title
            continue
        if cell.kind != "code":
            continue
        current.cells.append(cell.index)
        for u in by_cell.get(cell.index, []):
            if u.kind in ("code", "todo"):
                current.body.append(u)
            elif u.kind == "plot":
                current.plots.append(u)
    if current.body or current.plots:
        sections.append(current)
    if len(sections) <= 1:
        plan.grouping = "data flow"
        sections = _dataflow_sections(plan, by_cell, sections[0].title if sections else "pipeline")
    used = {"config", "pipeline", "helpers", "tests", "_magics", "_ipython", "_testing", "__main__", plan.package,
            "plots", "plot", "run", "main", "argparse", "asyncio", "Any", "Sequence", "annotations",
            "SECTIONS", "args", "parser", "src"}  # fmt: skip
    used |= set(plan.module_files) | set(plan.imports) | set(sys.stdlib_module_names)
    used |= {n for u in plan.units for n in u.defs | u.reads}
    notebook_names = {n for u in plan.units for n in u.defs | u.reads | u.deferred}
    if "run" in notebook_names:  # the notebook's own ``run`` must not be shadowed by the section's
        plan.entry = "run_section"
    if "plot" in notebook_names:
        plan.plot_entry = "plot_section"
    for s in sections:
        base = slug(s.title)
        name = base
        if name in used:
            name = f"{base}_section"
        k = 2
        while name in used:
            name = f"{base}_{k}"
            k += 1
        used.add(name)
        s.module = name
    plan.sections = sections


def _dataflow_sections(plan: Plan, by_cell: dict[int, list[Unit]], title: str) -> list[Section]:
    """No headings: cut the code cells into groups where the fewest names cross the cut."""
    cells = [c.index for c in plan.notebook.cells if c.kind == "code"]
    cells = [c for c in cells if any(u.kind in ("code", "todo", "plot") for u in by_cell.get(c, []))]
    n = len(cells)
    if n == 0:
        return []
    k = max(1, round(n / 4))
    defs = [set().union(*(u.defs for u in by_cell[c] if u.kind in ("code", "plot"))) for c in cells]
    reads = [
        set().union(*(u.reads | u.deferred for u in by_cell[c] if u.kind in ("code", "plot"))) for c in cells
    ]
    crossing = []
    for i in range(n - 1):
        before = set().union(*defs[: i + 1])
        after = set().union(*reads[i + 1 :])
        crossing.append(len(before & after))
    target = n / k
    best: dict[tuple[int, int], tuple[float, list[int]]] = {}

    def solve(start: int, groups: int) -> tuple[float, list[int]]:
        key = (start, groups)
        if key in best:
            return best[key]
        if groups == 1:
            result: tuple[float, list[int]] = ((n - start - target) ** 2 * 0.5, [])
        else:
            result = (float("inf"), [])
            for end in range(start + 1, n - groups + 2):
                cost, cuts = solve(end, groups - 1)
                cost += crossing[end - 1] + (end - start - target) ** 2 * 0.5
                if cost < result[0]:
                    result = (cost, [end, *cuts])
        best[key] = result
        return result

    _, cuts = solve(0, k)
    bounds = [0, *cuts, n]
    sections = []
    for j in range(len(bounds) - 1):
        group = cells[bounds[j] : bounds[j + 1]]
        s = Section(title if k == 1 else f"step {j + 1}")
        for c in group:
            s.cells.append(c)
            for u in by_cell.get(c, []):
                if u.kind in ("code", "todo"):
                    s.body.append(u)
                elif u.kind == "plot":
                    s.plots.append(u)
        if k > 1:
            names = list(dict.fromkeys(d for u in s.body for d in sorted(u.defs)))[:2]
            s.title = f"step {j + 1} " + " ".join(names) if names else f"step {j + 1}"
        sections.append(s)
    return sections


def _flow(plan: Plan) -> None:
    static = set(plan.imports) | {h.node.name for h in plan.helpers} | set(plan.module_files)  # type: ignore[union-attr]
    static |= RUNTIME_NAMES
    config = set(plan.config)
    available: set[str] = set(config)
    defined_later: dict[str, int] = {}
    for i, s in enumerate(plan.sections):
        for u in s.body:
            for n in u.defs:
                defined_later.setdefault(n, i)
    provider: dict[str, Any] = {n: "config" for n in config}
    needs: list[tuple[Any, str]] = []
    star = bool(plan.star_imports) or plan.facts.injects_unknown
    for i, s in enumerate(plan.sections):
        local: set[str] = set()
        section_defs = set().union(*(u.defs for u in s.body)) if s.body else set()
        for u in s.body:
            s.is_async |= u.is_async
            for r in sorted(u.reads):
                if r in local or r in u.defs and r not in available:
                    continue
                _need(plan, s, r, available, static, star, defined_later, i, s.params, cell=u.cell)
            for r in sorted(u.deferred):
                if r in section_defs or r in local:
                    continue
                _need(plan, s, r, available, static, star, defined_later, i, s.params)
            local |= u.defs
        for p in s.params:
            if p in provider:
                needs.append((provider[p], p))
        s.defs = section_defs
        for u in s.body:
            _globals_to_nonlocal(u, section_defs | set(s.params))
        for n in section_defs:
            provider[n] = s
        available |= section_defs
        plot_local: set[str] = set()
        for u in s.plots:
            for r in sorted(u.reads | u.deferred):
                if r in plot_local:
                    continue
                _need(plan, s, r, available, static, star, defined_later, i, s.plot_params, plot=True)
            plot_local |= u.defs
        for p in s.plot_params:
            if p in provider:
                needs.append((provider[p], p))
    for prov, name in needs:
        if isinstance(prov, Section) and name not in prov.returns:
            prov.returns.append(name)
    read_after: set[str] = set()
    for s in reversed(plan.sections):
        finals = []
        for u in s.body:
            for n in _assigned(u):
                if n not in read_after and not n.startswith("_") and n not in finals:
                    finals.append(n)
        deleted = {n for u in s.body for n in analyze_cell(u.text).deletes} if s.body else set()
        for n in finals:
            if n not in s.returns and n not in deleted:
                s.returns.append(n)
        read_after |= set(s.params) | set(s.plot_params) | s.defs
    for s in plan.sections:
        s.returns.sort(key=lambda n: min((u.line + 10000 * u.cell for u in s.body if n in u.defs), default=0))
        for u in s.body + s.plots:
            s.imports |= {n for n in u.reads | u.deferred if n in plan.imports}
            s.helpers |= {n for n in u.reads | u.deferred if n in static and n not in plan.imports}
        body_reads = {n for u in s.body for n in u.reads | u.deferred}
        s.plot_imports = {n for n in s.imports if n not in body_reads}
        s.imports -= s.plot_imports
    results: list[str] = []
    for s in plan.sections:
        for n in s.returns:
            if n not in results:
                results.append(n)
    plan.results = results


def _assigned(u: Unit) -> list[str]:
    """Names bound by the unit's top-level assignments (surely bound once it ran)."""
    if u.kind != "code":
        return []
    nodes = [u.node] if not u.rewritten and u.node is not None else _parse(u.text)
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Assign):
            stack: list[ast.expr] = list(node.targets)
            while stack:
                t = stack.pop()
                if isinstance(t, ast.Name):
                    names.add(t.id)
                elif isinstance(t, (ast.Tuple, ast.List)):
                    stack.extend(t.elts)
                elif isinstance(t, ast.Starred):
                    stack.append(t.value)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            if not isinstance(node, ast.AnnAssign) or node.value is not None:
                names.add(node.target.id)
    return sorted(names)


def _parse(text: str) -> list[ast.stmt]:
    try:
        return list(ast.parse(text).body)
    except SyntaxError:
        return []


def _need(
    plan: Plan,
    s: Section,
    name: str,
    available: set[str],
    static: set[str],
    star: bool,
    defined_later: dict[str, int],
    index: int,
    params: list[str],
    plot: bool = False,
    cell: int | None = None,
) -> None:
    if name in params:
        return
    if name in available:
        params.append(name)
        return
    if name in static or is_predefined(name) or star:
        return
    if name in s.defs and plot:
        params.append(name)
        return
    later = defined_later.get(name)
    if later is not None and later == index:
        return
    where = "a later cell" if later is not None else "no cell"
    unparsed = any(u.node is None and u.kind == "dropped" for u in plan.units)
    if cell is not None and (later is not None or not unparsed):
        from nbprod.errors import NbprodError

        set_at = ""
        if later is not None:
            cells = [u.cell for u in plan.sections[later].body if name in u.defs]
            set_at = f" (cell {cells[0]} sets it later)" if cells else " (a later cell sets it)"
        raise NbprodError(
            f"{Path(plan.notebook.path).name}: cell {cell} reads `{name}` before any cell gives it a value"
            f"{set_at}: the package could not run; fix the notebook's order and export again"
        )
    if name not in s.placeholders:
        s.placeholders[name] = where
        plan.warnings.append(
            f"`{name}` is read in section '{s.title}' but {where} defines it before: "
            f"left as a TODO placeholder (None) in {s.module or 'its module'}"
        )


__all__ = ["Plan", "Section", "plan_export", "slug"]
