"""Magic tour: exported from magics.ipynb by nbprod."""

from .pipeline import main, run

__all__ = ["main", "run"]
