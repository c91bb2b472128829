"""IPython's two cell events, feeding the session; all guarded.

Every entry point catches its own exceptions: an error inside nbprod is logged (logger
``nbprod.live``) and counted, never shown in the user's cell and never changes its
result; after ``MAX_ERRORS`` the hooks switch themselves off.

``pre_run_cell`` only notes the cell and the clock; everything else happens in
``post_run_cell``, from the ``ExecutionResult`` IPython hands it (its ``info`` carries the
source, the cell id and the transformed code). A source never seen is parsed there, once
(``ast.parse`` of the transformed cell): nothing of nbprod sits in
``shell.ast_transformers``, whose mere presence makes IPython run
``ast.fix_missing_locations`` over every cell's tree, re-runs included.
"""

from __future__ import annotations

import atexit
import logging
import sys
import time
from pathlib import Path
from typing import Any

from nbprod.analysis.cell import analyze_tree
from nbprod.analysis.source import parse_python
from nbprod.live import alerts
from nbprod.live.background import Background
from nbprod.live.data import DataTracker
from nbprod.live.nbfile import NotebookFile, find_notebook_path
from nbprod.live.session import LiveCell, Session
from nbprod.record import RECORD_MIME, record_path, save_record

log = logging.getLogger("nbprod.live")
MAX_ERRORS = 50
_EMPTY: dict[str, Any] = {}
_now = time.time  # one clock read before and one after a cell: its duration and its wall time


def _error_line(result: Any) -> int | None:
    exc = getattr(result, "error_in_exec", None)
    tb = getattr(exc, "__traceback__", None)
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "<module>":
            return int(tb.tb_lineno)
        tb = tb.tb_next
    return None


class LiveHooks:
    """The extension's state inside one shell: session, data tracker, record sync."""

    def __init__(self, shell: Any, settings: Any) -> None:
        self.shell = shell
        self.settings = settings
        self.session = Session(max_history=settings.max_history)
        self.session.disabled = set(settings.ignore)
        self.data = DataTracker(stats=settings.data_stats)
        self.session.data = self.data.files
        self._sources = self.session._live  # the analysed cells by source (one dict, cleared in place)
        self.rich = hasattr(shell, "kernel")
        self.disabled = False
        self._info: Any = None  # the running cell's ExecutionInfo (set by pre_run_cell)
        self._t0 = 0.0  # when it started; 0.0 between cells
        self._synced_rev = -1
        self._nb_path: Path | None = None
        self._path_tries = 0
        self._embed: Any = None
        self._embedded_rev = -1
        self._saved_rev = -1
        self._saved_seq = 0
        self._saved_at = 0.0
        self.save_error: str | None = None
        self.background = Background(self._in_cell)
        self.data.in_cell = self._in_cell
        self.data.noted = self._resync
        self.data.submit = self.background.submit
        self.data.on_hashed = self._hashed
        from nbprod.live.frontend import Frontend

        self.frontend = Frontend(self)
        self.in_kernel = False
        self._load_cell: str | None = None

    def _resync(self) -> None:
        """A data read was noted: the fast path's one test sends the cell to ``_after_cell``."""
        self._synced_rev = -1

    def _in_cell(self) -> bool:
        """True while a cell runs (between the two hooks): data reads are the cell's."""
        return self._t0 != 0.0

    def running_cell_id(self) -> str | None:
        """The id of the cell running now (None between cells, or when the front end sends none)."""
        info = self._info if self._t0 != 0.0 else None
        return getattr(info, "cell_id", None)

    # -- wiring ------------------------------------------------------------------
    def register(self) -> None:
        """Hook into the shell's events and wrap the data readers already imported."""
        self.shell.events.register("pre_run_cell", self.pre_run_cell)
        self.shell.events.register("post_run_cell", self.post_run_cell)
        atexit.register(self.final_save)
        self._guard(self._scan_namespace)
        self._guard(self.data.patch_loaded)
        if not all(m in sys.modules for m in ("pandas", "numpy")):
            self.data.hook.install()  # readers wrapped as soon as the user imports them
        self.in_kernel = bool(self._guard(self.frontend.register))
        self._guard(self._note_load_cell)

    def _note_load_cell(self) -> None:
        """The ``%load_ext nbprod`` cell ran before the hooks: note it with its id and count,
        so this session's execution order starts with it."""
        kernel = getattr(self.shell, "kernel", None)
        parent = kernel.get_parent() if kernel is not None else None
        if not parent or parent.get("header", {}).get("msg_type") != "execute_request":
            return
        cell_id = (parent.get("metadata") or {}).get("cellId")
        source = (parent.get("content") or {}).get("code")
        if isinstance(cell_id, str) and isinstance(source, str):
            live = self.session.remember(source, None)
            # IPython 8 and 9 update execution_count at different times: the count is the
            # next cell's minus one, filled in after it ran
            self.session._note_cell(cell_id, live, source, 0, True, None)
            self._load_cell = cell_id

    def unregister(self) -> None:
        """Remove every trace of the extension from the shell and the libraries it wrapped."""
        for event, fn in (("pre_run_cell", self.pre_run_cell), ("post_run_cell", self.post_run_cell)):
            try:
                self.shell.events.unregister(event, fn)
            except ValueError:
                pass
        self.data.unpatch()
        self._guard(self.frontend.unregister)
        atexit.unregister(self.final_save)
        self.final_save()
        self.background.stop()

    # -- guards ------------------------------------------------------------------
    def failed(self, where: str) -> None:
        """Log an internal error (never shown in the cell); switch off after too many."""
        self.session.internal_errors += 1
        try:
            exc = sys.exc_info()[1]
            self.session.last_internal_error = f"{where}: {type(exc).__name__}: {exc}"
            log.warning("nbprod: internal error in %s (the cell is not affected)", where, exc_info=True)
            if self.session.internal_errors >= MAX_ERRORS and not self.disabled:
                self.disabled = True
                self._t0 = 0.0
                for event, fn in (("pre_run_cell", self.pre_run_cell), ("post_run_cell", self.post_run_cell)):
                    if fn in self.shell.events.callbacks[event]:  # off: no check left in the cells
                        self.shell.events.unregister(event, fn)
                log.error("nbprod: %d internal errors, live tracking switched off", MAX_ERRORS)
        except Exception:
            pass

    def _guard(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception:
            self.failed(getattr(fn, "__name__", "hook"))
            return None

    # -- events ------------------------------------------------------------------
    def pre_run_cell(self, info: Any) -> None:
        """Before a cell: note it and the clock (the rest waits for ``post_run_cell``).

        Two stores: a cell's whole bookkeeping is one callback's work after it ran.
        (Switched off after too many internal errors by unregistering: no flag to test.)"""
        self._info = info
        self._t0 = _now()

    def post_run_cell(self, result: Any) -> None:
        """After a cell: record the execution, show its warnings, keep the record in sync.

        A re-run that raises nothing costs a few attribute updates here; the record is
        saved by the background thread once the kernel is idle, and the front end's stale
        marks go out once the kernel is idle too."""
        try:
            now = _now()
            t0 = self._t0
            if t0 == 0.0:  # no pre_run_cell for this cell (the %load_ext cell itself)
                return
            self._t0 = 0.0
            info = result.info
            raw = info.raw_cell
            cell_id = info.cell_id  # IPython 8+; None from a terminal or nbclient
            session = self.session
            count = result.execution_count
            if result.error_in_exec is None and result.error_before_exec is None:
                # the fast path, a re-run that cannot warn: this cell ran this very source last
                # time, that run was checked and could raise nothing, and nothing the checks
                # depend on has changed since (``epoch``) nor is due to be looked at (the
                # notebook file). Counters updated in place, no allocation, nothing shown;
                # inline, not a Session method (in CPython a call costs as much as eight
                # attribute stores). Runs with no cell id: ``Session.rerun_anonymous``.
                state = None
                if cell_id is not None:  # a terminal's or nbclient's runs: no exception per cell
                    try:
                        state = session.cells[cell_id]
                    except KeyError:
                        pass
                if (
                    state is not None
                    and state.clean == session.epoch
                    and now < session.next_look
                    and state.source == raw
                ):
                    session.seq = seq = session.seq + 1
                    session.updated = now
                    state.last_seq = seq
                    state.count = count
                    state.runs += 1
                    state.time = now  # the defining Version reads its counters from the state
                    entry = state.entry
                    entry[0] = seq  # type: ignore[index]
                    entry[1] = count  # type: ignore[index]
                    entry[4] = now - t0  # type: ignore[index]
                    entry[6] += 1  # type: ignore[index]
                    if session.revision != self._synced_rev:  # also: data read, path unknown
                        self._after_cell(count, cell_id)
                    if self.frontend.connected:
                        self.frontend.cell_ran()
                    return
                if cell_id is None:
                    lc = self._sources.get(raw)
                    if lc is not None and session.rerun_anonymous(lc, count, now - t0, now):
                        self._after_cell(count, cell_id)
                        if self.frontend.connected:
                            self.frontend.cell_ran()
                        return
            live = self._sources.get(raw)
            if live is None:  # a source never seen: analysed once, here
                live = self._live_cell(raw, info)
            ns = self.shell.user_ns if live.calls else _EMPTY
            seconds = now - t0
            data = self.data
            if result.error_in_exec is None and result.error_before_exec is None:
                found = session.run(live, raw, cell_id, count, seconds, True, None, ns)
            else:
                found = session.run(live, raw, cell_id, count, seconds, False, _error_line(result), ns)
            if self._load_cell is not None:
                self._fill_load_count(count)
            if live.imports:
                data.patch_loaded()
            if data.pending or session.pending_opens:
                self._flush_data(count, cell_id)
            if found:
                self._show(found)
            self._after_cell(count, cell_id)
            if self.frontend.connected:
                self.frontend.cell_ran()
        except KeyboardInterrupt:  # Ctrl-C landed in nbprod's bookkeeping: never a traceback
            log.info("nbprod: interrupted while recording a cell")
        except Exception:
            self.failed("post_run_cell")

    def _live_cell(self, raw: str, info: Any) -> LiveCell:
        """Parse and analyse a new source (IPython's own transformation of it, magics
        turned into calls); a source that does not parse, or whose analysis fails, is still
        remembered (without facts), so the run is recorded and the next one is a cache hit."""
        code = getattr(info, "transformed_cell", None)  # IPython 8.? and later
        try:
            if not isinstance(code, str):
                code = self.shell.transform_cell(raw)
            tree = parse_python(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # never ran as Python
            return self.session.remember(raw, None)
        except Exception:
            self.failed("cell analysis")
            return self.session.remember(raw, None)
        try:
            facts = analyze_tree(raw, tree)
        except Exception:
            self.failed("cell analysis")
            return self.session.remember(raw, None)
        return self.session.remember(raw, facts, tree)

    def _after_cell(self, count: int | None, cell_id: str | None) -> None:
        """Take the cell's data reads (if not taken yet); look for the notebook now and then
        while it is unknown; sync what changed."""
        if self.data.pending:
            self._flush_data(count, cell_id)
        if self._nb_path is None:
            self._path_tries += 1
            if (self._path_tries & 63) == 1:
                self.notebook_path()
        if self.session.revision != self._synced_rev:
            self.sync()

    def _fill_load_count(self, count: int | None) -> None:
        state = self.session.cells.get(self._load_cell or "")
        if (
            state is not None
            and state.count is None
            and count is not None
            and state.last_seq < self.session.seq
        ):
            state.count = count - 1
        self._load_cell = None

    def _flush_data(self, count: int | None, cell_id: str | None) -> None:
        for path in self.session.pending_opens:
            self.data.note_open(path)
        self.session.pending_opens.clear()
        base = self._nb_path.parent if self._nb_path else None
        if self.data.flush(base, cell_id, self.session.seq, count):
            self.session.revision += 1

    def _show(self, found: list[dict[str, Any]]) -> None:
        style = self.settings.show_warnings
        if style == "off":
            return
        if style == "auto" and self.frontend.connected and self.frontend.comm is not None:
            return  # the JupyterLab extension marks the cell: no second copy under it
        rich = self.rich if style == "auto" else style == "display"
        alerts.show(found, rich)

    def _scan_namespace(self) -> None:
        """Modules already imported when the extension loads count as imported by the user."""
        import types

        from nbprod.analysis.facts import is_predefined

        for alias, value in list(self.shell.user_ns.items()):
            if alias.startswith("_") or is_predefined(alias):
                continue
            try:  # user objects may do anything on attribute access
                if isinstance(value, types.ModuleType):
                    name = value.__name__
                else:
                    module = getattr(value, "__module__", None) if callable(value) else None
                    if not isinstance(module, str) or module == "__main__":
                        continue
                    name = f"{module}.{getattr(value, '__name__', alias)}"
            except Exception:
                continue
            if not isinstance(name, str):
                continue
            self.session.imports.setdefault(alias, name)
            top = name.split(".", 1)[0]
            if top not in self.session.modules_seen:
                self.session.note_module(top)
        self.session.imports_version += 1
        self.session.invalidate()

    # -- the notebook, the record ------------------------------------------------
    def notebook_path(self) -> Path | None:
        """The notebook file behind this kernel, once it can be found."""
        if self._nb_path is None:
            explicit = self.settings.notebook or None
            path = find_notebook_path(self.shell.user_ns, explicit)
            if path is not None:
                self.set_notebook(path)
        return self._nb_path

    def set_notebook(self, path: Path) -> None:
        """Use this notebook file for cell order and for saving the record beside it."""
        self._nb_path = path
        self.session.nbfile = NotebookFile(path)
        self._saved_rev = -1
        if self.settings.save_record:  # saved once the cells stop for a moment (no per-cell work)
            self.background.watch(self._executions, self._save_quietly)

    def _executions(self) -> int:
        return self.session.seq

    def record(self, full: bool = True) -> dict[str, Any]:
        """The current record as a dict."""
        return self.session.to_record(self._nb_path, full=full)

    def embed(self) -> None:
        """In a kernel, show the record as this cell's output (updated in place later)."""
        mode = self.settings.embed_record
        if mode == "never" or (mode == "auto" and not (self.rich and _in_cell(self.shell))):
            if not self.rich:
                print(
                    "nbprod: live checks on; in a terminal there is no notebook to follow "
                    "(%nbprod notebook PATH names one)",
                    file=sys.stderr,
                )
            elif mode == "never":
                print(self.frontend_line())
            return
        from IPython.display import display

        self._embed = display(self._bundle(), raw=True, display_id=True)
        self._embedded_rev = self.session.revision

    def _bundle(self) -> dict[str, Any]:
        s = self.session
        text = (
            f"nbprod: recording this session ({len(s.packages)} packages, {len(s.seeds)} seeds, "
            f"{len(s.data)} data files); %nbprod record shows it.\n{self.frontend_line()}"
        )
        return {"text/plain": text, RECORD_MIME: self.record(full=False)}

    def frontend_line(self) -> str:
        """One line: where the live checks get the notebook's cells from."""
        if self.frontend.connected:
            name = self._nb_path.name if self._nb_path else "this notebook"
            return (
                f"nbprod: JupyterLab extension connected: live checks follow {name} as shown, saved or not."
            )
        return (
            "nbprod: no nbprod front-end extension here: live checks read the cell order from the "
            "saved notebook file, so save to update them."
        )

    def sync(self, force: bool = False) -> None:
        """Update the embedded record and save the file soon, when something besides the
        execution log changed (the log alone is saved by the background thread's watch)."""
        rev = self.session.revision
        # while the notebook is unknown the fast path's one test keeps calling ``_after_cell``
        self._synced_rev = rev if self._nb_path is not None else -1
        if self._embed is not None and (rev != self._embedded_rev or force):
            self._embedded_rev = rev
            self._embed.update(self._bundle(), raw=True)
        if self._nb_path is None or not self.settings.save_record or self.save_error:
            return
        if force or rev != self._saved_rev or self.session.seq != self._saved_seq:
            self.background.save_soon(self._save_quietly)

    def _save_quietly(self) -> None:
        """The background save (off the cell's critical path)."""
        if self._nb_path is not None and self.settings.save_record and not self.save_error:
            self.save()

    def _hashed(self) -> None:
        """A data file's fingerprint is done (background thread): save it soon."""
        self.session.revision += 1
        if self._nb_path is not None and self.settings.save_record and not self.save_error:
            self.background.save_soon(self._save_quietly)

    def save(self, path: Path | None = None) -> Path | None:
        """Write the record beside the notebook (or to ``path``), atomically."""
        target = path or (record_path(self._nb_path) if self._nb_path else None)
        if target is None:
            return None
        from nbprod.errors import NbprodError

        self._saved_rev, self._saved_seq, self._saved_at = (
            self.session.revision,
            self.session.seq,
            time.monotonic(),
        )
        try:
            return save_record(target, self.record())
        except (NbprodError, OSError) as exc:
            if path is not None:
                raise
            self.save_error = str(exc)
            log.warning("nbprod: not saving the session record: %s", exc)
            return None

    def final_save(self) -> None:
        """Save once more at unload or exit (never raises)."""
        try:
            self.background.flush(10.0)
            if self._nb_path is not None and self.settings.save_record and not self.save_error:
                if self.session.seq != self._saved_seq or self.session.revision != self._saved_rev:
                    self.save()
        except Exception:
            self.failed("final save")


def _in_cell(shell: Any) -> bool:
    """True while a kernel executes a request (so a display lands in a cell's outputs)."""
    try:
        parent = shell.kernel.get_parent()
        return bool(parent) and parent.get("header", {}).get("msg_type") == "execute_request"
    except Exception:
        return False
