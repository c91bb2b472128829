"""Run the rules over notebooks: the pure core of ``nbprod check``.

``check_paths`` reads each notebook once, answers from the persistent cache
(``nbprod.cache``) when nothing it depends on changed, and checks the rest serially or
in a process pool; the analysis modules are imported only when a notebook needs them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from nbprod.config import Config
from nbprod.report import Finding, NotebookReport, Report, finding_order

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

    from nbprod.analysis.facts import NotebookFacts
    from nbprod.cache import CheckCache
    from nbprod.notebook import Notebook


def run_rules(facts: NotebookFacts, config: Config | None = None) -> list[Finding]:
    """Every enabled static rule's findings, minus those silenced in their cell."""
    from nbprod.rules import all_rules

    config = config or Config()
    facts.config = {**config.options, **facts.config}
    nb = facts.notebook
    findings = []
    for rule in all_rules().values():
        if not rule.static or rule.check is None or not config.enabled(rule.id, nb.path):
            continue
        for cell, line, message in rule.check(facts):
            if cell is not None:
                cf = facts.cells[cell]
                silenced = cf.suppressed if cf is not None else None
                if silenced and (rule.id in silenced or "ALL" in silenced):
                    continue
            cell_id = nb.cells[cell].id if cell is not None else None
            findings.append(Finding(rule.id, rule.severity, cell, cell_id, line, message, rule.fix))
    findings.sort(key=finding_order)
    return findings


def check_notebook(
    nb: Notebook, config: Config | None = None, record: object = None, checklist: bool = True
) -> NotebookReport:
    """Check one parsed notebook (non-Python notebooks are reported as skipped); the
    readiness checklist is built only when ``checklist`` is true."""
    report, compact = _check(nb, config, record, checklist)
    if compact is not None:
        report.set_checklist(compact)
    return report


def _check(
    nb: Notebook, config: Config | None, record: object, checklist: bool
) -> tuple[NotebookReport, Any]:
    """The notebook's report without its checklist, and the checklist in compact form (or None)."""
    from nbprod.analysis.facts import analyze_notebook
    from nbprod.record import find_record

    if not nb.is_python:
        skipped = f"{nb.language} notebook: nbprod checks Python"
        return NotebookReport(nb.path, nb.language, skipped=skipped), None
    if record is None:
        record = find_record(nb)  # the file beside the notebook, else the embedded one
    facts = analyze_notebook(nb, record)
    findings = _with_live_findings(nb, record, run_rules(facts, config), config)
    report = NotebookReport(nb.path, nb.language, findings)
    if checklist and (config is None or config.options.get("checklist") is not False):  # --no-checklist
        return report, _checklist(facts, findings, config)
    return report, None


def _with_live_findings(
    nb: Notebook, record: object, findings: list[Finding], config: Config | None
) -> list[Finding]:
    """Add the NB107 findings the live session recorded for cells still unchanged."""
    if not isinstance(record, dict) or not (config or Config()).enabled("NB107", nb.path):
        return findings
    from nbprod.record import record_findings

    live = record_findings(nb, record)
    if not live:
        return findings
    return sorted(findings + live, key=finding_order)


def _checklist(facts: NotebookFacts, findings: list[Finding], config: Config | None) -> Any:
    """The readiness checklist in compact form (``nbprod.checklist_data``); it sees every
    rule, whatever ``--select`` / ``--ignore`` say."""
    from nbprod.checklist import CHECKLIST_RULES, checklist_compact

    # the default configuration enables every rule: no need to ask ~30 times per notebook
    if (
        config is not None
        and (config.select or config.ignore or config.per_file_ignores)
        and not all(config.enabled(r, facts.notebook.path) for r in CHECKLIST_RULES)
    ):
        everything = run_rules(facts, Config(options=dict(config.options)))
        findings = _with_live_findings(facts.notebook, facts.record, everything, None)
    return checklist_compact(facts, findings)


def expand_paths(
    paths: Iterable[str | os.PathLike[str]], config: Config
) -> tuple[list[Path], list[dict[str, str]]]:
    """Files as given, folders searched for ``*.ipynb``; missing inputs become errors."""
    files: list[Path] = []
    errors: list[dict[str, str]] = []
    for raw in paths:
        p = raw if isinstance(raw, Path) else Path(raw)  # a Path given is not parsed again
        kind = _kind(p)  # one stat, where is_dir() then exists() took two
        if kind == "dir":
            from nbprod.files import iter_notebook_paths

            found = [f for f in iter_notebook_paths(p, errors) if not config.excluded(str(f))]
            if not found and not any(e["path"].startswith(str(p)) for e in errors):
                errors.append({"path": str(p), "message": "no notebooks (*.ipynb) found in this folder"})
            files.extend(found)
        elif kind == "file":
            if not config.excluded(str(p)):
                files.append(p)
        else:
            errors.append({"path": str(p), "message": "no such file or folder"})
    return files, errors


def _kind(p: Path) -> str | None:
    """``dir``, ``file`` (anything else that exists) or None, as ``Path.is_dir()`` and
    ``Path.exists()`` tell them (an error other than a missing file is raised alike)."""
    import errno
    import stat

    try:
        st = os.stat(p)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
            return None
        if getattr(exc, "winerror", None) in (21, 123, 1921):  # pragma: no cover - Windows, as pathlib
            return None
        raise
    except ValueError:  # an embedded NUL: neither a folder nor a file
        return None
    return "dir" if stat.S_ISDIR(st.st_mode) else "file"


def check_paths(
    paths: Iterable[str | os.PathLike[str]],
    config: Config | None = None,
    *,
    cache: bool = False,
    jobs: int | None = 1,
    checklist: bool = True,
) -> Report:
    """Check files and folders; unreadable inputs are listed in ``Report.errors``.

    ``cache=True`` reads and writes ``.nbprod_cache/`` at the project root (the command
    line's default); ``jobs`` > 1 (None: one per core) checks the notebooks not found in
    the cache in a process pool, with the result in the same order as a serial run;
    ``checklist=False`` leaves out the readiness checklist (faster, for outputs without it).
    """
    config = config or Config()
    paths = list(paths)
    files, errors = expand_paths(paths, config)
    report = Report(errors=errors)
    store = _open_cache(paths, config, checklist) if cache and files else None
    results: list[dict[str, Any] | None] = [None] * len(files)
    todo: list[tuple[int, str, bytes | None, dict[str, Any] | None]] = []
    names = [str(path) for path in files]
    if store is not None:
        store.expect(names)
    import gc

    collecting = gc.isenabled()
    # Results are many small containers kept to the end: the collector's full passes over
    # them cost a quarter of a run and find nothing (young garbage is still collected).
    gc.disable()
    try:
        for i, name in enumerate(names):
            state = None
            if store is not None:
                results[i], state = store.lookup(name, checklist)
                if results[i] is not None:
                    continue
            data = state.get("data") if state else None  # the bytes the cache key was made of
            todo.append((i, name, data, state))
        values = _check_all([(name, data, config, checklist) for _, name, data, _ in todo], jobs)
        for (i, _, _, state), value in zip(todo, values, strict=True):
            results[i] = value
            if store is not None and state is not None and value.get("cache", True):
                store.store(state, value)
        if store is not None:
            store.prune()
        for name, result in zip(names, results, strict=True):
            assert result is not None
            _add_result(report, name, result)
    finally:
        if collecting:
            _settle(gc)
            gc.enable()
    return report


def _settle(gc: Any) -> None:
    """Move what the run left (the report, the analysis cache's trees: about 100,000
    objects for 500 notebooks) to the collector's oldest generation, where only its rare
    full passes read it. Re-enabled with all of it young, the collector's next young pass
    would read every object, some 10% of a cold run, to find almost nothing (a run leaves
    about one unreachable object per ten notebooks, collected by the next full pass).
    ``freeze`` then ``unfreeze`` does that move without reading the objects; skipped when
    the program keeps objects frozen (``gc.freeze`` before a fork), which it would thaw."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def _open_cache(paths: list[Any], config: Config, checklist: bool) -> CheckCache | None:
    from nbprod.cache import CheckCache

    try:
        return CheckCache.for_run(paths[0], config, checklist)
    except OSError:
        return None


def _check_all(work: list[tuple[str, bytes | None, Config, bool]], jobs: int | None) -> list[dict[str, Any]]:
    """Each notebook's result, serially or (3 notebooks or more) in a process pool.

    With N workers wanted, N - 1 processes are started and this process is the N-th: it
    takes the chunks no helper has started yet from the end of the list (one fork fewer,
    and its caches are warm), the helpers work from the front. The notebooks are dealt
    largest first, in chunks that shrink towards where the two meet (``_chunks``), so the
    workers finish together; the results come back in the order of ``work``."""
    workers = min(_cores() if jobs is None else max(jobs, 1), len(work))
    if workers < 2 or len(work) < 3:
        return [_check_one(w) for w in work]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    if method == "fork":
        _preload(work[0][3])  # imported once here, before the fork, instead of in each worker
    sizes = [_size(w) for w in work]
    order = sorted(range(len(work)), key=lambda i: -sizes[i])
    chunks = _chunks(order, sizes, workers)
    try:
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(workers - 1, mp_context=context, initializer=_worker_start) as pool:
            futures = [pool.submit(_check_chunk, [work[i] for i in chunk]) for chunk in chunks]
            mine: dict[int, list[dict[str, Any]]] = {}
            for k in range(len(chunks) - 1, -1, -1):
                if not futures[k].cancel():  # a helper has it already: the rest are theirs
                    break
                mine[k] = _check_chunk([work[i] for i in chunks[k]])
            results: list[dict[str, Any]] = [{}] * len(work)
            for k, chunk in enumerate(chunks):
                for i, value in zip(chunk, mine[k] if k in mine else futures[k].result(), strict=True):
                    results[i] = value
            return results
    except (OSError, ImportError, NotImplementedError, BrokenProcessPool):
        # no processes here (a sandbox without semaphores), or a worker was killed: serially
        return [_check_one(w) for w in work]


def _size(work: tuple[str, bytes | None, Config, bool]) -> int:
    """A notebook's size in bytes, the measure of its cost (0 when it cannot be read)."""
    if work[1]:
        return len(work[1])
    try:
        return os.stat(work[0]).st_size
    except (OSError, ValueError):
        return 0


def _chunks(order: list[int], sizes: list[int], workers: int) -> list[list[int]]:
    """``order`` cut into chunks of at most 16 notebooks. The helpers take chunks from the
    front and this process from the end, so they meet where (workers - 1) / workers of the
    bytes lie in front; a chunk holds about a quarter of the bytes between it and that point:
    large far from it (few messages), one small notebook beside it (the workers finish
    together; a helper may have two chunks queued that this process cannot take back)."""
    total = sum(sizes[i] for i in order)
    meet = total * (workers - 1) / workers
    chunks: list[list[int]] = []
    done = 0
    chunk: list[int] = []
    cost = 0
    for i in order:
        if not chunk:
            target = abs(meet - done) / 4
        chunk.append(i)
        cost += sizes[i]
        done += sizes[i]
        if cost >= target or len(chunk) == 16:
            chunks.append(chunk)
            chunk, cost = [], 0
    if chunk:
        chunks.append(chunk)
    return chunks


def _preload(checklist: bool) -> None:
    """Import what checking a notebook imports, so that forked workers start with it."""
    import nbprod.analysis.facts
    import nbprod.notebook
    import nbprod.record
    from nbprod.rules import all_rules

    all_rules()
    if checklist:
        import nbprod.autochecks
        import nbprod.checklist
        import nbprod.manual  # noqa: F401


def _check_chunk(chunk: list[tuple[str, bytes | None, Config, bool]]) -> list[dict[str, Any]]:
    """Several notebooks' results: one message each way per chunk."""
    return [_check_one(w) for w in chunk]


def _worker_start() -> None:
    """A pool worker collects young garbage only (see ``check_paths``)."""
    import gc

    gc.disable()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


_checked = 0


def _check_one(work: tuple[str, bytes | None, Config, bool]) -> dict[str, Any]:
    """One notebook's result as plain data (what the cache stores, what a worker sends);
    the file is read here unless the cache already read it."""
    from nbprod.errors import NotebookError
    from nbprod.notebook import parse_notebook, read_notebook_bytes

    path, data, config, checklist = work
    global _checked
    _checked += 1
    if _checked % 4096 == 0:  # the collector is paused during a run: cyclic garbage still goes
        # (a pass reads every object kept since the last one, the cells' trees in the
        # analysis cache above all, and finds little: see ``_settle``)
        import gc

        gc.collect(1)
    try:
        if data is None or not data.strip():
            data = read_notebook_bytes(path)
        nb = parse_notebook(data, path)
    except NotebookError as exc:
        return {"error": str(exc)}
    try:
        nb_report = check_notebook(nb, config, checklist=checklist)
    except RecursionError:
        return {"error": "code nested too deeply to analyse", "cache": False}
    except Exception as exc:  # a bug in one rule must not stop the other notebooks
        if os.environ.get("NBPROD_DEBUG"):
            raise
        message = f"internal error: {type(exc).__name__}: {exc} (please report it; NBPROD_DEBUG=1 shows the traceback)"
        return {"error": message, "cache": False}
    extra, compact = nb_report.plain_extra()
    return {
        "language": nb_report.language,
        "skipped": nb_report.skipped,
        "findings": [
            [f.rule, f.severity, f.cell, f.cell_id, f.line, f.message, f.fix] for f in nb_report.findings
        ],
        "extra": extra,
        "checklist": compact,  # compact (nbprod.checklist_data): expanded when a report reads it
        "problems": nb.problems,  # side files (record) that could not be used
    }


def _add_result(report: Report, path: str, value: dict[str, Any]) -> None:
    """Put one notebook's plain-data result into the report (a cache hit and a miss alike)."""
    if "error" in value:
        report.errors.append({"path": path, "message": value["error"]})
        return
    findings = [Finding(*f) for f in value["findings"]]
    nb_report = NotebookReport(path, value["language"], findings, value["skipped"], dict(value["extra"]))
    report.notebooks.append(nb_report)
    report.errors.extend(value.get("problems", ()))
    compact = value.get("checklist")
    if compact is None:
        return
    nb_report.set_checklist(compact)
    from nbprod.checklist_data import ticks_error

    bad = ticks_error(compact)
    if bad:  # a corrupt ticks file is bad input: exit 2, the file is left as is
        ticks_file, message = bad
        report.errors.append({"path": ticks_file, "message": message.removeprefix(f"{ticks_file}: ")})
