"""Cell source to a Python AST: plain parse first, then IPython syntax.

Valid Python never contains IPython's escapes, so a cell that parses is analysed as is.
A cell that does not parse is rewritten by a fast line transformer for the common forms
(``%magic``, ``%%cell``, ``!cmd``, ``x = !cmd``, ``x = %magic``, ``obj?``) that produces
exactly what IPython's ``TransformerManager`` produces, and only if that still fails is
IPython itself imported (it costs ~200 ms) to try its full set of transforms.
"""

from __future__ import annotations

import ast
import re

from nbprod import lazyre

_FLAGS = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT

_MAGIC_NAME = lazyre.compile(r"%{1,2}([A-Za-z_][\w.]*)")
# ``lhs = !cmd`` / ``lhs = %magic``: a plain target list, then the escape.
_ASSIGN_ESCAPE = lazyre.compile(
    r"^\s*[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*(?P<esc>!|%(?=[A-Za-z_]))"
)
# IPython's ``_help_end_re`` anchored to the whole logical line.
_HELP_SUFFIX = lazyre.compile(r"^(?P<obj>%{0,2}(?!\d)[\w*]+(?:\.(?!\d)[\w*]+|\[-?[0-9]+\])*)(?P<q>\?\??)$")
_PROMPT = lazyre.compile(
    r"^(?:>>>|\.\.\.)(?: |$)|^(?:(?:\[nav\]|\[ins\])? )?In \[\d+\]: |^\s*\.{3,}: ?", re.M
)
_INDENT = lazyre.compile(r"^[ \t]+")


class Parsed:
    """A cell's Python source and tree, or the syntax error that stopped it."""

    __slots__ = ("python", "tree", "error", "error_line", "transformed")

    python: str
    tree: ast.Module | None
    error: str | None
    error_line: int | None
    transformed: bool

    def __init__(
        self,
        python: str,
        tree: ast.Module | None,
        error: str | None = None,
        error_line: int | None = None,
        transformed: bool = False,
    ) -> None:
        self.python = python
        self.tree = tree
        self.error = error
        self.error_line = error_line
        self.transformed = transformed


def parse_python(source: str, filename: str = "<cell>") -> ast.Module:
    """Parse Python with top-level ``await`` allowed (as IPython does)."""
    tree: ast.Module = compile(source, filename, "exec", _FLAGS, dont_inherit=True)
    return tree


def _escaped(indent: str, line: str) -> str | None:
    """IPython's ``EscapedCommand`` for a line starting with ``!``, ``!!``, ``%`` or ``?``."""
    if line.startswith("!!"):
        return f"{indent}get_ipython().getoutput({line[2:]!r})"
    if line.startswith("!"):
        return f"{indent}get_ipython().system({line[1:]!r})"
    if line.startswith("%"):
        if line.startswith("%%"):
            return None
        name, _, args = line[1:].partition(" ")
        return f"{indent}get_ipython().run_line_magic({name!r}, {args!r})"
    esc = "??" if line.startswith("??") else "?"
    target = line[len(esc) :]
    if not target or target.endswith("?"):
        return None
    return indent + _help_call(target, esc)


def _help_call(target: str, esc: str) -> str:
    method = "pinfo2" if esc == "??" else "psearch" if "*" in target else "pinfo"
    return f"get_ipython().run_line_magic({method!r}, {target!r})"


def fast_transform(source: str) -> str | None:
    """IPython's rewriting of the common escapes, without importing IPython.

    The result is exactly what ``TransformerManager().transform_cell(source)`` returns
    (including its removal of leading blank lines and common leading indentation).
    Returns None when the cell holds anything this transformer does not handle exactly
    (prompts, line continuations, multi-line strings, autocall escapes...), so that the
    caller falls back to IPython, and when it has nothing to rewrite.
    """
    return _fast_scan(source)[0]


def _fast_scan(source: str) -> tuple[str | None, bool]:
    """``fast_transform``'s text, and whether the whole cell was read and held no escape at all
    (then IPython has nothing to rewrite either: only its blank-line and indentation clean-up)."""
    if not source.endswith("\n"):
        source += "\n"
    lines = source.splitlines(keepends=True)
    while lines and (not lines[0] or lines[0].isspace()):  # leading_empty_lines
        lines.pop(0)
    if not lines:
        return None, False
    m = _INDENT.match(lines[0])  # leading_indent
    if m:
        space = m.group(0)
        lines = [ln[len(space) :] if ln.startswith(space) else ln for ln in lines]
    if _PROMPT.search("".join(lines[:2])):
        return None, False
    if lines[0].startswith("%%"):  # cell_magic
        if re.match(r"%%\w+\?", lines[0]):
            return None, False
        name, _, first = lines[0][2:].rstrip().partition(" ")
        return f"get_ipython().run_cell_magic({name!r}, {first!r}, {''.join(lines[1:])!r})\n", False
    if "\\\n" in source or "\\\r" in source or '"""' in source or "'''" in source:
        return None, False  # continued lines and multi-line strings: left to IPython
    changed = False
    out = []
    depth = 0  # open brackets so far (a rough count: escapes only start a logical line)
    for raw in lines:
        body = raw.rstrip("\r\n")
        ending = raw[len(body) :]
        stripped = body.lstrip(" \t")
        indent = body[: len(body) - len(stripped)]
        new: str | None = body
        h = _HELP_SUFFIX.match(stripped) if stripped.endswith("?") else None
        if h:
            new = indent + _help_call(h.group("obj"), h.group("q"))
        elif stripped[:1] in ("!", "%", "?"):
            new = _escaped(indent, stripped.rstrip())
        elif stripped[:1] in (",", ";", "/"):
            return None, False  # autocall escapes: left to IPython
        elif stripped.endswith("?") and "#" not in stripped:  # ``# why?`` is no escape
            return None, False
        else:
            a = _ASSIGN_ESCAPE.match(body)
            if a:
                lhs, rest = body[: a.start("esc")], body[a.start("esc") + 1 :].rstrip()
                if a.group("esc") == "!":
                    new = f"{lhs}get_ipython().getoutput({rest!r})"
                else:
                    name, _, args = rest.partition(" ")
                    new = f"{lhs}get_ipython().run_line_magic({name!r}, {args!r})"
        if new is None:
            return None, False
        if new is not body:
            if depth:
                return None, False
            changed = True
            ending = "\n"
        else:
            depth = max(0, depth + sum(body.count(c) for c in "([{") - sum(body.count(c) for c in ")]}"))
        out.append(new + ending)
    if not changed:
        return None, True
    return "".join(out), False


def _ipython_transform(source: str) -> str | None:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except Exception:  # IPython missing or broken: the fast path is all we have
        return None
    try:
        return str(TransformerManager().transform_cell(source))
    except Exception:
        return None


def parse_cell(source: str) -> Parsed:
    """Parse a code cell's source, applying IPython's transforms when needed."""
    if source.lstrip()[:1] in ("%", "!", "?") and source.strip():
        # a cell that starts with a magic, a shell escape or help can never parse as it is: its
        # transforms come first, and the plain parse only when they fail (for the error it gives)
        transformed = _transformed(source)
        return transformed if transformed is not None else _plain(source)
    return _plain(source, transform=True)


def _plain(source: str, transform: bool = False) -> Parsed:
    """The plain parse of a cell, or (``transform``) that failing, its transforms."""
    try:
        return Parsed(source, parse_python(source))
    except (SyntaxError, ValueError) as exc:
        failed = Parsed(source, None, _describe(exc), getattr(exc, "lineno", None))
    except (MemoryError, RecursionError) as exc:  # CPython's parser gives up on deep nesting
        return Parsed(source, None, f"nested too deeply for Python's parser ({type(exc).__name__})", 1)
    if not transform or (not any(ch in source for ch in "%!?") and not _PROMPT.search(source)):
        return failed
    transformed = _transformed(source)
    return transformed if transformed is not None else failed


def _transformed(source: str) -> Parsed | None:
    """The cell parsed after IPython's transforms (the fast ones, then IPython's own when they
    may differ from it), or None when no transform gives Python that parses."""
    skipped = _leading_blank_lines(source)  # IPython drops them: keep the line numbers
    fast, plain = _fast_scan(source)
    # fast_transform's text is IPython's own; with an unindented first line no dedent can make them
    # differ, so when it does not parse, or there was nothing to rewrite (Python 2's print "%d" % x),
    # IPython's will not parse either: its transformer (about 1 ms a cell) is not asked
    final = not _INDENT.match(source[_first_line_at(source) :])
    if plain and final:
        return None
    for step in (1, 2):
        if step == 1:
            python = fast
        elif fast is not None and final:
            break
        else:
            python = _ipython_transform(source)
        if python is None or python == source:
            continue
        try:
            tree = parse_python(python)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        if skipped:
            ast.increment_lineno(tree, skipped)
            python = "\n" * skipped + python
        return Parsed(python, tree, transformed=True)
    return None


def _first_line_at(source: str) -> int:
    """The offset of the first line that is not blank (0 when there is none)."""
    at = 0
    for line in source.splitlines(keepends=True):
        if line and not line.isspace():
            return at
        at += len(line)
    return 0


def _leading_blank_lines(source: str) -> int:
    """How many blank lines IPython's ``leading_empty_lines`` removes from a cell."""
    count = 0
    for line in source.splitlines(keepends=True):
        if line and not line.isspace():
            return count
        count += 1
    return 0


def _describe(exc: Exception) -> str:
    msg = getattr(exc, "msg", None) or str(exc)
    return str(msg).splitlines()[0] if msg else type(exc).__name__
