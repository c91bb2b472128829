"""The notebook-wide def-use graph, statement by statement, in notebook order.

Every top-level statement of every code cell is a node that binds or updates names from
the names it reads: assignments, tuple unpacking, in-place updates (``df[c] = ...``,
``df.loc[...] = ...``, ``inplace=True``, ``.append``, ``scaler.fit(X)``), loops over lists
of frames (``for d in [train, test]`` and ``combine = [train, test]``), and calls of
helper functions defined in the notebook that update their arguments. ``lineage`` walks
the graph back ("where did this value come from"); ``rows`` does the same but only
through values that carry rows (not through fitted objects, modules or functions), which
is what the leakage rules need. Built once per notebook, on demand.
"""

from __future__ import annotations

import ast
import copy as copy_module
from collections.abc import Callable, Iterable, Iterator

from nbprod.analysis.cell import _target_names
from nbprod.values import Frozen

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start

if TYPE_CHECKING:
    from nbprod.analysis.cell import CellFacts
    from nbprod.analysis.facts import NotebookFacts

# Methods that change their receiver in place.
MUTATORS = frozenset({
    "append", "extend", "insert", "update", "add", "pop", "remove", "clear", "setdefault",
    "fit", "partial_fit", "set_params", "drop_duplicates_inplace",
})  # fmt: skip
# Calls that build values holding rows, although their names are capitalised.
DATA_CONSTRUCTORS = frozenset({
    "DataFrame", "Series", "Index", "MultiIndex", "Categorical", "Tensor", "FloatTensor",
    "LongTensor", "DMatrix", "Pool", "Dataset", "TensorDataset", "DataLoader", "Variable",
    "Array", "DatasetDict",
})  # fmt: skip
ID = tuple[int, str]  # (node index, name): one value a statement bound


class Node:
    """One top-level statement: the values it binds, each with the names it came from."""

    __slots__ = ("index", "cell", "line", "stmt", "number", "sources", "reach")

    index: int
    cell: int
    line: int
    stmt: ast.stmt
    number: int  # the statement's place among the cell's top-level statements (-1: recovered)
    sources: dict[str, frozenset[str]]
    reach: dict[str, int]  # name read -> node that bound it

    def __init__(
        self,
        index: int,
        cell: int,
        line: int,
        stmt: ast.stmt,
        number: int = -1,
        sources: dict[str, frozenset[str]] | None = None,
        reach: dict[str, int] | None = None,
    ) -> None:
        self.index = index
        self.cell = cell
        self.line = line
        self.stmt = stmt
        self.number = number
        self.sources = {} if sources is None else sources
        self.reach = {} if reach is None else reach

    @property
    def defs(self) -> frozenset[str]:
        return frozenset(self.sources)

    def text(self, limit: int = 60) -> str:
        """The statement's first line, shortened."""
        try:
            first = ast.unparse(self.stmt).splitlines()[0]
        except Exception:  # pragma: no cover - unparse handles every parsed tree
            return ""
        return first if len(first) <= limit else first[: limit - 1] + "…"


class Origin(Frozen):
    """A step of a value's history: ``name`` was bound in ``cell`` (0-based) at ``line``."""

    cell: int
    line: int
    name: str
    code: str

    __slots__ = ("cell", "line", "name", "code")
    __match_args__ = ("cell", "line", "name", "code")

    def __init__(self, cell: int, line: int, name: str, code: str) -> None:
        _set = object.__setattr__  # frozen: past our own __setattr__
        _set(self, "cell", cell)
        _set(self, "line", line)
        _set(self, "name", name)
        _set(self, "code", code)


_SKIPPED = (ast.expr_context, ast.Constant)
_SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)


def children(n: ast.AST, push: Callable[[ast.AST], None]) -> None:
    """Push the child nodes of ``n`` (no contexts, no constants): the one fast walk step."""
    for name in n._fields:
        v = getattr(n, name, None)
        if type(v) is list:
            for x in v:
                if isinstance(x, ast.AST):
                    push(x)
        elif isinstance(v, ast.AST) and not isinstance(v, _SKIPPED):
            push(v)


def names_in(node: ast.AST | None) -> set[str]:
    """Names read anywhere in an expression (comprehension variables included)."""
    out: set[str] = set()
    if node is None:
        return out
    stack: list[ast.AST] = [node]
    while stack:
        n = stack.pop()
        if type(n) is ast.Name:
            if type(n.ctx) is ast.Load:
                out.add(n.id)
            continue
        children(n, stack.append)
    return out


# Reductions and metadata: a value computed from them holds none of the rows they read.
REDUCERS = frozenset({"mean", "median", "mode", "std", "var", "sum", "min", "max", "quantile", "count",
                      "nunique", "unique", "value_counts", "idxmax", "idxmin", "describe", "corr"})  # fmt: skip
METADATA = frozenset({"columns", "index", "shape", "dtypes", "dtype", "size", "ndim", "classes_"})


def data_sources(node: ast.AST | None) -> set[str]:
    """Names an expression reads; ``~name`` where it reads only a statistic or metadata of
    ``name`` (``df.mean()``, ``df.columns``, ``len(df)``), which carries none of its rows."""
    if node is None:
        return set()
    known = getattr(node, "_nbprod_sources", None)  # the cells' trees are cached: walk each once
    if known is not None:
        return set(known)
    found = _data_sources(node)
    try:
        node._nbprod_sources = frozenset(found)  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - every ast node takes attributes
        pass
    return found


def _data_sources(node: ast.AST) -> set[str]:
    rows: set[str] = set()
    stats: set[str] = set()
    stack: list[tuple[ast.AST, bool]] = [(node, False)]
    while stack:
        n, reduced = stack.pop()
        if isinstance(n, ast.Name):
            if isinstance(n.ctx, ast.Load):
                (stats if reduced else rows).add(n.id)
            continue
        if isinstance(n, ast.Attribute) and n.attr in METADATA:
            reduced = True
        elif isinstance(n, ast.Call):
            f = n.func
            if (isinstance(f, ast.Attribute) and f.attr in REDUCERS) or (
                isinstance(f, ast.Name) and f.id == "len"
            ):
                stack.extend((a, True) for a in ast.iter_child_nodes(n))
                continue
        stack.extend((c, reduced) for c in ast.iter_child_nodes(n))
    return rows | {"~" + s for s in stats - rows}


def base_name(node: ast.AST) -> str | None:
    """``df`` for ``df``, ``df['a']``, ``df.loc[i, 'a']``, ``df.a.b``; else None."""
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _inplace(call: ast.Call) -> bool:
    return any(
        k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in call.keywords
    )


_FILE_WRITERS = frozenset({"to_csv", "to_parquet", "to_pickle", "to_feather", "to_json", "to_excel"})
_FILE_READERS = frozenset({"read_csv", "read_parquet", "read_pickle", "read_feather", "read_json", "read_excel",
                           "load", "loadtxt"})  # fmt: skip


def _file_name(arg: ast.AST) -> str | None:
    """The data-flow name of a file a notebook writes and reads back by a literal path
    (``<data/X_clean․csv>``: the dots of the path shown as one-dot leaders, since a dotted
    name is a helper's local or an instance's attribute)."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.strip():
        path = arg.value.strip()
        path = path[2:] if path.startswith("./") else path
        return "<" + path.replace(".", "\u2024") + ">"
    return None


def _file_written(call: ast.Call) -> tuple[str, str] | None:
    """``X_s.to_csv('clean.csv')``, ``np.save('X.npy', X)``: (the file's name, the value written)."""
    f = call.func
    if not isinstance(f, ast.Attribute):
        return None
    if f.attr in _FILE_WRITERS and call.args:
        name, value = _file_name(call.args[0]), base_name(f.value)
    elif f.attr == "save" and len(call.args) >= 2 and isinstance(f.value, ast.Name):  # np.save(path, X)
        name, value = _file_name(call.args[0]), base_name(call.args[1])
    else:
        return None
    return (name, value) if name and value else None


def _file_read(value: ast.AST) -> str | None:
    """The file a value is read from: ``pd.read_csv('clean.csv').squeeze()``, ``np.load('X.npy')``."""
    while True:
        if isinstance(value, ast.Subscript):
            value = value.value
            continue
        if not isinstance(value, ast.Call):
            return None
        f = value.func
        if isinstance(f, ast.Attribute) and f.attr in _FILE_READERS and value.args:
            return _file_name(value.args[0])
        if not isinstance(f, ast.Attribute):
            return None
        value = f.value


class _Builder:
    """Turns statements into binding maps: name -> the names its new value is made of."""

    def __init__(self, functions: dict[str, frozenset[int]]) -> None:
        self.functions = functions  # notebook function -> positions of the arguments it updates
        self.lists: dict[str, tuple[str, ...]] = {}  # combine = [train, test]

    def stmt(self, node: ast.stmt, out: dict[str, set[str]], maybe: bool = False) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self.assign(target, node.value, out)
            read = _file_read(node.value) if isinstance(node.value, (ast.Call, ast.Subscript)) else None
            if read is not None:  # X = pd.read_csv('clean.csv') after X_s.to_csv('clean.csv'): X_s's rows
                for target in node.targets:
                    for bound in _targets(target):
                        self.bind(out, bound, {read})
            if isinstance(node.value, (ast.List, ast.Tuple)) and all(
                isinstance(e, ast.Name) for e in node.value.elts
            ):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.lists[target.id] = tuple(e.id for e in node.value.elts)  # type: ignore[attr-defined]
        elif isinstance(node, ast.AugAssign):
            name = base_name(node.target)
            if name:
                self.bind(out, name, data_sources(node.value) | data_sources(node.target) | {name})
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self.assign(node.target, node.value, out)
        elif isinstance(node, ast.Expr):
            self.expr(node.value, out)
            written = _file_written(node.value) if isinstance(node.value, ast.Call) else None
            if written is not None:
                self.bind(out, written[0], {written[1]})
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.loop(node, out)
        elif isinstance(node, (ast.If, ast.While)):
            for sub in (*node.body, *node.orelse):
                self.stmt(sub, out, True)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, item.context_expr, out)
            for sub in node.body:
                self.stmt(sub, out, maybe)
        elif isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            for sub in (*node.body, *node.orelse, *node.finalbody):  # type: ignore[attr-defined]
                self.stmt(sub, out, True)
            for handler in node.handlers:  # type: ignore[attr-defined]
                for sub in handler.body:
                    self.stmt(sub, out, True)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.setdefault(node.name, set())
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    out.setdefault(alias.asname or alias.name.split(".")[0], set())
        if maybe:  # a branch may not run: the old value may still be there
            for name in out:
                out[name].add(name)

    @staticmethod
    def bind(out: dict[str, set[str]], name: str, sources: Iterable[str]) -> None:
        out.setdefault(name, set()).update(sources)

    def receivers(self, value: ast.AST, out: dict[str, set[str]]) -> None:
        """``Xs = scaler.fit_transform(X)`` also updates ``scaler``."""
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            if value.func.attr in MUTATORS or value.func.attr == "fit_transform" or _inplace(value):
                name = base_name(value.func.value)
                if name:
                    self.bind(out, name, data_sources(value) | {name})

    def assign(self, target: ast.AST, value: ast.AST, out: dict[str, set[str]]) -> None:
        self.receivers(value, out)
        if isinstance(target, ast.Name):
            self.bind(out, target.id, data_sources(value))
            self.updated_args(value, out)
        elif isinstance(target, (ast.Tuple, ast.List)):
            elts = target.elts
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(elts):
                for t, v in zip(elts, value.elts, strict=True):
                    self.assign(t, v, out)
                return
            split = _split_parts(value, len(elts))
            for i, t in enumerate(elts):
                if isinstance(t, ast.Starred):
                    t = t.value
                src = data_sources(value) if split is None else split[i]
                for name in _targets(t):
                    self.bind(out, name, src)
            self.updated_args(value, out)
        elif isinstance(target, (ast.Subscript, ast.Attribute)):
            base = base_name(target)
            if base:  # df['a'] = ..., df.loc[m, 'a'] = ..., X[:, 1:] = ...: an update of df
                self.bind(out, base, data_sources(value) | data_sources(target) | {base})
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value, out)

    def expr(self, value: ast.AST, out: dict[str, set[str]]) -> None:
        self.receivers(value, out)
        self.updated_args(value, out)

    def updated_args(self, value: ast.AST, out: dict[str, set[str]]) -> None:
        """``clean(df)`` where ``clean`` updates its first argument: df is updated."""
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)):
            return
        positions = self.functions.get(value.func.id)
        if not positions:
            return
        for i, arg in enumerate(value.args):
            if i in positions and isinstance(arg, ast.Name):
                self.bind(out, arg.id, data_sources(value) | {arg.id})

    def loop(self, node: ast.For | ast.AsyncFor, out: dict[str, set[str]]) -> None:
        iter_names = data_sources(node.iter)
        for name in _targets(node.target):
            self.bind(out, name, iter_names)
        body: dict[str, set[str]] = {}
        for sub in (*node.body, *node.orelse):
            self.stmt(sub, body)
        aliases: tuple[str, ...] = ()
        if isinstance(node.iter, (ast.List, ast.Tuple)):
            aliases = tuple(e.id for e in node.iter.elts if isinstance(e, ast.Name))
        elif isinstance(node.iter, ast.Name):
            aliases = self.lists.get(node.iter.id, ())
        loop_vars = set(_targets(node.target))
        for name, src in body.items():
            self.bind(out, name, src)
            if name in loop_vars:  # for d in [train, test]: d['x'] = ...  updates train and test
                for alias in aliases:
                    self.bind(out, alias, (src - loop_vars) | {alias})
        for name in out:
            if name not in loop_vars:
                out[name] |= {name} & set(body)


def _targets(node: ast.AST) -> set[str]:
    out: set[str] = set()
    _target_names(node, out)
    return out


SPLITTERS = frozenset({"train_test_split", "random_split"})


def _split_parts(value: ast.AST, n: int) -> list[set[str]] | None:
    """``a_tr, a_te, b_tr, b_te = train_test_split(a, b)``: each part comes from its array."""
    if not isinstance(value, ast.Call):
        return None
    func = value.func
    leaf = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    arrays = [a for a in value.args if not isinstance(a, ast.Starred)]
    if leaf not in SPLITTERS or not arrays or n != 2 * len(arrays):
        return None
    return [names_in(arrays[i // 2]) for i in range(n)]


def function_updates(node: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[int]:
    """Positions of the parameters a function updates in place (``df[c] = ...``, ``inplace=True``)."""
    params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    if not params:
        return frozenset()
    updated: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Assign, ast.AugAssign)):
            targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
            for t in targets:
                if isinstance(t, (ast.Subscript, ast.Attribute)):
                    name = base_name(t)
                    if name:
                        updated.add(name)
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and _inplace(sub):
            name = base_name(sub.func.value)
            if name:
                updated.add(name)
    return frozenset(i for i, p in enumerate(params) if p in updated)


class DataFlow:
    """The def-use graph of a notebook's top-level statements."""

    def __init__(self, nodes: list[Node], objects: frozenset[str], opaque: frozenset[str]) -> None:
        self.nodes = nodes
        self.objects = objects  # names bound to estimators, transformers, samplers
        self.opaque = opaque  # modules and functions: never data
        self.followed: frozenset[str] = frozenset()  # helpers whose body stands in for their calls
        self.followed_classes: frozenset[str] = frozenset()  # classes whose instances' methods are followed
        self._at: dict[tuple[int, int], int] = {}
        for n in nodes:
            self._at.setdefault((n.cell, n.line), n.index)
        self._rows: dict[ID, frozenset[ID]] = {}
        self._all: dict[ID, frozenset[ID]] = {}

    def node_at(self, cell: int, line: int) -> Node | None:
        """The top-level statement of ``cell`` that holds ``line`` (1-based)."""
        best = None
        for n in self.nodes:
            if n.cell == cell and n.line <= line:
                best = n
            elif n.cell > cell:
                break
        return best

    def node_of(self, cell: int, stmt: int) -> Node | None:
        """The node of the ``stmt``-th top-level statement of ``cell``."""
        for n in self.nodes:
            if n.cell == cell:
                return self.nodes[n.index + stmt] if n.index + stmt < len(self.nodes) else None
        return None

    def value(self, node: Node, name: str) -> ID | None:
        """The value ``name`` holds when ``node`` reads it: (defining node, name)."""
        d = node.reach.get(name)
        if d is None and name in node.sources and not isinstance(node.stmt, _SIMPLE):
            return (node.index, name)  # bound earlier in the same loop or block: Xte = sel.transform(X_test)
        if d is None:  # bound nowhere above: a value from outside the notebook's top-down run
            return None if name in self.opaque else (-1, name)
        return (d, name)

    def values(self, node: Node, names: Iterable[str], rows: bool = False) -> set[ID]:
        out = set()
        for name in names:
            if rows and (name in self.objects or name in self.opaque):
                continue
            v = self.value(node, name)
            if v is not None:
                out.add(v)
        return out

    def _sources(self, node: Node, name: str, rows: bool) -> Iterator[ID]:
        """The values the binding of ``name`` at ``node`` was made from."""
        compound = not isinstance(node.stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr))
        for src in node.sources.get(name, ()):
            if src[0] == "~":
                if rows:
                    continue
                src = src[1:]
            if rows and (src in self.objects or src in self.opaque):
                continue
            if compound and src != name and src in node.sources:
                yield (node.index, src)  # a loop variable, or a name updated earlier in the same block
                if src not in node.reach:  # (le.fit(df[c]) then df[c] = le.transform(df[c]) in a loop)
                    continue
            v = self.value(node, src)
            if v is not None:
                yield v

    def _walk(self, start: ID, rows: bool) -> frozenset[ID]:
        memo = self._rows if rows else self._all
        if start in memo:
            return memo[start]
        seen: set[ID] = {start}
        stack = [start]
        while stack:
            idx, name = stack.pop()
            if idx < 0:
                continue
            node = self.nodes[idx]
            for v in self._sources(node, name, rows):
                if v in seen:
                    continue
                if v in memo:
                    seen |= memo[v]
                    continue
                seen.add(v)
                stack.append(v)
        result = frozenset(seen)
        memo[start] = result
        return result

    def lineage(self, value: ID) -> frozenset[ID]:
        """Every value this one was computed from, itself included."""
        return self._walk(value, rows=False)

    def rows(self, value: ID) -> frozenset[ID]:
        """The values whose rows this one holds (not through fitted objects), itself included."""
        return self._walk(value, rows=True)

    def chain(self, start: ID, goal: ID, rows: bool = False) -> list[ID]:
        """The names from ``goal`` forward to ``start`` (``goal`` first), or [] if unrelated: a
        shortest such path, breadth first with each value's sources in sorted order, so the
        same notebook gives the same chain in every process (a set's order is the hash seed's)."""
        parents: dict[ID, ID | None] = {start: None}
        level = [start]
        while level:
            following: list[ID] = []
            for cur in level:
                if cur == goal:
                    path = []
                    step: ID | None = cur
                    while step is not None:
                        path.append(step)
                        step = parents[step]
                    return path
                if cur[0] < 0:
                    continue
                for v in sorted(set(self._sources(self.nodes[cur[0]], cur[1], rows))):
                    if v not in parents:
                        parents[v] = cur
                        following.append(v)
            level = following
        return []

    def where_from(self, name: str, cell: int | None = None, line: int | None = None) -> list[Origin]:
        """Where the value of ``name`` came from, oldest first: the statements that made it.
        ``cell`` (0-based) and ``line``: the value as that statement reads it; ``cell`` alone:
        its value at the end of that cell; neither: its last value in the notebook."""
        start: ID | None = None
        if line is not None and cell is not None:
            node = self.node_at(cell, line)
            start = None if node is None else self.value(node, name)
        else:
            for n in self.nodes:
                if cell is not None and n.cell > cell:
                    break
                if name in n.sources:
                    start = (n.index, name)
        if start is None:
            return []
        out = []
        for idx, nm in sorted(self.lineage(start)):
            if nm in self.opaque or idx < 0:
                continue
            n = self.nodes[idx]
            out.append(Origin(n.cell, n.line, nm, n.text()))
        return out


_INLINE_LEAVES = frozenset({
    "fit", "fit_transform", "fit_resample", "fit_sample", "train_test_split", "resample", "score",
    "predict", "predict_proba", "sample", "fillna", "cross_val_score",
})  # fmt: skip
_NOT_INLINED = (  # a lambda is fine: sorted(scores, key=lambda s: s[1])
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Global, ast.Nonlocal,
    ast.Yield, ast.YieldFrom, ast.Await,
)  # fmt: skip


def inlinable(fn: ast.FunctionDef | ast.AsyncFunctionDef, followed: Iterable[str] = ()) -> bool:
    """A helper simple enough to follow at its call: plain parameters, no nested definitions
    (lambdas are fine) or generators, at most one ``return`` (its last statement), a fit, split,
    resampling or score inside, a positional cut of rows (``df.iloc[:n]``), or a call of a helper
    that is followed (``followed``: a ``main()`` that calls ``load()``, ``split()`` and ``train()``)."""
    return _inlinable(fn, frozenset(followed))[0]


def _inlinable(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, followed: frozenset[str], any_body: bool = False
) -> tuple[bool, set[str]]:
    """Whether the helper can be followed, and (when it has no fit or split of its own) the names
    of the functions it calls, which make it worth following if they are (``any_body``: a method,
    followed whatever it calls, as it may only keep its arguments on the instance)."""
    if isinstance(fn, ast.AsyncFunctionDef) or fn.args.vararg or fn.args.kwarg or len(fn.body) > 80:
        return False, set()
    relevant = False
    called: set[str] = set()
    body = _body(fn)
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef) and not stmt.decorator_list:
            continue  # a helper defined inside the helper: followed on its own (``nested_helpers``)
        for sub in ast.walk(stmt):
            if isinstance(sub, _NOT_INLINED):
                return False, set()
            if isinstance(sub, ast.Return) and sub is not body[-1]:
                return False, set()
            if isinstance(sub, ast.Call) and isinstance(sub.func, (ast.Attribute, ast.Name)):
                leaf = sub.func.attr if isinstance(sub.func, ast.Attribute) else sub.func.id
                relevant = relevant or leaf in _INLINE_LEAVES or leaf.endswith(("_score", "_curve"))
                if isinstance(sub.func, ast.Name):
                    called.add(leaf)
            elif isinstance(sub, ast.Subscript) and _row_cut(sub):
                relevant = True
    return relevant or any_body or bool(called & followed), set() if relevant else called


def _body(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    """The statements a call of ``fn`` runs, its docstring left out; a body that is one ``try``
    whose handlers only give up (``except ValueError: return 'Wrong file format'``, a print, a
    raise) as the ``try`` block: the run that gives the helper's result."""
    body = fn.body[1:] if _is_docstring(fn.body[0]) else fn.body
    if len(body) == 1 and isinstance(body[0], ast.Try) and not body[0].orelse and not body[0].finalbody:
        block = body[0]
        if block.body and all(_gives_up(h.body) for h in block.handlers):
            return block.body
    return body


def _gives_up(stmts: list[ast.stmt]) -> bool:
    return all(
        isinstance(st, (ast.Pass, ast.Raise))
        or (isinstance(st, ast.Return) and (st.value is None or isinstance(st.value, ast.Constant)))
        or (
            isinstance(st, ast.Expr)
            and isinstance(st.value, ast.Call)
            and _leaf_name(st.value) in ("print", "error", "warning", "exception")
        )
        for st in stmts
    )


def _leaf_name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def nested_helpers(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.FunctionDef]:
    """The plain functions defined directly in a function's body (``def run(): def evaluate(df): ...``),
    which reach only their parameters and the notebook's names: followed like top-level helpers."""
    if isinstance(fn, ast.AsyncFunctionDef):
        return []
    return [s for s in fn.body if isinstance(s, ast.FunctionDef) and not s.decorator_list]


def _row_cut(sub: ast.Subscript) -> bool:
    """``df.iloc[:n]``, ``X.iloc[n - k:]``: rows cut at a computed bound (a split by position)."""
    return (
        isinstance(sub.value, ast.Attribute)
        and sub.value.attr == "iloc"
        and isinstance(sub.slice, ast.Slice)
        and any(isinstance(b, (ast.Name, ast.BinOp)) for b in (sub.slice.lower, sub.slice.upper))
    )


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


class _Rename(ast.NodeTransformer):
    def __init__(self, local: set[str], prefix: str) -> None:
        self.local, self.prefix = local, prefix

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id in self.local:
            return ast.copy_location(ast.Name(id=f"{self.prefix}.{node.id}", ctx=node.ctx), node)
        return node


def inline_call(stmt: ast.stmt, functions: dict[str, ast.FunctionDef]) -> list[ast.stmt] | None:
    """``X, y = prep(df)`` as the statements of ``prep`` with its locals renamed ``prep.name``:
    the parameters bound to the arguments, the ``return`` value bound to the call's targets."""
    outer: ast.Call | None = None  # results.append(evaluate(m)): the call the helper's result goes to
    if isinstance(stmt, ast.Assign):
        call, targets = stmt.value, stmt.targets
    elif isinstance(stmt, ast.Expr):
        call, targets = stmt.value, []
        if isinstance(call, ast.Call) and not (isinstance(call.func, ast.Name) and call.func.id in functions):
            inner = [  # print(train(df)), print(k, evaluate(X, y)), results.append(evaluate(m, X, y))
                a
                for a in call.args
                if isinstance(a, ast.Call) and isinstance(a.func, ast.Name) and a.func.id in functions
            ]
            if len(inner) == 1:
                outer, call = call, inner[0]
            elif inner:  # print(evaluate(a), evaluate(b)): each call followed in turn
                out_all: list[ast.stmt] = []
                for one in inner:
                    body = inline_call(ast.copy_location(ast.Expr(value=one), stmt), functions)
                    out_all.extend(body or ())
                return out_all or None
    else:
        return None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)) or call.func.id not in functions:
        return None
    fn = functions[call.func.id]
    params = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs)]
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    stored = fn.__dict__.get("_nbprod_stored")
    if stored is None:  # the names the helper binds: walked once per helper, not once per call
        stored = fn._nbprod_stored = frozenset(  # type: ignore[attr-defined]
            sub.id
            for top in fn.body
            if not isinstance(top, ast.FunctionDef)  # a nested helper's locals are its own
            for sub in ast.walk(top)
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)) and "." not in sub.id
        )  # an instance's attribute (``obj.scaler``, a method's ``self.scaler``) is no local
    local = set(params) | stored
    rename = _Rename(local, fn.name)
    bound: list[ast.stmt] = []
    given = dict(zip(params, call.args, strict=False))
    given.update({k.arg: k.value for k in call.keywords if k.arg in params})
    for p, value in given.items():
        bound.append(ast.Assign(targets=[ast.Name(id=f"{fn.name}.{p}", ctx=ast.Store())], value=value))
    body = _body(fn)
    out = bound
    known = _known_flags(fn, given, stored)
    decide = _Decide(known) if known else None
    for sub in body:
        if isinstance(sub, ast.FunctionDef):  # a nested helper: its calls are followed as a helper's
            continue
        copy = copy_module.deepcopy(sub)
        for n in ast.walk(copy):  # a walk remembered on the original holds the old names
            n.__dict__.pop("_nbprod_sources", None)
        kept = [copy] if decide is None else decide.statements(copy)
        for k in kept:
            at_call = _returned(rename.visit(k), targets, outer, call)
            if at_call is not None:
                out.append(at_call)
    if not targets and outer is None:  # preprocess(df): what the helper changed in place is the caller's
        for p, value in given.items():
            if isinstance(value, ast.Name) and p not in stored and _mutates(fn, p):
                back = ast.Name(id=f"{fn.name}.{p}", ctx=ast.Load())
                out.append(ast.Assign(targets=[ast.Name(id=value.id, ctx=ast.Store())], value=back))
    for s in out:
        ast.copy_location(s, stmt)
        ast.fix_missing_locations(s)
    return out


def _mutates(fn: ast.FunctionDef, param: str) -> bool:
    """The helper changes its parameter in place: ``df[cols] = ...``, ``df.loc[...] = ...``,
    ``df.fillna(..., inplace=True)``."""
    for sub in ast.walk(fn):
        if isinstance(sub, (ast.Assign, ast.AugAssign)):
            for t in sub.targets if isinstance(sub, ast.Assign) else [sub.target]:
                while isinstance(t, (ast.Subscript, ast.Attribute)):
                    t = t.value
                    if isinstance(t, ast.Name) and t.id == param:
                        return True
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute):
            base = sub.func.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if (
                isinstance(base, ast.Name)
                and base.id == param
                and any(
                    k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True
                    for k in sub.keywords
                )
            ):
                return True
    return False


def _returned(
    copy: ast.stmt, targets: list[ast.expr], outer: ast.Call | None = None, call: ast.expr | None = None
) -> ast.stmt | None:
    """A helper's statement as it stands at the call: ``return v`` binds the call's targets, or
    goes where the call was (``results.append(evaluate(m))``: ``results.append(v)``)."""
    if isinstance(copy, ast.Return):
        if copy.value is None:
            return None
        if targets:
            return ast.Assign(targets=targets, value=copy.value)
        if outer is not None:
            args = [copy.value if a is call else a for a in outer.args]
            return ast.Expr(value=ast.Call(func=outer.func, args=args, keywords=outer.keywords))
        return ast.Expr(value=copy.value)
    return copy


def _known_flags(
    fn: ast.FunctionDef, given: dict[str, ast.expr], stored: frozenset[str]
) -> dict[str, object]:
    """The parameters a call fixes to a constant (``scale=False``, or a default left as it is:
    ``def rescale(self, scaler=None)``) that the helper never rebinds."""
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    defaults: dict[str, ast.expr | None] = dict(
        zip([p.arg for p in positional[len(positional) - len(a.defaults) :]], a.defaults, strict=True)
    )
    defaults.update((p.arg, d) for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True))
    out: dict[str, object] = {}
    for p in (*positional, *a.kwonlyargs):
        value = given.get(p.arg, defaults.get(p.arg))
        if p.arg not in stored and isinstance(value, ast.Constant):
            out[p.arg] = value.value
    return out


class _Decide:
    """A helper's branches on a parameter fixed to a constant (``if scaler == 'Standard':``), decided."""

    def __init__(self, known: dict[str, object]) -> None:
        self.known = known

    def test(self, node: ast.expr) -> bool | None:
        known = self.known
        if isinstance(node, ast.Name):
            return bool(known[node.id]) if node.id in known else None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.test(node.operand)
            return None if inner is None else not inner
        if isinstance(node, ast.BoolOp):
            sides = [self.test(v) for v in node.values]
            if None in sides:
                return None
            return all(sides) if isinstance(node.op, ast.And) else any(sides)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, right, op = node.left, node.comparators[0], node.ops[0]
            if isinstance(right, ast.Name) and isinstance(left, ast.Constant):
                left, right = right, left
            if not (isinstance(left, ast.Name) and left.id in known and isinstance(right, ast.Constant)):
                return None
            a, b = known[left.id], right.value
            if isinstance(op, (ast.Eq, ast.Is)):
                return a == b if isinstance(op, ast.Eq) else a is b
            if isinstance(op, (ast.NotEq, ast.IsNot)):
                return a != b if isinstance(op, ast.NotEq) else a is not b
        return None

    def statements(self, stmt: ast.stmt) -> list[ast.stmt]:
        """The statement with its decided branches replaced by the branch taken (none, or several)."""
        if isinstance(stmt, ast.If):
            taken = self.test(stmt.test)
            if taken is not None:
                return [s for sub in (stmt.body if taken else stmt.orelse) for s in self.statements(sub)]
        for field in ("body", "orelse", "finalbody"):
            block = getattr(stmt, field, None)
            if block and isinstance(block[0], ast.stmt):
                new = [s for sub in block for s in self.statements(sub)]
                setattr(stmt, field, new or [ast.copy_location(ast.Pass(), stmt)])
        return [stmt]


def _constructor_leaf(value: ast.AST) -> str | None:
    """``StandardScaler`` for ``StandardScaler(...)``, ``StandardScaler().fit(X)``, ``make_pipeline(...)``."""
    while isinstance(value, ast.Call):
        func = value.func
        leaf = (
            func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        )
        if leaf is None:
            return None
        if leaf[:1].isupper() or leaf in ("make_pipeline", "make_column_transformer", "make_union"):
            return None if leaf in DATA_CONSTRUCTORS else leaf
        if leaf in ("fit", "set_params") and isinstance(func, ast.Attribute):
            value = func.value
            continue
        return None
    return None


def member_classes(value: ast.AST) -> set[str | None]:
    """The classes the members of a dict or list literal are built from: ``{'a': LabelEncoder(),
    'b': LabelEncoder()}`` gives ``{'LabelEncoder'}``; ``None`` stands for a member that is not a
    constructor call. Empty for any other value."""
    if isinstance(value, ast.Dict):
        members: list[ast.expr | None] = list(value.values)
    elif isinstance(value, ast.List):
        members = list(value.elts)
    else:
        return set()
    return {_constructor_leaf(m) if isinstance(m, ast.Call) else None for m in members}


def _statements(cf: CellFacts) -> Iterator[tuple[ast.stmt, int, set[str]]]:
    """A cell's top-level statements with their number in the cell and the names they read.
    The Python that ``%time``/``%%capture``... run is analysed as if it stood in the cell,
    and a cell that does not parse still gives the top-level blocks that do."""
    from nbprod.analysis.cell import PYTHON_BODY_MAGICS, magic_call

    if cf.tree is None:
        yield from _recovered(cf.python or cf.source)
        return
    for i, stmt in enumerate(cf.tree.body):
        magic = magic_call(stmt.value) if isinstance(stmt, ast.Expr) else None
        if magic is not None and magic[0] in ("run_line_magic", "run_cell_magic") and magic[1][:1]:
            name, args = magic[1][0], magic[1][1:]
            code = args[-1] if args else ""
            if name in PYTHON_BODY_MAGICS and code.strip():
                try:
                    body = ast.parse(code).body
                except (SyntaxError, ValueError):
                    body = []
                for sub in body:
                    ast.increment_lineno(sub, stmt.lineno - 1)
                    yield sub, i, names_in(sub)
                continue
        if _main_guard(stmt):  # in a kernel __name__ is "__main__": the block always runs
            for sub in stmt.body:  # type: ignore[attr-defined]
                yield sub, i, names_in(sub)
            continue
        facts = cf.stmts[i]
        yield stmt, i, facts.reads | facts.deferred_reads


def _main_guard(stmt: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` with no ``else``."""
    if not isinstance(stmt, ast.If) or stmt.orelse or not isinstance(stmt.test, ast.Compare):
        return False
    test = stmt.test
    if len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = (test.left, test.comparators[0])
    names = {s.id for s in sides if isinstance(s, ast.Name)}
    values = {s.value for s in sides if isinstance(s, ast.Constant)}
    return names == {"__name__"} and values == {"__main__"}


def _recovered(source: str) -> Iterator[tuple[ast.stmt, int, set[str]]]:
    """The top-level blocks of a cell that does not parse, each parsed on its own."""
    lines = source.splitlines()
    starts = [n for n, line in enumerate(lines) if line[:1] not in ("", " ", "\t", "#", ")", "]", "}")]
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        try:
            body = ast.parse("\n".join(lines[start:end])).body
        except (SyntaxError, ValueError, MemoryError, RecursionError):  # the parser gives up: skip
            continue
        for sub in body:
            ast.increment_lineno(sub, start)
            yield sub, -1, names_in(sub)


def _followed(
    stmts: Iterator[tuple[ast.stmt, int, set[str]]],
    helpers: dict[str, ast.FunctionDef],
    depth: int = 0,
    workers: dict[str, ast.FunctionDef] | None = None,
    classes: _Classes | None = None,
    lambdas: dict[str, ast.Lambda] | None = None,
) -> Iterator[tuple[ast.stmt, int, set[str]]]:
    """The statements, a call of a simple notebook helper replaced by the helper's body (in a loop
    or a branch too, for the helpers that fit, split or resample: ``workers``); a method called on an
    instance of a class the notebook defines is such a helper too (``classes``); ``lambdas``: the
    notebook's ``name = lambda ...`` bindings, for a callback handed over by name."""
    if workers is None:
        workers = _workers(helpers) if helpers else {}
    for first, number, first_reads in stmts:
        todo = [(first, first_reads)]
        if classes is not None:
            todo = classes.rewrite(first, first_reads)
        for stmt, reads in todo:
            body = inline_call(stmt, helpers) if helpers else None
            if body is None:
                nested = _inline_blocks(stmt, workers) if workers and depth < 3 else None
                if nested is None:
                    yield stmt, number, reads
                else:  # scanned as a followed statement (-1): its calls are the helpers'
                    yield nested, -1, reads | names_in(nested)
                if workers and depth < 3:
                    for call, by in _callbacks(stmt, workers, lambdas):
                        at = ast.fix_missing_locations(ast.copy_location(ast.Expr(value=call), stmt))
                        run = ((s, -1, names_in(s)) for s in inline_call(at, helpers) or ())
                        for sub, n, r in _followed(run, helpers, depth + 1, workers, classes, lambdas):
                            sub._nbprod_callback = by  # type: ignore[attr-defined]  # the caller: study.optimize
                            yield sub, n, r
                continue
            yield from (
                _followed(
                    ((sub, -1, names_in(sub)) for sub in body), helpers, depth + 1, workers, classes, lambdas
                )
                if depth < 3
                else ((sub, -1, names_in(sub)) for sub in body)
            )


def _callbacks(
    stmt: ast.stmt, workers: dict[str, ast.FunctionDef], lambdas: dict[str, ast.Lambda] | None = None
) -> list[tuple[ast.Call, str]]:
    """The helpers a statement hands to something else to call: ``study.optimize(objective)``,
    ``toolbox.register('evaluate', evaluate)``, ``fmin(fn=lambda p: score(p, X, y), ...)``, or a
    lambda bound to a name first (``func = lambda t: objective(t, X, y)``, then
    ``study.optimize(func)``); each as the call it stands for (no arguments: its parameters are
    whatever the caller gives) and the name of the call it is handed to."""
    if not isinstance(stmt, (ast.Expr, ast.Assign)) or not isinstance(stmt.value, ast.Call):
        return []
    out: list[tuple[ast.Call, str]] = []
    for c in ast.walk(stmt.value):
        if not isinstance(c, ast.Call) or (isinstance(c.func, ast.Name) and c.func.id in workers):
            continue
        by = c.func.attr if isinstance(c.func, ast.Attribute) else getattr(c.func, "id", "")
        for a in (*c.args, *(k.value for k in c.keywords)):
            if lambdas and isinstance(a, ast.Name) and a.id not in workers and a.id in lambdas:
                a = lambdas[a.id]
            if isinstance(a, ast.Name) and a.id in workers:
                out.append((ast.Call(func=ast.Name(id=a.id, ctx=ast.Load()), args=[], keywords=[]), by))
            elif isinstance(a, ast.Lambda):  # lambda p: -objective(p, X, y)
                out.extend(
                    (sub, by)
                    for sub in ast.walk(a.body)
                    if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in workers
                )
    return out


def _method_kind(m: ast.FunctionDef) -> str:
    """``static`` or ``class`` for a method so decorated, else ``instance``."""
    for d in m.decorator_list:
        name = d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else ""
        if name == "staticmethod":
            return "static"
        if name == "classmethod":
            return "class"
    return "instance"


class _SelfNames(ast.NodeTransformer):
    """A method's body as an instance's: ``self.scaler`` is the name ``obj.scaler``, ``self`` is ``obj``."""

    def __init__(self, me: str, obj: str) -> None:
        self.me, self.obj = me, obj

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == self.me:
            return ast.copy_location(ast.Name(id=f"{self.obj}.{node.attr}", ctx=node.ctx), node)
        self.generic_visit(node)
        return node

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id == self.me:
            return ast.copy_location(ast.Name(id=self.obj, ctx=node.ctx), node)
        return node


class _MethodCalls(ast.NodeTransformer):
    """``obj.train(df)`` as the call of the helper ``obj.train`` (a method of an instance followed)."""

    def __init__(self, methods: dict[str, set[str]]) -> None:
        self.methods = methods

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        f = node.func
        if (
            isinstance(f, ast.Attribute)
            and isinstance(f.value, ast.Name)
            and f.attr in self.methods.get(f.value.id, ())
        ):
            node.func = ast.copy_location(ast.Name(id=f"{f.value.id}.{f.attr}", ctx=ast.Load()), f)
        return node


# the estimator interface: a call of one stays (``m.fit(X, y)`` is the model's fit, ``m.score(X_test,
# y_test)`` its score) and, on a notebook class, its body follows; on a class built on a library's
# class (``class MyRF(RandomForestClassifier)``) the body is not followed
ESTIMATOR_METHODS = frozenset({"fit", "partial_fit", "predict", "predict_proba", "predict_log_proba",
                               "decision_function", "score", "transform", "fit_transform", "fit_predict",
                               "fit_resample", "evaluate"})  # fmt: skip


def _class_methods(defs: dict[str, ast.ClassDef]) -> dict[str, dict[str, ast.FunctionDef]]:
    """Each notebook class's plain methods (``def m(self, ...)``, no decorator), a notebook base
    class's too unless overridden; a class with a base from outside the notebook keeps its
    estimator methods (``ESTIMATOR_METHODS``) out."""
    out: dict[str, dict[str, ast.FunctionDef]] = {}

    def methods(name: str, seen: frozenset[str]) -> dict[str, ast.FunctionDef]:
        if name in out:
            return out[name]
        cls = defs[name]
        found: dict[str, ast.FunctionDef] = {}
        outside = False
        for base in cls.bases:
            if isinstance(base, ast.Name) and base.id in defs and base.id not in seen:
                found.update(methods(base.id, seen | {name}))
            elif not (isinstance(base, ast.Name) and base.id == "object"):
                outside = True
        for m in cls.body:
            if not isinstance(m, ast.FunctionDef):
                continue
            kind = _method_kind(m)
            if m.decorator_list and kind == "instance":
                continue  # @property and other decorators: not called as written
            if kind == "static" or m.args.args:  # a plain or class method has its self / cls
                found[m.name] = m
        if outside:
            found = {n: m for n, m in found.items() if n not in ESTIMATOR_METHODS}
        out[name] = found
        return found

    for name in defs:
        methods(name, frozenset())
    return out


class _Unnamed(ast.NodeTransformer):
    """``Trainer(path).run()`` read as ``Trainer().run()``, the name ``Trainer()`` for the instance."""

    def __init__(self, cls: str) -> None:
        self.cls = cls

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        v = node.value
        if isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id == self.cls:
            node.value = ast.copy_location(ast.Name(id=f"{self.cls}()", ctx=ast.Load()), v)
            return node
        self.generic_visit(node)
        return node


def _anonymous(
    stmt: ast.stmt, classes: dict[str, dict[str, ast.FunctionDef]]
) -> tuple[ast.stmt, ast.stmt] | None:
    """For a statement calling a method of an instance it builds on the spot (``Trainer(path).run()``):
    the statement building it (``Trainer() = Trainer(path)``) and the statement on that name."""
    for c in ast.walk(stmt):
        if not (isinstance(c, ast.Attribute) and isinstance(c.value, ast.Call)):
            continue
        inner = c.value
        if isinstance(inner.func, ast.Name) and inner.func.id in classes:
            cls = inner.func.id
            made = ast.Assign(targets=[ast.Name(id=f"{cls}()", ctx=ast.Store())], value=inner)
            made = ast.fix_missing_locations(ast.copy_location(made, stmt))
            new = _Unnamed(cls).visit(copy_module.deepcopy(stmt))
            for n in ast.walk(new):
                n.__dict__.pop("_nbprod_sources", None)
            return made, new
    return None


def _does_ml(fn: ast.FunctionDef) -> bool:
    """A method that fits, splits, resamples, predicts or scores (cached on the node)."""
    known = fn.__dict__.get("_nbprod_ml")
    if known is None:
        known = fn._nbprod_ml = any(  # type: ignore[attr-defined]
            isinstance(c, ast.Call)
            and isinstance(c.func, ast.Attribute | ast.Name)
            and (
                (leaf := c.func.attr if isinstance(c.func, ast.Attribute) else c.func.id) in _INLINE_LEAVES
                or leaf in _WORK
                or leaf.endswith(("_score", "_curve"))
            )
            for c in ast.walk(fn)
        )
    return bool(known)


class _Classes:
    """The classes a notebook defines and the instances its statements build (``obj = Model(X, y)``):
    each method of an instance is followed where it is called, as a helper ``obj.method`` whose
    ``self.attr`` is the name ``obj.attr``; building the instance runs its ``__init__``."""

    def __init__(
        self,
        defs: dict[str, ast.ClassDef],
        helpers: dict[str, ast.FunctionDef],
        workers: dict[str, ast.FunctionDef],
    ) -> None:
        self.methods = {  # a class none of whose methods fits, splits, predicts or scores (a network's
            cls: ms  # layers, a plotting helper) is not followed: copying its methods per instance
            for cls, ms in _class_methods(defs).items()  # is most of the graph's cost on such notebooks
            if any(_does_ml(m) for m in ms.values())
        }
        self.helpers, self.workers = helpers, workers
        self.instances: dict[str, set[str]] = {}  # obj -> its followed methods
        self.made: dict[tuple[str, str], set[str]] = {}
        self.used: set[str] = set()  # classes with an instance followed

    def rewrite(self, stmt: ast.stmt, reads: set[str]) -> list[tuple[ast.stmt, set[str]]]:
        """The statement with its method calls as helper calls, and after ``obj = Model(...)`` the
        call of ``obj.__init__``; ``Model(X, y).train()`` as ``Model() = Model(X, y)`` then the call."""
        out: list[tuple[ast.stmt, set[str]]] = []
        built = _anonymous(stmt, self.methods) if isinstance(stmt, (ast.Assign, ast.Expr)) else None
        if built is not None:  # Trainer(path).run(): the instance is named Trainer()
            made, stmt = built
            out.extend(self.rewrite(made, names_in(made)))
            reads = reads | names_in(stmt)
        inlined = {obj: ms - ESTIMATOR_METHODS for obj, ms in self.instances.items()}
        if self.instances and any(
            isinstance(c, ast.Call)
            and isinstance(c.func, ast.Attribute)
            and isinstance(c.func.value, ast.Name)
            and c.func.attr in inlined.get(c.func.value.id, ())
            for c in ast.walk(stmt)
        ):
            new = _MethodCalls(inlined).visit(copy_module.deepcopy(stmt))
            for n in ast.walk(new):
                n.__dict__.pop("_nbprod_sources", None)
            stmt, reads = new, reads | names_in(new)
        out.append((stmt, reads))
        kept = self.estimator_call(stmt)
        if kept is not None:  # pred = knn.predict(X): the call stays (a predict), and its body follows
            out.append((kept, names_in(kept)))
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            obj, value = stmt.targets[0].id, stmt.value
            cls = value.func.id if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) else None
            if cls in self.methods:
                self.instances[obj] = self.instance(obj, cls)  # type: ignore[arg-type]
                self.used.add(cls)  # type: ignore[arg-type]
                if "__init__" in self.instances[obj] and isinstance(value, ast.Call):
                    init = ast.Call(func=ast.Name(id=f"{obj}.__init__", ctx=ast.Load()), args=value.args,
                                    keywords=value.keywords)  # fmt: skip
                    call = ast.fix_missing_locations(ast.copy_location(ast.Expr(value=init), stmt))
                    out.append((call, names_in(call)))
            else:
                self.instances.pop(obj, None)
        return out

    def estimator_call(self, stmt: ast.stmt) -> ast.stmt | None:
        """``m.fit(X, y)``, ``pred = m.predict(X)``, ``print(m.score(X, y))`` on an instance: the call of
        the method's body as a helper, its value unused (the statement itself still binds it)."""
        call = stmt.value if isinstance(stmt, (ast.Assign, ast.Expr)) else None
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "print"
            and call.args
        ):
            call = call.args[0]
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.attr in ESTIMATOR_METHODS
            and call.func.attr in self.instances.get(call.func.value.id, ())
        ):
            return None
        name = f"{call.func.value.id}.{call.func.attr}"
        body = ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=call.args, keywords=call.keywords)
        return ast.fix_missing_locations(ast.copy_location(ast.Expr(value=body), stmt))

    def instance(self, obj: str, cls: str) -> set[str]:
        """The helpers ``obj.m`` for the methods of ``cls`` simple enough to follow (made once)."""
        known = self.made.get((obj, cls))
        if known is not None:
            return known
        made: dict[str, ast.FunctionDef] = {}
        for name, m in self.methods[cls].items():
            kind = _method_kind(m)
            args = copy_module.copy(m.args)
            if kind == "static":  # @staticmethod: the call's arguments are all its parameters
                body = [copy_module.deepcopy(sub) for sub in m.body]
            else:  # self (or, for a @classmethod, cls: the class's own names); _class_methods keeps
                args.args = m.args.args[1:]  # only methods that have it
                me = _SelfNames(m.args.args[0].arg, cls if kind == "class" else obj)
                body = [me.visit(copy_module.deepcopy(sub)) for sub in m.body]
            fn = ast.FunctionDef(name=f"{obj}.{name}", args=args, body=body, decorator_list=[], returns=None)
            if "type_params" in ast.FunctionDef._fields:  # Python 3.12+
                setattr(fn, "type_params", [])  # noqa: B010  (the field is missing before 3.12)
            ast.copy_location(fn, m)
            made[name] = fn
        kept = {name for name, fn in made.items() if _inlinable(fn, frozenset(), any_body=True)[0]}
        for name in kept:
            fn = made[name]
            self.helpers[fn.name] = fn
            if _workers({fn.name: fn}):
                self.workers[fn.name] = fn
        self.made[(obj, cls)] = kept
        return kept


_BLOCKS = (ast.For, ast.While, ast.If, ast.With)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_WORK = frozenset({
    "fit", "fit_transform", "fit_resample", "fit_sample", "train_test_split", "split", "resample",
    "cross_val_score", "cross_validate", "fillna",
})  # fmt: skip


def _workers(helpers: dict[str, ast.FunctionDef]) -> dict[str, ast.FunctionDef]:
    """The helpers followed inside loops and branches: those that fit, split or resample (one
    that only predicts and measures, ``evaluate(model, X, y)``, stays a call: a score where it is called)."""
    out = {}
    for name, fn in helpers.items():
        works = fn.__dict__.get("_nbprod_works")
        if works is None:
            works = fn._nbprod_works = any(  # type: ignore[attr-defined]
                isinstance(c, ast.Call)
                and isinstance(c.func, ast.Attribute | ast.Name)
                and (c.func.attr if isinstance(c.func, ast.Attribute) else c.func.id) in _WORK
                for c in ast.walk(fn)
            )
        if works:
            out[name] = fn
    return out


def _inline_blocks(stmt: ast.stmt, helpers: dict[str, ast.FunctionDef], depth: int = 0) -> ast.stmt | None:
    """A loop, branch or ``with`` block whose statements call simple helpers, with those calls
    replaced by the helpers' bodies (``for k in ks: acc[k] = evaluate(X, y, k)``), and
    ``results = [run(m) for m in markets]`` (or a dict, set or generator of them: ``{d: objective(d)
    for d in depths}``) as the loop ``for m in markets:`` over ``run``'s body; None when there is
    nothing to follow."""
    if isinstance(stmt, (ast.Assign, ast.Expr)) and isinstance(stmt.value, _COMPREHENSIONS):
        comp = stmt.value
        gen = comp.generators[0] if len(comp.generators) == 1 else None
        elt = comp.value if isinstance(comp, ast.DictComp) else comp.elt
        if gen is None or gen.ifs or gen.is_async or not isinstance(elt, ast.Call):
            return None
        one: ast.stmt = ast.Expr(value=elt)
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
        if isinstance(target, ast.Name):  # the results kept: results.append(run(m)), results[k] = run(k)
            name = ast.Name(id=target.id, ctx=ast.Load())
            if isinstance(comp, ast.DictComp):
                one = ast.Assign(
                    targets=[ast.Subscript(value=name, slice=comp.key, ctx=ast.Store())], value=elt
                )
            elif isinstance(comp, (ast.ListComp, ast.SetComp)):
                add = "append" if isinstance(comp, ast.ListComp) else "add"
                one = ast.Expr(
                    value=ast.Call(
                        func=ast.Attribute(value=name, attr=add, ctx=ast.Load()), args=[elt], keywords=[]
                    )
                )
        body = inline_call(ast.copy_location(one, stmt), helpers)
        if body is None:
            return None
        loop = ast.For(target=gen.target, iter=gen.iter, body=body, orelse=[])
        return ast.fix_missing_locations(ast.copy_location(loop, stmt))
    if not isinstance(stmt, _BLOCKS) or depth >= 4:
        return None
    changed = False

    def follow(body: list[ast.stmt], level: int, blocks: bool = True) -> list[ast.stmt]:
        nonlocal changed
        out: list[ast.stmt] = []
        for sub in body:
            inlined = inline_call(sub, helpers)
            if inlined is not None:
                changed = True  # and the helpers its own statements call: a branch's train() calling load()
                out.extend(follow(inlined, level + 1, False) if level < 3 else inlined)
                continue
            if not blocks:  # (not inside the helper's loops: one node would hold a fold loop's order)
                out.append(sub)
                continue
            nested = _inline_blocks(sub, helpers, depth + 1)
            changed = changed or nested is not None
            out.append(nested if nested is not None else sub)
        return out

    new = copy_module.copy(stmt)
    new.body = follow(stmt.body, depth)
    if isinstance(stmt, (ast.For, ast.While, ast.If)):
        new.orelse = follow(stmt.orelse, depth)  # type: ignore[union-attr]
    return new if changed else None


def names_used(facts: NotebookFacts) -> frozenset[str]:
    """Every name the notebook reads (a function called, or handed on) and every method it calls
    (from the cell analysis, no walk; cached on the facts)."""
    cached = getattr(facts, "_names_used", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    used: set[str] = set()
    for _, cf in facts.code():  # from the cell analysis: its free names read, its calls' names
        if cf.tree is None:
            continue
        for st in cf.stmts:
            used |= st.reads
            used |= st.deferred_reads
        used.update(call.leaf for call in cf.calls)
    out = frozenset(used)
    facts._names_used = out  # type: ignore[attr-defined]
    return out


def _never_called(facts: NotebookFacts, helpers: dict[str, ast.FunctionDef]) -> frozenset[str]:
    """The followed helpers the notebook defines but never calls or passes on (a route a web framework
    calls, a test function pytest calls, a ``train_model(contents)`` left for later) whose body splits
    rows or calls a followed helper: their body is read where they are defined, parameters unknown."""
    if not helpers:
        return frozenset()
    used = names_used(facts)
    out = set()
    for name, fn in helpers.items():
        if name in used or name.startswith("_"):
            continue
        for sub in ast.walk(fn):
            if isinstance(sub, ast.Call):
                leaf = sub.func.attr if isinstance(sub.func, ast.Attribute) else getattr(sub.func, "id", "")
                if leaf in _SPLITS or (isinstance(sub.func, ast.Name) and leaf in helpers and leaf != name):
                    out.add(name)
                    break
    return frozenset(out)


_SPLITS = frozenset({"train_test_split", "split", "cross_val_score", "cross_validate", "cross_val_predict"})


def _unused_methods(
    facts: NotebookFacts, classes: dict[str, ast.ClassDef]
) -> dict[str, list[ast.FunctionDef]]:
    """The methods that split rows of the classes the notebook defines but never builds nor names
    (a script's ``class Models:`` whose caller is elsewhere): read where the class is defined."""
    if not classes:
        return {}
    used = names_used(facts)
    out: dict[str, list[ast.FunctionDef]] = {}
    for name, cls in classes.items():
        if name in used:
            continue
        methods = [
            fn
            for fn in cls.body
            if isinstance(fn, ast.FunctionDef)
            and not fn.decorator_list
            and not fn.name.startswith("_")
            and _inlinable(fn, frozenset())[0]
            and any(
                isinstance(c, ast.Call)
                and (c.func.attr if isinstance(c.func, ast.Attribute) else getattr(c.func, "id", ""))
                in _SPLITS
                for c in ast.walk(fn)
            )
        ]
        if methods:
            out[name] = methods
    return out


def _with_unused(
    stmts: Iterator[tuple[ast.stmt, int, set[str]]],
    unused: frozenset[str],
    methods: dict[str, list[ast.FunctionDef]] | None = None,
) -> Iterator[tuple[ast.stmt, int, set[str]]]:
    """The statements, each never-called helper's definition followed by a call of it with no
    argument, and an unused class's splitting methods by their bodies (``methods``)."""
    for stmt, number, reads in stmts:
        yield stmt, number, reads
        if methods and isinstance(stmt, ast.ClassDef) and stmt.name in methods:
            for fn in methods[stmt.name]:
                call = ast.Expr(
                    value=ast.Call(func=ast.Name(id=fn.name, ctx=ast.Load()), args=[], keywords=[])
                )
                for sub in inline_call(ast.copy_location(call, stmt), {fn.name: fn}) or ():
                    yield sub, -1, names_in(sub)
        if unused and isinstance(stmt, ast.FunctionDef) and stmt.name in unused:
            call = ast.Expr(value=ast.Call(func=ast.Name(id=stmt.name, ctx=ast.Load()), args=[], keywords=[]))
            ast.copy_location(call, stmt)
            ast.fix_missing_locations(call)
            yield call, number, {stmt.name}


def build(facts: NotebookFacts) -> DataFlow:
    """The notebook's def-use graph (cached on the facts)."""
    cached = getattr(facts, "_flow", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    from nbprod.analysis.facts import BUILTIN_NAMES

    functions: dict[str, frozenset[int]] = {}
    helpers: dict[str, ast.FunctionDef] = {}
    classes: dict[str, ast.ClassDef] = {}
    opaque: set[str] = set(facts.imports) | BUILTIN_NAMES
    objects: set[str] = set()
    waiting: dict[str, tuple[ast.FunctionDef, set[str]]] = {}  # followed once a helper they call is
    nested: dict[str, ast.FunctionDef] = {}  # helpers defined inside a top-level function
    lambdas: dict[str, ast.Lambda] = {}  # func = lambda trial: objective(trial, X, y)
    for _, cf in facts.code():
        opaque.update(cf.functions)
        opaque.update(cf.classes)
        if cf.tree is not None and cf.classes:
            classes.update((s.name, s) for s in cf.tree.body if isinstance(s, ast.ClassDef))
        if cf.tree is not None and "lambda" in cf.source:
            for stmt in cf.tree.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and isinstance(stmt.value, ast.Lambda)
                    and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Name)
                ):
                    lambdas[stmt.targets[0].id] = stmt.value
        if cf.tree is not None and cf.functions:
            for stmt in cf.tree.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    functions[stmt.name] = function_updates(stmt)
                    helpers.pop(stmt.name, None)
                    waiting.pop(stmt.name, None)
                    for inner in nested_helpers(stmt):
                        nested.setdefault(inner.name, inner)
                    ok, called = _inlinable(stmt, frozenset())
                    if ok:
                        helpers[stmt.name] = stmt  # type: ignore[assignment]
                    elif called:
                        waiting[stmt.name] = (stmt, called)  # type: ignore[assignment]
    for name, inner in nested.items():  # def run(): def evaluate(df): ...: evaluate is followed too
        if name in functions or name in classes or name in helpers:
            continue  # a name the notebook also defines at the top level: not guessed
        ok, called = _inlinable(inner, frozenset())
        if ok:
            helpers[name] = inner
        elif called:
            waiting[name] = (inner, called)
    while waiting:  # main() -> train(), or main() -> Trainer(...): followed too
        ready = [name for name, (_, called) in waiting.items() if called & (helpers.keys() | classes.keys())]
        if not ready:
            break
        for name in ready:
            helpers[name] = waiting.pop(name)[0]
    builder = _Builder(functions)
    nodes: list[Node] = []
    last: dict[str, int] = {}
    unused = _never_called(facts, helpers)
    methods = _unused_methods(facts, classes)
    workers = _workers(helpers) if helpers else {}
    followed = _Classes(classes, helpers, workers) if classes else None
    for cell, cf in facts.code():
        stmts = _with_unused(_statements(cf), unused, methods)
        for stmt, number, reads in _followed(
            stmts, helpers, workers=workers, classes=followed, lambdas=lambdas
        ):
            out: dict[str, set[str]] = {}
            builder.stmt(stmt, out)
            node = Node(len(nodes), cell.index, stmt.lineno, stmt, number=number)
            for src in out.values():
                reads = reads | {r.lstrip("~") for r in src}
            node.reach = {r: last[r] for r in reads if r in last}
            node.sources = {name: frozenset(src) for name, src in out.items()}
            assigns = [stmt] if isinstance(stmt, ast.Assign) else []
            if isinstance(
                stmt, (ast.For, ast.While, ast.If, ast.With)
            ):  # sel = SelectKBest(k=k).fit(...) in a loop
                assigns = [a for a in ast.walk(stmt) if isinstance(a, ast.Assign)]
            for a in assigns:
                leaf = _constructor_leaf(a.value) if isinstance(a.value, ast.Call) else None
                if leaf is None:  # {'a': LabelEncoder(), ...}: a container of objects is an object
                    built = member_classes(a.value)
                    leaf = "container" if built and None not in built else None
                if leaf is not None:
                    for t in a.targets:
                        objects.update(_targets(t))
            nodes.append(node)
            for name in out:
                last[name] = node.index
    flow = DataFlow(nodes, frozenset(objects - opaque), frozenset(opaque))
    flow.followed = frozenset(helpers)
    flow.followed_classes = frozenset(followed.used) if followed is not None else frozenset()
    facts._flow = flow
    return flow


__all__ = [
    "DataFlow",
    "Node",
    "Origin",
    "base_name",
    "build",
    "function_updates",
    "member_classes",
    "names_in",
    "names_used",
]
