"""Regular expressions compiled on first use, for module-level patterns.

``re.compile`` runs Python code (the parser and compiler of ``re``): about 1 M
instructions a pattern. The check path holds some 60 module-level patterns, and most
notebooks meet only a few of them (the secret rules' placeholders and token formats are
read only for a candidate secret), so compiling them all at import was about a fifth of a
one-notebook ``nbprod check``. ``lazyre.compile(source, flags)`` returns a stand-in that
compiles the pattern the first time one of its attributes is read, then keeps the real
pattern's methods on itself: later calls cost what the real pattern's do.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

# what a compiled pattern offers; each is copied onto the stand-in once it is compiled
_ATTRIBUTES = (
    "match", "fullmatch", "search", "finditer", "findall", "sub", "subn", "split", "scanner",
    "pattern", "flags", "groups", "groupindex",
)  # fmt: skip


class _Lazy:
    """A pattern not compiled yet; see the module's docstring."""

    def __init__(self, source: str, flags: int) -> None:
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str) -> Any:  # only for names not on the instance yet
        if name.startswith("__") or name in ("_source", "_flags"):  # copy, pickle, repr probes
            raise AttributeError(name)
        compiled = re.compile(self._source, self._flags)
        for attribute in _ATTRIBUTES:
            self.__dict__[attribute] = getattr(compiled, attribute)
        self.__dict__["compiled"] = compiled
        return self.__dict__[name] if name == "compiled" else getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazyre.compile({self._source!r}, {self._flags!r})"


def compile(source: str, flags: int = 0) -> re.Pattern[str]:  # noqa: A001 - re's name, on purpose
    """``re.compile(source, flags)``, done when the pattern is first used."""
    return _Lazy(source, int(flags))  # type: ignore[return-value]
