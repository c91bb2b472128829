"""Thin command-line faces over the pure core: one module per sub-command."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbprod.config import Config


def config_from_args(args: argparse.Namespace) -> Config:
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
