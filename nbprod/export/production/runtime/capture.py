"""Run the pipeline and keep every section's local values, by name."""

from __future__ import annotations

import functools
import sys
import types
from typing import Any


def _wrap(fn: Any, values: dict[str, Any]) -> Any:
    code = fn.__code__

    @functools.wraps(fn)
    def inner(*args: Any, **kwargs: Any) -> Any:
        held: list[types.FrameType] = []

        def hook(frame: types.FrameType, event: str, arg: Any) -> None:
            if event == "call" and frame.f_code is code:
                held.append(frame)
                sys.setprofile(None)

        old = sys.getprofile()
        sys.setprofile(hook)
        try:
            return fn(*args, **kwargs)
        finally:
            sys.setprofile(old)
            if held:
                values.update(held[0].f_locals)

    return inner


def run_capturing(pipeline: Any) -> dict[str, Any]:
    """``pipeline.run()`` with each section's locals recorded, later sections winning."""
    values: dict[str, Any] = {}
    patched = []
    for _name, fn, *_rest in pipeline.SECTIONS:
        mod = sys.modules[fn.__module__]
        if getattr(fn, "__code__", None) is None or fn.__code__.co_flags & 0x80:  # async
            continue
        patched.append((mod, fn))
        mod.run = _wrap(fn, values)  # type: ignore[attr-defined]
    try:
        result = pipeline.run(plots=False)
    finally:
        for mod, fn in patched:
            mod.run = fn  # type: ignore[attr-defined]
    if isinstance(result, dict):
        values.update(result)
    return values
