"""``nbprod export``: turn a notebook into an installable, tested package."""

from __future__ import annotations

import argparse
import sys

from nbprod.errors import one_line


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("notebook", nargs="+", help="the notebook (several only with --check)")
    p.add_argument(
        "-o", "--out", metavar="DIR", help="package folder (default: beside the notebook, named after it)"
    )
    p.add_argument("--name", help="package name (default: from the notebook's file name)")
    p.add_argument(
        "--force",
        action="store_true",
        help="re-export into a package folder made by nbprod: replaces only the files it generated",
    )
    p.add_argument(
        "--overwrite-edits",
        action="store_true",
        help="with --force: also replace generated files that were edited by hand since",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when the package is out of date with its notebook (content hashes); writes nothing",
    )
    p.add_argument(
        "--skip-missing",
        action="store_true",
        help="with --check: ignore notebooks that have no exported package (for pre-commit)",
    )
    p.add_argument(
        "--capture",
        action="store_true",
        help="run the notebook once in a fresh kernel to record what the tests compare against",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")


def run(args: argparse.Namespace) -> int:
    from nbprod.errors import NbprodError

    if args.check:
        return _check(args)
    if len(args.notebook) > 1:
        raise NbprodError("export takes one notebook at a time (several only with --check)")
    from nbprod.export import export_notebook
    from nbprod.export.report import format_summary

    if args.overwrite_edits and not args.force:
        raise NbprodError("--overwrite-edits goes with --force")
    result = export_notebook(
        args.notebook[0],
        args.out,
        name=args.name,
        force=args.force,
        capture=args.capture,
        overwrite_edits=args.overwrite_edits,
    )
    if not args.quiet:
        print(format_summary(result.report))
    return 0


def _check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nbprod.errors import NbprodError
    from nbprod.export import check_export, default_out_dir
    from nbprod.export.writer import MANIFEST

    if args.out and len(args.notebook) > 1:
        raise NbprodError("-o names one package: give one notebook with it")
    status = 0
    for nb in args.notebook:
        out = Path(args.out) if args.out else default_out_dir(nb, args.name)
        if args.skip_missing and not (out / MANIFEST).is_file():
            continue
        try:
            result = check_export(nb, out, args.name)
        except NbprodError as exc:
            print(f"nbprod: error: {one_line(exc)}", file=sys.stderr)
            status = max(status, 2)
            continue
        if not result.in_sync:
            status = max(status, 1)
        for message in result.messages:
            if not result.in_sync or not args.quiet:
                print(message)
    return status
