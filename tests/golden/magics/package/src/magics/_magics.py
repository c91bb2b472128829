"""Python equivalents of the notebook's IPython escapes (``!cmd``, ``x = !cmd``)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator


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


def _format_time(seconds: float) -> str:
    if seconds >= 60:
        minutes, rest = divmod(seconds, 60)
        return f"{int(minutes)}min {int(rest)}s"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


@contextlib.contextmanager
def timed() -> Iterator[None]:
    """``%%time``: run the block, then print CPU and wall times as IPython does."""
    start, wall = os.times(), time.perf_counter()
    try:
        yield
    finally:
        end = os.times()
        user, system = end.user - start.user, end.system - start.system
        print(
            f"CPU times: user {_format_time(user)}, sys: {_format_time(system)}, "
            f"total: {_format_time(user + system)}"
        )
        print(f"Wall time: {_format_time(time.perf_counter() - wall)}")
