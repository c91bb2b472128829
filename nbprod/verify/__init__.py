"""Re-execution: run notebooks in fresh kernels and prove they reproduce (``nbprod verify``).

``nbprod.verify(path, runs=2)`` returns a Report (NB501-NB503 findings, per-notebook
counts under ``extra["verify"]``); ``verify_notebook(path)`` returns a VerifyResult
with ``.ran``, ``.reproduced``, ``.deterministic`` and ``.counts``.

This module is callable, so ``nbprod.verify(...)`` works whether ``nbprod.verify``
names the function in ``nbprod/__init__.py`` or, once imported, this package.
"""

from __future__ import annotations

import os
import sys
import types
from typing import TYPE_CHECKING, Any

from nbprod.verify.result import CellResult, VerifyResult
from nbprod.verify.session import VerifyOptions, verify_into, verify_notebook, verify_paths

if TYPE_CHECKING:
    from nbprod.report import Report


def verify(path: str | os.PathLike[str], *more: str | os.PathLike[str], **options: Any) -> Report:
    """Re-run notebooks (files or folders) in fresh kernels; return a Report.

    Options: ``runs`` (2 proves determinism), ``timeout`` (seconds per cell), ``jobs``
    (kernels at a time), ``rtol``/``atol`` (number tolerance), ``kernel``, ``root`` (the
    folder copied for the run), plus ``[tool.nbprod]`` settings (``select``, ``ignore``,
    ``fail_on``); ``isolated=True`` ignores pyproject.toml.
    """
    from nbprod.config import Config, apply_api_options, load_config

    config = load_config(path) if not options.pop("isolated", False) else Config()
    report_options: dict[str, Any] = {
        k: options.pop(k) for k in ("select", "ignore", "fail_on") if k in options
    }
    apply_api_options(config, report_options, "verify")  # checked as nbprod.check checks them
    opts = VerifyOptions.from_config(config, **options)
    return verify_paths([path, *more], opts, config)


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Report:
        return verify(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = [
    "CellResult",
    "VerifyOptions",
    "VerifyResult",
    "verify",
    "verify_into",
    "verify_notebook",
    "verify_paths",
]
