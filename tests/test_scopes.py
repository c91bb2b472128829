"""Scope exactness of the analysis core, with the stdlib ``symtable`` as the oracle."""

from __future__ import annotations

import ast
import symtable
import textwrap

import pytest

from nbprod.analysis.cell import analyze_cell

# Each snippet is one cell. The oracle and nbprod must agree on which names the cell
# binds at notebook level and which notebook-level names it reads (now or in a function).
SNIPPETS = [
    "x = 1\ny = x",
    "a, (b, *c) = d",
    "x += 1",
    "x.attr = y\nx[k] = v",
    "for i in range(n):\n    total = i\nelse:\n    done = True",
    "while cond:\n    break",
    "with open(p) as fh, ctx() as (a, b):\n    data = fh.read()",
    "import os, sys as system\nimport numpy.random\nimport numpy.random as npr",
    "from numpy.random import seed, rand as r\nfrom . import sibling",
    "try:\n    import ujson as json\nexcept ImportError:\n    import json",
    "try:\n    pass\nexcept ValueError as e:\n    print(e)\nexcept (KeyError, TypeError) as err:\n    msg = str(err)",
    "try:\n    risky()\nfinally:\n    cleanup()",
    "del x",
    "x = 1\ndel x\ny = x",
    "[i * k for i in items]",
    "squares = {i: i**2 for i in range(n) if i % m}",
    "{v for row in rows for v in row if v > limit}",
    "total = sum(x for x in xs)",
    "[[j for j in range(i)] for i in range(n)]",
    "[y for x in data if (y := f(x)) is not None]\nprint(y)",
    "[(last := v) for v in values]",
    "if (n := len(a)) > 10:\n    print(n)",
    "def f(a, b=default, *args, c: int = kw_default, **kw) -> Ret:\n    return a + b + c + outer",
    "def f():\n    x = 1\n    return x",
    "def f():\n    return x\nx = 2",
    "def f():\n    print(x)\n    x = 1",
    "def f():\n    global counter\n    counter = counter + 1",
    "def f():\n    global g\n    g = 1\nf()\nprint(g)",
    "def outer():\n    n = 0\n    def inner():\n        nonlocal n\n        n += 1\n        return n + shared\n    return inner",
    "def outer():\n    def inner():\n        return helper()\n    def helper():\n        return 1\n    return inner",
    "@decorator\n@other.deco(arg)\ndef f():\n    pass",
    "@dataclass\nclass Point:\n    x: int = 0\n    y: int = origin\n    def norm(self):\n        return (self.x**2 + self.y**2) ** 0.5",
    "class C(Base, metaclass=Meta):\n    a = 1\n    b = a + 1\n    def m(self):\n        return a",
    "class C:\n    items = [1, 2]\n    doubled = [i * factor for i in items]",
    "class Outer:\n    class Inner:\n        z = 1\n    w = Inner.z",
    "f = lambda x, y=dflt: x + y + free",
    "g = lambda: (lambda q: q + zz)(1)",
    "async def fetch(url):\n    async with session.get(url) as r:\n        return await r.text()",
    "async def gen():\n    async for item in source():\n        yield item",
    "match command:\n    case ['go', direction]:\n        move(direction)\n    case {'action': act, **rest}:\n        handle(act, rest)\n    case Point(x=px, y=0) | Point(px, 0):\n        print(px)\n    case [first, *others]:\n        pass\n    case str() as text:\n        print(text)\n    case _:\n        pass",
    "from os.path import *\nprint(join)",
    "assert x > 0, message",
    "x = y = z = compute()",
    "print(*args, **kwargs)",
    "result = a if cond else b",
    "data = {**base, 'k': v}",
    "s = f'{name!r:>{width}}'",
    "x: int = 3\nprint(x)",
    "def f(n):\n    return [g(i) for i in range(n)] + [j for j in other]",
    "def f():\n    return [k for k in keys if k in seen]\nseen = set()",
    "def f():\n    [w := 1 for _ in range(3)]\n    return w",
    "def f():\n    try:\n        pass\n    except Exception as exc:\n        return exc",
    "def f():\n    import json\n    return json.dumps(obj)",
    "def f():\n    for i in range(3):\n        pass\n    return i",
    "def f():\n    with open(p) as fh:\n        return fh",
    "def f():\n    class Local:\n        attr = missing\n    return Local",
    "def f(x):\n    def g():\n        return x + y\n    return g",
    "def f():\n    match v:\n        case [a, b]:\n            return a + b",
    "def f():\n    del glob\n",
    "def gen():\n    yield from other()",
    "x = 10\ndef f(x=x):\n    return x",
    "numbers = [1, 2]\nnumbers.append(len(numbers))",
    "print(__name__, display, In)",
    "for k, v in mapping.items():\n    if k:\n        continue\n    total = v",
    "import a.b.c\na.b.c.d()",
    "exec_count = sum(map(lambda t: t[0], pairs))",
    "def deco(fn):\n    def wrapper(*a, **k):\n        return fn(*a, **k)\n    return wrapper",
    "try:\n    from functools import cache\nexcept ImportError:\n    from functools import lru_cache as cache",
    "def f(*, key=lambda x: x):\n    return key",
    "with ctx:\n    pass",
    "raise ValueError(msg) from cause",
    "global top\ntop = 1",
    "def f():\n    x = 1\n    class C:\n        y = x + glob\n    return C",
    "def f():\n    def g():\n        global h\n        h = 1\n    g()",
    "def f():\n    x = 1\n    return [x + i for i in r]",
    "with a as b.c:\n    pass\nfor x.y in z:\n    pass",
    "try:\n    pass\nexcept* ValueError as eg:\n    print(eg)",
    "def f(x):\n    return (lambda: x + y)()",
    "def f():\n    global a, b\n    a, b = 1, 2",
    "fns = [lambda: i for i in range(3)]",
    "def f():\n    global w\n    [w := i for i in r]",
    "def f():\n    return later\nlater = 1\ndel later",
    "x = 0\nwhile (x := x + 1) < limit:\n    pass",
    "obj = type('T', (), {})()\nobj.x = 1",
    "def f():\n    try:\n        import numpy as np\n    except ImportError:\n        np = None\n    return np",
]


class _ExplicitReads(ast.NodeTransformer):
    """``x += 1`` -> ``x = x + 1``: symtable does not flag an augmented target as read."""

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.target, ast.Name):
            return node
        read = ast.Name(node.target.id, ast.Load())
        value = ast.BinOp(read, node.op, node.value)
        return ast.copy_location(ast.Assign([node.target], value), node)


def _module_level_deletes(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Del):
            found.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _oracle(src: str) -> tuple[set[str], set[str]]:
    """Names bound and read at notebook (module) level, according to symtable."""
    tree = ast.parse(src)
    explicit = ast.unparse(ast.fix_missing_locations(_ExplicitReads().visit(ast.parse(src))))
    top = symtable.symtable(explicit, "<cell>", "exec")
    defs: set[str] = set()
    reads: set[str] = set()
    for s in top.get_symbols():
        if s.is_assigned() or s.is_imported():
            defs.add(s.get_name())
        if s.is_referenced():
            reads.add(s.get_name())
    stack = list(top.get_children())
    while stack:
        table = stack.pop()
        stack.extend(table.get_children())
        for s in table.get_symbols():
            if s.is_global():
                if s.is_referenced():
                    reads.add(s.get_name())
                if s.is_assigned():
                    defs.add(s.get_name())
    # ``del x`` fails when x is not bound: nbprod counts it as a read as well.
    return defs, reads | _module_level_deletes(tree)


def _ours(src: str) -> tuple[set[str], set[str]]:
    facts = analyze_cell(src)
    assert facts.ok, facts.error
    reads: set[str] = set()
    for stmt in facts.stmts:
        reads |= stmt.reads | stmt.deferred_reads
    return set(facts.defs) | set(facts.global_defs) | set(facts.deletes), reads


@pytest.mark.parametrize("src", SNIPPETS, ids=range(len(SNIPPETS)))
def test_matches_symtable(src: str) -> None:
    assert _ours(src) == _oracle(src)


@pytest.mark.parametrize("src", SNIPPETS, ids=range(len(SNIPPETS)))
def test_uses_are_reads_not_bound_before(src: str) -> None:
    """Immediate uses are the reads not bound earlier in the cell; deferred uses are reads inside functions."""
    facts = analyze_cell(src)
    _, reads = _oracle(src)
    assert set(facts.uses) | set(facts.deferred_uses) <= reads
    for name, line in facts.uses.items():
        assert name not in facts.defs or facts.defs[name] >= line or name in facts.deletes


def _uses(src: str) -> set[str]:
    return set(analyze_cell(textwrap.dedent(src)).uses)


def _defs(src: str) -> set[str]:
    return set(analyze_cell(textwrap.dedent(src)).defs)


def test_comprehension_variable_does_not_leak() -> None:
    assert "i" not in _defs("squares = [i * i for i in range(3)]")
    assert _uses("[i for i in range(3)]\nprint(i)") == {"range", "print", "i"}


def test_walrus_in_comprehension_binds_in_cell() -> None:
    facts = analyze_cell("[y for x in data if (y := f(x))]\nprint(y)")
    assert "y" in facts.defs and "y" not in facts.uses
    assert {"data", "f", "print"} == set(facts.uses)


def test_except_alias_is_bound_and_read_after_binding() -> None:
    facts = analyze_cell("try:\n    pass\nexcept ValueError as e:\n    print(e)")
    assert "e" in facts.defs and "e" not in facts.uses


def test_use_before_definition_in_same_cell_is_a_use() -> None:
    facts = analyze_cell("print(x)\nx = 1")
    assert facts.uses == {"print": 1, "x": 1}
    assert facts.defs == {"x": 2}


def test_function_body_reads_are_deferred() -> None:
    facts = analyze_cell("def f():\n    return model.predict(X)\n")
    assert facts.uses == {}
    assert set(facts.deferred_uses) == {"model", "X"}
    assert facts.functions == {"f": 1}


def test_function_local_shadows_global_for_whole_body() -> None:
    facts = analyze_cell("def f():\n    print(x)\n    x = 1\n")
    assert "x" not in facts.deferred_uses


def test_global_statement_defines_notebook_name() -> None:
    facts = analyze_cell("def setup():\n    global model\n    model = 1\n")
    assert facts.global_defs == {"model": 3}
    assert "model" not in facts.deferred_uses


def test_nonlocal_is_not_a_notebook_name() -> None:
    facts = analyze_cell(
        "def o():\n    n = 0\n    def i():\n        nonlocal n\n        n += 1\n    return i\n"
    )
    assert "n" not in facts.deferred_uses and "n" not in facts.global_defs


def test_class_body_does_not_enclose_methods() -> None:
    facts = analyze_cell("class C:\n    a = 1\n    def m(self):\n        return a\n")
    assert facts.deferred_uses == {"a": 4}


def test_class_body_reads_global_before_assigning_it() -> None:
    # Class bodies look names up at run time: ``y = x`` reads the notebook's x.
    facts = analyze_cell("class C:\n    y = x\n    x = 1\n")
    assert facts.uses == {"x": 2}
    assert facts.defs == {"C": 1}


def test_bare_annotation_binds_nothing() -> None:
    facts = analyze_cell("x: int\n")
    assert facts.defs == {} and facts.uses == {"int": 1}


def test_local_annotation_is_not_evaluated() -> None:
    facts = analyze_cell("def f():\n    y: Unknown = 1\n    return y\n")
    assert "Unknown" not in facts.deferred_uses


def test_defaults_and_decorators_are_immediate() -> None:
    facts = analyze_cell("@deco\ndef f(a=dflt, *, b=kw):\n    return a\n")
    assert set(facts.uses) == {"deco", "dflt", "kw"}


def test_lambda_default_immediate_body_deferred() -> None:
    facts = analyze_cell("f = lambda x, y=dflt: x + y + free\n")
    assert set(facts.uses) == {"dflt"}
    assert set(facts.deferred_uses) == {"free"}


def test_match_captures_are_bound() -> None:
    facts = analyze_cell(
        "match p:\n    case [a, *rest]:\n        print(a, rest)\n    case {'k': v}:\n        print(v)\n"
    )
    assert {"a", "rest", "v"} <= set(facts.defs)
    assert set(facts.uses) == {"p", "print"}


def test_try_import_fallback_binds_once() -> None:
    facts = analyze_cell("try:\n    import ujson as json\nexcept ImportError:\n    import json\n")
    assert set(facts.defs) == {"json"}
    assert {i.qualified for i in facts.imports} == {"ujson", "json"}


def test_star_import_marks_unknown_names() -> None:
    facts = analyze_cell("from pylab import *\n")
    assert facts.star_imports == ["pylab"] and facts.injects_unknown


def test_del_unbinds_for_later_reads() -> None:
    facts = analyze_cell("x = 1\ndel x\nprint(x)\n")
    assert facts.deletes == {"x": 2}
    assert "x" in facts.uses


def test_magic_bodies_are_analysed_as_code() -> None:
    facts = analyze_cell("%%time\nmodel = fit(X)\n")
    assert facts.defs == {"model": 2}
    assert set(facts.uses) >= {"fit", "X"}
    line = analyze_cell("%time result = compute(data)\n")
    assert "result" in line.defs and "data" in line.uses


def test_capture_target_is_bound() -> None:
    facts = analyze_cell("%%capture out\nprint(1)\n")
    assert "out" in facts.defs


def test_store_r_binds_names() -> None:
    facts = analyze_cell("%store -r df model\n")
    assert {"df", "model"} <= set(facts.defs)


def test_shell_assignment_binds_target() -> None:
    facts = analyze_cell("files = !ls\n")
    assert "files" in facts.defs


def test_analysis_is_cached_by_source() -> None:
    src = "cached_name = 1\n"
    assert analyze_cell(src) is analyze_cell(src)


def test_walk_nodes_is_ast_walk_less_the_leaves() -> None:
    """The one walk the rules share (``CellFacts.nodes()``) yields ast.walk's nodes, the same
    objects in the same order, less the context and operator singletons; walked once."""
    from pathlib import Path

    from nbprod.analysis.cell import _LEAF_TYPES, walk_nodes
    from nbprod.notebook import parse_notebook, read_notebook_bytes

    sources = list(SNIPPETS)
    for path in sorted((Path(__file__).parent.parent / "sample_notebooks").glob("*.ipynb")):
        nb = parse_notebook(read_notebook_bytes(path), str(path))
        sources += [c.source for c in nb.cells if c.kind == "code"]
    walked = 0
    for src in sources:
        facts = analyze_cell(src)
        if facts.tree is None:
            continue
        expected = [n for n in ast.walk(facts.tree) if type(n) not in _LEAF_TYPES]
        got = facts.nodes()
        assert len(got) == len(expected) and all(a is b for a, b in zip(got, expected, strict=True))
        assert facts.nodes() is got  # kept, not walked again
        assert walk_nodes(facts.tree) == got
        assert not any(isinstance(n, (ast.expr_context, ast.operator, ast.cmpop)) for n in got)
        walked += 1
    assert walked > 50
    assert analyze_cell("x = (").nodes() == []  # no tree, no nodes
