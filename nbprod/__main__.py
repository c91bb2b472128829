"""``python -m nbprod``."""

from __future__ import annotations

from nbprod.cli import console

console()
