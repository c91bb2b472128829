"""Errors that nbprod reports to the user as one line, never as a traceback."""

from __future__ import annotations


def one_line(text: object) -> str:
    """Text for a one-line message: newlines and other control characters escaped (a file
    name holding a newline must not split the error line in two)."""
    s = str(text)
    if s.isprintable():
        return s
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in s)


class NbprodError(Exception):
    """Base error: its message is shown to the user as is and tells what to do."""


class NotebookError(NbprodError):
    """A file could not be read as a notebook."""


class ConfigError(NbprodError):
    """The ``[tool.nbprod]`` configuration or the command-line usage is wrong."""


class MissingExtraError(NbprodError):
    """An optional dependency is needed for this path and is not installed."""

    def __init__(self, package: str, purpose: str) -> None:
        super().__init__(f"{purpose} needs the '{package}' package: pip install '{package}'")
