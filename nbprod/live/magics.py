"""``%nbprod``: seed, versions, record, check, warnings, notebook.

Settings are traitlets (``c.NbprodMagics.ignore = ["NB201"]`` in a profile); each
subcommand has its own ``magic_arguments`` parser and bad usage raises ``UsageError``.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import sys
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Bool, Enum, Int, List, Unicode

from nbprod.live.session import LIVE_RULES

SUBCOMMANDS = ("seed", "versions", "record", "check", "warnings", "notebook")
DEFAULT_SEED = 42


@magic_arguments(name="nbprod seed")
@argument("value", nargs="?", type=int, default=None, help=f"the seed (default {DEFAULT_SEED})")
def _seed_args(line: str) -> None:
    """Seed every random generator in use: random, numpy, torch and tensorflow when imported."""


@magic_arguments(name="nbprod versions")
@argument("--write", metavar="FILE", default=None, help="write a pinned requirements file")
@argument("--force", action="store_true", help="overwrite FILE if it exists")
def _versions_args(line: str) -> None:
    """Show the packages imported in this session with their versions."""


@magic_arguments(name="nbprod record")
@argument("--json", action="store_true", help="print the whole record as JSON")
@argument(
    "--save",
    metavar="PATH",
    nargs="?",
    const="",
    default=None,
    help="save it now (beside the notebook, or to PATH)",
)
def _record_args(line: str) -> None:
    """Show the session record: environment, packages, seeds, data files, warnings."""


@magic_arguments(name="nbprod check")
@argument("path", nargs="?", default=None, help="the notebook file (default: this kernel's notebook)")
@argument("--select", default=None, help="comma-separated rule ids or prefixes to run")
@argument("--ignore", default=None, help="comma-separated rule ids or prefixes to skip")
@argument("--text", action="store_true", help="plain text instead of a table")
def _check_args(line: str) -> None:
    """Check the notebook together with the live session and show the findings."""


@magic_arguments(name="nbprod warnings")
@argument("state", nargs="?", choices=("on", "off"), default=None, help="turn warnings on or off")
@argument("rules", nargs="*", help=f"which ({', '.join(LIVE_RULES)}; default all)")
def _warnings_args(line: str) -> None:
    """Show, or turn on and off, the live warnings."""


@magic_arguments(name="nbprod notebook")
@argument("path", nargs="?", default=None, help="the .ipynb file this kernel runs")
def _notebook_args(line: str) -> None:
    """Show or set the notebook file (for cell order, and to save the record beside it)."""


_PARSERS = {
    "seed": _seed_args, "versions": _versions_args, "record": _record_args,
    "check": _check_args, "warnings": _warnings_args, "notebook": _notebook_args,
}  # fmt: skip


def _ids(text: str | None) -> list[str] | None:
    """``--select NB2,NB104``: rule ids or prefixes, checked as ``nbprod check`` checks them."""
    from nbprod.config import ConfigError, check_rule_ids

    try:
        return None if text is None else check_rule_ids(text.split(","))
    except ConfigError as exc:
        raise UsageError(f"--select/--ignore: {exc}") from None


@magics_class
class NbprodMagics(Magics):
    """The ``%nbprod`` magic and the extension's settings."""

    ignore = List(Unicode(), default_value=[], help="live warnings to hide (NB104, NB107, NB201)").tag(
        config=True
    )
    show_warnings = Enum(
        ["auto", "display", "stderr", "off"],
        default_value="auto",
        help="how live warnings appear: a note under the cell (display), stderr, or auto "
        "(a note, except where the JupyterLab extension marks the cell; stderr in a terminal)",
    ).tag(config=True)
    save_record = Bool(True, help="save the record beside the notebook when its path is known").tag(
        config=True
    )
    embed_record = Enum(
        ["auto", "always", "never"],
        default_value="auto",
        help="show the record as the %load_ext cell's output",
    ).tag(config=True)
    notebook = Unicode("", help="the notebook file, when the front end does not say").tag(config=True)
    max_history = Int(1000, help="executions kept in the record's log").tag(config=True)
    data_stats = Bool(True, help="record summary statistics of tabular data files read").tag(config=True)

    hooks: Any = None  # set by load_ipython_extension

    @magic_arguments()
    @argument("command", choices=SUBCOMMANDS, help="what to do")
    @argument("args", nargs=argparse.REMAINDER, help="the subcommand's arguments (`%%nbprod CMD -h`)")
    @line_magic
    def nbprod(self, line: str) -> Any:
        """nbprod's live session: ``%nbprod seed [N]``, ``%nbprod versions [--write FILE]``,
        ``%nbprod record [--json] [--save [PATH]]``, ``%nbprod check [PATH]``,
        ``%nbprod warnings [on|off] [RULE...]``, ``%nbprod notebook [PATH]``."""
        if line.split()[:1] in ([], ["-h"], ["--help"]):
            print(magic_help())
            return None
        args = parse_argstring(self.nbprod, line)
        if self.hooks is None:
            raise UsageError("nbprod is not loaded: run %load_ext nbprod")
        parser = _PARSERS[args.command].parser  # type: ignore[attr-defined]
        if args.args[:1] in (["-h"], ["--help"]):
            print(parser.format_help())
            return None
        sub = parser.parse_args(args.args)
        return getattr(self, f"_{args.command}")(sub)

    # -- subcommands ---------------------------------------------------------------
    def _seed(self, args: argparse.Namespace) -> None:
        value = DEFAULT_SEED if args.value is None else args.value
        if not 0 <= value < 2**32:  # numpy's range, checked before anything is seeded
            raise UsageError(f"the seed must be a whole number from 0 to {2**32 - 1}, not {value}")
        seeded, notes = seed_everything(value)
        session = self.hooks.session
        count = self.shell.execution_count if self.shell is not None else None
        session.note_seed("%nbprod seed", seeded, value, self.hooks.running_cell_id(), session.seq + 1, count)
        session.invalidate()  # this run is recorded in full (its seed learns the count)
        print(f"nbprod: seeded {', '.join(seeded)} with {value}")
        for note in notes:
            print(f"  {note}")

    def _versions(self, args: argparse.Namespace) -> None:
        from nbprod.live.versions import requirements

        rec = self.hooks.record(full=False)
        packages = rec["packages"]
        if args.write:
            target = Path(args.write).expanduser()
            if target.exists() and not args.force:
                raise UsageError(f"{target} exists; add --force to overwrite it")
            from nbprod.notebook import atomic_write

            try:
                atomic_write(target, requirements(packages, rec["python"]["version"]))
            except OSError as exc:
                raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
            print(f"nbprod: wrote {len(packages)} pinned packages to {target}")
            return
        rows = [(d, p.get("version") or "?", ", ".join(p["modules"])) for d, p in packages.items()]
        py = rec["python"]
        title = f"Python {py['version']} ({py['implementation']}) on {py['platform']}"
        _show_table(title, ("package", "version", "imported as"), rows, self.hooks.rich)

    def _record(self, args: argparse.Namespace) -> None:
        hooks = self.hooks
        if args.save is not None:
            path = Path(args.save).expanduser() if args.save else None
            if path is None and hooks.notebook_path() is None:
                raise UsageError("the notebook's path is unknown: `%nbprod record --save PATH`")
            from nbprod.errors import NbprodError

            try:
                saved = hooks.save(path)
            except (NbprodError, OSError) as exc:
                raise UsageError(str(exc)) from None
            print(f"nbprod: record saved to {saved}")
            return
        record = hooks.record()
        if args.json:
            print(json.dumps(record, indent=2, default=str))
            return
        text = summary_text(record, hooks)
        if hooks.rich:
            from IPython.display import display

            display(
                {"text/plain": text, "application/json": record},
                raw=True,
                metadata={"application/json": {"expanded": False}},
            )
        else:
            print(text)

    def _check(self, args: argparse.Namespace) -> None:
        from nbprod.checker import check_notebook
        from nbprod.config import load_config
        from nbprod.errors import NbprodError
        from nbprod.report import Report

        hooks = self.hooks
        path = Path(args.path).expanduser() if args.path else hooks.notebook_path()
        own = args.path is None  # this kernel's notebook: as the user sees it, with the session's counts

        try:
            nb = live_notebook(hooks, path, own) if path is not None else session_notebook(hooks)
            config = load_config(str(path) if path is not None else os.getcwd())
        except NbprodError as exc:
            raise UsageError(f"{path}: {exc}") from None
        if args.select is not None:
            config.select = _ids(args.select) or []
        if args.ignore is not None:
            config.ignore = _ids(args.ignore) or []
        record = hooks.record()
        report = Report([check_notebook(nb, config, record)])

        def refresh() -> Report:  # the widget's Refresh button: the same check, on the session now
            fresh = live_notebook(hooks, path, own) if path is not None else session_notebook(hooks)
            return Report([check_notebook(fresh, config, hooks.record())])

        _show_check(
            report,
            rich=False if args.text else hooks.rich,
            notebook_path=path,
            record=record,
            refresh=refresh,
        )

    def _warnings(self, args: argparse.Namespace) -> None:
        rules = [r.upper() for r in args.rules] or list(LIVE_RULES)
        unknown = [r for r in rules if r not in LIVE_RULES]
        if unknown:
            raise UsageError(
                f"unknown live warning {', '.join(unknown)}: choose from {', '.join(LIVE_RULES)}"
            )
        disabled = self.hooks.session.disabled
        if args.state == "off":
            disabled.update(rules)
        elif args.state == "on":
            disabled.difference_update(rules)
        self.hooks.session.invalidate()  # a rule switched back on checks quiet cells again
        self.ignore = sorted(disabled)
        print(" ".join(f"{r}:{'off' if r in disabled else 'on'}" for r in LIVE_RULES))

    def _notebook(self, args: argparse.Namespace) -> None:
        hooks = self.hooks
        if args.path:
            p = Path(args.path).expanduser()
            if not p.is_file() or p.suffix != ".ipynb":
                raise UsageError(f"{p}: not a notebook file (.ipynb)")
            self.notebook = str(p.resolve())
            hooks.set_notebook(p.resolve())
            hooks.sync(force=True)
        path = hooks.notebook_path()
        print(
            f"nbprod: notebook {path}" if path else "nbprod: notebook path unknown (`%nbprod notebook PATH`)"
        )


# -- pure helpers, kept outside the class so other faces can reuse them ------------------
def magic_help() -> str:
    """``%nbprod -h``: every sub-command with its usage line."""
    lines = ["%nbprod COMMAND [ARGS]: nbprod's live session. Commands:"]
    for name in SUBCOMMANDS:
        parser = _PARSERS[name].parser  # type: ignore[attr-defined]
        usage = parser.format_usage().strip().removeprefix("usage: ").removeprefix("::").strip()
        lines.append("  " + usage.lstrip("%").replace("nbprod", "%nbprod", 1))
    lines.append("'%nbprod COMMAND -h' explains one.")
    return "\n".join(lines)


def seed_everything(value: int) -> tuple[list[str], list[str]]:
    """Seed random, and numpy / torch / tensorflow when imported; returns (seeded, notes)."""
    import random

    random.seed(value)
    seeded, notes = ["random"], []
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(value)
        seeded.append("numpy")
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(value)
        seeded.append("torch")
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        tf.random.set_seed(value)
        seeded.append("tensorflow")
    missing = [m for m in ("numpy", "torch", "tensorflow") if m not in seeded]
    if missing:
        notes.append(
            f"not imported yet, so not seeded: {', '.join(missing)} (run %nbprod seed after importing them)"
        )
    hashseed = os.environ.get("PYTHONHASHSEED")
    if hashseed is None or hashseed == "random":
        notes.append(
            "string hashing is randomised (set iteration order changes between runs); PYTHONHASHSEED "
            f'must be set before Python starts: add "env": {{"PYTHONHASHSEED": "{value}"}} to the '
            f"kernel's kernel.json, or `export PYTHONHASHSEED={value}` before starting Jupyter"
        )
    else:
        notes.append(f"PYTHONHASHSEED={hashseed}: string hashing is fixed")
    return seeded, notes


def live_notebook(hooks: Any, path: Any, own: bool) -> Any:
    """This kernel's notebook: the front end's unsaved cells when the JupyterLab extension is
    connected, else the saved file; the session's execution order wins over saved counts."""
    from nbprod.live.frontend import session_counts
    from nbprod.notebook import read_notebook

    if own and hooks.frontend.connected and hooks.frontend.view is not None:
        return hooks.frontend.notebook_model()
    nb = read_notebook(path)
    return session_counts(nb, hooks.session) if own else nb


def session_notebook(hooks: Any) -> Any:
    """A notebook made of the cells this session ran (when the file is unknown)."""
    from nbprod.notebook import Cell, Notebook

    cells = []
    states = sorted(hooks.session.cells.items(), key=lambda kv: kv[1].first_seq)
    if states:
        for i, (cid, st) in enumerate(states):
            cells.append(Cell(i, "code", st.source, id=cid))
    else:
        raw = list(getattr(hooks.shell.history_manager, "input_hist_raw", []))[1:]
        for src in raw:
            if src.strip() and not src.lstrip().startswith("%nbprod check"):
                cells.append(Cell(len(cells), "code", src))
    meta = {"language_info": {"name": "python"}}
    return Notebook("<live session>", cells, meta)


def summary_text(record: dict[str, Any], hooks: Any = None) -> str:
    """The record in a few lines."""
    py = record["python"]
    s = record["summary"]
    lines = [f"nbprod session record (schema {record['nbprod_record']})"]
    if hooks is not None:
        path = hooks.notebook_path()
        lines.append(f"  notebook:   {path if path else 'unknown (`%nbprod notebook PATH` to set it)'}")
        if hooks.save_error:
            lines.append(f"  not saved:  {hooks.save_error}")
    lines.append(f"  python:     {py['version']} ({py['implementation']}) on {py['platform']}")
    lines.append(f"  executions: {s['executions']} ({s['failed']} failed) in {s['cells']} cells")
    pk = ", ".join(f"{d} {p.get('version') or '?'}" for d, p in record["packages"].items())
    lines.append(f"  packages:   {pk or 'none imported'}")
    seeds = ", ".join(
        f"{x['call']}({x['value'] if x['value'] is not None else ''})" for x in record["seeds"][-5:]
    )
    lines.append(f"  seeds:      {seeds or 'none'}")
    for d in record["data"] or [{}]:
        if not d:
            lines.append("  data:       no files read")
            continue
        shape = f", {d['rows']} rows x {d['columns']} columns" if d.get("rows") is not None else ""
        digest = (d.get("sha256") or "?")[:12]
        lines.append(f"  data:       {d['path']} ({d['size']} bytes, sha256 {digest}{shape})")
    counts: dict[str, int] = {}
    for w in record["warnings"]:
        counts[w["rule"]] = counts.get(w["rule"], 0) + 1
    lines.append("  warnings:   " + (", ".join(f"{k} x{v}" for k, v in sorted(counts.items())) or "none"))
    if s["internal_errors"]:
        lines.append(f"  internal errors: {s['internal_errors']} (logged to the 'nbprod' logger)")
    return "\n".join(lines)


def _show_table(title: str, header: tuple[str, ...], rows: list[tuple[Any, ...]], rich: bool) -> None:
    widths = [max([len(str(h))] + [len(str(r[i])) for r in rows]) for i, h in enumerate(header)]
    text = [title, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    text += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    if not rows:
        text.append("(nothing recorded yet)")
    if not rich:
        print("\n".join(text))
        return
    from IPython.display import display

    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(str(c))}</td>" for c in r) + "</tr>"
        for r in rows
    )
    markup = f"<b>{html.escape(title)}</b><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    display({"text/plain": "\n".join(text), "text/html": markup}, raw=True)


_SEVERITY_COLOURS = {"error": "#c0392b", "warning": "#b7791f", "info": "#2b6cb0"}


def check_html(report: Any) -> str:
    """The findings of a report as a clean HTML table."""
    parts = []
    for nb in report.notebooks:
        s = nb.score
        title = f"{html.escape(str(nb.path))}: {s['errors']} error(s), {s['warnings']} warning(s), {s['info']} info"
        if nb.skipped:
            parts.append(f"<p><b>{html.escape(str(nb.path))}</b>: skipped ({html.escape(nb.skipped)})</p>")
            continue
        rows = []
        for f in nb.findings:
            colour = _SEVERITY_COLOURS.get(f.severity, "inherit")
            where = "" if f.cell is None else f"{f.cell + 1}" + (f":{f.line}" if f.line else "")
            rows.append(
                f"<tr><td style='text-align:left'>{where}</td><td style='text-align:left'><code>{f.rule}</code></td>"
                f"<td style='text-align:left;color:{colour}'>{f.severity}</td>"
                f"<td style='text-align:left'>{html.escape(f.message)}"
                f"<br><small>{html.escape(f.fix)}</small></td></tr>"
            )
        table = (
            "<table class='nbprod-check'><thead><tr><th style='text-align:left'>cell:line</th>"
            "<th style='text-align:left'>rule</th><th style='text-align:left'>severity</th>"
            "<th style='text-align:left'>finding and fix</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )
        parts.append(f"<p><b>{title}</b></p>" + (table if rows else "<p>No findings.</p>"))
    return "".join(parts)


def _show_check(
    report: Any,
    *,
    rich: bool | None = None,
    notebook_path: Any = None,
    record: Any = None,
    refresh: Any = None,
) -> None:
    """Show a check report: the readiness widget in a kernel, text elsewhere.

    The single place ``%nbprod check`` renders.
    """
    from nbprod.report import format_text

    text = format_text(report)
    if not rich:
        print(text)
        return
    from IPython.display import display

    try:
        from nbprod.widget import report_widget

        widget = report_widget(report, notebook_path, refresh)
    except ImportError:  # ipywidgets missing: the HTML table below
        widget = None
    if widget is not None:
        from nbprod.widget import static_copy

        display(static_copy(widget.checklist), raw=True)  # readable after a reopen
        display(widget)
        return

    display({"text/plain": text, "text/html": check_html(report)}, raw=True)
