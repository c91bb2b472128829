"""Plots and parameters: exported from plots_params.ipynb by nbprod."""

from .pipeline import main, run

__all__ = ["main", "run"]
