"""Thin command-line faces over the pure core: one module per sub-command."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    import argparse  # imported only to build a parser: ``nbprod.cli`` parses plain checks itself
    from types import SimpleNamespace

    from nbprod.config import Config


FAIL_ON = ("error", "warning", "info", "never")  # ``--fail-on``'s choices


def rule_ids(text: str) -> list[str]:
    """``--select NB1,NB201``: rule ids or prefixes, checked against the registry."""
    import argparse

    from nbprod.config import check_rule_ids
    from nbprod.errors import ConfigError

    try:
        return check_rule_ids(text.split(","))
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_report_arguments(p: argparse.ArgumentParser) -> None:
    """The options every command that reports findings shares (check, verify)."""
    from nbprod.report import FORMATS

    p.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="output format (default text; sarif, github and gitlab are for CI annotations)",
    )
    p.add_argument(
        "--select", type=rule_ids, default=None, help="comma-separated rule ids or prefixes to report"
    )
    p.add_argument(
        "--ignore", type=rule_ids, default=None, help="comma-separated rule ids or prefixes to skip"
    )
    p.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default=None,
        help="lowest severity that makes the exit code 1 (default warning)",
    )
    p.add_argument("--config", default=None, help="pyproject.toml to read [tool.nbprod] from")
    p.add_argument("--no-fix", action="store_true", help="do not print fix hints in text output")


def config_from_args(args: argparse.Namespace | SimpleNamespace) -> Config:
    """``[tool.nbprod]`` for the first input (or ``--config``), overridden by the flags;
    unknown keys are warned about on stderr."""
    from pathlib import Path

    from nbprod.config import load_config
    from nbprod.errors import ConfigError

    if args.config and not Path(args.config).is_file():
        raise ConfigError(f"--config {args.config}: no such file")
    config = load_config(args.paths[0], Path(args.config) if args.config else None)
    for warning in config.warnings:
        print(f"nbprod: warning: {warning}", file=sys.stderr)
    if args.select is not None:
        config.select = args.select
    if args.ignore is not None:
        config.ignore = args.ignore
    if args.fail_on is not None:
        config.fail_on = args.fail_on
    return config
