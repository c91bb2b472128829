"""Magic tour: the sections of magics.ipynb in notebook order."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from typing import Any

from . import display_and_leftovers, files, magic_tour, timing_and_capture

SECTIONS = (
    ("magic_tour", magic_tour.run, (), ("listing",), False),
    ("timing_and_capture", timing_and_capture.run, (), (), False),
    ("files", files.run, (), (), True),
    ("display_and_leftovers", display_and_leftovers.run, (), (), False),
)
"""(module, function, parameters, returns, is async) of each section, in order."""


def run(plots: bool = False) -> dict[str, Any]:
    """Run the notebook top to bottom; returns the values its sections produce."""
    listing = magic_tour.run()
    timing_and_capture.run()
    asyncio.run(files.run())
    display_and_leftovers.run()
    return {"listing": listing}


def main(argv: Sequence[str] | None = None) -> int:
    """Console script: run the pipeline; the notebook parameters are options."""
    parser = argparse.ArgumentParser(prog="magics", description="Magic tour")
    parser.add_argument(
        "--plots", dest="plots", action="store_true", help="draw the notebook's plots"
    )
    args = parser.parse_args(argv)
    run(**vars(args))
    return 0
