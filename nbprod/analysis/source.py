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
from dataclasses import dataclass

_FLAGS = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT

_MAGIC_NAME = re.compile(r"%{1,2}([A-Za-z_][\w.]*)")
_ASSIGN_ESCAPE = re.compile(
    r"^(?P<indent>\s*)(?P<lhs>[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*(?P<esc>!|%)(?P<rest>.*)$"
)
_HELP_SUFFIX = re.compile(r"^(?P<indent>\s*)(?P<obj>[A-Za-z_*][\w.*\[\]]*)(?P<q>\?\??)\s*$")
_HELP_PREFIX = re.compile(r"^(?P<indent>\s*)(?P<q>\?\??)(?P<obj>[A-Za-z_*][\w.*\[\]]*)\s*$")


@dataclass(slots=True)
class Parsed:
    """A cell's Python source and tree, or the syntax error that stopped it."""

    python: str
    tree: ast.Module | None
    error: str | None = None
    error_line: int | None = None
    transformed: bool = False


def parse_python(source: str, filename: str = "<cell>") -> ast.Module:
    """Parse Python with top-level ``await`` allowed (as IPython does)."""
    tree: ast.Module = compile(source, filename, "exec", _FLAGS, dont_inherit=True)
    return tree


def _line_magic(indent: str, body: str) -> str:
    m = _MAGIC_NAME.match(body)
    if not m:
        return indent + body
    name = m.group(1)
    args = body[m.end() :].strip()
    return f"{indent}get_ipython().run_line_magic({name!r}, {args!r})"


def fast_transform(source: str) -> str | None:
    """IPython's rewriting of the common escapes, without importing IPython.

    Returns None when the cell uses nothing this transformer knows.
    """
    lines = source.splitlines()
    if not lines:
        return None
    first = 0
    while first < len(lines) and not lines[first].strip():
        first += 1
    if first < len(lines) and lines[first].startswith("%%"):
        m = _MAGIC_NAME.match(lines[first])
        if not m:
            return None
        name = m.group(1)
        line = lines[first][m.end() :].strip()
        body = "\n".join(lines[first + 1 :])
        if source.endswith("\n") or lines[first + 1 :]:
            body += "\n"
        return "\n" * first + f"get_ipython().run_cell_magic({name!r}, {line!r}, {body!r})\n"
    changed = False
    out = []
    for raw in lines:
        stripped = raw.lstrip()
        indent = raw[: len(raw) - len(stripped)]
        new = raw
        if stripped.startswith("!!"):
            new = f"{indent}get_ipython().getoutput({stripped[2:].strip()!r})"
        elif stripped.startswith("!"):
            new = f"{indent}get_ipython().system({stripped[1:].strip()!r})"
        elif stripped.startswith("%") and not stripped.startswith("%%"):
            new = _line_magic(indent, stripped)
        else:
            m = _ASSIGN_ESCAPE.match(raw)
            if m:
                lhs, rest = m.group("lhs"), m.group("rest")
                if m.group("esc") == "!":
                    new = f"{m.group('indent')}{lhs} = get_ipython().getoutput({rest.strip()!r})"
                elif _MAGIC_NAME.match("%" + rest):
                    new = f"{m.group('indent')}{lhs} = " + _line_magic("", "%" + rest)
            else:
                h = _HELP_SUFFIX.match(raw) or _HELP_PREFIX.match(raw)
                if h:
                    kind = "pinfo2" if len(h.group("q")) == 2 else "pinfo"
                    new = f"{h.group('indent')}get_ipython().run_line_magic({kind!r}, {h.group('obj')!r})"
        changed |= new is not raw
        out.append(new)
    if not changed:
        return None
    return "\n".join(out) + "\n"


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
    try:
        return Parsed(source, parse_python(source))
    except (SyntaxError, ValueError) as exc:
        error = _describe(exc)
        error_line = getattr(exc, "lineno", None)
    if not any(ch in source for ch in "%!?"):
        return Parsed(source, None, error, error_line)
    for transform in (fast_transform, _ipython_transform):
        python = transform(source)
        if python is None or python == source:
            continue
        try:
            return Parsed(python, parse_python(python), transformed=True)
        except (SyntaxError, ValueError):
            continue
    return Parsed(source, None, error, error_line)


def _describe(exc: Exception) -> str:
    msg = getattr(exc, "msg", None) or str(exc)
    return str(msg).splitlines()[0] if msg else type(exc).__name__
