"""Credit default model: exported from headings.ipynb by nbprod."""

from .pipeline import main, run

__all__ = ["main", "run"]
