"""``nbprod check PATH...``."""

from __future__ import annotations

import sys

from nbprod.commands import add_report_arguments
from nbprod.errors import one_line

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    import argparse  # imported only to build a parser: ``nbprod.cli`` parses plain checks itself
    from types import SimpleNamespace


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="notebooks or folders (searched for *.ipynb)")
    add_report_arguments(p)
    p.add_argument(
        "--verify",
        nargs="?",
        const=1,
        type=int,
        default=None,
        metavar="RUNS",
        help="also re-run each notebook in a fresh kernel (RUNS=2 proves determinism); see 'nbprod verify'",
    )
    p.add_argument(
        "--no-checklist",
        action="store_true",
        help="leave out the readiness checklist (also: checklist = false in [tool.nbprod])",
    )
    p.add_argument(
        "--report",
        metavar="DIR",
        default=None,
        help="also save each notebook's readiness checklist as PNG chart + HTML page in DIR (CI artifacts)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the results cache .nbprod_cache/ at the project root",
    )
    p.add_argument(
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help="processes checking notebooks at a time (default: one per core; 1: no pool)",
    )


def jobs_value(text: str) -> int | None:
    """``--jobs 4``, or ``auto`` for one per core (None); ValueError for anything else."""
    if text == "auto":
        return None
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"--jobs wants a positive number or auto, not {text!r}")
    return n


def _jobs(text: str) -> int | None:
    """``jobs_value`` as argparse's ``type``."""
    try:
        return jobs_value(text)
    except ValueError as exc:
        import argparse

        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace | SimpleNamespace) -> int:
    from nbprod.checker import check_paths
    from nbprod.commands import config_from_args
    from nbprod.report import render

    config = config_from_args(args)
    fmt = args.format or config.options.get("format", "text")
    if args.no_checklist:
        config.options["checklist"] = False
    if args.report and config.options.get("checklist") is False:
        from nbprod.errors import ConfigError

        raise ConfigError("--report DIR saves the readiness checklist, which is turned off here")
    from nbprod.cache import cache_wanted

    # text and JSON show the checklist (the checker leaves it out when the config turns it off)
    checklist = bool(args.report) or fmt in ("text", "json")
    report = check_paths(
        args.paths, config, cache=cache_wanted(config, not args.no_cache), jobs=args.jobs, checklist=checklist
    )
    if args.verify:
        from nbprod.commands.verify import verify_for_check

        verify_for_check(report, args.verify, config, fmt)
        from nbprod.checklist import apply_verify

        for nb_report in report.notebooks:  # C2 "re-running it reproduces its results"
            apply_verify(nb_report)
    for err in report.errors:
        print(f"nbprod: error: {one_line(err['path'])}: {one_line(err['message'])}", file=sys.stderr)
    print(render(report, fmt, show_fix=not args.no_fix))
    if args.report:
        from nbprod.commands.report_files import write_reports

        write_reports(report, args.report)
    return report.exit_code(config.fail_on)
