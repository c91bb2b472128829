"""A notebook cut into statements ("units"), each with its source text and data flow.

The planner works on units; the export report accounts for every one of them.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field

from nbprod.analysis.cell import CellFacts, analyze_cell
from nbprod.export import magics
from nbprod.notebook import Cell


@dataclass(eq=False)
class Unit:
    """One top-level statement of a code cell and where it ends up in the package."""

    cell: int
    line: int
    end_line: int
    node: ast.stmt | None
    text: str
    kind: str = "code"  # import | helper | config | code | plot | dropped | todo
    defs: set[str] = field(default_factory=set)
    reads: set[str] = field(default_factory=set)
    deferred: set[str] = field(default_factory=set)
    reason: str = ""
    where: str = ""
    snippet: str = ""
    rewritten: bool = False
    is_async: bool = False
    first: int = 0  # line of the cell's Python where ``text`` starts (0: not line-aligned)

    def flow_from(self, facts: CellFacts) -> None:
        """Take defs and reads from the analysis of this unit's own text."""
        self.defs = set(facts.defs)
        self.reads = set(facts.uses)
        self.deferred = set(facts.deferred_uses)


def _byte_col_to_char(line: str, col: int) -> int:
    return len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))


def _has_multiline_string(node: ast.AST) -> bool:
    docstrings = set()
    for n in ast.walk(node):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.body:
            first = n.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for n in ast.walk(node):
        if isinstance(n, (ast.Constant, ast.JoinedStr)) and id(n) not in docstrings:
            if (isinstance(n, ast.JoinedStr) or isinstance(n.value, (str, bytes))) and (
                (n.end_lineno or n.lineno) > n.lineno
            ):
                return True
    return False


def _is_async(node: ast.AST) -> bool:
    """True when a top-level statement awaits outside any function (top-level await)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(n, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return True
        if isinstance(n, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            if any(g.is_async for g in n.generators):
                return True
        stack.extend(ast.iter_child_nodes(n))
    return False


def _contains_magic(node: ast.AST) -> bool:
    return any(magics.magic_of(n) is not None for n in ast.walk(node) if isinstance(n, ast.Call))


def cell_units(cell: Cell, facts: CellFacts) -> list[Unit]:
    """The statements of one code cell, with their text (comments above them kept)."""
    if not facts.ok or facts.tree is None:
        if not cell.source.strip():
            return []
        head = cell.source.strip().splitlines()[0]
        return [
            Unit(
                cell.index,
                facts.error_line or 1,
                len(cell.source.splitlines()),
                None,
                cell.source,
                kind="dropped",
                reason=f"the cell does not parse: {facts.error}",
                snippet=head,
            )  # fmt: skip
        ]
    lines = facts.python.splitlines()
    body = facts.tree.body
    units = []
    prev_end = 0
    for i, node in enumerate(body):
        start = node.lineno
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.decorator_list:
            start = min(d.lineno for d in node.decorator_list)
        end = node.end_lineno or node.lineno
        shares = (i > 0 and body[i - 1].end_lineno == start) or (
            i + 1 < len(body) and body[i + 1].lineno == end
        )
        first = 0
        if shares:
            text = ast.get_source_segment(facts.python, node) or ast.unparse(node)
        else:
            first = start
            while first - 1 > prev_end and lines[first - 2].strip().startswith("#"):
                first -= 1
            text = "\n".join(lines[first - 1 : end])
        prev_end = end
        snippet = (lines[node.lineno - 1] if node.lineno <= len(lines) else "").strip()
        unit = Unit(cell.index, node.lineno, end, node, text, snippet=snippet, first=first)
        if facts.python is not cell.source and facts.python != cell.source:
            unit.snippet = _original_snippet(cell.source, node.lineno) or snippet
        unit.is_async = _is_async(node)
        units.append(unit)
    return units


def _original_snippet(source: str, line: int) -> str:
    lines = source.splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def reindentable(unit: Unit) -> str:
    """Text safe to indent into a function body (multi-line strings are re-rendered)."""
    if unit.node is not None and not unit.rewritten and _has_multiline_string(unit.node):
        return ast.unparse(unit.node)
    return unit.text


def apply_edits(text: str, edits: list[tuple[int, int, int, int, str]]) -> str:
    """Replace (line, start byte col, end line, end byte col) spans of ``text``; lines are 1-based."""
    lines = text.split("\n")
    for line, col, end_line, end_col, new in sorted(edits, reverse=True):
        a = lines[line - 1]
        b = lines[end_line - 1]
        ca = _byte_col_to_char(a, col)
        cb = _byte_col_to_char(b, end_col)
        merged = a[:ca] + new + b[cb:]
        lines[line - 1 : end_line] = [merged]
    return "\n".join(lines)


def rewrite(unit: Unit, node: ast.stmt | list[ast.stmt]) -> None:
    """Replace a unit's text with generated code and take its flow from that code."""
    nodes = node if isinstance(node, list) else [node]
    module = ast.Module(body=[copy.deepcopy(n) for n in nodes], type_ignores=[])
    ast.fix_missing_locations(module)
    unit.text = ast.unparse(module)
    unit.rewritten = True
    unit.flow_from(analyze_cell(unit.text))
    unit.is_async = any(_is_async(n) for n in nodes)


__all__ = ["Unit", "apply_edits", "cell_units", "reindentable", "rewrite"]
