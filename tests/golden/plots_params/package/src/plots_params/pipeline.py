"""Plots and parameters: the sections of plots_params.ipynb in notebook order."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from . import config, data, figures, plots_and_parameters

SECTIONS = (
    ("plots_and_parameters", plots_and_parameters.run, (), (), False),
    ("data", data.run, ("n_points", "NOISE", "slope", "label"), ("xs", "ys"), False),
    ("figures", figures.run, ("ys",), (), False),
)
"""(module, function, parameters, returns, is async) of each section, in order."""


def run(
    n_points: int = config.n_points,
    slope: float = config.slope,
    label: str = config.label,
    NOISE: float = config.NOISE,
    plots: bool = False,
) -> dict[str, Any]:
    """Run the notebook top to bottom; returns the values its sections produce."""
    plots_and_parameters.run()
    xs, ys = data.run(n_points, NOISE, slope, label)
    figures.run(ys)
    if plots:
        figures.plot(xs, ys, label)
    return {"xs": xs, "ys": ys}


def main(argv: Sequence[str] | None = None) -> int:
    """Console script: run the pipeline; the notebook parameters are options."""
    parser = argparse.ArgumentParser(
        prog="plots-params", description="Plots and parameters"
    )
    parser.add_argument(
        "--n-points",
        dest="n_points",
        type=int,
        default=config.n_points,
        help="default: %(default)s",
    )
    parser.add_argument(
        "--slope",
        dest="slope",
        type=float,
        default=config.slope,
        help="default: %(default)s",
    )
    parser.add_argument(
        "--label",
        dest="label",
        type=str,
        default=config.label,
        help="default: %(default)s",
    )
    parser.add_argument(
        "--noise",
        dest="NOISE",
        type=float,
        default=config.NOISE,
        help="default: %(default)s",
    )
    parser.add_argument(
        "--plots", dest="plots", action="store_true", help="draw the notebook's plots"
    )
    args = parser.parse_args(argv)
    run(**vars(args))
    if args.plots:
        import matplotlib.pyplot as plt

        plt.show()
    return 0
