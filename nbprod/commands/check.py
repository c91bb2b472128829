"""``nbprod check PATH...``."""

from __future__ import annotations

import argparse
import sys

from nbprod.errors import ConfigError


def _ids(text: str) -> list[str]:
    return [p.strip().upper() for p in text.split(",") if p.strip()]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="notebooks or folders (searched for *.ipynb)")
    p.add_argument("--format", choices=("text", "json"), default=None, help="output format (default text)")
    p.add_argument("--select", type=_ids, default=None, help="comma-separated rule ids or prefixes to run")
    p.add_argument("--ignore", type=_ids, default=None, help="comma-separated rule ids or prefixes to skip")
    p.add_argument(
        "--fail-on",
        choices=("error", "warning", "info", "never"),
        default=None,
        help="lowest severity that makes the exit code 1 (default warning)",
    )
    p.add_argument("--config", default=None, help="pyproject.toml to read [tool.nbprod] from")
    p.add_argument("--no-fix", action="store_true", help="do not print fix hints in text output")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nbprod.checker import check_paths
    from nbprod.config import load_config
    from nbprod.report import format_text

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
    fmt = args.format or config.options.get("format", "text")
    report = check_paths(args.paths, config)
    for err in report.errors:
        print(f"nbprod: error: {err['path']}: {err['message']}", file=sys.stderr)
    if fmt == "json":
        print(report.to_json())
    else:
        print(format_text(report, show_fix=not args.no_fix))
    return report.exit_code(config.fail_on)
