"""Python equivalents of the notebook's IPython escapes (``!cmd``, ``x = !cmd``)."""

from __future__ import annotations

import contextlib
import io
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


class CapturedIO:
    """What ``%%capture name`` kept: ``name()`` shows it again, ``.stdout`` / ``.stderr``."""

    def __init__(self) -> None:
        self.stdout = ""
        self.stderr = ""

    def show(self) -> None:
        print(self.stdout, end="")
        print(self.stderr, end="", file=sys.stderr)

    __call__ = show

    def __str__(self) -> str:
        return self.stdout


@contextlib.contextmanager
def capture(
    stdout: bool = True, stderr: bool = True, display: bool = True
) -> Iterator[CapturedIO]:
    """``%%capture``: run the block without printing what it prints, as the notebook did.

    ``display`` is accepted for ``--no-display``: in a script displays go to stderr.
    """
    captured = CapturedIO()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        if stdout:
            stack.enter_context(contextlib.redirect_stdout(out))
        if stderr:
            stack.enter_context(contextlib.redirect_stderr(err))
        try:
            yield captured
        finally:
            captured.stdout, captured.stderr = out.getvalue(), err.getvalue()
