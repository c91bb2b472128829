"""Compare a cell's outputs: normalised text, numbers within a tolerance, tables by cell, images by hash."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nbprod.verify.normalize import normalise

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?\b(?:nan|NaN|inf|Inf)\b")
# richest representation first; the first mime type present on both sides is compared
_PREFERENCE = (
    "image/png", "image/jpeg", "image/svg+xml", "text/html", "text/markdown", "text/latex",
    "application/json", "text/plain",
)  # fmt: skip
# widgets and scripts, and nbprod's own session record (it grows as the session runs: the
# record shown under `%load_ext nbprod` never matches a fresh run's)
_NOT_COMPARABLE = (
    "application/vnd.jupyter.widget-view+json",
    "application/javascript",
    "application/vnd.nbprod.record+json",
)
_SCRIPT = re.compile(r"<script\b", re.I)
# an output's text beyond this many characters is compared as is, without normalising
MAX_TEXT = 1_000_000


@dataclass
class Options:
    """Comparison settings: relative / absolute tolerance for numbers, image hash distance."""

    rtol: float = 1e-6
    atol: float = 1e-12
    image_change: float = 0.005  # share of a thumbnail's pixels that may change visibly
    replace: Sequence[tuple[str, str]] = ()  # known strings -> placeholders (working folders)
    labels: tuple[str, str] = ("saved", "now")  # how diffs name the two sides


@dataclass
class CellComparison:
    """One cell: ``status`` is matched, differed, not-comparable or empty; ``detail`` a short diff."""

    status: str
    detail: str = ""
    stderr_detail: str = ""
    order_only: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class _Item:
    kind: str  # stdout | display | error
    data: Any
    comparable: bool = True

    def label(self) -> str:
        if self.kind == "display":
            mimes = [m for m in _PREFERENCE if m in self.data] or sorted(self.data)
            return f"display ({mimes[0] if mimes else 'empty'})"
        return self.kind


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def split_outputs(outputs: Sequence[dict[str, Any]]) -> tuple[list[_Item], str]:
    """Comparable items in order (streams coalesced by name) and the stderr text apart."""
    items: list[_Item] = []
    stdout: _Item | None = None
    stderr: list[str] = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            text = _text(out.get("text"))
            if out.get("name") == "stderr":
                stderr.append(text)
            elif stdout is None:
                stdout = _Item("stdout", text)
                items.append(stdout)
            else:
                stdout.data += text
        elif kind in ("execute_result", "display_data"):
            data = out.get("data") or {}
            comparable = not any(m in data for m in _NOT_COMPARABLE) and not (
                "text/html" in data
                and _SCRIPT.search(_text(data["text/html"]))
                and not any(m in data for m in _PREFERENCE[:3])
            )
            items.append(_Item("display", data, comparable))
        elif kind == "error":
            items.append(_Item("error", (str(out.get("ename", "")), str(out.get("evalue", "")))))
    return items, "".join(stderr)


def _is_float(s: str) -> bool:
    return any(c in s for c in ".eE") or s.lower().lstrip("+-") in ("nan", "inf")


def _number_equal(a: str, b: str, opts: Options) -> bool:
    if a == b:
        return True
    if not (_is_float(a) or _is_float(b)):
        return False  # integers compare exactly
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    if math.isnan(x) and math.isnan(y):
        return True
    return math.isclose(x, y, rel_tol=opts.rtol, abs_tol=opts.atol)


def _line_equal(a: str, b: str, opts: Options) -> bool:
    if a == b:
        return True
    ta, tb = _NUMBER.split(a), _NUMBER.split(b)
    if ta != tb:
        return False
    na, nb = _NUMBER.findall(a), _NUMBER.findall(b)
    return len(na) == len(nb) and all(_number_equal(x, y, opts) for x, y in zip(na, nb, strict=False))


def _clip(text: str, at: int, width: int = 60) -> str:
    start = max(0, at - width // 3)
    piece = text[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


def _first_diff(a: str, b: str) -> int:
    """Where two strings first differ (bisection on slices: fast on long lines)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def compare_text(saved: str, fresh: str, opts: Options) -> str | None:
    """None when equal after normalisation and tolerance, else a one-line diff.

    Texts longer than ``MAX_TEXT`` are normalised on their first ``MAX_TEXT`` characters
    only; the rest must be equal as is (time stays linear and bounded per output).
    """
    if len(saved) > MAX_TEXT or len(fresh) > MAX_TEXT:
        head = compare_text(saved[:MAX_TEXT], fresh[:MAX_TEXT], opts)
        if head is not None or saved[MAX_TEXT:] == fresh[MAX_TEXT:]:
            return head
        return (
            f"{opts.labels[0]} {len(saved)} characters, {opts.labels[1]} {len(fresh)}; "
            f"they differ after the first {MAX_TEXT} (compared as is beyond that)"
        )
    a, b = normalise(saved, opts.replace), normalise(fresh, opts.replace)
    if a == b:
        return None
    la, lb = a.split("\n"), b.split("\n")
    for n, (x, y) in enumerate(zip(la, lb, strict=False), 1):
        if not _line_equal(x, y, opts):
            at = _first_diff(x, y)
            where = f"line {n}: " if max(len(la), len(lb)) > 1 else ""
            return f"{where}{opts.labels[0]} {_clip(x, at)!r}, {opts.labels[1]} {_clip(y, at)!r}"
    if len(la) == len(lb):
        return None
    longer, which = (la, opts.labels[0]) if len(la) > len(lb) else (lb, opts.labels[1])
    extra = longer[min(len(la), len(lb))]
    return (
        f"{len(la)} line(s) {opts.labels[0]}, {len(lb)} {opts.labels[1]}; "
        f"first extra line ({which}): {_clip(extra, 0)!r}"
    )


def order_only(saved: str, fresh: str, opts: Options) -> bool:
    """True when the two texts hold the same tokens in another order (set or hash order)."""
    token = re.compile(r"[^\s,{}\[\]()]+")
    if len(saved) > MAX_TEXT or len(fresh) > MAX_TEXT:
        return False
    a, b = normalise(saved, opts.replace), normalise(fresh, opts.replace)
    return a != b and sorted(token.findall(a)) == sorted(token.findall(b))


def _compare_display(saved: dict[str, Any], fresh: dict[str, Any], opts: Options) -> str | None:
    common = [m for m in _PREFERENCE if m in saved and m in fresh]
    if not common:
        shown = [", ".join(sorted(side)) or "nothing" for side in (saved, fresh)]
        return f"{opts.labels[0]} shows {shown[0]}, {opts.labels[1]} {shown[1]}"
    mime = common[0]
    a, b = saved[mime], fresh[mime]
    if mime in ("image/png", "image/jpeg"):
        from nbprod.verify.images import compare_images

        return compare_images(_text(a), _text(b), opts.image_change, opts.labels)
    if mime == "text/html":
        from nbprod.verify.tables import compare_html

        return compare_html(_text(a), _text(b), opts, compare_text)
    if mime == "image/svg+xml":
        from nbprod.verify.images import svg_text

        diff = compare_text(svg_text(_text(a)), svg_text(_text(b)), opts)
        return f"svg image differs: {diff}" if diff else None
    if mime == "application/json":
        a, b = json.dumps(a, sort_keys=True, indent=0), json.dumps(b, sort_keys=True, indent=0)
    return compare_text(_text(a), _text(b), opts)


def compare_outputs(
    saved: Sequence[dict[str, Any]], fresh: Sequence[dict[str, Any]], opts: Options | None = None
) -> CellComparison:
    """Compare one cell's saved outputs with a fresh run's (stderr reported apart)."""
    opts = opts or Options()
    s_items, s_err = split_outputs(saved)
    f_items, f_err = split_outputs(fresh)
    stderr_detail = (compare_text(s_err, f_err, opts) or "") if (s_err or f_err) else ""
    if not s_items and not f_items:
        return CellComparison("empty", stderr_detail=stderr_detail)
    s_cmp = [i for i in s_items if i.comparable]
    f_cmp = [i for i in f_items if i.comparable]
    skipped = len(s_items) - len(s_cmp) + len(f_items) - len(f_cmp)
    notes = [f"{skipped} output(s) not comparable (widgets, scripts, the nbprod record)"] if skipped else []
    if not s_cmp and not f_cmp:
        return CellComparison("not-comparable", stderr_detail=stderr_detail, notes=notes)
    if len(s_cmp) != len(f_cmp) or any(a.kind != b.kind for a, b in zip(s_cmp, f_cmp, strict=False)):
        detail = (
            f"{opts.labels[0]} {len(s_cmp)} output(s) ({', '.join(i.label() for i in s_cmp) or 'none'}), "
            f"{opts.labels[1]} {len(f_cmp)} ({', '.join(i.label() for i in f_cmp) or 'none'})"
        )
        return CellComparison("differed", detail, stderr_detail, notes=notes)
    for n, (a, b) in enumerate(zip(s_cmp, f_cmp, strict=False), 1):
        if a.kind == "stdout":
            diff = compare_text(a.data, b.data, opts)
        elif a.kind == "error":
            diff = compare_text(": ".join(a.data), ": ".join(b.data), opts)
        else:
            diff = _compare_display(a.data, b.data, opts)
        if diff:
            where = f"{a.label()}" if len(s_cmp) == 1 else f"output {n} {a.label()}"
            only = a.kind == "stdout" and order_only(a.data, b.data, opts)
            return CellComparison("differed", f"{where}: {diff}", stderr_detail, only, notes)
    return CellComparison("matched", stderr_detail=stderr_detail, notes=notes)
