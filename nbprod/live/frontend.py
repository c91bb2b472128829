"""The Jupyter comm ``nbprod.live`` between the kernel and nbprod's JupyterLab extension.

The front end sends the notebook as the user sees it (path, cells in order, sources,
edited-since-run) on open and whenever that changes (not after every execution: a message
costs the kernel a decoding of every cell's source); the kernel answers
with the findings per cell, the stale cells and, on request, the readiness checklist.
Without the extension (classic Notebook, VS Code, IPython) nothing here runs and the
kernel reads the saved notebook file as before.

Messages, front end -> kernel: ``{"type": "notebook", "path", "cells": [{"id", "kind",
"source", "edited"}]}``, ``{"type": "checklist"}``, ``{"type": "saved"}``.
Kernel -> front end: ``{"type": "hello", "version"}``, ``{"type": "findings", "cells":
{id: [finding]}, "stale": {id: [names]}}``, ``{"type": "checklist", "checklist", "text"}``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from nbprod.live.nbfile import FrontendView

log = logging.getLogger("nbprod.live")
TARGET = "nbprod.live"
CURRENT: Frontend | None = None  # the connected front end of this kernel


def resolve_path(given: str, cwd: Path | None = None) -> Path:
    """The notebook file for a path relative to the server's root: JupyterLab starts the
    kernel in the notebook's folder, so the name is looked for there and above."""
    rel = Path(given)
    here = (cwd or Path.cwd()).resolve()
    if rel.is_absolute():
        return rel
    for base in (here, *here.parents):
        candidate = base / rel
        if candidate.is_file():
            return candidate
    return here / rel.name


class Frontend:
    """The kernel's side of the comm: at most one front end (the last to connect) at a time."""

    def __init__(self, hooks: Any) -> None:
        self.hooks = hooks
        self.comm: Any = None
        self.connected = False  # a front end with the extension answered
        self.refused = False  # the front end has no such target (no extension)
        self.view: FrontendView | None = None
        self._sent: Any = None
        self._sent_revision = -1  # the session's revision when findings were last sent
        self._loop: Any = None  # the kernel's event loop: stale marks are sent once it is idle
        self._scheduled = False
        self.received = 0  # notebook messages taken (the extension sends one per change)

    # -- wiring --------------------------------------------------------------------
    def register(self) -> bool:
        """Register the comm target and greet the front end; False outside a kernel."""
        manager = _comm_manager(self.hooks.shell)
        if manager is None:
            return False
        manager.register_target(TARGET, self._opened)
        self._loop = getattr(self.hooks.shell.kernel, "io_loop", None)
        try:
            from comm import create_comm

            comm = create_comm(target_name=TARGET, data={"type": "hello", "version": _version()})
        except Exception:
            log.debug("nbprod: could not open the comm", exc_info=True)
            return True
        self._attach(comm)
        return True

    def unregister(self) -> None:
        manager = _comm_manager(self.hooks.shell)
        if manager is not None:
            manager.targets.pop(TARGET, None)
        if self.comm is not None:
            try:
                self.comm.close()
            except Exception:
                pass
        self.comm = None

    def _opened(self, comm: Any, msg: dict[str, Any]) -> None:
        """The front end opened the comm (page reload, kernel already running)."""
        self._attach(comm)
        comm.send({"type": "hello", "version": _version()})
        self._receive(msg)

    def _attach(self, comm: Any) -> None:
        if self.comm is not None and self.comm is not comm:
            try:
                self.comm.close()
            except Exception:
                pass
        self.comm = comm
        self._sent = None  # a new comm gets the findings whatever was sent on the last one
        comm.on_msg(self._receive)
        comm.on_close(self._closed)

    def _closed(self, msg: Any) -> None:
        if not self.connected:
            self.refused = True
        self.comm = None

    # -- messages ------------------------------------------------------------------
    def _receive(self, msg: dict[str, Any]) -> None:
        try:
            data = msg.get("content", {}).get("data") or {}
            kind = data.get("type")
            if kind == "notebook":
                self.notebook(data)
            elif kind == "checklist":
                self.send_checklist()
            elif kind == "saved":
                self.hooks.sync(force=True)
            elif kind == "run" and data.get("what") in ("export", "verify"):
                self.run_command(str(data["what"]))
        except Exception:
            self.hooks.failed("front-end message")

    def select_cell(self, cell_id: str | None, index: int) -> None:
        """Ask the front end to scroll to and select a cell (the widget's cell buttons)."""
        if self.comm is not None and self.connected:
            self.comm.send({"type": "select", "cell_id": cell_id, "index": index})

    def notebook(self, data: dict[str, Any]) -> None:
        """The notebook as the user sees it: path (after a rename too) and cells."""
        first = not self.connected
        self.connected, self.refused = True, False
        self.received += 1
        global CURRENT
        CURRENT = self  # the widget's cell buttons select cells through it
        hooks = self.hooks
        path = data.get("path")
        if isinstance(path, str) and path.endswith(".ipynb"):
            resolved = resolve_path(path)
            if hooks._nb_path != resolved:
                hooks.set_notebook(resolved)
        cells = data.get("cells")
        if isinstance(cells, list):
            if self.view is None:
                self.view = FrontendView(hooks._nb_path)
            self.view.path = hooks._nb_path
            changed = self.view.update(cells)
            if changed or hooks.session.nbfile is not self.view:  # else the checks stand: no re-check
                hooks.session.nbfile = self.view
        if first:
            hooks.sync(force=True)  # the load cell's line says the extension is connected
        self.send_findings()  # what changed (a new comm was sent everything: ``_attach``)

    def cell_ran(self) -> None:
        """After a cell: new or resolved findings are sent at once (they are the cell's
        warning); a change in stale marks alone waits until the kernel is idle (one message
        for a whole Run All), off the cell's critical path."""
        if self.hooks.session.revision != self._sent_revision or self._loop is None:
            self.send_findings()
        elif not self._scheduled:
            self._scheduled = True
            self._loop.add_callback(self._when_idle)

    def _when_idle(self) -> None:
        self._scheduled = False
        try:
            self.send_findings()
        except Exception:
            self.hooks.failed("front-end message")

    def send_findings(self, force: bool = False) -> None:
        """Findings per cell, and stale cells, when they changed since the last message."""
        if self.comm is None or not self.connected:
            return
        session = self.hooks.session
        self._sent_revision = session.revision
        cells: dict[str, list[dict[str, Any]]] = {}
        for w in session.warnings:
            cid = w.get("cell_id")
            if cid is None:
                continue
            cells.setdefault(cid, []).append(
                {k: w.get(k) for k in ("rule", "message", "fix", "line", "execution_count")}
            )
        payload = {"type": "findings", "cells": cells, "stale": session.stale_cells()}
        if force or payload != self._sent:
            self._sent = payload
            self.comm.send(payload)

    def send_checklist(self) -> None:
        """Run the check on the notebook as the user sees it, and send the checklist."""
        from nbprod.checker import check_notebook
        from nbprod.config import load_config
        from nbprod.report import format_text

        hooks = self.hooks
        nb = self.notebook_model()
        path = hooks._nb_path
        config = load_config(str(path) if path is not None else os.getcwd())
        report_nb = check_notebook(nb, config, hooks.record())
        from nbprod.report import Report

        report = Report([report_nb])
        checklist = report_nb.extra.get("checklist")
        ids = [c.id for c in nb.cells]
        self.comm.send(
            {"type": "checklist", "checklist": checklist, "cell_ids": ids, "text": format_text(report)}
        )

    def run_command(self, what: str) -> None:
        """``nbprod export`` / ``nbprod verify`` of the saved notebook, in a subprocess on a
        thread (the kernel stays free); the output goes back to the panel."""
        import subprocess
        import sys
        import threading

        path = self.hooks._nb_path
        comm = self.comm
        if comm is None:
            return
        if path is None:
            comm.send(
                {"type": "run-result", "what": what, "code": 2, "output": "the notebook's path is unknown"}
            )
            return

        def work() -> None:
            try:
                proc = subprocess.run(
                    [sys.executable, "-m", "nbprod", what, str(path)],
                    capture_output=True, text=True, cwd=path.parent, timeout=1800,
                )  # fmt: skip
                code, output = proc.returncode, (proc.stdout + proc.stderr)[-20_000:]
            except (OSError, subprocess.SubprocessError) as exc:
                code, output = 2, str(exc)
            try:
                comm.send({"type": "run-result", "what": what, "code": code, "output": output})
            except Exception:
                log.debug("nbprod: could not send the %s result", what, exc_info=True)

        threading.Thread(target=work, name=f"nbprod-{what}", daemon=True).start()

    def notebook_model(self) -> Any:
        """The notebook with the front end's unsaved cells and this session's execution counts."""
        from nbprod.notebook import Cell, Notebook, read_notebook

        hooks = self.hooks
        path = hooks._nb_path
        base = None
        if path is not None and path.is_file():
            try:
                base = read_notebook(path)
            except Exception:
                base = None
        meta = base.metadata if base is not None else {"language_info": {"name": "python"}}
        by_id = {c.id: c for c in base.cells} if base is not None else {}
        view = self.view
        if view is None:
            return session_counts(base, hooks.session) if base is not None else None
        cells = []
        for index, cid in enumerate(view.all_ids):
            old = by_id.get(cid)
            kind = view.kinds.get(cid, "code")
            src = view.all_sources.get(cid, "")
            outputs = old.outputs if old is not None and old.source == src else []
            cells.append(Cell(index, kind, src, id=cid, outputs=list(outputs)))
        nb = Notebook(str(path or "<live>"), cells, meta)
        return session_counts(nb, hooks.session)


def session_counts(nb: Any, session: Any) -> Any:
    """The session's own execution counts win over the saved ones (none for cells not run)."""
    if not session.cells:
        return nb
    for cell in nb.cells:
        if cell.kind != "code":
            continue
        state = session.cells.get(cell.id) if cell.id else None
        cell.execution_count = state.count if state is not None else None
    return nb


def _comm_manager(shell: Any) -> Any:
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return None
    try:
        from comm import get_comm_manager

        return get_comm_manager()
    except Exception:
        return getattr(kernel, "comm_manager", None)


def _version() -> str:
    from nbprod import __version__

    return str(__version__)
