"""Stand-ins for what a live IPython gave the notebook, when the package runs as a script.

Inside IPython (a notebook, a console) each name here is IPython's own. In a plain
``python -m`` run: ``display()`` writes what the notebook showed as text (its
``text/plain``) to stderr, so stdout stays what the notebook printed; a display handle's
``update()`` does the same; ``clear_output()`` does nothing (a script cannot take back
what it printed); ``get_ipython()`` returns a stand-in whose harmless parts work and whose
others fail naming the line to translate; ``input()`` reads stdin, and fails clearly when
the run is unattended.

The displays libraries make themselves (IPython's ``ProgressBar``, a ``fig.show()`` that
calls ``IPython.display.display``, ``publish_display_data``) go the same way:
``route_displays()``, run when the package is imported (its ``__init__`` imports this
module first), makes IPython's own ``display``, ``publish_display_data`` and
``clear_output`` do what the stand-ins do when no IPython shell is running (IPython's own
would print to stdout, or start a shell). Inside IPython, and when IPython is not
installed, it changes nothing.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from typing import Any

_ids = itertools.count(1)


def _shell() -> Any:
    """The running IPython shell, or None in a plain script."""
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def _text(obj: Any, raw: bool = False) -> str:
    """What the notebook showed for ``obj`` as text: its ``text/plain``."""
    if raw and isinstance(obj, dict):
        if "text/plain" in obj:
            return str(obj["text/plain"])
        return f"[display: {', '.join(map(str, obj)) or 'empty'}]"  # nothing a terminal can show
    try:
        from IPython.lib.pretty import pretty

        return pretty(obj)
    except ImportError:
        return repr(obj)


class DisplayHandle:
    """A display that can be updated: its text is written again, to stderr."""

    def __init__(self, display_id: str | None = None) -> None:
        self.display_id = display_id or f"nbprod-{next(_ids)}"

    def display(self, obj: Any, **kwargs: Any) -> None:
        display(obj, display_id=self.display_id, **kwargs)

    def update(self, obj: Any, **kwargs: Any) -> None:
        update_display(obj, display_id=self.display_id, **kwargs)

    def __repr__(self) -> str:
        return f"<DisplayHandle display_id={self.display_id}>"


def display(*objs: Any, display_id: Any = None, raw: bool = False, **kwargs: Any) -> Any:
    """``IPython.display.display``; in a script, each object's text to stderr."""
    if _shell() is not None:
        from IPython.display import display as ipython_display

        return ipython_display(*objs, display_id=display_id, raw=raw, **kwargs)
    for obj in objs:
        print(_text(obj, raw), file=sys.stderr)
    if display_id is None:
        return None
    return DisplayHandle(None if display_id is True else str(display_id))


def update_display(obj: Any, *, display_id: Any, **kwargs: Any) -> None:
    """``IPython.display.update_display``; in a script, the new text to stderr."""
    if _shell() is not None:
        from IPython.display import update_display as ipython_update

        ipython_update(obj, display_id=display_id, **kwargs)
        return
    print(_text(obj, bool(kwargs.get("raw"))), file=sys.stderr)


def clear_output(wait: bool = False) -> None:
    """``IPython.display.clear_output``; in a script, nothing to clear."""
    if _shell() is not None:
        from IPython.display import clear_output as ipython_clear

        ipython_clear(wait=wait)


class _Formatter:
    def format(self, obj: Any, include: Any = None, exclude: Any = None) -> tuple[dict[str, str], dict]:
        return {"text/plain": _text(obj)}, {}


class _Events:
    def register(self, event: str, function: Any) -> None:
        """No cell runs in a script: a callback on cell events never fires."""

    def unregister(self, event: str, function: Any) -> None:
        """Nothing was registered."""


class ScriptShell:
    """What ``get_ipython()`` returns in a script: falsy, like the None IPython returns there.

    Its harmless parts work (``display_formatter.format``, ``events.register``); any other
    attribute fails with a message naming it, instead of ``'NoneType' has no attribute``.
    """

    display_formatter = _Formatter()
    events = _Events()

    def __bool__(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(
            f"get_ipython().{name}: the notebook ran this in a live IPython kernel, which a script "
            "does not have; translate this line by hand (see EXPORT_REPORT.md)"
        )


_SCRIPT_SHELL = ScriptShell()


def get_ipython() -> Any:
    """The running IPython shell, else a stand-in (see ``ScriptShell``)."""
    shell = _shell()
    return shell if shell is not None else _SCRIPT_SHELL


def input(prompt: str = "") -> str:
    """``input()``: the prompt to stderr (stdout stays what the notebook printed), the answer
    from stdin; an unattended run, with nothing to read, fails saying what to do."""
    print(prompt, end="", file=sys.stderr, flush=True)
    try:
        line = sys.stdin.readline() if sys.stdin is not None else ""
    except OSError:  # stdin closed, or captured (pytest)
        line = ""
    if not line:
        raise RuntimeError(
            f"the notebook asked for input here (input({prompt!r})) and nothing was given on stdin: "
            "pipe the answer in, or make it a parameter (a cell tagged `parameters`) and export again"
        )
    return line.removesuffix("\n")


# -- displays libraries make ------------------------------------------------------------------

# Where IPython defines ``display`` (IPython 7.23 and later; before, IPython.core.display).
_DISPLAY_MODULES = ("IPython.core.display_functions", "IPython.core.display")
_ROUTED = "_nbprod_routed"


def _no_shell() -> bool:
    from IPython.core.interactiveshell import InteractiveShell

    return not InteractiveShell.initialized()


def _routed(module: Any) -> None:
    """Wrap ``module``'s display functions: IPython's own when a shell runs, else stderr."""
    original_display = getattr(module, "display", None)
    if original_display is None or getattr(original_display, _ROUTED, False):
        return
    names = ("display", "publish_display_data", "clear_output")
    originals = {name: getattr(module, name, None) for name in names}

    def display(*objs: Any, display_id: Any = None, raw: bool = False, **kwargs: Any) -> Any:
        if not _no_shell():
            return original_display(*objs, display_id=display_id, raw=raw, **kwargs)
        for obj in objs:
            print(_text(obj, raw), file=sys.stderr)
        if not display_id:
            return None
        handle = getattr(module, "DisplayHandle", DisplayHandle)
        return handle(None if display_id is True else display_id)

    def publish_display_data(data: Any, metadata: Any = None, *args: Any, **kwargs: Any) -> None:
        if not _no_shell():
            originals["publish_display_data"](data, metadata, *args, **kwargs)
        else:
            print(_text(data, raw=True), file=sys.stderr)

    def clear_output(wait: bool = False) -> None:
        if not _no_shell():  # else, like the stand-in above: nothing to clear
            originals["clear_output"](wait)

    replacements = dict(zip(names, (display, publish_display_data, clear_output)))
    swap: dict[int, Any] = {}
    for name, function in replacements.items():
        original = originals[name]
        if original is not None:
            function.__name__, function.__doc__ = name, original.__doc__
            function.__wrapped__ = original  # type: ignore[attr-defined]
            setattr(function, _ROUTED, True)
            swap[id(original)] = function
    # every module that already holds IPython's function (IPython.display, a library's
    # ``from IPython.display import display``) gets the routed one
    for held in list(sys.modules.values()):
        namespace = getattr(held, "__dict__", None)  # None: a stand-in some library put there
        if isinstance(namespace, dict):
            for key, value in list(namespace.items()):
                if id(value) in swap and value is originals[swap[id(value)].__name__]:
                    namespace[key] = swap[id(value)]


def _routed_output_widget(module: Any) -> bool:
    """ipywidgets' ``Output``: outside IPython, what the notebook sent into the widget (its
    ``with out:`` body, ``interact``'s function) is a display, so it goes to stderr; an
    exception raised there is shown there and the run goes on, as the kernel did."""
    output = getattr(module, "Output", None)
    if output is None:
        return False
    if getattr(output.__enter__, _ROUTED, False):
        return True
    enter, leave = output.__enter__, output.__exit__

    def __enter__(self: Any) -> None:
        if not _no_shell():
            return enter(self)
        sys.stdout.flush()
        self.__dict__.setdefault("_nbprod_stdout", []).append(sys.stdout)
        sys.stdout = sys.stderr
        return None

    def __exit__(self: Any, etype: Any, evalue: Any, tb: Any) -> Any:
        saved = self.__dict__.get("_nbprod_stdout")
        if not saved:  # entered while a shell ran
            return leave(self, etype, evalue, tb)
        sys.stdout.flush()
        sys.stdout = saved.pop()
        if etype is None or not issubclass(etype, Exception):
            return None
        import traceback

        traceback.print_exception(etype, evalue, tb, file=sys.stderr)
        return True  # the kernel showed it in the widget and went on

    for function, original in ((__enter__, enter), (__exit__, leave)):
        function.__doc__ = original.__doc__
        function.__wrapped__ = original  # type: ignore[attr-defined]
        setattr(function, _ROUTED, True)
    output.__enter__, output.__exit__ = __enter__, __exit__
    return True


def _routed_displays(module: Any) -> bool:
    if getattr(module, "display", None) is None:
        return False
    _routed(module)
    return True


# module -> what routes it once imported; modules listed together are one job (the first done)
_ROUTES = (
    (_DISPLAY_MODULES, _routed_displays),
    (("ipywidgets.widgets.widget_output",), _routed_output_widget),
)


class _RouteOnImport:
    """Routes a module of ``_ROUTES`` as soon as it is imported, before any other module
    copies what it defines; leaves ``sys.meta_path`` when nothing is left to route."""

    def __init__(self, pending: dict[str, Any]) -> None:
        self.pending = pending
        self.loaders: dict[str, Any] = {}

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in self.pending:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                self.loaders[name] = spec.loader
                spec.loader = self
                return spec
        return None

    def create_module(self, spec: Any) -> Any:
        return self.loaders[spec.name].create_module(spec)

    def exec_module(self, module: Any) -> None:
        name = module.__name__
        self.loaders.pop(name).exec_module(module)
        names, route = self.pending.get(name, ((), None))
        if route is not None and route(module):
            for done in names:
                self.pending.pop(done, None)
        if not self.pending and self in sys.meta_path:
            sys.meta_path.remove(self)


def route_displays() -> None:
    """Outside IPython, make the displays libraries make go where the notebook's go (stderr)."""
    if _shell() is not None:
        return  # inside IPython: its own displays, unchanged
    if any(type(f).__name__ == "_RouteOnImport" for f in sys.meta_path):
        return  # another exported package routes them already
    pending: dict[str, Any] = {}
    for names, route in _ROUTES:
        loaded = [sys.modules[n] for n in names if n in sys.modules]
        if any(route(module) for module in loaded):
            continue
        try:
            installed = importlib.util.find_spec(names[0].partition(".")[0]) is not None
        except (ImportError, ValueError):
            installed = False
        if installed:  # routed when (if ever) something imports it
            pending.update({n: (names, route) for n in names})
    if pending:
        sys.meta_path.insert(0, _RouteOnImport(pending))


route_displays()
