"""Value classes without ``dataclasses``: equality, ``repr`` and (for frozen ones) hashing,
immutability and pickling, all read from the class's ``__match_args__``.

``import dataclasses`` pulls in ``inspect`` and costs several milliseconds at every start of
``nbprod check``; the classes on the check path write their ``__init__`` by hand and take the
rest from here. ``__match_args__`` lists every field in ``__init__``'s order, as a
dataclass's does.
"""

from __future__ import annotations

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any


class _Fields:
    __slots__ = ()
    __match_args__: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self.__match_args__])


class Value(_Fields):
    """Compared and shown by its fields (``__match_args__``); mutable, so not hashable."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__match_args__)
        return f"{type(self).__qualname__}({fields})"


class Immutable(_Fields):
    """Cannot change once made, and is copied and pickled by value; compared by identity.
    Its ``__init__`` sets fields with ``object.__setattr__``."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__qualname__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: {type(self).__qualname__} is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, self._values())


class Frozen(Immutable, Value):
    """An ``Immutable`` ``Value``: compared by its fields, and hashable."""

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]  # Value is unhashable, Frozen is not
        return hash(self._values())
