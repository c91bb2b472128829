"""nbprod: take a Jupyter notebook to production.

Python API: ``check(path) -> Report``; ``export(...)``, ``verify(...)`` and ``widget(...)``
come with their faces. ``%load_ext nbprod`` loads the IPython extension.
"""

from __future__ import annotations

import os

__version__ = "0.1.0"

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

    from nbprod.report import Report


def check(path: str | os.PathLike[str], *more: str | os.PathLike[str], **options: Any) -> Report:
    """Check notebooks (files or folders) and return a Report.

    Options are ``[tool.nbprod]`` settings, checked as the command line checks them:
    ``select`` / ``ignore`` (a list of rule ids or prefixes, or one comma-separated
    string), ``fail_on``, ``exclude``, ``per_file_ignores``, ``checklist``...; a bad value
    raises ValueError. ``isolated=True`` ignores pyproject.toml.
    """
    from nbprod.checker import check_paths
    from nbprod.config import Config, apply_api_options, load_config

    config = load_config(path) if not options.pop("isolated", False) else Config()
    return check_paths([path, *more], apply_api_options(config, options, "check"))


def widget(path: str | os.PathLike[str], refresh: Any = None) -> Any:
    """The readiness checklist widget (an ipywidgets ``VBox``) of a saved notebook."""
    from nbprod.widget import widget as make

    return make(path, refresh)


def verify(path: str | os.PathLike[str], *more: str | os.PathLike[str], **options: Any) -> Report:
    """Re-run notebooks in fresh kernels and compare with their saved outputs; a Report.

    Options: ``runs`` (2 also proves determinism), ``timeout`` (s per cell), ``jobs``,
    ``rtol``, ``kernel``, ``root``, and ``select``/``ignore``/``fail_on``. See ``nbprod.verify``.
    """
    from nbprod.verify import verify as run

    return run(path, *more, **options)


def export(
    path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    name: str | None = None,
    force: bool = False,
    capture: bool = False,
) -> Any:
    """Export a notebook to an installable, tested package; returns an ``ExportResult``.

    ``out_dir`` defaults to a folder beside the notebook named after it; an existing folder
    is replaced only with ``force=True`` (and only one nbprod made). ``capture=True`` runs
    the notebook once in a fresh kernel to derive the tests. The notebook is never modified.
    ``result.report`` accounts for every statement; ``result.out_dir`` is the package.
    """
    from nbprod.export import export_notebook

    return export_notebook(path, out_dir, name=name, force=force, capture=capture)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext nbprod``."""
    from nbprod.live import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext nbprod``."""
    from nbprod.live import unload_ipython_extension as unload

    unload(ipython)


__all__ = [
    "__version__",
    "check",
    "export",
    "load_ipython_extension",
    "unload_ipython_extension",
    "verify",
    "widget",
]
