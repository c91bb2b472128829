"""no headings: the sections of no_headings.ipynb in notebook order."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from . import step_1_rng_values, step_2_total_v

SECTIONS = (
    (
        "step_1_rng_values",
        step_1_rng_values.run,
        (),
        ("rng", "values", "df", "scale", "offset"),
        False,
    ),
    (
        "step_2_total_v",
        step_2_total_v.run,
        ("df",),
        ("total", "df", "square", "by_group"),
        False,
    ),
)
"""(module, function, parameters, returns, is async) of each section, in order."""


def run(plots: bool = False) -> dict[str, Any]:
    """Run the notebook top to bottom; returns the values its sections produce."""
    rng, values, df, scale, offset = step_1_rng_values.run()
    total, df, square, by_group = step_2_total_v.run(df)
    return {
        "rng": rng,
        "values": values,
        "df": df,
        "scale": scale,
        "offset": offset,
        "total": total,
        "square": square,
        "by_group": by_group,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Console script: run the pipeline; the notebook parameters are options."""
    parser = argparse.ArgumentParser(prog="no-headings", description="no headings")
    parser.add_argument(
        "--plots", dest="plots", action="store_true", help="draw the notebook's plots"
    )
    args = parser.parse_args(argv)
    run(**vars(args))
    return 0
