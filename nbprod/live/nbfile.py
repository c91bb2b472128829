"""The notebook file as last saved: cell order, sources and first definitions.

The kernel does not know the notebook's cell order, nor about edits and deletions until a
cell runs again; the saved file does. It is re-read only when its size or mtime change.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from nbprod.record import source_hash


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

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self.mtime = 0.0
        self.positions: dict[str, int] = {}
        self.hashes: dict[str, str] = {}
        self.first_defs: dict[str, int] = {}

    def refresh(self) -> bool:
        """Re-read the file if it changed on disk; False when it cannot be read."""
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
        self.mtime = st.st_mtime
        self.positions = {}
        self.hashes = {}
        for cell in nb.cells:
            if cell.id and cell.kind == "code":
                self.positions[cell.id] = cell.index
                self.hashes[cell.id] = source_hash(cell.source)
        self.first_defs = analyze_notebook(nb).first_definitions() if nb.is_python else {}
        return True

    def saved_after(self, when: float) -> bool:
        """True when the file was saved after the wall-clock time ``when``."""
        return self.mtime > when
