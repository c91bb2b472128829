"""The ``nbprod`` command line: the argparse parser and dispatch, nothing else."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from nbprod import __version__
from nbprod.errors import NbprodError, one_line

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import NoReturn

# sub-command -> module with add_arguments(parser) and run(args) -> int
COMMANDS = {
    "check": ("nbprod.commands.check", "static checks of saved notebooks"),
    "export": ("nbprod.commands.export", "turn a notebook into an installable, tested package"),
    "verify": ("nbprod.commands.verify", "re-run notebooks in a fresh kernel and compare outputs"),
    "rules": ("nbprod.commands.rules", "list the rules, or explain one"),
}
# What each sub-command's exit code means, shown at the end of its --help.
EXIT_CODES = {
    "check": [
        ("0", "nothing at or above --fail-on (default warning) was found"),
        ("1", "something at or above --fail-on was found"),
        ("2", "an input could not be read, or the usage or configuration is wrong"),
    ],
    "export": [
        ("0", "the package was written (with --check: it is in sync with the notebook)"),
        ("1", "with --check: the package is out of date or missing"),
        ("2", "the notebook could not be read or exported, or the usage is wrong"),
    ],
    "verify": [
        ("0", "the notebook ran and reproduced (nothing at or above --fail-on)"),
        ("1", "it failed, differs from its saved outputs, or two runs differ"),
        ("2", "an input could not be read, or the usage is wrong"),
    ],
    "rules": [("0", "listed or explained"), ("2", "unknown rule id")],
}
DESCRIPTION = """\
Take a Jupyter notebook to production.

  nbprod check      the checker: static analysis of saved notebooks, with the readiness
                    checklist in its summary (--format json, --report DIR)
  nbprod export     the converter: notebook -> installable, tested package
  nbprod verify     the verifier: re-run in a fresh kernel, prove it reproduces
  nbprod rules      the rule catalog

In Jupyter: %load_ext nbprod (the IPython extension: live record and warnings), then
%nbprod check for the readiness checklist widget. Docs: README.md and docs/ in the
repository."""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter without ``import shutil`` (with bz2, lzma...: ~3 ms at every
    start, for argparse's terminal width): the same width, found as ``shutil`` finds it."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        if width is None:
            width = _terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``: $COLUMNS, else the terminal's, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors on one line: ``nbprod check: error: ... (see --help)``."""

    def error(self, message: str) -> NoReturn:
        hint = "" if "(see " in message else f" (see '{self.prog} --help')"
        self.exit(2, f"{self.prog}: error: {message}{hint}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``only``, just that sub-command gets its options (a faster start:
    the other commands' modules are not imported)."""
    parser = _Parser(
        prog="nbprod",
        description=DESCRIPTION,
        formatter_class=_Formatter,
        epilog="Run 'nbprod COMMAND --help' for a command's options and exit codes.",
    )
    parser.add_argument("--version", action="version", version=f"nbprod {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        if only is None or name == only:
            sp = sub.add_parser(
                name,
                help=help_text,
                description=help_text,
                epilog=_exit_codes(name),
                formatter_class=_Formatter,
            )
            importlib.import_module(module).add_arguments(sp)
        else:
            sub.add_parser(name, help=help_text, formatter_class=_Formatter)
    return parser


def _exit_codes(command: str) -> str:
    rows = EXIT_CODES.get(command, [])
    return "exit codes:\n" + "\n".join(f"  {code}  {meaning}" for code, meaning in rows) if rows else ""


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Parse; an unknown option is reported by the sub-command's parser, so the hint names
    that command's help (``see 'nbprod check --help'``), not the top level's."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        sub = _subparser(parser, getattr(args, "command", None))
        (sub or parser).error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _subparser(parser: argparse.ArgumentParser, name: str | None) -> argparse.ArgumentParser | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and name in action.choices:
            return action.choices[name]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 findings, 2 usage or input error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
    try:
        args = _parse(parser, argv)
    except SystemExit as exc:  # argparse already printed one usage line
        return int(exc.code or 0) if exc.code in (0, None) else 2
    if not args.command:
        parser.print_help()
        return 2
    module = importlib.import_module(COMMANDS[args.command][0])
    try:
        code = int(module.run(args))
        sys.stdout.flush()  # a closed pipe shows here, not as a warning at exit
        return code
    except BrokenPipeError:
        return _pipe_closed()
    except NbprodError as exc:
        print(f"nbprod: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nbprod: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for the user; NBPROD_DEBUG=1 shows it
        if os.environ.get("NBPROD_DEBUG"):
            raise
        print(
            f"nbprod: internal error: {type(exc).__name__}: {exc} "
            "(set NBPROD_DEBUG=1 for the traceback, and please report it)",
            file=sys.stderr,
        )
        return 2


def _pipe_closed() -> int:
    """``nbprod check ... | head``: the reader left. Stop quietly, as a program killed by
    SIGPIPE does (exit 141 = 128 + 13); stdout points at devnull so the interpreter's
    last flush cannot complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout with no file descriptor (captured)
        pass
    return 141
