"""Helpers for the generated tests: value summaries and tolerant output comparison."""

from __future__ import annotations

import asyncio
import contextlib
import io
import math
import re
from dataclasses import dataclass, field
from typing import Any

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
REL, ABS = 1e-6, 1e-9


def _num(x: Any) -> Any:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    if math.isnan(f) or math.isinf(f):
        return str(f)
    return f


def summarize(value: Any) -> dict[str, Any]:
    """Type, shape, columns, dtypes and a few numbers of a value, as JSON-safe data."""
    t = type(value)
    out: dict[str, Any] = {"type": f"{t.__module__}.{t.__qualname__}"}
    module = t.__module__.split(".")[0]
    try:
        if (
            module == "pandas"
            and hasattr(value, "columns")
            and hasattr(value, "dtypes")
        ):
            out["shape"] = list(value.shape)
            out["columns"] = [str(c) for c in value.columns][:200]
            out["dtypes"] = [str(d) for d in value.dtypes][:200]
            numeric = value.select_dtypes("number")
            out["numbers"] = {
                str(c): _num(numeric[c].mean()) for c in list(numeric.columns)[:50]
            }
        elif module == "pandas" and hasattr(value, "dtype") and hasattr(value, "index"):
            out["shape"] = list(value.shape)
            out["dtype"] = str(value.dtype)
            if value.dtype.kind in "biuf":
                out["numbers"] = {"mean": _num(value.mean()), "sum": _num(value.sum())}
        elif module == "numpy" and hasattr(value, "shape") and hasattr(value, "dtype"):
            out["shape"] = list(value.shape)
            out["dtype"] = str(value.dtype)
            if value.dtype.kind in "biuf" and value.size:
                out["numbers"] = {"mean": _num(value.mean()), "sum": _num(value.sum())}
        elif isinstance(value, bool) or value is None:
            out["value"] = value
        elif isinstance(value, (int, float)):
            out["value"] = _num(value)
        elif isinstance(value, str):
            out["value"] = value if len(value) <= 300 else value[:300]
        elif isinstance(value, dict):
            out["len"] = len(value)
            out["keys"] = sorted(str(k) for k in value)[:100]
        elif isinstance(value, (list, tuple, set, frozenset)):
            out["len"] = len(value)
    # a value that cannot be summarised keeps its type
    except Exception as exc:  # noqa: BLE001
        out["error"] = type(exc).__name__
    return out


def assert_matches(
    actual: Any, expected: dict[str, Any], values: bool = True, name: str = ""
) -> None:
    """Compare a value with a recorded summary: structure always, numbers when ``values``."""
    got = summarize(actual)
    for key in ("type", "shape", "columns", "dtypes", "dtype", "len", "keys"):
        if key in expected:
            assert (
                got.get(key) == expected[key]
            ), f"{name}: {key} is {got.get(key)!r}, expected {expected[key]!r}"
    if not values:
        return
    if "value" in expected:
        _close(got.get("value"), expected["value"], f"{name}: value")
    for k, v in (expected.get("numbers") or {}).items():
        _close((got.get("numbers") or {}).get(k), v, f"{name}: {k}")


def _close(a: Any, b: Any, what: str) -> None:
    if isinstance(a, float) and isinstance(b, float):
        assert math.isclose(
            a, b, rel_tol=REL, abs_tol=ABS
        ), f"{what} is {a!r}, expected {b!r}"
    else:
        assert a == b, f"{what} is {a!r}, expected {b!r}"


def normalise(text: str) -> str:
    """Durations, addresses, temp paths... masked as ``nbprod verify`` masks them."""
    try:
        from ._normalize import normalise as verify_normalise
    except ImportError:  # run outside the package (nbprod's capture kernel)
        return text
    return verify_normalise(text)


def _normal(text: str) -> list[str]:
    text = normalise(text.replace("\r\n", "\n"))
    lines = [line.rstrip() for line in text.replace("\r", "\n").strip().split("\n")]
    if "<progress>" not in lines:
        return lines
    # progress bars go to stdout or stderr depending on where they run: not compared
    return [line for line in lines if line and line != "<progress>"]


def assert_same_output(actual: str, expected: str) -> None:
    """Printed text equal line by line (volatile parts masked), numbers within a tolerance."""
    a, e = _normal(actual), _normal(expected)
    assert len(a) == len(
        e
    ), f"printed {len(a)} lines, the notebook printed {len(e)}:\n{actual}"
    for i, (x, y) in enumerate(zip(a, e)):
        if x == y:
            continue
        xs, ys = _NUMBER.split(x), _NUMBER.split(y)
        xn, yn = _NUMBER.findall(x), _NUMBER.findall(y)
        assert xs == ys and len(xn) == len(yn), f"line {i + 1}: {x!r} != {y!r}"
        for p, q in zip(xn, yn):
            assert math.isclose(
                float(p), float(q), rel_tol=REL, abs_tol=ABS
            ), f"line {i + 1}: {x!r} != {y!r}"


@dataclass
class SectionRun:
    """What one section returned and printed."""

    values: dict[str, Any] = field(default_factory=dict)
    stdout: str = ""
    error: BaseException | None = None
    file: str = ""


def run_sections(sections: Any, params: dict[str, Any]) -> dict[str, SectionRun]:
    """Run the sections in order as ``pipeline.run()`` does, keeping each one's results."""
    ns = dict(params)
    runs: dict[str, SectionRun] = {}
    for module, function, names, returns, is_async in sections:
        run = runs[module] = SectionRun(file=function.__code__.co_filename)
        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(buffer):
                result = function(*[ns[n] for n in names])
                if is_async:
                    result = asyncio.run(result)
        # kept for the section's own test to report
        except BaseException as exc:  # noqa: BLE001
            run.error = exc
            run.stdout = buffer.getvalue()
            break
        run.stdout = buffer.getvalue()
        if len(returns) == 1:
            result = (result,)
        run.values = dict(zip(returns, result or ()))
        ns.update(run.values)
    return runs


def section(runs: dict[str, SectionRun], module: str) -> SectionRun:
    """The run of one section; fails with the section's own error, skips after an earlier one."""
    import pytest

    if module not in runs:
        failed = [m for m, r in runs.items() if r.error is not None]
        pytest.skip(f"an earlier section ({', '.join(failed)}) failed: see its test")
    run = runs[module]
    if run.error is not None:
        raise AssertionError(
            f"{module} raised {type(run.error).__name__}: {run.error}"
            + where_it_failed(run.error, run.file)
        ) from run.error
    return run


_CELL = re.compile(r"#\s*\(notebook cell (\d+)\)")


def where_it_failed(error: BaseException, file: str) -> str:
    """`` in notebook cell N, line L: code`` for the last frame of ``error`` in ``file``."""
    import traceback

    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == file]
    if not frames:
        return ""
    frame = frames[-1]
    try:
        with open(file, encoding="utf-8") as handle:
            lines = handle.read().split("\n")
    except OSError:
        return f" (line {frame.lineno} of {file})"
    cell = None
    for line in reversed(lines[: frame.lineno or 0]):
        m = _CELL.search(line)
        if m:
            cell = m.group(1)
            break
    where = f" in notebook cell {cell}" if cell is not None else ""
    return f"{where}, at {file}:{frame.lineno}: {(frame.line or '').strip()}"
