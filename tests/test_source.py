"""The fast magic transformer against IPython's own, and parse_cell's behaviour."""

from __future__ import annotations

import ast

import pytest
from IPython.core.inputtransformer2 import TransformerManager

import nbprod.analysis.source as source_module
from nbprod.analysis.cell import analyze_cell
from nbprod.analysis.source import fast_transform, parse_cell

# Forms the fast path must handle itself (no IPython import), exactly as IPython does.
COMMON = [
    "%matplotlib inline\n",
    "%matplotlib inline",
    "%matplotlib   inline  \n",
    "%time x = f()\n",
    "%time  x = f()\n",
    "%timeit -n 10 f(x)\n",
    "%load_ext autoreload\n%autoreload 2\nimport os\n",
    "%pip install 'pandas==2.0' numpy\n",
    "%config InlineBackend.figure_format = 'retina'\n",
    "%env A=1\n",
    "%cd ..\n",
    "%store -r df\n",
    "%run script.py arg\n",
    "%who\n\n",
    "%\n",
    "%%time\nx = f()\n",
    "%%time\nx = f()",
    "%%time \nx=1\n",
    "%%timeit -n1\nsum(range(10))\n",
    "%%bash\necho hi\n",
    "%%bash\n",
    "%%bash",
    "%%writefile f.py\nprint('x')\n",
    "%%capture out\nprint(1)\n",
    '%%writefile helper.py\ndef f():\n    """Doc."""\n    return 1 \\\n        + 2\n',
    "%%capture  out --no-stderr\nprint(1)\n",
    "%%html\n<b>x</b>",
    "%%script python\nprint(1)\n",
    "%%prun -s cumulative\nf()\n",
    "\n\n%%time\nx=1\n",
    "\n  \n%matplotlib inline\nx = 1\n",
    "  %matplotlib inline\n  x = 1\n",
    "\tx = 1\n\t!ls\n",
    "!pip install pandas\n",
    "!  ls -la\n",
    "!!ls\n",
    "!ls | grep 'a b'\n",
    "!echo $HOME {x}\n",
    "!\n",
    "if True:\n    !echo hi\n",
    "def f():\n    !ls\n    %time g()\n",
    "x=1\n!ls\n",
    "files = !ls -la\n",
    "x = ! ls\n",
    "x=!ls\n",
    "a, b = !ls\n",
    "a = !echo 'it''s'\n",
    "obj.attr = !hostname\n",
    "x = %env HOME\n",
    "x  =  %who_ls\n",
    "x = %time f()\n",
    "print(1)\n%time g()\n",
    "df?\n",
    "df??\n",
    "?df\n",
    "??df\n",
    "np.random?\n",
    "df.head?\n",
    "df[0]?\n",
    "np.*rand*?\n",
    "?np.*rand*\n",
    "%time?\n",
    "    df?\n",
    "x = 1  # really?\n%matplotlib inline\n",
    "# what?\n!ls\n",
    "x = 1\r\n%matplotlib inline\r\n",
]

# Forms the fast path may decline (then IPython itself is used); when it does not
# decline, it must still agree with IPython.
OTHER = [
    "x = 1 # %not magic\n",
    "% matplotlib\n",
    "%%\n",
    "!ls \\\n  -la\n",
    "%time \\\n  f()\n",
    "s = '''\n%d items\n'''\n!ls\n",
    '"""doc\n!not shell\n"""\n%time f()\n',
    ">>> x = 1\n>>> print(x)\n",
    "In [1]: x = 1\n   ...: y = 2\n",
    "/print 1 2\n",
    ",print a b\n",
    "x = obj?\n",
    "obj.method()?\n",
    "df['a']?\n",
    "df?  \n",
    "%matplotlib inline\ny = (a\n     != b)\n",
    "%matplotlib inline\n%%time\nx = 1\n",
    "x: list = !ls\n",
    "x[0] = !ls\n",
    "%%time?\n",
    "%%bash\n>>> stripped as a prompt by IPython\n",
    "%load_ext nbprod\n",
    "await asyncio.sleep(0)\n%time f()\n",
]


@pytest.fixture(scope="module")
def ipython() -> TransformerManager:
    return TransformerManager()


@pytest.mark.parametrize("src", COMMON, ids=range(len(COMMON)))
def test_fast_path_handles_common_forms_exactly(src: str, ipython: TransformerManager) -> None:
    fast = fast_transform(src)
    assert fast is not None, "the fast path should handle this form"
    assert fast == ipython.transform_cell(src)


@pytest.mark.parametrize("src", OTHER, ids=range(len(OTHER)))
def test_fast_path_agrees_or_declines(src: str, ipython: TransformerManager) -> None:
    fast = fast_transform(src)
    if fast is not None:
        assert fast == ipython.transform_cell(src)


def test_fast_path_ignores_plain_python() -> None:
    assert fast_transform("x = 1\nprint(x % 2)\n") is None


@pytest.mark.parametrize("src", [*COMMON, *OTHER], ids=range(len(COMMON) + len(OTHER)))
def test_parse_cell_keeps_cell_line_numbers(src: str) -> None:
    parsed = parse_cell(src)
    if parsed.tree is None:
        return
    # The Python source lines up with the cell: statement lines point at cell lines.
    cell_lines = src.splitlines()
    for node in parsed.tree.body:
        assert 1 <= node.lineno <= max(len(cell_lines), 1)
        assert cell_lines[node.lineno - 1].strip(), (src, node.lineno)


def test_plain_python_is_not_transformed() -> None:
    parsed = parse_cell("x = 1\n")
    assert not parsed.transformed and parsed.python == "x = 1\n"


def test_top_level_await_parses() -> None:
    parsed = parse_cell("import asyncio\nawait asyncio.sleep(0)\nasync with lock:\n    pass\n")
    assert parsed.tree is not None


def test_python2_print_does_not_parse() -> None:
    parsed = parse_cell("x = 1\nprint 'hello'\n")
    assert parsed.tree is None
    assert parsed.error_line == 2
    assert "print" in (parsed.error or "")


def test_syntax_error_in_magic_cell_reports_original_error() -> None:
    parsed = parse_cell("%matplotlib inline\nx = (\n")
    assert parsed.tree is None and parsed.error


def test_leading_blank_lines_keep_line_numbers_in_facts() -> None:
    facts = analyze_cell("\n\n%matplotlib inline\nx = np.random.rand()\n")
    assert facts.defs == {"x": 4}
    assert [c.line for c in facts.calls if c.name == "np.random.rand"] == [4]
    assert [(m.name, m.line) for m in facts.magics] == [("matplotlib", 3)]


def test_cell_magic_body_lines_are_cell_lines() -> None:
    facts = analyze_cell("\n%%time\nimport numpy as np\nx = np.random.rand()\n")
    assert facts.defs == {"np": 3, "x": 4}


def test_prompts_are_stripped_like_ipython() -> None:
    parsed = parse_cell(">>> x = 1\n>>> print(x)\n")
    assert parsed.tree is not None
    assert [type(n).__name__ for n in parsed.tree.body] == ["Assign", "Expr"]


def test_ipython_fallback_for_forms_the_fast_path_declines() -> None:
    parsed = parse_cell("!ls \\\n  -la\n")
    assert parsed.tree is not None
    call = parsed.tree.body[0].value
    assert isinstance(call, ast.Call) and ast.literal_eval(call.args[0]) == "ls    -la"


def test_magic_kinds_are_recorded() -> None:
    facts = analyze_cell("%matplotlib inline\n!pip install x\nfiles = !ls\nv = %env HOME\n")
    kinds = [(m.kind, m.name, m.args, m.target) for m in facts.magics]
    assert kinds == [
        ("line", "matplotlib", "inline", ()),
        ("system", "", "pip install x", ()),
        ("getoutput", "", "ls", ("files",)),
        ("line", "env", "HOME", ("v",)),
    ]


# Cells that do not parse and hold no escape IPython could rewrite (Python 2, other languages):
# IPython is not asked, and the result is what asking it gives.
NOT_REWRITTEN = [
    'print "%d items" % n\n',
    'if a != b:\n    print "differ"\n',
    '\n\nprint "after blank lines %s" % x',
    "(defn f [x] (+ x 1))  ; 100% clojure\n",
    "x = 5 %\n",
]
# ... and cells that must still reach IPython: an indented first line (IPython dedents), a
# prompt, a line ending in `?`, a continued line, an autocall escape.
STILL_ASKED = [
    '  print "a %s" % b\n',
    ">>> 1 +\n",
    "f(x)?\nprint 'x' % 1\n",
    "x = 1 + \\\n  2 %\n",
    ",f a b\nprint 'x' % 1\n",
]


def _parse_counting_ipython(src: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, int]:
    calls = []
    real = source_module._ipython_transform

    def counted(text: str) -> str | None:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(source_module, "_ipython_transform", counted)
    return parse_cell(src), len(calls)


@pytest.mark.parametrize("src", NOT_REWRITTEN)
def test_python2_cells_skip_ipython_with_its_result(
    src: str, ipython: TransformerManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed, asked = _parse_counting_ipython(src, monkeypatch)
    assert asked == 0
    assert parsed.tree is None and parsed.error  # type: ignore[attr-defined]
    with pytest.raises(SyntaxError):  # what IPython would have given does not parse either
        ast.parse(ipython.transform_cell(src))


@pytest.mark.parametrize("src", STILL_ASKED)
def test_cells_ipython_may_rewrite_still_reach_it(src: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _, asked = _parse_counting_ipython(src, monkeypatch)
    assert asked == 1


@pytest.mark.parametrize(
    "src",
    [
        "%matplotlib inline\nx = (\n",
        "!ls\nprint 'x'\n",
        "?len\nif:\n",
        "\n\n  %time f()\nprint 'a' % b\n",
        "%time x = (\nprint 'a'\n",
    ],
)
def test_magic_first_cells_keep_the_plain_parse_error(src: str) -> None:
    # a cell that starts with an escape is transformed first; when that fails too, the finding
    # still carries the plain parse's own error and line
    try:
        ast.parse(src)
    except SyntaxError as exc:
        want = (exc.msg.splitlines()[0], exc.lineno)
    parsed = parse_cell(src)
    assert parsed.tree is None
    assert (parsed.error, parsed.error_line) == want  # type: ignore[attr-defined]
