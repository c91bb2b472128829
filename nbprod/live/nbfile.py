"""The notebook file as last saved: cell order, sources and first definitions.

The kernel does not know the notebook's cell order, nor about edits and deletions until a
cell runs again; the saved file does. It is re-read only when its size or mtime change.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from nbprod.record import source_hash

_CODE_CACHE: dict[str, str] = {}


def code_hash(source: str, tree: Any = None) -> str:
    """The hash of what the code means: comments, blank lines and spacing do not change it.

    ``tree`` is IPython's own tree of the cell when it has one (no second parse); cells
    that do not parse fall back to their lines without comments and trailing spaces.
    """
    import ast

    found = _CODE_CACHE.get(source)
    if found is not None:
        return found
    if tree is None or any(ch in source for ch in "%!?"):  # IPython's tree has magics rewritten
        from nbprod.analysis.source import parse_cell

        tree = parse_cell(source).tree
    if tree is not None:
        text = ast.dump(tree, include_attributes=False)
    else:
        lines = (
            ln.split("#", 1)[0].rstrip() if ln.lstrip().startswith("#") else ln.rstrip()
            for ln in source.splitlines()
        )
        text = "\n".join(ln for ln in lines if ln)
    found = source_hash(text)
    if len(_CODE_CACHE) >= 4096:
        _CODE_CACHE.clear()
    _CODE_CACHE[source] = found
    return found


def find_notebook_path(user_ns: dict[str, Any], explicit: str | None = None) -> Path | None:
    """The notebook behind this kernel: explicit, ``__vsc_ipynb_file__``, ``__session__``
    or ``JPY_SESSION_NAME`` (relative paths are taken from the working folder)."""
    for value in (
        explicit,
        user_ns.get("__vsc_ipynb_file__"),
        user_ns.get("__session__"),
        os.environ.get("JPY_SESSION_NAME"),
    ):
        if isinstance(value, str) and value.endswith(".ipynb"):
            p = Path(value).expanduser()
            if p.is_file():
                return p.resolve()
            if not p.is_absolute() and (Path.cwd() / p.name).is_file():
                return (Path.cwd() / p.name).resolve()
    return None


class NotebookFile:
    """What the saved notebook says: cell positions and sources by id, first definitions."""

    min_interval = 0.25  # seconds between two looks at the file (Run All sends cells faster)

    def __init__(self, path: Path) -> None:
        self.path = path
        self._looked = -1.0
        self.next_look = 0.0  # time.time() from which the next refresh looks at the file
        self.generation = 0  # bumped whenever what the file says changes
        self._ok = False
        self._stamp: tuple[int, int] | None = None
        self.mtime = 0.0
        self.positions: dict[str, int] = {}
        self.hashes: dict[str, str] = {}
        self.first_defs: dict[str, int] = {}

    def refresh(self) -> bool:
        """Re-read the file if it changed on disk; False when it cannot be read.

        The file is looked at (one ``stat``) at most every ``min_interval`` seconds: a
        system call on every cell costs more than the rest of nbprod's work on it."""
        now = time.time()
        if self._looked <= now < self.next_look:  # (a clock set back looks again)
            return self._ok
        self._looked, self.next_look = now, now + self.min_interval
        ok = self._refresh()
        if ok != self._ok:
            self.generation += 1
        self._ok = ok
        return ok

    def _refresh(self) -> bool:
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == self._stamp:
            return True
        from nbprod.analysis.facts import analyze_notebook
        from nbprod.errors import NotebookError
        from nbprod.notebook import read_notebook

        try:
            nb = read_notebook(self.path)
        except NotebookError:
            return False
        self._stamp = stamp
        self.generation += 1
        self.mtime = st.st_mtime
        self.positions = {}
        self.hashes = {}
        for cell in nb.cells:
            if cell.id and cell.kind == "code":
                self.positions[cell.id] = cell.index
                self.hashes[cell.id] = code_hash(cell.source)
        self.first_defs = analyze_notebook(nb).first_definitions() if nb.is_python else {}
        return True

    def saved_after(self, when: float) -> bool:
        """True when the file was saved after the wall-clock time ``when``."""
        return self.mtime > when


class FrontendView:
    """The notebook as the JupyterLab extension shows it now: cells, order and edits, unsaved.

    It answers like ``NotebookFile`` (positions, code hashes, first definitions), and every
    edit it knows of counts at once (``saved_after`` is always true).
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.positions: dict[str, int] = {}
        self.hashes: dict[str, str] = {}
        self.first_defs: dict[str, int] = {}
        self.sources: dict[str, str] = {}
        self.edited: set[str] = set()
        self.order: list[str] = []
        self.all_ids: list[str] = []  # every cell, markdown too
        self.kinds: dict[str, str] = {}
        self.all_sources: dict[str, str] = {}
        self.mtime = float("inf")
        self.next_look = float("inf")  # never due: the front end sends every change
        self.generation = 0  # bumped by every update that changes something
        self._last: list[tuple[Any, ...]] | None = None

    def update(self, cells: list[dict[str, Any]]) -> bool:
        """Take the front end's cells: ``[{"id", "source", "kind", "edited"}]`` in notebook order.

        False when they are what the last update said (the front end sends the notebook
        after every execution, mostly unchanged): nothing is analysed again."""
        from nbprod.analysis.facts import analyze_notebook
        from nbprod.notebook import Cell, Notebook

        key = [
            (c.get("id"), c.get("source"), c.get("kind", "code"), bool(c.get("edited")))
            for c in cells
            if isinstance(c, dict)
        ]
        if key == self._last:
            return False
        self._last = key
        positions, hashes, sources, nb_cells, edited = {}, {}, {}, [], set()
        for index, c in enumerate(cells):
            cid, src = c.get("id"), c.get("source")
            if not isinstance(cid, str) or not isinstance(src, str):
                continue
            kind = c.get("kind", "code")
            kind = kind if kind in ("code", "markdown", "raw") else "code"
            nb_cells.append(Cell(index, kind, src, id=cid))
            if kind != "code":
                continue
            positions[cid], hashes[cid], sources[cid] = index, code_hash(src), src
            if c.get("edited"):
                edited.add(cid)
        self.positions, self.hashes, self.sources, self.edited = positions, hashes, sources, edited
        self.order = [c.id for c in nb_cells if c.id in positions]  # type: ignore[misc]
        self.all_ids = [c.id for c in nb_cells]  # type: ignore[misc]
        self.kinds = {c.id: c.kind for c in nb_cells}  # type: ignore[misc]
        self.all_sources = {c.id: c.source for c in nb_cells}  # type: ignore[misc]
        nb = Notebook(str(self.path or "<live>"), nb_cells, {"language_info": {"name": "python"}})
        self.first_defs = analyze_notebook(nb).first_definitions()
        self.generation += 1
        return True

    def refresh(self) -> bool:
        """Always current: the front end sends every change."""
        return True

    def saved_after(self, when: float) -> bool:
        """Every edit the front end reported counts, saved or not."""
        return True
