"""``nbprod export``: placeholder until its issue lands."""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("notebook", nargs="+")


def run(args: argparse.Namespace) -> int:
    from nbprod.errors import NbprodError

    raise NbprodError("'nbprod export' is not available yet")
