"""The ``nbprod`` command line: the argparse parser and dispatch, nothing else.

A plain ``nbprod check PATH... [--format F] [--no-cache]...`` (what pre-commit and CI run
over and over) is read by ``_plain_check``, which gives the namespace argparse would give
without importing argparse (with gettext: about 15 M instructions, a tenth of a start). Any
other command line, ``--help``, an abbreviated option, a bad value or anything unusual goes
to argparse, so its messages and errors are argparse's own.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

from nbprod import __version__
from nbprod.errors import NbprodError, one_line

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    import argparse
    from types import SimpleNamespace
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


_CLASSES: list[tuple[type[argparse.ArgumentParser], type[argparse.HelpFormatter]]] = []


def _argparse_classes() -> tuple[type[argparse.ArgumentParser], type[argparse.HelpFormatter]]:
    """nbprod's parser and formatter classes, made on first use (argparse is imported then)."""
    if _CLASSES:
        return _CLASSES[0]
    import argparse

    class _Formatter(argparse.RawDescriptionHelpFormatter):
        """argparse's formatter without ``import shutil`` (with bz2, lzma...: ~3 ms at every
        start, for argparse's terminal width): the same width, found as ``shutil`` finds it."""

        def __init__(
            self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
        ) -> None:
            if width is None:
                width = _terminal_columns() - 2
            super().__init__(prog, indent_increment, max_help_position, width)

    class _Parser(argparse.ArgumentParser):
        """argparse with usage errors on one line: ``nbprod check: error: ... (see --help)``."""

        def error(self, message: str) -> NoReturn:
            hint = "" if "(see " in message else f" (see '{self.prog} --help')"
            self.exit(2, f"{self.prog}: error: {message}{hint}\n")

    _CLASSES.append((_Parser, _Formatter))
    return _CLASSES[0]


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


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``only``, just that sub-command gets its options (a faster start:
    the other commands' modules are not imported)."""
    _Parser, _Formatter = _argparse_classes()
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
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and name in action.choices:
            return action.choices[name]
    return None


# ``nbprod check``'s options as its parser (nbprod.commands.check) defines them
_CHECK_FLAGS = {"--no-fix": "no_fix", "--no-checklist": "no_checklist", "--no-cache": "no_cache"}
_CHECK_VALUES = {
    "--format": "format",
    "--select": "select",
    "--ignore": "ignore",
    "--fail-on": "fail_on",
    "--config": "config",
    "--report": "report",
    "--jobs": "jobs",
}


def _plain_check(argv: list[str]) -> SimpleNamespace | None:
    """The namespace argparse makes of a plain ``check`` command line, or None for
    anything else (argparse then reads it, and reports what is wrong): options spelt out
    in full, PATHs in one run, every value valid and not starting with ``-``; no ``--help``,
    ``--verify`` or ``--``. ``tests/test_cli.py`` compares it with argparse's result."""
    if not argv or argv[0] != "check":
        return None
    values: dict[str, object] = {
        "command": "check", "paths": None, "format": None, "select": None, "ignore": None,
        "fail_on": None, "config": None, "no_fix": False, "verify": None, "no_checklist": False,
        "report": None, "no_cache": False, "jobs": None,
    }  # fmt: skip
    paths: list[str] = []
    run_ended = False  # argparse takes the PATHs as one run: a second run is an error
    i = 1
    while i < len(argv):
        token = argv[i]
        i += 1
        if not token.startswith("-"):
            if run_ended:
                return None
            paths.append(token)
            continue
        if paths:
            run_ended = True
        if token in _CHECK_FLAGS:
            values[_CHECK_FLAGS[token]] = True
            continue
        option, equals, value = token.partition("=")
        if option not in _CHECK_VALUES:
            return None
        if not equals:
            if i == len(argv):
                return None
            value = argv[i]
            i += 1
        if not value or value.startswith("-"):
            return None
        converted = _check_value(option, value)
        if converted is _BAD:
            return None
        values[_CHECK_VALUES[option]] = converted
    if not paths:
        return None
    values["paths"] = paths
    from types import SimpleNamespace

    return SimpleNamespace(**values)


_BAD = object()


def _check_value(option: str, value: str) -> object:
    """An option's value as argparse's ``type`` and ``choices`` make it, or ``_BAD``."""
    if option == "--format":
        from nbprod.report import FORMATS

        return value if value in FORMATS else _BAD
    if option == "--fail-on":
        from nbprod.commands import FAIL_ON

        return value if value in FAIL_ON else _BAD
    if option in ("--select", "--ignore"):
        from nbprod.config import check_rule_ids
        from nbprod.errors import ConfigError

        try:
            return check_rule_ids(value.split(","))
        except ConfigError:
            return _BAD
    if option == "--jobs":
        from nbprod.commands.check import jobs_value

        try:
            return jobs_value(value)
        except ValueError:
            return _BAD
    return value  # --config, --report: any text


_DONE: list[bool] = []  # a check finished: nothing is left for the interpreter's teardown


def console() -> NoReturn:
    """The console script and ``python -m nbprod``: ``main()``, then, after a check, the
    exit at once, skipping the interpreter's teardown (freeing every module and object:
    about a tenth of a one-notebook check). Output is flushed first; if that fails, the
    ordinary exit reports it as before. Other commands (kernels, threads) exit as usual."""
    code = main()
    if _DONE:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        else:
            os._exit(code)
    raise SystemExit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 findings, 2 usage or input error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args: argparse.Namespace | SimpleNamespace | None = _plain_check(argv)
    if args is None:
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
        if args.command == "check" and not args.verify:
            _DONE.append(True)
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
