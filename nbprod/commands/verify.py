"""``nbprod verify NOTEBOOK... [--runs N] [--timeout S] [--jobs J]``."""

from __future__ import annotations

import argparse
import sys

from nbprod.commands import add_report_arguments
from nbprod.errors import one_line


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
    return value


def add_verify_options(p: argparse.ArgumentParser) -> None:
    """The options shared by ``verify`` and ``check --verify``."""
    p.add_argument(
        "--runs",
        type=_positive_int,
        default=None,
        help="fresh runs per notebook; 2 proves determinism (default 1)",
    )
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        help="seconds a cell may run before its kernel is killed (default 300)",
    )
    p.add_argument(
        "--jobs", "-j", type=_positive_int, default=None, help="kernels running at a time (default 1)"
    )
    p.add_argument(
        "--rtol", type=float, default=None, help="relative tolerance for numbers in outputs (default 1e-6)"
    )
    p.add_argument("--kernel", default=None, help="kernel to use instead of the one the notebook names")
    p.add_argument("--root", default=None, help="folder copied for the run (default: the notebook's folder)")
    p.add_argument(
        "--max-copy",
        type=_positive_int,
        default=None,
        metavar="MB",
        help="largest folder copied for a run (default 1024 MB)",
    )
    p.add_argument(
        "--allow-installs",
        action="store_true",
        default=None,
        help="run install lines (!pip, %%conda, !apt ...) in a throw-away venv built from the "
        "notebook's pins (default: they are skipped, your environment is never changed)",
    )


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="NOTEBOOK", help="notebooks or folders (searched for *.ipynb)")
    add_verify_options(p)
    add_report_arguments(p)


def options_from(args: argparse.Namespace, config: object) -> object:
    """VerifyOptions from ``[tool.nbprod]`` and the command-line flags."""
    from nbprod.verify.session import VerifyOptions

    max_copy = getattr(args, "max_copy", None)
    return VerifyOptions.from_config(
        config,  # type: ignore[arg-type]
        runs=args.runs, timeout=args.timeout, jobs=args.jobs, rtol=args.rtol,
        kernel=args.kernel, root=args.root, max_copy_mb=max_copy,
        allow_installs=getattr(args, "allow_installs", None),
    )  # fmt: skip


def summaries(report: object) -> list[str]:
    """One line per verified notebook: cells compared, matched, differed; runs; time."""
    from nbprod.verify.result import VerifyResult

    lines = []
    for nb in getattr(report, "notebooks", []):
        data = nb.extra.get("verify")
        if data is not None:
            lines.append(f"{one_line(nb.path)}: {VerifyResult.summary_of(data)}")
            lines.extend(f"{one_line(nb.path)}: note: {one_line(note)}" for note in data.get("notes", []))
    return lines


def run(args: argparse.Namespace) -> int:

    from nbprod.commands import config_from_args
    from nbprod.report import format_text, render
    from nbprod.verify.session import verify_paths

    config = config_from_args(args)
    fmt = args.format or config.options.get("format", "text")
    options = options_from(args, config)
    report = verify_paths(args.paths, options, config)  # type: ignore[arg-type]
    for err in report.errors:
        print(f"nbprod: error: {one_line(err['path'])}: {one_line(err['message'])}", file=sys.stderr)
    if fmt == "text":
        print("\n".join([*summaries(report), format_text(report, show_fix=not args.no_fix)]))
    else:
        print(render(report, fmt))
    return report.exit_code(config.fail_on)


def verify_for_check(report: object, runs: int, config: object, fmt: str) -> None:
    """``nbprod check --verify``: add the re-execution findings to the check report."""
    from nbprod.errors import ConfigError
    from nbprod.verify.session import VerifyOptions, verify_into

    if runs < 1:
        raise ConfigError(f"--verify {runs}: the number of runs must be at least 1")
    verify_into(report, VerifyOptions.from_config(config, runs=runs), config)  # type: ignore[arg-type]
    if fmt == "text":
        for line in summaries(report):
            print(line)
