"""The live session model: executions, who defined each name, seeds, packages, data, warnings.

Pure bookkeeping over CellFacts (no IPython import). Everything per cell is keyed by
source (cached, bounded) or by cell id (bounded); the execution log keeps one entry per
version of a cell (bounded), so memory and time per cell stay flat however long the
session runs.

A re-run that cannot raise anything (the cell's reads were checked and found fine, and
nothing they depend on changed since: ``Session.epoch`` counts such changes) takes the
fast path in ``Session.run``: a handful of counters updated in place, no allocation.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbprod.analysis.cell import EXPR, Call, CellFacts
from nbprod.live.nbfile import NotebookFile, code_hash
from nbprod.record import RECORD_KEY, RECORD_VERSION, source_hash
from nbprod.rules.reproducibility import draw_library, needs_random_state, seeded_libraries

LIVE_RULES = ("NB104", "NB107", "NB201", "NB202")
FIXES = {
    "NB104": "Move the definition above this cell, or this cell below it.",
    "NB107": "Re-run the defining cell, or restart the kernel and run all cells.",
    "NB201": "Seed first: %nbprod seed 42, or random.seed / np.random.seed / torch.manual_seed.",
    "NB202": "Pass random_state=SEED (a constant defined once at the top).",
}
DELETED_FIX = "The defining cell was deleted: re-create the definition in a cell above this one and run it."
EDITED_FIX = "Run the edited cell again (or restart the kernel and run all cells)."
RERUN_RULES = frozenset({"NB104", "NB107"})  # resolved by running the cell again
_GENERATORS = ("numpy.random.default_rng", "numpy.random.RandomState")
_OPEN_READ_MODES = ("r", "rb", "rt", "br", "tr")


@dataclass(slots=True, eq=False)
class Version:
    """One version of a cell (by id and code) and its latest run: what defined a name.

    While it is its cell's current version (``state`` set), its run's ``seq``, ``count``
    and ``time`` are the cell state's own counters, so a re-run updates one object. Once
    the cell's code changes it is frozen with its last run's values (the names it defined
    keep pointing at it); a failed run that stopped before a definition leaves that name
    on a frozen copy."""

    key: str | None
    hash: str  # the code's meaning (comments and whitespace ignored)
    _seq: int
    _count: int | None
    _time: float
    state: CellState | None = field(default=None, repr=False)

    @property
    def seq(self) -> int:
        state = self.state
        return self._seq if state is None else state.last_seq

    @property
    def count(self) -> int | None:
        state = self.state
        return self._count if state is None else state.count

    @property
    def time(self) -> float:
        state = self.state
        return self._time if state is None else state.time

    def frozen(self) -> Version:
        """An unbound copy with this version's values now."""
        return Version(self.key, self.hash, self.seq, self.count, self.time)

    def freeze(self) -> None:
        """Stop following the cell's state: keep the values of its last run."""
        if self.state is not None:
            self._seq, self._count, self._time = self.seq, self.count, self.time
            self.state = None


_ANONYMOUS = Version(None, "", 0, None, 0.0)  # defined by a run with no cell id (terminal)
_NOTHING: list[dict[str, Any]] = []  # the fast path's answer: never appended to
_now = time.time


@dataclass(slots=True)
class CellState:
    """The latest version of a cell (by id) the session ran."""

    hash: str  # the code's meaning, as Version.hash
    source: str
    first_seq: int
    last_seq: int = 0
    count: int | None = None
    runs: int = 0
    time: float = 0.0  # wall-clock time of the last run
    ok: bool = True
    source_hash: str = ""
    defines: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    # the fast path: the live cell of the last run, its Version and log entry, and the
    # epoch at which that run was found unable to warn (-1: check again)
    lc: LiveCell | None = None
    version: Version | None = None
    entry: list[Any] | None = None
    clean: int = -1


@dataclass(slots=True)
class LiveCell:
    """Per distinct source: the facts and what the live checks need from them."""

    facts: CellFacts | None
    hash: str  # of the source text (the record's source_hash)
    code: str  # of the code's meaning: comments and whitespace ignored
    defs: dict[str, int] = field(default_factory=dict)
    uses: dict[str, int] = field(default_factory=dict)
    def_names: tuple[str, ...] = ()
    use_names: tuple[str, ...] = ()
    deletes: tuple[str, ...] = ()
    imports: tuple[tuple[str, str], ...] = ()
    calls: tuple[Call, ...] = ()  # top-level (not deferred) calls with a name
    seed_functions: dict[str, set[str]] = field(default_factory=dict)
    events: list[tuple[str, Call, str, Any]] = field(default_factory=list)
    events_version: int = -1
    warned_random_state: bool = False
    quiet: bool = True  # no imports, deletes or seed functions: re-runs may take the fast path
    loud: bool = False  # some call is a seed, a draw, a generator, an open or lacks random_state
    plain: tuple[str, ...] = ()  # names of plain calls (a user's seed function, perhaps)
    anon_entry: list[Any] | None = None  # the fast path of runs without a cell id
    anon_clean: int = -1


def make_live_cell(source: str, facts: CellFacts | None, tree: Any = None) -> LiveCell:
    """Precompute, once per source, what every run of it needs."""
    lc = LiveCell(facts, source_hash(source), code_hash(source, tree))
    if facts is None or not facts.ok:
        return lc
    lc.defs = facts.defs
    lc.uses = facts.uses
    lc.def_names = tuple(facts.defs)
    lc.use_names = tuple(facts.uses)
    lc.deletes = tuple(facts.deletes)
    lc.imports = tuple((i.alias, i.qualified) for i in facts.imports if not i.qualified.startswith("."))
    lc.calls = tuple(c for c in facts.calls if not c.deferred and c.name and not c.name.startswith("."))
    for call in facts.calls:
        if call.deferred and 0 <= call.stmt < len(facts.stmts) and call.leaf in _SEED_LEAVES:
            stmt = facts.stmts[call.stmt]
            if stmt.kind in ("FunctionDef", "AsyncFunctionDef"):
                for name in stmt.defs:
                    lc.seed_functions.setdefault(name, set()).add(call.name)
    lc.quiet = not (lc.imports or lc.deletes or lc.seed_functions)
    return lc


_SEED_LEAVES = frozenset({"seed", "manual_seed", "set_seed", "set_random_seed", "seed_everything"})


class _LiveFacts:
    """The few NotebookFacts answers ``needs_random_state`` asks, from the live session."""

    injects_unknown = False

    def __init__(self, session: Session, lc: LiveCell) -> None:
        self.session, self.lc = session, lc
        self.imports = session.imports

    def is_module_call(self, call: Call) -> bool:
        return call.root in self.imports

    def first_definitions(self) -> dict[str, int]:
        return dict.fromkeys(self.session.definers, 0)

    def calls(self) -> Any:
        for call in self.lc.calls:
            yield None, call, self.session.qualify(call.name)


def _newest(entries: dict[Any, Any], keep: int, seq: Any) -> dict[Any, Any]:
    """The ``keep`` entries with the highest ``seq(entry)``, oldest first."""
    return dict(sorted(entries.items(), key=lambda kv: seq(kv[1]))[-keep:])


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Session:
    """Everything the extension records while the user works."""

    def __init__(self, max_history: int = 1000, max_cells: int = 2000) -> None:
        self.started = time.time()
        self.updated = self.started
        self.seq = 0
        self.failed = 0
        self.revision = 0  # bumped when anything worth saving besides the log changes
        # bumped when anything a quiet cell's checks depend on changes: who defines a name,
        # a cell's code, the notebook's cells, the rules switched on (see ``run``)
        self.epoch = 0
        # one entry per version of a cell (re-runs update it): the log grows with content;
        # [seq, count, cell id, source hash, seconds, ok, runs], in the record by seq
        self.executions: dict[tuple[str | None, str], list[Any]] = {}
        self.max_history = max_history
        self.cells: dict[str, CellState] = {}
        self.max_cells = max_cells
        self.definers: dict[str, Version] = {}
        self.imports: dict[str, str] = {}
        self.imports_version = 0
        self.modules_seen: set[str] = set()
        self.module_dist: dict[str, str | None] = {}
        self.packages: dict[str, dict[str, Any]] = {}
        self.seeded: set[str] = set()
        self.seeds: deque[dict[str, Any]] = deque(maxlen=200)
        self.seed_functions: dict[str, set[str]] = {}
        self.data: dict[str, dict[str, Any]] = {}
        self.warnings: deque[dict[str, Any]] = deque(maxlen=200)
        self.disabled: set[str] = set()
        self.internal_errors = 0
        self.last_internal_error: str | None = None
        self._nbfile: NotebookFile | None = None
        self._nbfile_generation = -1  # its generation when last checked
        self.next_look = float("inf")  # time.time() from which the file is due a look
        self.pending_opens: list[str] = []
        self._live: dict[str, LiveCell] = {}
        self._warned: set[str] = set()  # cells with NB104 / NB107 findings

    @property
    def nbfile(self) -> Any:
        """Where cell order, sources and first definitions come from: the saved notebook
        (``NotebookFile``) or the front end's view of it (``FrontendView``)."""
        return self._nbfile

    @nbfile.setter
    def nbfile(self, nbf: Any) -> None:
        self._nbfile = nbf  # set again by every front-end update: check every cell again
        self._nbfile_generation = -1
        self.next_look = 0.0
        self.epoch += 1

    # -- cache -----------------------------------------------------------------
    def cached(self, source: str) -> LiveCell | None:
        """The precomputed cell for this exact source, if it ran before."""
        return self._live.get(source)

    def remember(self, source: str, facts: CellFacts | None, tree: Any = None) -> LiveCell:
        """Analyse-once: store the live cell for a source (bounded cache)."""
        lc = make_live_cell(source, facts, tree)
        if len(self._live) >= 2048:
            self._live.clear()
        self._live[source] = lc
        return lc

    # -- one execution ---------------------------------------------------------
    def invalidate(self) -> None:
        """Something the checks depend on changed: every cell is checked on its next run."""
        self.epoch += 1

    def run(
        self,
        lc: LiveCell,
        source: str,
        cell_id: str | None,
        count: int | None,
        seconds: float,
        ok: bool,
        error_line: int | None,
        user_ns: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """Record one execution; returns the live warnings it raised (a re-run that cannot
        warn takes the fast path in ``LiveHooks.post_run_cell`` first)."""
        self.seq = seq = self.seq + 1
        seeds = self.seeds
        if seeds and seeds[-1]["execution"] == seq:
            self._seed_counts(count)
        now = _now()
        self.updated = now
        nbf = self._nbfile
        if nbf is not None:
            if now >= nbf.next_look:
                nbf.refresh()
            self.next_look = nbf.next_look
            if nbf.generation != self._nbfile_generation:
                self._nbfile_generation = nbf.generation
                self.epoch += 1
        return self._run(lc, source, cell_id, count, seconds, ok, error_line, user_ns, seq, now)

    def rerun_anonymous(self, lc: LiveCell | None, count: int | None, seconds: float, now: float) -> bool:
        """The fast path of a successful run with no cell id (a terminal, nbclient): only the
        log moves; False when ``run`` must record it instead. Taken when this source ran last
        time, that run was checked and could raise nothing, and nothing the checks depend on
        has changed since (``epoch``). Runs with a cell id take theirs in
        ``LiveHooks.post_run_cell``, inline (a call costs as much as the updates)."""
        if lc is None or lc.anon_clean != self.epoch or lc.anon_entry is None:
            return False
        self.seq = seq = self.seq + 1
        self.updated = now
        entry = lc.anon_entry
        entry[0], entry[1], entry[4] = seq, count, seconds
        entry[6] += 1
        return True

    def _seed_counts(self, count: int | None) -> None:
        # Seeds noted while the cell ran (``%nbprod seed``) learn its execution count
        # only now: IPython 8 and 9 update ``shell.execution_count`` at different times.
        for entry in reversed(self.seeds):
            if entry["execution"] != self.seq:
                break
            entry["execution_count"] = count

    def _quiet_calls(self, lc: LiveCell) -> bool:
        """True when none of the cell's calls seeds, draws, opens or needs random_state."""
        if lc.events_version != self.imports_version:
            self._events(lc)
        if lc.loud:
            return False
        functions = self.seed_functions
        return not (functions and any(name in functions for name in lc.plain))

    def _run(
        self, lc: LiveCell, source: str, cell_id: str | None, count: int | None, seconds: float,
        ok: bool, error_line: int | None, user_ns: dict[str, Any], seq: int, now: float,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Every check and every update (first runs, edits, failures, anything changed)."""
        if not ok:
            self.failed += 1
        executions = self.executions
        key = (cell_id, lc.hash)
        entry = executions.get(key)
        if entry is None:
            entry = executions[key] = [seq, count, cell_id, lc.hash, seconds, ok, 1]
            if len(executions) > self.max_history + self.max_history // 8 + 1:
                self.executions = executions = _newest(executions, self.max_history, lambda e: e[0])
                self.epoch += 1  # a fast path may hold an entry no longer in the log
        else:
            entry[0], entry[1], entry[4], entry[5] = seq, count, seconds, ok
            entry[6] += 1
        found: list[dict[str, Any]] = []
        if cell_id is not None and cell_id in self._warned:
            self._resolve(cell_id)
        if lc.uses and cell_id is not None and self.definers:
            self._check_reads(lc, cell_id, seq, count, found)
        if lc.imports:
            self._note_imports(lc)
        if lc.calls:
            self._randomness(lc, cell_id, seq, count, user_ns, found)
        if lc.seed_functions and any(self.seed_functions.get(k) != v for k, v in lc.seed_functions.items()):
            self.seed_functions.update(lc.seed_functions)
            self.epoch += 1  # a plain call to one of these is a seed now
        frozen: Version | None = None
        before = self.cells.get(cell_id) if cell_id is not None else None
        old = before.version if before is not None else None
        if old is not None:  # before the state moves on: the last run's values are still there
            if not lc.defs or old.hash != lc.code:
                old.freeze()  # replaced: the names it set keep their last run's facts
            elif not ok:
                frozen = old.frozen()  # names this run did not set again keep them too
        state = self._note_cell(cell_id, lc, source, seq, ok, count) if cell_id is not None else None
        definers = self.definers
        if state is not None:
            state.time = now
            if not lc.defs:
                state.version = None  # an older version's object stays with the names it set
        if lc.defs:
            version = _ANONYMOUS  # without a cell id nothing is checked against the definer
            if state is not None:
                version = state.version  # type: ignore[assignment]
                if version is None or version.hash != lc.code or version.state is not state:
                    version = state.version = Version(cell_id, lc.code, seq, count, now, state)
                elif frozen is not None:
                    for name, line in lc.defs.items():
                        if error_line is not None and line >= error_line and definers.get(name) is version:
                            definers[name] = frozen
                            self.epoch += 1
            for name, line in lc.defs.items():
                if (ok or error_line is None or line < error_line) and definers.get(name) is not version:
                    definers[name] = version
                    self.epoch += 1
        for name in lc.deletes:
            if definers.pop(name, None) is not None:
                self.epoch += 1
        if found:
            self.warnings.extend(found)
            self.revision += 1
            for w in found:
                if w["rule"] in RERUN_RULES and w["cell_id"] is not None:
                    self._warned.add(w["cell_id"])
        if ok and lc.quiet and not found and (not lc.calls or self._quiet_calls(lc)):
            # nothing to say and nothing the next run can change: the fast path's turn
            if state is not None:
                if cell_id not in self._warned:
                    state.lc, state.entry, state.clean = lc, entry, self.epoch
            elif cell_id is None:
                lc.anon_entry, lc.anon_clean = entry, self.epoch
        elif state is not None:
            state.clean = -1
        return found

    def _resolve(self, cell_id: str) -> None:
        """The cell runs again: its NB104 / NB107 findings are re-checked from scratch."""
        self._warned.discard(cell_id)
        kept = [w for w in self.warnings if not (w["cell_id"] == cell_id and w["rule"] in RERUN_RULES)]
        if len(kept) != len(self.warnings):
            self.warnings = deque(kept, maxlen=self.warnings.maxlen)
            self.revision += 1

    def stale_cells(self) -> dict[str, list[str]]:
        """Cells whose inputs were re-computed (by another cell) since they last ran."""
        stale: dict[str, list[str]] = {}
        definers = self.definers
        for cid, state in self.cells.items():
            names = [
                n for n in state.reads
                if (d := definers.get(n)) is not None and d.key not in (None, cid) and d.seq > state.last_seq
            ]  # fmt: skip
            if names:
                stale[cid] = names
        return stale

    def _note_cell(
        self, cell_id: str, lc: LiveCell, source: str, seq: int, ok: bool, count: int | None = None
    ) -> CellState:
        cells = self.cells
        state = cells.get(cell_id)
        new = state is None
        if state is None:
            state = cells[cell_id] = CellState(lc.code, source, seq, source_hash=lc.hash)
            self.epoch += 1
        elif state.source != source:
            if state.hash != lc.code:
                self.epoch += 1  # names it set before may be left over now
            state.hash, state.source, state.source_hash = lc.code, source, lc.hash
        state.last_seq = seq
        state.count = count
        state.runs += 1
        state.ok = ok
        state.defines = lc.def_names
        state.reads = lc.use_names
        if new and len(cells) > self.max_cells + self.max_cells // 8 + 1:
            self.cells = _newest(cells, self.max_cells, lambda c: c.last_seq)
        return state

    # -- NB104 / NB107 ---------------------------------------------------------
    def _label(self, cell_id: str) -> str:
        nbf = self.nbfile
        if nbf is not None and cell_id in nbf.positions:
            return f"cell {nbf.positions[cell_id] + 1}"
        return f"cell {cell_id[:8]}"

    def _check_reads(
        self, lc: LiveCell, cell_id: str, seq: int, count: int | None, found: list[dict[str, Any]]
    ) -> None:
        definers = self.definers
        nbf = self.nbfile
        file_ok: bool | None = None
        groups: dict[tuple[Any, ...], list[tuple[str, int]]] = {}
        for name, line in lc.uses.items():
            d = definers.get(name)
            if d is None or d.key is None or d.key == cell_id:
                continue
            what: tuple[Any, ...] | None = None
            current = self.cells.get(d.key)
            if current is not None and current.hash != d.hash:
                what = ("NB107", "leftover", d.key)
            elif nbf is not None:
                if file_ok is None:
                    file_ok = nbf.refresh() and cell_id in nbf.positions
                if not file_ok:
                    continue
                what = self._against_file(nbf, name, d, cell_id)
            if what is not None and what[0] not in self.disabled:
                groups.setdefault(what, []).append((name, line))
        for what, names in groups.items():
            message, fix = self._message(what, [n for n, _ in names])
            w = self._warning(what[0], cell_id, seq, count, names[0][1], names[0][0], message, lc.hash)
            w["fix"] = fix
            if len(names) > 1:
                w["names"] = [n for n, _ in names]
            found.append(w)

    def _message(self, what: tuple[Any, ...], names: list[str]) -> tuple[str, str]:
        """One message for every name the same cause left stale (X and y share one note)."""
        rule, kind = what[0], what[1]
        one = len(names) == 1
        quoted = [f"'{n}'" for n in names]
        who = quoted[0] if one else ", ".join(quoted[:-1]) + " and " + quoted[-1]
        if kind == "leftover":
            return (
                f"{who} {'is' if one else 'are'} left over from an earlier version of "
                f"{self._label(what[2])}, which was edited and re-run and no longer sets "
                f"{'it' if one else 'them'}",
                "Define it again (or stop using it), then restart the kernel and run all cells.",
            )
        if kind == "deleted":
            return f"{who} {'was' if one else 'were'} set by a cell that has since been deleted", DELETED_FIX
        if kind == "edited":
            return (
                f"{who} {'comes' if one else 'come'} from {self._label(what[2])} as it was before its "
                "last edit (the edited cell has not been run)",
                EDITED_FIX,
            )
        there = what[2]
        if kind == "below-first":
            return (
                f"{who} {'was' if one else 'were'} last set by cell {there + 1}, below this one; a "
                f"top-to-bottom run would give this cell the value from cell {what[3] + 1}",
                FIXES[rule],
            )
        return (
            f"{who} {'is' if one else 'are'} defined only in cell {there + 1}, below this one: "
            "Restart & Run All fails here",
            FIXES[rule],
        )

    def _against_file(self, nbf: Any, name: str, d: Version, cell_id: str) -> tuple[Any, ...] | None:
        assert d.key is not None
        if nbf.saved_after(d.time):
            if d.key not in nbf.positions:
                return ("NB107", "deleted")
            if nbf.hashes.get(d.key) != d.hash:
                return ("NB107", "edited", d.key)
        here, there = nbf.positions[cell_id], nbf.positions.get(d.key)
        if there is None or there <= here:
            return None
        first = nbf.first_defs.get(name)
        if first is not None and first < here:
            return ("NB107", "below-first", there, first)
        return ("NB104", "below", there)

    def _warning(
        self, rule: str, cell_id: str | None, seq: int, count: int | None, line: int | None,
        name: str | None, message: str, shash: str,
    ) -> dict[str, Any]:  # fmt: skip
        return {
            "rule": rule, "cell_id": cell_id, "execution": seq, "execution_count": count,
            "line": line, "name": name, "message": message, "fix": FIXES[rule],
            "source_hash": shash,
        }  # fmt: skip

    # -- packages --------------------------------------------------------------
    def qualify(self, name: str) -> str:
        """``np.random.seed`` -> ``numpy.random.seed`` through the session's imports."""
        root, dot, rest = name.partition(".")
        base = self.imports.get(root)
        return base + dot + rest if base else name

    def _note_imports(self, lc: LiveCell) -> None:
        imports = self.imports
        for alias, qualified in lc.imports:
            if imports.get(alias) != qualified:
                imports[alias] = qualified
                self.imports_version += 1
                self.epoch += 1  # what a call means may have changed
            top = qualified.split(".", 1)[0]
            if top not in self.modules_seen and top in sys.modules:
                self.note_module(top)

    def note_module(self, top: str) -> None:
        """Record the distribution and version behind an imported top-level module."""
        from nbprod.live.versions import STDLIB, module_info

        self.modules_seen.add(top)
        if top in STDLIB:
            return
        info = module_info(top)
        if info is None:
            return
        dist = info["distribution"]
        self.module_dist[top] = dist
        if dist is not None:
            entry = self.packages.setdefault(dist, {"version": info["version"], "modules": []})
            if top not in entry["modules"]:
                entry["modules"].append(top)
        self.revision += 1

    # -- NB201 -----------------------------------------------------------------
    def _events(self, lc: LiveCell) -> list[tuple[str, Call, str, Any]]:
        if lc.events_version == self.imports_version:
            return lc.events
        events: list[tuple[str, Call, str, Any]] = []
        adapter = _LiveFacts(self, lc)
        for call in lc.calls:
            qual = self.qualify(call.name)
            if needs_random_state(adapter, call, qual):  # type: ignore[arg-type]
                events.append(("random_state", call, qual, None))
            libs = seeded_libraries(qual, call)
            if libs:
                events.append(("seed", call, qual, libs))
            elif qual in _GENERATORS:
                events.append(("generator", call, qual, None))
            elif qual == "open" or qual.endswith("io.open"):
                events.append(("open", call, qual, None))
            else:
                lib = draw_library(qual)
                if lib is not None:
                    events.append(("draw", call, qual, lib))
                elif "." not in call.name:
                    events.append(("plain", call, qual, None))
        lc.events, lc.events_version = events, self.imports_version
        lc.loud = any(kind != "plain" for kind, *_ in events)
        lc.plain = tuple(call.name for kind, call, *_ in events if kind == "plain")
        return events

    def _randomness(
        self, lc: LiveCell, cell_id: str | None, seq: int, count: int | None,
        user_ns: dict[str, Any], found: list[dict[str, Any]],
    ) -> None:  # fmt: skip
        reported: set[str] = set()
        no_state: list[Call] = []
        for kind, call, qual, extra in self._events(lc):
            if kind == "random_state":
                no_state.append(call)
            elif kind == "seed":
                self.note_seed(qual, sorted(extra), _value(call, user_ns), cell_id, seq, count)
            elif kind == "plain":
                libs = self.seed_functions.get(call.name)
                if libs:
                    seeded = {lib for q in libs for lib in seeded_libraries(self.qualify(q), call)}
                    libs_seeded = sorted(seeded or {"random", "numpy"})
                    self.note_seed(f"{call.name}()", libs_seeded, None, cell_id, seq, count)
            elif kind == "generator":
                value = _value(call, user_ns)
                if value is None and not call.star:
                    if "NB201" not in self.disabled:
                        msg = f"{call.display}() creates a generator with no seed"
                        found.append(
                            self._warning("NB201", cell_id, seq, count, call.line, None, msg, lc.hash)
                        )
                elif value is not None:
                    self.note_seed(qual, ["numpy-generator"], value, cell_id, seq, count, scope="generator")
            elif kind == "draw":
                if extra not in self.seeded and extra not in reported and "NB201" not in self.disabled:
                    reported.add(extra)
                    msg = f"{call.display}() draws from the {extra} generator, which was never seeded in this session"
                    found.append(self._warning("NB201", cell_id, seq, count, call.line, None, msg, lc.hash))
            elif kind == "open":
                self._note_open(call, user_ns)
        if no_state and not lc.warned_random_state and "NB202" not in self.disabled:
            lc.warned_random_state = True  # once per version of the cell: re-runs stay quiet
            shown = [f"{c.display}()" for c in no_state]
            what = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
            msg = (
                f"{what} {'has' if len(shown) == 1 else 'have'} no random_state: "
                "the result changes on every run"
            )
            found.append(self._warning("NB202", cell_id, seq, count, no_state[0].line, None, msg, lc.hash))

    def note_seed(
        self,
        call: str,
        libraries: list[str],
        value: Any,
        cell_id: str | None,
        seq: int,
        count: int | None = None,
        scope: str = "global",
    ) -> None:
        """Record a seed call; global seeds make their libraries count as seeded."""
        if scope == "global":
            self.seeded.update(libraries)
        entry = {
            "call": call, "libraries": libraries, "value": value, "cell_id": cell_id,
            "execution": seq, "execution_count": count,
        }  # fmt: skip
        last = self.seeds[-1] if self.seeds else None
        if last is None or any(last[k] != entry[k] for k in ("call", "value", "cell_id")):
            self.revision += 1
        self.seeds.append(entry)

    def _note_open(self, call: Call, user_ns: dict[str, Any]) -> None:
        mode = call.args[1] if len(call.args) > 1 else call.kwargs.get("mode", "r")
        if mode is EXPR or (isinstance(mode, str) and mode not in _OPEN_READ_MODES):
            return
        path = _value(call, user_ns, positional_only=True, kinds=(str, Path))
        if path is not None:
            self.pending_opens.append(str(path))

    # -- the record ------------------------------------------------------------
    def to_record(self, notebook: Path | None = None, full: bool = True) -> dict[str, Any]:
        """The record as saved (``full``) or embedded in the notebook (no log, cells, summary)."""
        from nbprod import __version__
        from nbprod.live.versions import environment

        record: dict[str, Any] = {
            RECORD_KEY: RECORD_VERSION,
            "nbprod": __version__,
            "notebook": notebook.name if notebook else None,
            "started": _iso(self.started),
            "updated": _iso(self.updated),
            "python": environment(),
            "packages": {k: dict(v, modules=sorted(v["modules"])) for k, v in sorted(self.packages.items())},
            "imports": dict(sorted(self.module_dist.items())),
            "seeds": list(self.seeds),
            "data": list(self.data.values()),
            "warnings": list(self.warnings),
        }
        if full:  # the notebook's copy is updated only when the above changes: no counters in it
            record["summary"] = {
                "executions": self.seq,
                "failed": self.failed,
                "cells": len(self.cells),
                "internal_errors": self.internal_errors,
            }
            record["cells"] = {
                cid: {
                    "source_hash": s.source_hash,
                    "runs": s.runs,
                    "first_execution": s.first_seq,
                    "last_execution": s.last_seq,
                    "ok": s.ok,
                    "defines": list(s.defines),
                    "reads": list(s.reads),
                }  # fmt: skip
                for cid, s in sorted(list(self.cells.items()), key=lambda kv: kv[1].last_seq)[
                    -self.max_cells :
                ]
            }  # a copy (the save runs on another thread), in the order the cells last ran
            record["executions"] = [
                {
                    "execution": seq,
                    "execution_count": count,
                    "cell_id": cid,
                    "source_hash": h,
                    "ms": round(sec * 1000, 3),
                    "ok": ok,
                    "runs": runs,
                }  # fmt: skip
                for seq, count, cid, h, sec, ok, runs in sorted(
                    [list(e) for e in list(self.executions.values())], key=lambda e: e[0]
                )[-self.max_history :]
            ]
        return record


def _value(
    call: Call, user_ns: dict[str, Any], positional_only: bool = False, kinds: tuple[type, ...] = (int,)
) -> Any:
    """The literal first argument (or ``seed=``), or the value of the single name it reads."""
    if call.args:
        value = call.args[0]
    elif not positional_only and "seed" in call.kwargs:
        value = call.kwargs["seed"]
    else:
        return None
    if value is EXPR:
        if len(call.arg_names) == 1:
            (name,) = call.arg_names
            v = user_ns.get(name)
            if isinstance(v, kinds) and not isinstance(v, bool):
                return v if not isinstance(v, Path) else str(v)
        return "<expression>" if not positional_only else None
    if positional_only and not isinstance(value, str):
        return None
    return value
