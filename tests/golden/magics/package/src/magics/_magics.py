"""Python equivalents of the notebook's IPython escapes (``!cmd``, ``x = !cmd``)."""

from __future__ import annotations

import subprocess
import sys
import warnings


def sh(command: str) -> None:
    """``!command``: run it in a shell and print what it prints."""
    result = subprocess.run(
        command, shell=True, capture_output=True, text=True, check=False
    )
    print(result.stdout, end="")
    print(result.stderr, end="", file=sys.stderr)


def getoutput(command: str) -> list[str]:
    """``x = !command``: the command's output lines."""
    result = subprocess.run(
        command, shell=True, capture_output=True, text=True, check=False
    )
    return (result.stdout + result.stderr).splitlines()


def magic_todo(magic: str) -> None:
    """A magic nbprod could not translate: warn at run time instead of failing silently."""
    warnings.warn(f"not translated from the notebook: {magic}", stacklevel=2)
