"""Functions that read notebook globals get those globals as keyword-only parameters.

The definition gains ``*, name`` and every call site passes ``name=name``; a reference
that is not a call (``df.apply(f)``) becomes ``functools.partial(f, name=name)``.
Edits are made on the text when possible, so the user's comments survive.
"""

from __future__ import annotations

import ast
import io
import tokenize

from nbprod.export.units import Unit, apply_edits, rewrite


def _kw(names: list[str]) -> str:
    return ", ".join(f"{n}={n}" for n in names)


class _Calls(ast.NodeTransformer):
    """AST fallback: adds keywords to calls and wraps bare references in partial()."""

    def __init__(self, inject: dict[str, list[str]]) -> None:
        self.inject = inject
        self.partial = False

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for fname, old in ast.iter_fields(node):
            if isinstance(old, list):
                new_values = []
                for value in old:
                    if isinstance(value, ast.AST):
                        value = self._visit_child(node, fname, value)
                    new_values.append(value)
                old[:] = new_values
            elif isinstance(old, ast.AST):
                setattr(node, fname, self._visit_child(node, fname, old))
        return node

    def _visit_child(self, parent: ast.AST, fname: str, child: ast.AST) -> ast.AST:
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load) and child.id in self.inject:
            names = self.inject[child.id]
            kws = [ast.keyword(n, ast.Name(n, ast.Load())) for n in names]
            if isinstance(parent, ast.Call) and fname == "func":
                parent.keywords.extend(kws)
                return child
            self.partial = True
            return ast.Call(
                ast.Attribute(ast.Name("functools", ast.Load()), "partial", ast.Load()), [child], kws
            )
        result = self.visit(child)
        return result if isinstance(result, ast.AST) else child


def _call_edits(node: ast.AST, inject: dict[str, list[str]], offset: int) -> tuple[list, bool] | None:
    """Text edits for call sites and references inside ``node``; None when text editing is unsafe."""
    edits = []
    partial = False
    funcs = {id(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
    calls = {id(n.func): n for n in ast.walk(node) if isinstance(n, ast.Call)}
    for n in ast.walk(node):
        if not (isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in inject):
            continue
        names = inject[n.id]
        if id(n) in funcs:
            call = calls[id(n)]
            if call.end_lineno is None or call.end_col_offset is None:
                return None
            line, col = call.end_lineno - offset, call.end_col_offset - 1
            sep = ", " if (call.args or call.keywords) else ""
            edits.append((line, col, line, col, sep + _kw(names)))
        else:
            if n.end_lineno is None or n.end_col_offset is None:
                return None
            partial = True
            edits.append(
                (
                    n.lineno - offset,
                    n.col_offset,
                    n.end_lineno - offset,
                    n.end_col_offset,
                    f"functools.partial({n.id}, {_kw(names)})",
                )  # fmt: skip
            )
    return edits, partial


def _signature_end(text: str, name: str) -> tuple[int, int] | None:
    """(line, char col) of the ``)`` closing the parameters of ``def name``."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.NAME and tok.string == "def" and i + 2 < len(tokens):
            if tokens[i + 1].string != name or tokens[i + 2].string != "(":
                continue
            depth = 0
            for t in tokens[i + 2 :]:
                if t.string in "([{" and t.type == tokenize.OP:
                    depth += 1
                elif t.string in ")]}" and t.type == tokenize.OP:
                    depth -= 1
                    if depth == 0:
                        return t.start
            return None
    return None


def inject_unit(unit: Unit, inject: dict[str, list[str]], own: list[str] | None = None) -> bool:
    """Rewrite a unit's calls (and, for a hoisted function, its signature); True if it needs functools."""
    node = unit.node
    if node is None:
        return False
    referenced = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in inject}
    if not referenced and not own:
        return False
    if not unit.rewritten and unit.first:
        offset = unit.first - 1
        found = _call_edits(node, inject, offset)
        if found is not None:
            edits, partial = found
            text = apply_edits(unit.text, edits)
            ok = True
            if own:
                text2 = _add_params(text, node, own)
                ok = text2 is not None
                text = text2 or text
            if ok:
                try:
                    compile(text, "<unit>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
                except SyntaxError:
                    ok = False
            if ok:
                unit.text = text
                unit.reads |= {n for f in referenced for n in inject[f]}
                unit.deferred |= {n for f in referenced for n in inject.get(f, [])}
                return partial
    # AST fallback (comments inside this statement are lost)
    import copy

    new = copy.deepcopy(node)
    tr = _Calls(inject)
    tr.generic_visit(new)
    if own and isinstance(new, (ast.FunctionDef, ast.AsyncFunctionDef)):
        args = new.args
        for n in own:
            args.kwonlyargs.append(ast.arg(n))
            args.kw_defaults.append(None)
    keep_defs = unit.defs
    rewrite(unit, new)
    unit.defs = keep_defs
    return tr.partial


def _add_params(text: str, node: ast.stmt, names: list[str]) -> str | None:
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.args.kwarg is not None:
        return None
    pos = _signature_end(text, node.name)
    if pos is None:
        return None
    line, col = pos
    lines = text.split("\n")
    before = lines[line - 1][:col]
    head = "\n".join(lines[: line - 1] + [before]).rstrip()
    args = node.args
    star = "" if (args.vararg is not None or args.kwonlyargs) else "*, "
    sep = "" if head.endswith(",") or head.endswith("(") else ", "
    lines[line - 1] = before + sep + star + ", ".join(names) + lines[line - 1][col:]
    return "\n".join(lines)


__all__ = ["inject_unit"]
