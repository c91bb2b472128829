"""The IPython extension: ``%load_ext nbprod`` records the session and warns live.

``load_ipython_extension`` registers the ``%nbprod`` magics, the ``pre_run_cell`` /
``post_run_cell`` hooks and (for new cell sources only) a read-only AST transformer;
``unload_ipython_extension`` removes all of them and restores the wrapped data readers.
"""

from __future__ import annotations

import logging
from typing import Any

logging.getLogger("nbprod.live").addHandler(logging.NullHandler())

_LOADED: dict[int, Any] = {}  # id(shell) -> LiveHooks


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext nbprod`` (or ``c.InteractiveShellApp.extensions = ["nbprod"]``)."""
    if id(ipython) in _LOADED:
        return
    from nbprod.live.hooks import LiveHooks
    from nbprod.live.magics import NbprodMagics

    magics = NbprodMagics(shell=ipython)
    hooks = LiveHooks(ipython, magics)
    magics.hooks = hooks
    ipython.register_magics(magics)
    hooks.register()
    _LOADED[id(ipython)] = hooks
    hooks._guard(hooks.notebook_path)
    hooks._guard(hooks.embed)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext nbprod``: remove the magics, hooks and wrappers; save the record."""
    hooks = _LOADED.pop(id(ipython), None)
    if hooks is None:
        return
    hooks.unregister()
    manager = ipython.magics_manager
    for kind in ("line", "cell"):
        table = manager.magics.get(kind, {})
        if getattr(table.get("nbprod"), "__self__", None) is hooks.settings:
            del table["nbprod"]
    manager.registry.pop(type(hooks.settings).__name__, None)
    configurables = getattr(ipython, "configurables", None)
    if configurables is not None and hooks.settings in configurables:
        configurables.remove(hooks.settings)
    hooks.settings.hooks = None


def get_hooks(ipython: Any) -> Any:
    """The extension's state in this shell, or None when it is not loaded."""
    return _LOADED.get(id(ipython))
