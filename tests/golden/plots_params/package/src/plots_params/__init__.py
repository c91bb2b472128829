"""Plots and parameters: exported from plots_params.ipynb by nbprod."""

# first: outside IPython, the displays libraries make go to stderr, as the notebook's do
from . import _ipython  # noqa: F401
from .pipeline import main, run

__all__ = ["main", "run"]
