"""Facts about one cell: scope-exact definitions and uses, imports, calls, magics.

One walk of the cell's AST gives everything the rules, the live extension and the
converter need. Results are cached by source text, so a cell is analysed once per process.
Scoping follows Python's own rules (the stdlib ``symtable`` is the oracle in the tests):
function locals are decided for the whole body, class bodies do not enclose their methods,
comprehension targets are local to the comprehension while walrus targets escape it,
``global`` makes a function define a notebook-level name.
"""

from __future__ import annotations

import ast

from nbprod.analysis.source import parse_cell, parse_python
from nbprod.values import Value

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any


class _Expr:
    """Marks an argument that is not a literal."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "EXPR"


EXPR: Any = _Expr()

# Magics whose argument or body is Python run in the user's namespace.
PYTHON_BODY_MAGICS = frozenset({"time", "timeit", "prun", "capture", "debug"})
_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


class Import(Value):
    """``alias`` is bound to the module or object ``qualified``."""

    alias: str
    qualified: str
    line: int
    deferred: bool

    __slots__ = ("alias", "qualified", "line", "deferred")
    __match_args__ = ("alias", "qualified", "line", "deferred")

    def __init__(self, alias: str, qualified: str, line: int, deferred: bool = False) -> None:
        self.alias = alias
        self.qualified = qualified
        self.line = line
        self.deferred = deferred


class Call(Value):
    """A call: ``name`` is the callee as written (``np.random.seed``), ``.attr`` when
    the receiver is not a plain name chain (``pd.read_csv(p).sample`` gives ``.sample``)."""

    name: str
    line: int
    args: list[Any]
    kwargs: dict[str, Any]
    arg_names: frozenset[str]
    deferred: bool
    stmt: int
    star: bool
    receiver_call: str | None
    targets: tuple[str, ...]
    receiver: str | None
    leaf: str  # the last part of name: `fit` of `model.fit`

    __slots__ = (
        "name",
        "line",
        "args",
        "kwargs",
        "arg_names",
        "deferred",
        "stmt",
        "star",
        "receiver_call",
        "targets",
        "receiver",
        "leaf",
    )
    __match_args__ = (
        "name",
        "line",
        "args",
        "kwargs",
        "arg_names",
        "deferred",
        "stmt",
        "star",
        "receiver_call",
        "targets",
        "receiver",
    )

    def __init__(
        self,
        name: str,
        line: int,
        args: list[Any],
        kwargs: dict[str, Any],
        arg_names: frozenset[str],
        deferred: bool,
        stmt: int,
        star: bool = False,
        receiver_call: str | None = None,
        targets: tuple[str, ...] = (),
        receiver: str | None = None,
    ) -> None:
        self.name = name
        self.leaf = name.rsplit(".", 1)[-1]  # read tens of thousands of times per folder: kept, not derived
        self.line = line
        self.args = args
        self.kwargs = kwargs
        self.arg_names = arg_names
        self.deferred = deferred
        self.stmt = stmt
        self.star = star
        self.receiver_call = receiver_call
        self.targets = targets
        self.receiver = receiver

    @property
    def display(self) -> str:
        """The callee as a person would name it: ``RandomForestClassifier(...).fit``."""
        if self.name.startswith(".") and self.receiver_call:
            return f"{self.receiver_call}(...){self.name}"
        if self.name.startswith(".") and self.receiver:
            return f"{self.receiver}{self.name}"
        return self.name

    @property
    def root(self) -> str:
        return self.name.split(".", 1)[0]


class Magic(Value):
    """An IPython escape: kind is line, cell, system or getoutput."""

    kind: str
    name: str
    args: str
    line: int
    body: str | None
    target: tuple[str, ...]

    __slots__ = ("kind", "name", "args", "line", "body", "target")
    __match_args__ = ("kind", "name", "args", "line", "body", "target")

    def __init__(
        self,
        kind: str,
        name: str,
        args: str,
        line: int,
        body: str | None = None,
        target: tuple[str, ...] = (),
    ) -> None:
        self.kind = kind
        self.name = name
        self.args = args
        self.line = line
        self.body = body
        self.target = target


class Stmt:
    """A top-level statement's data flow: names it binds and reads."""

    __slots__ = ("line", "end_line", "kind", "defs", "reads", "deferred_reads", "deferred_defs")

    line: int
    end_line: int
    kind: str
    defs: set[str]
    reads: set[str]
    deferred_reads: set[str]
    deferred_defs: set[str]

    def __init__(
        self,
        line: int,
        end_line: int,
        kind: str,
        defs: set[str] | None = None,
        reads: set[str] | None = None,
        deferred_reads: set[str] | None = None,
        deferred_defs: set[str] | None = None,
    ) -> None:
        self.line = line
        self.end_line = end_line
        self.kind = kind
        self.defs = set() if defs is None else defs
        self.reads = set() if reads is None else reads
        self.deferred_reads = set() if deferred_reads is None else deferred_reads
        self.deferred_defs = set() if deferred_defs is None else deferred_defs


class CellFacts:
    """Everything nbprod knows about one cell's source."""

    __slots__ = (
        "source",
        "python",
        "tree",
        "error",
        "error_line",
        "defs",
        "uses",
        "deferred_uses",
        "function_uses",
        "global_defs",
        "deletes",
        "imports",
        "star_imports",
        "calls",
        "strings",
        "str_assigns",
        "magics",
        "functions",
        "classes",
        "attrs",
        "stmts",
        "asserts",
        "injects_unknown",
        "suppressed",
        "_walked",
    )

    source: str
    python: str
    tree: ast.Module | None
    error: str | None
    error_line: int | None
    defs: dict[str, int]
    uses: dict[str, int]
    deferred_uses: dict[str, int]
    function_uses: dict[str, dict[str, int]]
    global_defs: dict[str, int]
    deletes: dict[str, int]
    imports: list[Import]
    star_imports: list[str]
    calls: list[Call]
    strings: list[tuple[int, str]]
    str_assigns: list[tuple[str, int, str]]
    magics: list[Magic]
    functions: dict[str, int]
    classes: dict[str, int]
    attrs: set[str]
    stmts: list[Stmt]
    asserts: int
    injects_unknown: bool
    suppressed: frozenset[str] | None

    def __init__(
        self,
        source: str,
        python: str,
        tree: ast.Module | None,
        error: str | None = None,
        error_line: int | None = None,
        defs: dict[str, int] | None = None,
        uses: dict[str, int] | None = None,
        deferred_uses: dict[str, int] | None = None,
        function_uses: dict[str, dict[str, int]] | None = None,
        global_defs: dict[str, int] | None = None,
        deletes: dict[str, int] | None = None,
        imports: list[Import] | None = None,
        star_imports: list[str] | None = None,
        calls: list[Call] | None = None,
        strings: list[tuple[int, str]] | None = None,
        str_assigns: list[tuple[str, int, str]] | None = None,
        magics: list[Magic] | None = None,
        functions: dict[str, int] | None = None,
        classes: dict[str, int] | None = None,
        attrs: set[str] | None = None,
        stmts: list[Stmt] | None = None,
        asserts: int = 0,
        injects_unknown: bool = False,
        suppressed: frozenset[str] | None = None,
    ) -> None:
        self.source = source
        self.python = python
        self.tree = tree
        self.error = error
        self.error_line = error_line
        self.defs = {} if defs is None else defs
        self.uses = {} if uses is None else uses
        self.deferred_uses = {} if deferred_uses is None else deferred_uses
        self.function_uses = {} if function_uses is None else function_uses
        self.global_defs = {} if global_defs is None else global_defs
        self.deletes = {} if deletes is None else deletes
        self.imports = [] if imports is None else imports
        self.star_imports = [] if star_imports is None else star_imports
        self.calls = [] if calls is None else calls
        self.strings = [] if strings is None else strings
        self.str_assigns = [] if str_assigns is None else str_assigns
        self.magics = [] if magics is None else magics
        self.functions = {} if functions is None else functions
        self.classes = {} if classes is None else classes
        self.attrs = set() if attrs is None else attrs
        self.stmts = [] if stmts is None else stmts
        self.asserts = asserts
        self.injects_unknown = injects_unknown
        self.suppressed = suppressed
        self._walked: tuple[ast.AST, list[ast.AST]] | None = None

    @property
    def ok(self) -> bool:
        return self.tree is not None

    def nodes(self) -> list[ast.AST]:
        """The nodes of the cell's tree in ``ast.walk`` order, less the context and operator
        leaves (``walk_nodes``): walked once, however many rules look (empty without a tree)."""
        tree = self.tree
        if tree is None:
            return []
        walked = self._walked
        if walked is None or walked[0] is not tree:
            walked = self._walked = (tree, walk_nodes(tree))
        return walked[1]


class _Scope:
    __slots__ = ("kind", "parent", "bound", "globals", "assigned")

    def __init__(self, kind: str, parent: _Scope | None, bound: set[str] | None = None) -> None:
        self.kind = kind
        self.parent = parent
        self.bound = bound if bound is not None else set()
        self.globals: set[str] = set()
        self.assigned: set[str] = set()


# Load, Store, Add, Eq...: shared leaf singletons with nothing below them, that no caller
# of ``walk_nodes`` looks for.
_LEAF_TYPES = frozenset(
    c
    for base in (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
    for c in base.__subclasses__()
)


def walk_nodes(node: ast.AST) -> list[ast.AST]:
    """Every node below ``node`` (and itself) in the order ``ast.walk`` yields them
    (breadth first, children in field order), less the context and operator leaves: one
    list built without ``ast.walk``'s generators."""
    out = [node]
    append = out.append
    leaves = _LEAF_TYPES
    AST = ast.AST
    for n in out:  # the list grows while it is read: a queue, in order
        for name in n._fields:
            value = getattr(n, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, AST) and type(item) not in leaves:
                        append(item)
            elif isinstance(value, AST) and type(value) not in leaves:
                append(value)
    return out


def _children(n: ast.AST, stack: list[ast.AST]) -> None:
    """Push the child nodes of ``n`` (as ``ast.iter_child_nodes``, less the leaves)."""
    leaves = _LEAF_TYPES
    for name in n._fields:
        value = getattr(n, name, None)
        if type(value) is list:
            for item in value:
                if isinstance(item, ast.AST) and type(item) not in leaves:
                    stack.append(item)
        elif isinstance(value, ast.AST) and type(value) not in leaves:
            stack.append(value)


def _target_names(node: ast.AST, out: set[str]) -> None:
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, (ast.Tuple, ast.List)):
            stack.extend(n.elts)
        elif isinstance(n, ast.Starred):
            stack.append(n.value)


def _function_locals(node: ast.AST) -> tuple[set[str], set[str], set[str]]:
    """Locals, globals and nonlocals of a function or lambda, decided for its whole body."""
    bound: set[str] = set()
    globs: set[str] = set()
    nonlocs: set[str] = set()
    args = node.args  # type: ignore[attr-defined]
    for a in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        bound.add(a.arg)
    if args.vararg:
        bound.add(args.vararg.arg)
    if args.kwarg:
        bound.add(args.kwarg.arg)
    body = node.body if isinstance(node.body, list) else [node.body]  # type: ignore[attr-defined]
    stack: list[ast.AST] = list(body)
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(n.name)
            stack.extend(n.decorator_list)
            if not isinstance(n, ast.ClassDef):
                stack.extend(d for d in (*n.args.defaults, *n.args.kw_defaults) if d)
            else:
                stack.extend(n.bases)
            continue
        if isinstance(n, ast.Lambda):
            stack.extend(d for d in (*n.args.defaults, *n.args.kw_defaults) if d)
            continue
        if isinstance(n, _COMPREHENSIONS):
            # Only walrus targets inside a comprehension bind in this function.
            for sub in walk_nodes(n):
                if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
                    bound.add(sub.target.id)
            continue
        if isinstance(n, ast.Name):
            if not isinstance(n.ctx, ast.Load):
                bound.add(n.id)
            continue
        if isinstance(n, ast.Global):
            globs.update(n.names)
            continue
        if isinstance(n, ast.Nonlocal):
            nonlocs.update(n.names)
            continue
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            for alias in n.names:
                if alias.name != "*":
                    bound.add(alias.asname or alias.name.split(".")[0])
            continue
        if isinstance(n, ast.ExceptHandler) and n.name:
            bound.add(n.name)
        elif isinstance(n, (ast.MatchAs, ast.MatchStar)) and n.name:
            bound.add(n.name)
        elif isinstance(n, ast.MatchMapping) and n.rest:
            bound.add(n.rest)
        _children(n, stack)
    bound -= globs
    bound -= nonlocs
    return bound, globs, nonlocs


def _literal(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float))
    ):
        return -node.operand.value
    return EXPR


def dotted_name(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _names_in(node: ast.AST) -> frozenset[str]:
    return frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load))


_NS_WRITES = frozenset({"update", "setdefault", "__setitem__"})


def _namespace(node: ast.AST) -> bool:
    """True for ``globals()`` or ``vars()`` with no argument: the notebook's namespace."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("globals", "vars")
        and not node.args
        and not node.keywords
    )


def _module_scope(scope: _Scope) -> _Scope:
    while scope.parent is not None:
        scope = scope.parent
    return scope


def _short(node: ast.AST, limit: int = 30) -> str | None:
    """Source text of a receiver expression, shortened for messages."""
    try:
        text = ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every parsed tree
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _catches_name_error(node: ast.AST | None) -> bool:
    """True for an except clause that catches NameError (bare, Exception, a tuple with it)."""
    if node is None:
        return True
    if isinstance(node, ast.Tuple):
        return any(_catches_name_error(e) for e in node.elts)
    name = dotted_name(node)
    return name is not None and name.rsplit(".", 1)[-1] in ("NameError", "Exception", "BaseException")


def magic_call(node: ast.AST) -> tuple[str, list[str]] | None:
    """('run_line_magic' | 'run_cell_magic' | 'system' | 'getoutput', literal args) for
    ``get_ipython().x(...)`` as IPython's transforms write a magic, else None."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if not (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "get_ipython"
        and func.attr in ("run_line_magic", "run_cell_magic", "system", "getoutput")
    ):
        return None
    args = []
    for a in node.args:
        if not (isinstance(a, ast.Constant) and isinstance(a.value, str)):
            return None
        args.append(a.value)
    return func.attr, args


class _Analyzer:
    def __init__(self, facts: CellFacts) -> None:
        self.f = facts
        self.scope = _Scope("module", None)
        self.defined: set[str] = set()
        self.deferred = False
        self.guarded = 0  # inside ``try:`` bodies whose handlers catch NameError
        self.arg_names: list[set[str]] = []  # names read by the arguments of the open calls
        self.function: dict[str, int] | None = None  # reads of the top-level function being walked
        self.offset = 0
        self.stmt: Stmt | None = None
        self.stmt_index = -1
        self.assign_targets: tuple[str, ...] = ()
        self.assign_value: ast.AST | None = None

    # -- driving -------------------------------------------------------------
    def run(self, tree: ast.Module) -> None:
        for node in tree.body:
            self.stmt_index += 1
            self.stmt = Stmt(
                node.lineno + self.offset,
                (node.end_lineno or node.lineno) + self.offset,
                type(node).__name__,
            )
            self.f.stmts.append(self.stmt)
            self.visit(node)

    def visit(self, node: ast.AST) -> None:
        _DISPATCH[type(node)](self, node)

    def generic(self, node: ast.AST) -> None:
        """Visit the children in field order, as ``ast.iter_child_nodes`` yields them."""
        dispatch = _DISPATCH
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        dispatch[type(item)](self, item)
            elif isinstance(value, ast.AST):
                dispatch[type(value)](self, value)

    def visit_all(self, nodes: list[Any]) -> None:
        dispatch = _DISPATCH
        for n in nodes:
            if n is not None:
                dispatch[type(n)](self, n)

    # -- the commonest nodes with nothing to note: their children in field order, as
    # ``generic`` visits them, without its loop over the fields (operators and contexts
    # are leaves with nothing to visit)
    def v_Expr(self, node: ast.Expr) -> None:
        value = node.value
        _DISPATCH[type(value)](self, value)

    v_Await = v_Expr
    v_Starred = v_Expr
    v_keyword = v_Expr

    def v_Return(self, node: ast.Return) -> None:
        value = node.value
        if value is not None:
            _DISPATCH[type(value)](self, value)

    v_Yield = v_Return

    def v_BinOp(self, node: ast.BinOp) -> None:
        left, right = node.left, node.right
        _DISPATCH[type(left)](self, left)
        _DISPATCH[type(right)](self, right)

    def v_UnaryOp(self, node: ast.UnaryOp) -> None:
        operand = node.operand
        _DISPATCH[type(operand)](self, operand)

    def v_BoolOp(self, node: ast.BoolOp) -> None:
        self.visit_all(node.values)

    def v_Compare(self, node: ast.Compare) -> None:
        left = node.left
        _DISPATCH[type(left)](self, left)
        self.visit_all(node.comparators)

    def v_Tuple(self, node: ast.Tuple | ast.List | ast.Set) -> None:
        self.visit_all(node.elts)

    v_List = v_Tuple
    v_Set = v_Tuple
    v_JoinedStr = v_BoolOp

    def v_Dict(self, node: ast.Dict) -> None:
        self.visit_all(node.keys)  # None for a ``**mapping``
        self.visit_all(node.values)

    def v_If(self, node: ast.If | ast.IfExp | ast.While) -> None:
        test = node.test
        _DISPATCH[type(test)](self, test)
        if isinstance(node, ast.IfExp):  # (mypy narrows on isinstance only)
            body = node.body
            _DISPATCH[type(body)](self, body)
            orelse = node.orelse
            _DISPATCH[type(orelse)](self, orelse)
        else:
            self.visit_all(node.body)
            self.visit_all(node.orelse)

    v_IfExp = v_If
    v_While = v_If

    def v_FormattedValue(self, node: ast.FormattedValue) -> None:
        value = node.value
        _DISPATCH[type(value)](self, value)
        if node.format_spec is not None:
            self.visit(node.format_spec)

    # -- names ---------------------------------------------------------------
    def load(self, name: str, line: int) -> None:
        scope = self.scope
        s: _Scope | None = scope
        while s is not None and s.kind != "module":
            if s.kind == "class":
                if s is scope and name in s.assigned:
                    return
            elif name in s.globals:
                break
            elif name in s.bound:
                return
            s = s.parent
        stmt = self.stmt
        if self.guarded:  # ``try: x = raw_input`` + ``except NameError``: runs either way
            if stmt is not None:
                (stmt.deferred_reads if self.deferred else stmt.reads).add(name)
            return
        if self.deferred:
            self.f.deferred_uses.setdefault(name, line)
            if self.function is not None:
                self.function.setdefault(name, line)
            if stmt is not None:
                stmt.deferred_reads.add(name)
            return
        if stmt is not None:
            stmt.reads.add(name)
        if name not in self.defined:
            self.f.uses.setdefault(name, line)

    def store(self, name: str, line: int, scope: _Scope | None = None) -> None:
        scope = scope or self.scope
        if scope.kind == "module":
            self.defined.add(name)
            self.f.defs.setdefault(name, line)
            if self.stmt is not None:
                self.stmt.defs.add(name)
        elif scope.kind == "class":
            scope.assigned.add(name)
        elif name in scope.globals:
            self.f.global_defs.setdefault(name, line)
            if self.stmt is not None:
                self.stmt.deferred_defs.add(name)

    def v_Subscript(self, node: ast.Subscript) -> None:
        value = node.value
        if _namespace(value) and not isinstance(node.ctx, ast.Load):
            # globals()['x'] = ... binds x in the notebook; globals()[name] = ... anything
            key = node.slice
            name = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
            line = node.lineno + self.offset
            if name is None or not name.isidentifier():
                self.f.injects_unknown = True
            elif isinstance(node.ctx, ast.Store) and not self.deferred:
                self.store(name, line, _module_scope(self.scope))
            elif isinstance(node.ctx, ast.Store):
                self.f.global_defs.setdefault(name, line)
                if self.stmt is not None:
                    self.stmt.deferred_defs.add(name)
        self.generic(node)

    def v_Name(self, node: ast.Name) -> None:
        line = node.lineno + self.offset
        if isinstance(node.ctx, ast.Load):
            for names in self.arg_names:
                names.add(node.id)
            self.load(node.id, line)
        elif isinstance(node.ctx, ast.Store):
            self.store(node.id, line)
        else:
            self.load(node.id, line)
            if self.scope.kind == "module":
                self.defined.discard(node.id)
                self.f.deletes.setdefault(node.id, line)

    # -- statements ----------------------------------------------------------
    def v_Assign(self, node: ast.Assign) -> None:
        names: set[str] = set()
        for t in node.targets:
            _target_names(t, names)
        self.assign_targets = tuple(sorted(names))
        self.assign_value = node.value
        self.visit(node.value)
        self.assign_targets = ()
        self.assign_value = None
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for name in names:
                self.f.str_assigns.append((name, node.lineno + self.offset, node.value.value))
        self.visit_all(node.targets)

    def v_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self.load(node.target.id, node.lineno + self.offset)
            self.visit(node.value)
            self.store(node.target.id, node.lineno + self.offset)
        else:
            self.visit(node.value)
            self.visit(node.target)

    def v_AnnAssign(self, node: ast.AnnAssign) -> None:
        if self.scope.kind != "function":
            self.visit(node.annotation)
        if node.value is not None:
            self.visit(node.value)
            self.visit(node.target)
        elif not isinstance(node.target, ast.Name):
            self.visit(node.target)

    def v_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        self.visit_all(node.body)
        self.visit_all(node.orelse)

    v_AsyncFor = v_For

    def v_Import(self, node: ast.Import) -> None:
        line = node.lineno + self.offset
        for alias in node.names:
            if alias.asname:
                bound, qualified = alias.asname, alias.name
            else:
                bound = qualified = alias.name.split(".")[0]
            self.f.imports.append(Import(bound, qualified, line, self.deferred))
            self.store(bound, line)

    def v_ImportFrom(self, node: ast.ImportFrom) -> None:
        line = node.lineno + self.offset
        module = "." * (node.level or 0) + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                self.f.star_imports.append(module)
                self.f.injects_unknown = True
                continue
            bound = alias.asname or alias.name
            qualified = f"{module}.{alias.name}" if node.module else module + alias.name
            self.f.imports.append(Import(bound, qualified, line, self.deferred))
            self.store(bound, line)

    def v_Global(self, node: ast.Global) -> None:
        pass

    v_Nonlocal = v_Global

    def v_Try(self, node: ast.Try) -> None:
        guard = any(_catches_name_error(h.type) for h in node.handlers)
        self.guarded += guard
        self.visit_all(node.body)
        self.guarded -= guard
        self.visit_all(node.handlers)
        self.visit_all(node.orelse)
        self.visit_all(node.finalbody)

    v_TryStar = v_Try

    def v_Assert(self, node: ast.Assert) -> None:
        self.f.asserts += 1
        self.generic(node)

    def v_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.store(node.name, node.lineno + self.offset)
        self.visit_all(node.body)

    def v_MatchAs(self, node: ast.MatchAs) -> None:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name:
            self.store(node.name, node.lineno + self.offset)

    def v_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.store(node.name, node.lineno + self.offset)

    def v_MatchMapping(self, node: ast.MatchMapping) -> None:
        self.visit_all(node.keys)
        self.visit_all(node.patterns)
        if node.rest:
            self.store(node.rest, node.lineno + self.offset)

    # -- scopes --------------------------------------------------------------
    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        args = node.args
        self.visit_all(args.defaults)
        self.visit_all(args.kw_defaults)
        if not isinstance(node, ast.Lambda):
            self.visit_all(node.decorator_list)
            for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
                if a is not None and a.annotation is not None:
                    self.visit(a.annotation)
            if node.returns is not None:
                self.visit(node.returns)
            line = node.lineno + self.offset
            self.store(node.name, line)
            if self.scope.kind == "module":
                self.f.functions.setdefault(node.name, line)
        bound, globs, _ = _function_locals(node)
        scope = _Scope("function", self.scope, bound)
        scope.globals = globs
        saved = self.scope, self.deferred, self.function, self.guarded
        self.guarded = 0  # a body runs when called, outside any try around its def
        if self.function is None and not isinstance(node, ast.Lambda) and self.scope.kind == "module":
            self.function = self.f.function_uses.setdefault(node.name, {})
        self.scope, self.deferred = scope, True
        if isinstance(node, ast.Lambda):
            self.visit(node.body)
        else:
            self.visit_all(node.body)
        self.scope, self.deferred, self.function, self.guarded = saved

    v_FunctionDef = _function
    v_AsyncFunctionDef = _function
    v_Lambda = _function

    def v_ClassDef(self, node: ast.ClassDef) -> None:
        self.visit_all(node.decorator_list)
        self.visit_all(node.bases)
        self.visit_all(node.keywords)
        saved = self.scope
        self.scope = _Scope("class", saved)
        self.visit_all(node.body)
        self.scope = saved
        line = node.lineno + self.offset
        self.store(node.name, line)
        if self.scope.kind == "module":
            self.f.classes.setdefault(node.name, line)

    def _comprehension(self, node: Any) -> None:
        gens = node.generators
        self.visit(gens[0].iter)
        bound: set[str] = set()
        for g in gens:
            _target_names(g.target, bound)
        saved = self.scope
        self.scope = _Scope("comprehension", saved, bound)
        for i, g in enumerate(gens):
            if i:
                self.visit(g.iter)
            self.visit_all(g.ifs)
        if isinstance(node, ast.DictComp):
            self.visit(node.key)
            self.visit(node.value)
        else:
            self.visit(node.elt)
        self.scope = saved

    v_ListComp = _comprehension
    v_SetComp = _comprehension
    v_GeneratorExp = _comprehension
    v_DictComp = _comprehension

    def v_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        scope = self.scope
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        if isinstance(node.target, ast.Name):
            self.store(node.target.id, node.lineno + self.offset, scope)

    # -- expressions ---------------------------------------------------------
    def v_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Load):
            self.f.attrs.add(node.attr)
        self.visit(node.value)

    def v_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value:
            self.f.strings.append((node.lineno + self.offset, node.value))

    def v_Call(self, node: ast.Call) -> None:
        line = node.lineno + self.offset
        magic = magic_call(node)
        if magic is not None:
            self._magic(magic[0], magic[1], line)
        func = node.func
        name = dotted_name(func)
        receiver_call = receiver = None
        if name is None:
            if isinstance(func, ast.Attribute):
                name = "." + func.attr
                inner = func.value
                if isinstance(inner, ast.Call):
                    receiver_call = dotted_name(inner.func)
                if receiver_call is None:
                    receiver = _short(inner)
            else:
                name = ""
        # one pass over the arguments: literals, ``*args`` / ``**kw``, ``f(globals())``
        star = namespace = False
        literals = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                star = True
            elif not namespace and _namespace(a):
                namespace = True
            literals.append(_literal(a))
        kwargs: dict[str, Any] = {}
        for kw in node.keywords:
            if kw.arg is None:
                star = True
            else:
                kwargs[kw.arg] = _literal(kw.value)
            if not namespace and _namespace(kw.value):
                namespace = True
        call = Call(
            name,
            line,
            literals,
            kwargs,
            frozenset(),
            self.deferred,
            self.stmt_index,
            star,
            receiver_call,
            self.assign_targets if node is self.assign_value else (),
            receiver,
        )
        self.f.calls.append(call)
        if (
            (isinstance(func, ast.Name) and func.id in ("exec", "execfile"))
            or (isinstance(func, ast.Attribute) and _namespace(func.value) and func.attr in _NS_WRITES)
            or namespace
        ):
            # exec(...), globals().update(...), f(globals()): names nbprod cannot see
            self.f.injects_unknown = True
        # The arguments' names are gathered by v_Name during this one walk (an ast.walk of
        # each argument would walk nested calls again and again).
        self.visit(func)
        names: set[str] = set()
        self.arg_names.append(names)
        self.visit_all(node.args)
        self.visit_all(node.keywords)
        self.arg_names.pop()
        call.arg_names = frozenset(names)

    def _magic(self, kind: str, args: list[str], line: int) -> None:
        if kind in ("system", "getoutput"):
            self.f.magics.append(Magic(kind, "", args[0] if args else "", line, target=self.assign_targets))
            return
        if not args:
            return
        name = args[0]
        if kind == "run_line_magic":
            margs = args[1] if len(args) > 1 else ""
            self.f.magics.append(Magic("line", name, margs, line, target=self.assign_targets))
            if name in PYTHON_BODY_MAGICS:
                self._splice(margs, line - 1)
            elif name == "store" and margs.split()[:1] == ["-r"]:
                names = margs.split()[1:]
                for var in names:
                    self.store(var, line)
                if not names:  # %store -r restores every stored variable
                    self.f.injects_unknown = True
            elif name in ("run", "pylab"):
                self.f.injects_unknown = True
            return
        margs = args[1] if len(args) > 1 else ""
        body = args[2] if len(args) > 2 else ""
        self.f.magics.append(Magic("cell", name, margs, line, body, self.assign_targets))
        if name in PYTHON_BODY_MAGICS:
            if name == "capture":
                target = next((a for a in margs.split() if not a.startswith("-")), None)
                if target and target.isidentifier():
                    self.store(target, line)
            self._splice(body, line)

    def _splice(self, code: str, offset: int) -> None:
        """Analyse Python run by a magic (``%time x = f()``) as if it stood here."""
        if not code.strip():
            return
        parsed = parse_cell(code)
        if parsed.tree is None:
            return
        saved = self.offset
        self.offset = offset
        for node in parsed.tree.body:
            self.visit(node)
        self.offset = saved


# The walk's dispatch: node class -> the _Analyzer function that visits it, filled on first use.
class _Dispatch(dict):  # type: ignore[type-arg]
    """node class -> visitor; a class met for the first time is looked up (``_method``)."""

    def __missing__(self, cls: type) -> Any:
        return _method(cls)


_DISPATCH: dict[type, Any] = _Dispatch()
_LEAVES = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)


def _nothing(analyzer: _Analyzer, node: ast.AST) -> None:
    """Load, Store, Add, Eq...: nothing below them, nothing to note."""


def _method(cls: type) -> Any:
    method = (
        _nothing if issubclass(cls, _LEAVES) else getattr(_Analyzer, "v_" + cls.__name__, _Analyzer.generic)
    )
    _DISPATCH[cls] = method
    return method


_CACHE: dict[str, CellFacts] = {}
_CACHE_MAX = 8192


def analyze_cell(source: str) -> CellFacts:
    """The facts of a code cell's source, computed once per distinct source."""
    facts = _CACHE.get(source)
    if facts is not None:
        return facts
    parsed = parse_cell(source)
    facts = CellFacts(source, parsed.python, parsed.tree, parsed.error, parsed.error_line)
    if parsed.tree is not None:
        try:
            _Analyzer(facts).run(parsed.tree)
        except RecursionError:  # parses, but nests too deeply to walk: NB106 for this cell only
            facts = CellFacts(source, parsed.python, None, "nested too deeply for nbprod to analyse", 1)
    facts.suppressed = _suppressions(source)
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[source] = facts
    return facts


def analyze_tree(source: str, tree: ast.Module) -> CellFacts:
    """Facts from an AST the caller already has (IPython's), with no second parse."""
    facts = _CACHE.get(source)
    if facts is not None:
        return facts
    facts = CellFacts(source, source, tree)
    _Analyzer(facts).run(tree)
    facts.suppressed = _suppressions(source)
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[source] = facts
    return facts


def _suppressions(source: str) -> frozenset[str] | None:
    """Rule ids silenced by ``# nbprod: ignore[NB201,NB202]`` (``ALL`` for a bare ignore)."""
    if "nbprod:" not in source:
        return None
    import re

    found: set[str] = set()
    for m in re.finditer(r"#\s*nbprod:\s*ignore(?:\[([A-Za-z0-9_,\s]*)\])?", source):
        if m.group(1) is None:
            found.add("ALL")
        else:
            found.update(p.strip().upper() for p in m.group(1).split(",") if p.strip())
    return frozenset(found) or None


__all__ = [
    "EXPR",
    "Call",
    "CellFacts",
    "Import",
    "Magic",
    "Stmt",
    "analyze_cell",
    "analyze_tree",
    "dotted_name",
    "magic_call",
    "parse_python",
]
