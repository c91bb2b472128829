"""Find the notebook's model by data flow: what is fit, on which features and target, and used last."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

USES = ("predict", "predict_proba", "decision_function", "predict_log_proba", "score")
READS = ("read_", "load_", "fetch_", "make_")
SELECT = (
    "drop",
    "copy",
    "loc",
    "iloc",
    "filter",
    "select_dtypes",
    "reindex",
    "head",
    "sample",
    "reset_index",
)


@dataclass
class ModelSpec:
    """The model, its training features and target, the preprocessing to replay, the held-out rows."""

    model: str
    cell: int
    line: int
    fit_X: str
    fit_y: str | None
    raw_X: str
    steps: list[tuple[str, str | None]] = field(default_factory=list)
    heldout_X: str | None = None
    heldout_y: str | None = None
    notebook_predictions: str | None = None
    metrics: list[str] = field(default_factory=list)
    preprocessing: str = "in the model"
    upstream: list[str] = field(default_factory=list)  # statements that build the input, not replayed
    notes: list[str] = field(default_factory=list)


@dataclass
class _Stmt:
    index: int
    cell: int
    line: int
    node: ast.stmt
    defs: set[str]
    reads: set[str]


def _qual(node: ast.AST, imports: dict[str, str]) -> str:
    if isinstance(node, ast.Name):
        return imports.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        return f"{_qual(node.value, imports)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _qual(node.func, imports)
    return ""


def _target(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
        return stmt.target.id
    return None


def _calls(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call)]


class _Flow:
    def __init__(self, stmts: list[_Stmt], imports: dict[str, str], helpers: dict[str, ast.AST]) -> None:
        self.stmts = stmts
        self.imports = imports
        self.helpers = helpers
        self.constants: set[str] = set()

    def assignment(self, name: str, before: int) -> tuple[_Stmt, ast.expr, int | None] | None:
        """The last statement before ``before`` that assigns ``name``: (stmt, value, tuple position)."""
        for s in reversed(self.stmts[:before]):
            if name not in s.defs:
                continue
            node = s.node
            if _target(node) == name:
                return s, node.value, None  # type: ignore[attr-defined]
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Tuple)
            ):
                names = [e.id if isinstance(e, ast.Name) else None for e in node.targets[0].elts]
                if name in names:
                    return s, node.value, names.index(name)
            return None
        return None

    def walk_back(self, expr: ast.expr, before: int) -> tuple[ast.expr, list[tuple[str, str | None]], int]:
        """Follow transforms, ``.values`` and DataFrame wraps back to the frame they started from."""
        steps: list[tuple[str, str | None]] = []
        node = expr
        for _ in range(50):
            if isinstance(node, ast.Attribute) and node.attr == "values":
                steps.insert(0, ("values", None))
                node = node.value
                continue
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                f = node.func
                if f.attr == "to_numpy" and not node.args:
                    steps.insert(0, ("values", None))
                    node = f.value
                    continue
                if (
                    f.attr in ("transform", "fit_transform")
                    and len(node.args) == 1
                    and isinstance(f.value, ast.Name)
                ):
                    steps.insert(0, ("transform", f.value.id))
                    node = node.args[0]
                    continue
                if f.attr == "DataFrame" and node.args:
                    node = node.args[0]
                    continue
            if isinstance(node, ast.Name):
                found = self.assignment(node.id, before)
                if found and found[2] is None:
                    s, value, _ = found
                    inner, more, _b = self.walk_back(value, s.index)
                    if more:
                        steps = more + steps
                        node, before = inner, _b
                        continue
            break
        return node, steps, before

    def stable(self, expr: ast.expr, start: int) -> bool:
        """True when no statement from ``start`` on reassigns a name ``expr`` reads: its final value is the one used."""
        names = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}
        return not any(s.defs & names for s in self.stmts[start:])

    def split_partner(self, name: str, before: int) -> dict[str, str] | None:
        """``a, b, c, d = train_test_split(X, y)``: the roles of the four names."""
        found = self.assignment(name, before)
        if not found or found[2] is None:
            return None
        _s, value, _pos = found
        if not (isinstance(value, ast.Call) and _qual(value.func, self.imports).endswith("train_test_split")):
            return None
        elts = [e.id if isinstance(e, ast.Name) else "" for e in found[0].node.targets[0].elts]  # type: ignore[attr-defined]
        if len(elts) == 4:
            return {"X_train": elts[0], "X_test": elts[1], "y_train": elts[2], "y_test": elts[3]}
        if len(elts) == 2:
            return {"train": elts[0], "test": elts[1]}
        return None

    def is_metric(self, value: ast.expr) -> bool:
        for call in _calls(value):
            q = _qual(call.func, self.imports)
            if q.startswith("sklearn.metrics") or (
                isinstance(call.func, ast.Attribute) and call.func.attr == "score"
            ):
                return True
            if isinstance(call.func, ast.Name) and call.func.id in self.helpers:
                body = self.helpers[call.func.id]
                if any(_qual(c.func, self.imports).startswith("sklearn.metrics") for c in _calls(body)):
                    return True
        return False


def _fits(flow: _Flow) -> list[tuple[str, _Stmt, ast.Call]]:
    out = []
    for s in flow.stmts:
        for call in _calls(s.node):
            f = call.func
            if not (isinstance(f, ast.Attribute) and f.attr == "fit" and call.args):
                continue
            y = (
                call.args[1]
                if len(call.args) > 1
                else next((k.value for k in call.keywords if k.arg == "y"), None)
            )
            if y is None:
                continue
            if isinstance(f.value, ast.Name):
                out.append((f.value.id, s, call))
            elif _target(s.node) and isinstance(f.value, ast.Call):
                out.append((_target(s.node) or "", s, call))
    return out


def _uses(flow: _Flow, name: str, after: int) -> list[tuple[_Stmt, ast.Call]]:
    out = []
    for s in flow.stmts[after + 1 :]:
        for call in _calls(s.node):
            f = call.func
            if (
                isinstance(f, ast.Attribute)
                and f.attr in USES
                and isinstance(f.value, ast.Name)
                and f.value.id == name
            ):
                out.append((s, call))
            elif any(isinstance(a, ast.Name) and a.id == name for a in call.args) and _qual(
                f, flow.imports
            ).endswith(("dump", "save", "save_model")):
                out.append((s, call))
    return out


def _is_dummy(flow: _Flow, name: str, s: _Stmt) -> bool:
    found = flow.assignment(name, s.index + 1)
    if not found:
        return False
    return any(_qual(c.func, flow.imports).startswith("sklearn.dummy") for c in _calls(found[1]))


def _is_pipeline(flow: _Flow, name: str, stmt: _Stmt) -> bool:
    """True when the model is built as a scikit-learn Pipeline (here or in a function of the notebook)."""
    found = flow.assignment(name, stmt.index + 1)
    nodes: list[ast.AST] = [stmt.node] + ([found[1]] if found else [])
    for node in list(nodes):
        for call in _calls(node):
            if isinstance(call.func, ast.Name) and call.func.id in flow.helpers:
                nodes.append(flow.helpers[call.func.id])
            for arg in call.args:
                if isinstance(arg, ast.Name):
                    inner = flow.assignment(arg.id, stmt.index + 1)
                    if inner:
                        nodes.append(inner[1])
    return any(
        _qual(c.func, flow.imports).rsplit(".", 1)[-1] in ("Pipeline", "make_pipeline")
        for n in nodes
        for c in _calls(n)
    )


def _upstream(flow: _Flow, root: str, before: int) -> list[_Stmt]:
    """The backward slice of ``root``: statements that made it, most recent last."""
    needed = {root}
    out = []
    for s in reversed(flow.stmts[:before]):
        node = s.node
        mutates = (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and isinstance(node.value.func.value, ast.Name)
            and node.value.func.value.id in needed
        )
        if s.defs & needed or mutates:
            if s.reads - set(flow.imports) - flow.constants:
                out.append(s)
            needed |= s.reads
    return list(reversed(out))


def _kind_of_step(flow: _Flow, s: _Stmt) -> str:
    value = getattr(s.node, "value", None)
    if value is None:
        return "prep"
    q = _qual(value, flow.imports).split(".")[-1] if isinstance(value, ast.Call) else ""
    if q.startswith(READS):
        return "read"
    if q == "train_test_split":
        return "split"
    node: Any = value
    while isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr not in SELECT:
                return "prep"
            if not isinstance(node.func, ast.Attribute):
                return "prep"
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr not in SELECT + ("values", "data", "target"):
                return "prep"
            node = node.value
        else:
            node = node.value
    return "select" if isinstance(node, ast.Name) and isinstance(s.node, ast.Assign) else "prep"


def detect(units: list[Any], imports: dict[str, str], config: dict[str, Any]) -> ModelSpec | None:
    """The model the notebook trains, by data flow; None when nothing is fit on (X, y)."""
    stmts: list[_Stmt] = []
    helpers: dict[str, ast.AST] = {}
    for u in units:
        if u.node is None or u.kind in ("dropped", "todo", "import", "plot"):
            continue
        if isinstance(u.node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            helpers[u.node.name] = u.node
            continue
        stmts.append(_Stmt(len(stmts), u.cell, u.line, u.node, set(u.defs), set(u.reads) | set(u.deferred)))
    flow = _Flow(stmts, imports, helpers)
    flow.constants = set(config) | set(helpers)
    fits = [f for f in _fits(flow) if not _is_dummy(flow, f[0], f[1])]
    if not fits:
        return None

    def rank(fit: tuple[str, _Stmt, ast.Call]) -> tuple[int, int]:
        uses = _uses(flow, fit[0], fit[1].index)
        return (uses[-1][0].index if uses else -1, fit[1].index)

    name, stmt, call = max(fits, key=rank)
    fit_X = call.args[0]
    fit_y = call.args[1] if len(call.args) > 1 else next(k.value for k in call.keywords if k.arg == "y")
    raw, steps, at = flow.walk_back(fit_X, stmt.index)
    shadowed: list[str] = []
    if steps and not flow.stable(raw, at):
        shadowed.append(ast.unparse(raw))
        raw, steps = fit_X, []
    spec = ModelSpec(
        name, stmt.cell, stmt.line, ast.unparse(fit_X), ast.unparse(fit_y), ast.unparse(raw), steps
    )
    spec.preprocessing = (
        "fitted transformers replayed" if any(s[0] == "transform" for s in steps) else "in the model"
    )
    if not flow.stable(fit_X, stmt.index + 1):
        spec.notes.append(
            f"`{spec.fit_X}` is reassigned after the fit: the saved training rows may not be the ones the model saw"
        )
    uses = _uses(flow, name, stmt.index)
    for s, use in reversed(uses):
        if not use.args or not isinstance(use.func, ast.Attribute) or use.func.attr not in USES:
            continue
        held, hsteps, hat = flow.walk_back(use.args[0], s.index)
        if hsteps != steps or not flow.stable(held, hat if hsteps else s.index + 1):
            held, hsteps = use.args[0], []
            if steps or not flow.stable(held, s.index + 1):
                continue
        if ast.unparse(held) != spec.raw_X:
            spec.heldout_X = ast.unparse(held)
            if use.func.attr == "score" and len(use.args) > 1:
                spec.heldout_y = ast.unparse(use.args[1])
            break
    if isinstance(raw, ast.Name):
        roles = flow.split_partner(raw.id, stmt.index)
        if roles and roles.get("X_train") == raw.id:
            spec.heldout_X = spec.heldout_X or roles["X_test"]
            if spec.fit_y == roles["y_train"]:
                spec.heldout_y = spec.heldout_y or roles["y_test"]
    for s, use in uses:
        if (
            isinstance(use.func, ast.Attribute)
            and use.func.attr == "predict"
            and use.args
            and _target(s.node)
        ):
            held, _h, _hb = flow.walk_back(use.args[0], s.index)
            if ast.unparse(held) == spec.heldout_X:
                spec.notebook_predictions = _target(s.node)
    for s in stmts:
        t = _target(s.node)
        if t and flow.is_metric(s.node.value):  # type: ignore[attr-defined]
            spec.metrics.append(t)
    spec.metrics = list(dict.fromkeys(spec.metrics))
    if isinstance(raw, ast.Name):
        slice_ = _upstream(flow, raw.id, stmt.index)
        prep = [
            s
            for s in slice_
            if _kind_of_step(flow, s) == "prep" and not (s.defs & {n for _k, n in steps if n})
        ]
        for s in slice_:
            value = getattr(s.node, "value", None)
            if (
                s not in prep
                and isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id in helpers
            ):
                spec.upstream.append(
                    f"cell {s.cell} line {s.line}: `{ast.unparse(s.node)[:90]}` reads the data through the notebook's "
                    f"own function `{value.func.id}`; what it changes in the rows is not replayed"
                )
        for s in prep:
            text = ast.unparse(s.node).splitlines()[0][:90]
            spec.upstream.append(f"cell {s.cell} line {s.line}: `{text}`")
        if shadowed or (prep and not _is_pipeline(flow, name, stmt)):
            spec.preprocessing = "prepared features"
        for name_ in shadowed:
            spec.upstream.append(
                f"`{name_}` is overwritten by its transformed value, so its raw rows are not kept: "
                f"`predict` takes rows like `{spec.raw_X}` after the transformers ({', '.join(n for _s, n in flow.walk_back(fit_X, stmt.index)[1] if n)})"
            )
    else:
        spec.preprocessing = "prepared features"
        spec.upstream.append(f"the features are the expression `{spec.raw_X}`, not a named frame")
    return spec


def seeds(config: dict[str, Any]) -> dict[str, Any]:
    """Seed-like parameters of ``config.py``."""
    return {
        k: v
        for k, v in config.items()
        if ("SEED" in k.upper() or "RANDOM_STATE" in k.upper()) and isinstance(v, int)
    }
