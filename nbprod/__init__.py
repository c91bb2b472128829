"""nbprod: take a Jupyter notebook to production.

Python API: ``check(path) -> Report``; ``export(...)``, ``verify(...)`` and ``widget(...)``
come with their faces. ``%load_ext nbprod`` loads the IPython extension.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from nbprod.report import Report


def check(path: str | os.PathLike[str], *more: str | os.PathLike[str], **options: Any) -> Report:
    """Check notebooks (files or folders) and return a Report.

    Options are ``[tool.nbprod]`` settings: ``select``, ``ignore``, ``fail_on``...
    """
    from nbprod.checker import check_paths
    from nbprod.config import Config, load_config

    config = load_config(path) if not options.pop("isolated", False) else Config()
    for key, value in options.items():
        if not hasattr(config, key):
            raise TypeError(f"check() got an unexpected option {key!r}")
        setattr(config, key, value)
    return check_paths([path, *more], config)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext nbprod``."""
    from nbprod.live import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext nbprod``."""
    from nbprod.live import unload_ipython_extension as unload

    unload(ipython)


__all__ = ["__version__", "check", "load_ipython_extension", "unload_ipython_extension"]
