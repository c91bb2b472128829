"""Notebook-level facts: every code cell's CellFacts plus what needs the whole notebook."""

from __future__ import annotations

import builtins
from collections.abc import Iterator

from nbprod import lazyre
from nbprod.analysis.cell import Call, CellFacts, analyze_cell
from nbprod.notebook import Cell, Notebook

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

IPYTHON_NAMES = frozenset(
    {
        "display", "get_ipython", "In", "Out", "_", "__", "___", "_i", "_ii", "_iii",
        "_ih", "_oh", "_dh", "exit", "quit", "_exit_code", "__name__", "__doc__",
        "__builtins__", "__spec__", "__loader__", "__package__", "__builtin__",
        "__session__", "__vsc_ipynb_file__",
    }
)  # fmt: skip
_IPYTHON_HISTORY = lazyre.compile(r"_i{0,3}\d+$")
BUILTIN_NAMES = frozenset(dir(builtins)) | IPYTHON_NAMES


def is_predefined(name: str) -> bool:
    """Names that exist in a kernel with no definition in the notebook."""
    return name in BUILTIN_NAMES or bool(_IPYTHON_HISTORY.match(name))


class NotebookFacts:
    """The analysis of one notebook: the base every rule, face and report works from."""

    notebook: Notebook
    cells: list[CellFacts | None]
    imports: dict[str, str]
    record: Any
    config: dict[str, Any]
    _qual: dict[str, str]
    _first: dict[str, int] | None
    _code: list[tuple[Cell, CellFacts]] | None  # built once: every rule walks them
    _calls: list[tuple[Cell, Call, str]] | None
    _flow: Any  # the def-use graph (nbprod.analysis.dataflow), built on demand

    def __init__(
        self,
        notebook: Notebook,
        cells: list[CellFacts | None],
        imports: dict[str, str],
        record: Any = None,
        config: dict[str, Any] | None = None,
        _qual: dict[str, str] | None = None,
        _first: dict[str, int] | None = None,
        _code: list[tuple[Cell, CellFacts]] | None = None,
        _calls: list[tuple[Cell, Call, str]] | None = None,
        _flow: Any = None,
    ) -> None:
        self.notebook = notebook
        self.cells = cells
        self.imports = imports
        self.record = record
        self.config = {} if config is None else config
        self._qual = {} if _qual is None else _qual
        self._first = _first
        self._code = _code
        self._calls = _calls
        self._flow = _flow

    def flow(self) -> Any:
        """The notebook's statement-level def-use graph (``nbprod.analysis.dataflow``)."""
        from nbprod.analysis.dataflow import build

        return build(self)

    @property
    def injects_unknown(self) -> bool:
        """True after ``from x import *``, ``%run`` or ``%pylab``: names may come from anywhere."""
        return any(f is not None and f.injects_unknown for f in self.cells)

    def code(self) -> Iterator[tuple[Cell, CellFacts]]:
        """Code cells with their facts, in notebook order."""
        if self._code is None:
            pairs = zip(self.notebook.cells, self.cells, strict=True)
            self._code = [(cell, facts) for cell, facts in pairs if facts is not None]
        return iter(self._code)

    def qualify(self, name: str) -> str:
        """``np.random.seed`` -> ``numpy.random.seed`` through the notebook's imports."""
        q = self._qual.get(name)
        if q is None:
            root, dot, rest = name.partition(".")
            base = self.imports.get(root)
            q = (base + dot + rest) if base else name
            self._qual[name] = q
        return q

    def is_module_call(self, call: Call) -> bool:
        """True when the callee's root name is an imported module or object."""
        return call.root in self.imports

    def calls(self) -> Iterator[tuple[Cell, Call, str]]:
        """Every call with its cell and qualified name, in notebook order."""
        if self._calls is None:
            self._calls = [
                (cell, call, self.qualify(call.name)) for cell, facts in self.code() for call in facts.calls
            ]
        return iter(self._calls)

    def first_definitions(self) -> dict[str, int]:
        """Name -> index of the first cell that binds it (assignments, defs, imports, global)."""
        if self._first is not None:
            return dict(self._first)
        first: dict[str, int] = {}
        for cell, facts in self.code():
            for name in facts.defs:
                first.setdefault(name, cell.index)
            for name in facts.global_defs:
                first.setdefault(name, cell.index)
        self._first = first
        return dict(first)


def analyze_notebook(nb: Notebook, record: Any = None) -> NotebookFacts:
    """Analyse every code cell of a Python notebook (cells cached by source)."""
    cells: list[CellFacts | None] = []
    imports: dict[str, str] = {}
    deferred: dict[str, str] = {}
    for cell in nb.cells:
        if cell.kind != "code":
            cells.append(None)
            continue
        facts = analyze_cell(cell.source)
        cells.append(facts)
        for imp in facts.imports:
            (deferred if imp.deferred else imports).setdefault(imp.alias, imp.qualified)
    for alias, qualified in deferred.items():
        imports.setdefault(alias, qualified)
    return NotebookFacts(nb, cells, imports, record)
