"""Verify notebooks: fresh runs (in parallel, bounded), comparison, findings, reports."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from nbprod.analysis.facts import NotebookFacts, analyze_notebook
from nbprod.config import Config
from nbprod.errors import NbprodError, NotebookError
from nbprod.notebook import Notebook, read_notebook
from nbprod.report import Finding, NotebookReport, Report, finding_order
from nbprod.verify.causes import classify, seed_hint
from nbprod.verify.compare import Options, compare_outputs
from nbprod.verify.result import CellResult, VerifyResult
from nbprod.verify.runner import Run, emergency_cleanup, run_notebook

T = TypeVar("T")
CONFIG_KEYS = {
    "runs": "verify-runs",
    "timeout": "verify-timeout",
    "jobs": "verify-jobs",
    "rtol": "verify-rtol",
}


@dataclass(frozen=True)
class VerifyOptions:
    """How to verify: fresh runs per notebook, per-cell timeout (s), parallel kernels, tolerance."""

    runs: int = 1
    timeout: float | None = 300
    jobs: int = 1
    rtol: float = 1e-6
    atol: float = 1e-12
    kernel: str | None = None
    root: str | None = None
    startup_timeout: float = 60
    max_copy_mb: int | None = 1024
    allow_installs: bool = False  # run install lines, in a throw-away venv built from the pins

    @classmethod
    def from_config(cls, config: Config, **overrides: Any) -> VerifyOptions:
        """Defaults, then ``[tool.nbprod] verify-*`` keys, then explicit (non-None) overrides."""
        values: dict[str, Any] = {}
        for name, key in CONFIG_KEYS.items():
            if key in config.options:
                values[name] = config.options[key]
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - set(cls.__dataclass_fields__)
        if unknown:
            raise TypeError(f"verify() got unexpected option(s) {', '.join(sorted(unknown))}")
        options = cls(**values)
        options.validate()
        return options

    def validate(self) -> None:
        from nbprod.errors import ConfigError

        if not isinstance(self.runs, int) or not 1 <= self.runs <= 10:
            raise ConfigError(f"runs must be a whole number from 1 to 10, not {self.runs!r}")
        if not isinstance(self.jobs, int) or self.jobs < 1:
            raise ConfigError(f"jobs must be a whole number of at least 1, not {self.jobs!r}")
        if self.timeout is not None and (not isinstance(self.timeout, int | float) or self.timeout <= 0):
            raise ConfigError(f"timeout must be a positive number of seconds, not {self.timeout!r}")
        if not isinstance(self.rtol, int | float) or not 0 <= self.rtol < 1:
            raise ConfigError(f"rtol must be a number from 0 to 1, not {self.rtol!r}")


# ----------------------------------------------------------------------------- running


def run_coroutine(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion; Ctrl-C or SIGTERM still shut every kernel down.

    Inside a running event loop (a Jupyter kernel calling ``nbprod.verify``), the
    coroutine runs in a worker thread with its own loop.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(_run_main, factory).result()
    return _run_main(factory)


def _run_main(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    terminated = []

    async def main() -> T:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        handled = threading.current_thread() is threading.main_thread() and task is not None
        if handled:

            def on_term() -> None:
                terminated.append(True)
                task.cancel()  # type: ignore[union-attr]

            try:
                loop.add_signal_handler(signal.SIGTERM, on_term)
            except (NotImplementedError, RuntimeError):
                handled = False
        try:
            return await factory()
        finally:
            if handled:
                loop.remove_signal_handler(signal.SIGTERM)

    try:
        return asyncio.run(main())
    except asyncio.CancelledError:
        if terminated:
            raise KeyboardInterrupt from None
        raise
    finally:
        emergency_cleanup()


async def _run_all(jobs: list[tuple[Notebook, str]], options: VerifyOptions) -> list[Run | BaseException]:
    """Every (notebook, kernel) job run fresh, at most ``options.jobs`` kernels at a time."""
    import nbformat

    limit = asyncio.Semaphore(options.jobs)
    root = Path(options.root) if options.root else None
    max_copy = options.max_copy_mb * 2**20 if options.max_copy_mb else None

    async def one(nb: Notebook, kernel: str) -> Run:
        async with limit:
            node = nbformat.from_dict(to_nbformat(nb))
            return await run_notebook(
                node, Path(nb.path), kernel=kernel, timeout=options.timeout, root=root,
                startup_timeout=options.startup_timeout, max_copy_bytes=max_copy,
                allow_installs=options.allow_installs,
                pins=notebook_pins(nb) if options.allow_installs else None,
            )  # fmt: skip

    tasks = [asyncio.ensure_future(one(nb, kernel)) for nb, kernel in jobs]
    try:
        return list(await asyncio.gather(*tasks, return_exceptions=True))
    finally:
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.wait(tasks)


def notebook_pins(nb: Notebook) -> list[str]:
    """``name==version`` for the packages the notebook's session record saw (its pins)."""
    from nbprod.record import find_record

    record = find_record(nb) or {}
    packages = record.get("packages")
    if not isinstance(packages, dict):
        return []
    pins = []
    for name, info in sorted(packages.items()):
        version = info.get("version") if isinstance(info, dict) else None
        if (
            isinstance(name, str)
            and isinstance(version, str)
            and name.replace("-", "").replace("_", "").replace(".", "").isalnum()
        ):
            pins.append(f"{name}=={version}")
    return pins


def to_nbformat(nb: Notebook) -> dict[str, Any]:
    """The notebook as an nbformat 4 dict with its outputs cleared (nbclient's input)."""
    cells = []
    for c in nb.cells:
        d: dict[str, Any] = {"cell_type": c.kind, "source": c.source, "metadata": dict(c.metadata)}
        if c.kind == "code":
            d.update(outputs=[], execution_count=None)
        cells.append(d)
    return {"nbformat": 4, "nbformat_minor": 4, "metadata": dict(nb.metadata), "cells": cells}


def resolve_kernel(nb: Notebook, requested: str | None, specs: Iterable[str]) -> tuple[str, str | None]:
    """The kernel to run (the notebook's, else python3) and a note when it is a fallback."""
    specs = set(specs)
    if requested:
        if requested not in specs:
            raise NbprodError(
                f"no kernel named '{requested}' (installed: {', '.join(sorted(specs)) or 'none'})"
            )
        return requested, None
    spec = nb.metadata.get("kernelspec") or {}
    name = spec.get("name") if isinstance(spec, dict) else None
    if name in specs:
        return str(name), None
    fallback = "python3" if "python3" in specs else next(iter(sorted(specs)), "python3")
    if name:
        return (
            fallback,
            f"the notebook asks for kernel '{name}', which is not installed: ran with '{fallback}'",
        )
    return fallback, None


# ----------------------------------------------------------------------------- comparing


def _replacements(nb: Notebook, runs: list[Run], root: str | None) -> list[tuple[str, str]]:
    folder = Path(nb.path).resolve().parent
    pairs = [(str(folder), "<nbdir>")]
    if root:
        pairs.append((str(Path(root).resolve()), "<root>"))
    for run in runs:
        if run.workdir:
            pairs.append((run.workdir, "<nbdir>"))
            if root:
                rel = folder.relative_to(Path(root).resolve())
                copy_root = Path(run.workdir)
                for _ in rel.parts:
                    copy_root = copy_root.parent
                pairs.append((str(copy_root), "<root>"))
    return sorted(set(pairs), key=lambda p: -len(p[0]))


def build_result(
    nb: Notebook,
    runs: list[Run],
    options: VerifyOptions,
    config: Config | None = None,
    note: str | None = None,
) -> VerifyResult:
    """Compare fresh runs with the saved outputs and with each other; make the findings."""
    config = config or Config()
    first = runs[0]
    opts = Options(rtol=options.rtol, atol=options.atol, replace=_replacements(nb, runs, options.root))
    between_opts = Options(
        rtol=options.rtol, atol=options.atol, replace=opts.replace, labels=("run 1", "run 2")
    )
    result = VerifyResult(
        nb.path, len(runs), first.kernel, failure=first.failure,
        seconds=[r.seconds for r in runs], run_failures=[r.failure for r in runs],
    )  # fmt: skip
    if note:
        result.notes.append(note)
    facts = analyze_notebook(nb)
    # linear-time comparison, and bounded: no longer than one --timeout for the notebook
    deadline = time.monotonic() + options.timeout if options.timeout else None
    for cell in nb.code_cells:
        if deadline is not None and time.monotonic() > deadline:
            note = f"not compared: comparing the outputs took longer than --timeout {options.timeout:g} s"
            result.cells.append(CellResult(cell.index, cell.id, "not-comparable", notes=[note]))
            continue
        cr = _compare_cell(cell, first, opts)
        skipped = first.installs.get(cell.index)
        if skipped:
            what = f"install line(s) skipped: {'; '.join(skipped)}"
            if cr.status == "differed":
                cr.status, cr.detail = "not-comparable", ""
            cr.notes.append(what)
        if cr.status not in ("failed", "not-run"):
            for other in runs[1:]:
                if cell.index in other.outputs and not (other.failure and other.failure.cell == cell.index):
                    between = compare_outputs(
                        first.outputs[cell.index], other.outputs[cell.index], between_opts
                    )
                    if between.status == "differed":
                        cr.nondeterministic = between.detail
                        cr.order_only = cr.order_only or between.order_only
                        break
        result.cells.append(cr)
    if first.installs:
        where = ", ".join(str(i + 1) for i in sorted(first.installs))
        count = sum(len(v) for v in first.installs.values())
        result.notes.append(
            f"{count} install line(s) not run (cell {where}): verify never changes your environment; "
            "--allow-installs runs them in a throw-away venv built from the notebook's pins"
        )
    if first.failure is not None:
        python = _python_change(nb, first)
        result.cause = classify(first.failure, facts, options.timeout, python)
        if first.installs and result.cause.kind == "missing-module":
            hint = "; an install line was skipped (--allow-installs runs it in a throw-away venv)"
            result.cause = dataclasses.replace(result.cause, message=result.cause.message + hint)
    nondet = [c for c in result.cells if c.nondeterministic]
    if nondet:
        result.seed_hint = seed_hint(facts, nondet[0].index)
    result.findings = _findings(nb, facts, result, config)
    return result


def _compare_cell(cell: Any, run: Run, opts: Options) -> CellResult:
    failure = run.failure
    if failure is not None and failure.cell == cell.index:
        return CellResult(cell.index, cell.id, "failed")
    if cell.index not in run.outputs:
        return CellResult(cell.index, cell.id, "not-run")
    cmp = compare_outputs(cell.outputs, run.outputs[cell.index], opts)
    status, notes = cmp.status, list(cmp.notes)
    if status == "differed" and not cell.outputs and cell.execution_count is None:
        status, notes = "not-comparable", [*notes, "never run in the saved notebook"]
    return CellResult(cell.index, cell.id, status, cmp.detail, cmp.stderr_detail, "", cmp.order_only, notes)


def _python_change(nb: Notebook, run: Run) -> str:
    saved = str((nb.metadata.get("language_info") or {}).get("version", ""))
    now = str(run.language_info.get("version", ""))
    if saved and now and saved.split(".")[:2] != now.split(".")[:2]:
        return f"saved with Python {saved}, run with {now}"
    return ""


_ORDER_HINT = (
    "only the order differs: iteration over a set or dict of strings changes with PYTHONHASHSEED; sort it"
)


def _findings(nb: Notebook, facts: NotebookFacts, result: VerifyResult, config: Config) -> list[Finding]:
    from nbprod.rules import all_rules

    rules = all_rules()
    found: list[Finding] = []

    def add(rule_id: str, cell: int | None, line: int | None, message: str) -> None:
        if not config.enabled(rule_id, nb.path):
            return
        cf = facts.cells[cell] if cell is not None else None
        if cf is not None and cf.suppressed and (rule_id in cf.suppressed or "ALL" in cf.suppressed):
            return
        rule = rules[rule_id]
        cell_id = nb.cells[cell].id if cell is not None else None
        found.append(Finding(rule_id, rule.severity, cell, cell_id, line, message, rule.fix))

    if result.failure is not None and result.cause is not None:
        add("NB501", result.failure.cell, result.cause.line, f"fails on a fresh run: {result.cause.message}")
    for c in result.cells:
        if c.status == "differed":
            extra = " (this cell also differs between fresh runs, see NB503)" if c.nondeterministic else ""
            if c.order_only and not c.nondeterministic:
                extra = f" ({_ORDER_HINT})"
            add("NB502", c.index, None, f"outputs differ from the saved ones: {c.detail}{extra}")
    nondet = [c for c in result.cells if c.nondeterministic]
    if nondet:
        c = nondet[0]
        why = (
            _ORDER_HINT
            if c.order_only
            else result.seed_hint
            or (
                "no unseeded draw found above it: look for times, threads, hash order or changing external data"
            )
        )
        more = f"; {len(nondet) - 1} later cell(s) differ too" if len(nondet) > 1 else ""
        add("NB503", c.index, None, f"two fresh runs differ: {c.nondeterministic}; {why}{more}")
    elif result.runs > 1 and result.deterministic is False:
        desc = [f"run {i + 1}: " + (f"failed in cell {f.cell + 1 if f.cell is not None else '?'} ({f.ename or f.kind})"
                if f else "ran through") for i, f in enumerate(result.run_failures)]  # fmt: skip
        cells = [f.cell for f in result.run_failures if f is not None and f.cell is not None]
        add("NB503", min(cells) if cells else None, None, "fresh runs end differently: " + "; ".join(desc))
    found.sort(key=finding_order)
    return found


# ----------------------------------------------------------------------------- entry points


def verify_loaded(
    notebooks: list[Notebook], options: VerifyOptions, config: Config | None = None
) -> list[VerifyResult | NbprodError]:
    """Verify parsed Python notebooks; an input that cannot be run gives an NbprodError."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    plan: list[tuple[Notebook, str, str | None]] = []
    for nb in notebooks:
        kernel, note = resolve_kernel(nb, options.kernel, specs)
        plan.append((nb, kernel, note))
    jobs = [(nb, kernel) for nb, kernel, _ in plan for _ in range(options.runs)]
    runs = run_coroutine(lambda: _run_all(jobs, options))
    out: list[VerifyResult | NbprodError] = []
    for i, (nb, _, note) in enumerate(plan):
        mine = runs[i * options.runs : (i + 1) * options.runs]
        error = next((r for r in mine if isinstance(r, BaseException)), None)
        if error is not None:
            if isinstance(error, NbprodError):
                out.append(error)
                continue
            if os.environ.get("NBPROD_DEBUG") or isinstance(
                error, KeyboardInterrupt | asyncio.CancelledError
            ):
                raise error
            out.append(NbprodError(f"could not verify: {type(error).__name__}: {error}"))
            continue
        done = [r for r in mine if isinstance(r, Run)]
        start = next((r.failure for r in done if r.failure is not None and r.failure.kind == "kernel"), None)
        if start is not None:
            out.append(
                NbprodError(f"could not start kernel '{done[0].kernel}': {start.ename}: {start.evalue}")
            )
            continue
        out.append(build_result(nb, done, options, config, note))
    return out


def verify_paths(
    paths: Iterable[str | os.PathLike[str]],
    options: VerifyOptions | None = None,
    config: Config | None = None,
) -> Report:
    """Verify notebooks (files or folders): a Report with NB5xx findings and ``extra["verify"]``."""
    from nbprod.checker import expand_paths

    config = config or Config()
    options = options or VerifyOptions()
    files, errors = expand_paths(paths, config)
    report = Report(errors=errors)
    loaded: list[Notebook] = []
    slots: list[NotebookReport | None] = []
    for path in files:
        try:
            nb = read_notebook(path)
        except NotebookError as exc:
            report.errors.append({"path": str(path), "message": str(exc)})
            continue
        if not nb.is_python:
            slots.append(
                NotebookReport(
                    nb.path, nb.language, skipped=f"{nb.language} notebook: nbprod verifies Python"
                )
            )
            continue
        loaded.append(nb)
        slots.append(None)
    results = iter(verify_loaded(loaded, options, config))
    for nb_report, maybe in zip(slots, _fill(slots, loaded), strict=False):
        if nb_report is not None:
            report.notebooks.append(nb_report)
            continue
        assert maybe is not None
        res = next(results)
        if isinstance(res, NbprodError):
            report.errors.append({"path": maybe.path, "message": str(res)})
        else:
            report.notebooks.append(res.to_report(maybe.language))
    return report


def _fill(slots: list[NotebookReport | None], loaded: list[Notebook]) -> list[Notebook | None]:
    it = iter(loaded)
    return [next(it) if s is None else None for s in slots]


def verify_into(report: Report, options: VerifyOptions, config: Config | None = None) -> Report:
    """Add verification to a ``check`` report (``nbprod check --verify``): findings and extra."""
    targets: list[tuple[NotebookReport, Notebook]] = []
    for nb_report in report.notebooks:
        if nb_report.skipped:
            continue
        try:
            targets.append((nb_report, read_notebook(nb_report.path)))
        except NotebookError as exc:
            report.errors.append({"path": nb_report.path, "message": str(exc)})
    results = verify_loaded([nb for _, nb in targets], options, config)
    for (nb_report, _), res in zip(targets, results, strict=False):
        if isinstance(res, NbprodError):
            report.errors.append({"path": nb_report.path, "message": str(res)})
            continue
        nb_report.findings.extend(res.findings)
        nb_report.findings.sort(key=finding_order)
        nb_report.extra["verify"] = res.to_dict()
    return report


def verify_notebook(path: str | os.PathLike[str], **options: Any) -> VerifyResult:
    """Verify one notebook and return its VerifyResult (what the readiness item C2 reads)."""
    from nbprod.config import load_config

    config = load_config(path)
    opts = VerifyOptions.from_config(config, **options)
    nb = read_notebook(path)
    if not nb.is_python:
        raise NbprodError(f"{path}: {nb.language} notebook: nbprod verifies Python")
    (res,) = verify_loaded([nb], opts, config)
    if isinstance(res, NbprodError):
        raise NbprodError(f"{path}: {res}")
    return res


__all__ = ["VerifyOptions", "build_result", "verify_into", "verify_notebook", "verify_paths"]
