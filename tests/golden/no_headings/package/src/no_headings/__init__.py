"""no headings: exported from no_headings.ipynb by nbprod."""

from .pipeline import main, run

__all__ = ["main", "run"]
