"""HTML outputs compared by content: tables (DataFrames, Stylers) cell by cell, the rest as text."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

_TAG = re.compile(r"<[^>]+>")
_DROP = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)


class _Tables(HTMLParser):
    """Collect the tables' cells (row by row) and the text outside tables."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.outside: list[str] = []
        self._depth = 0
        self._cell: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "table":
            self._depth += 1
            if self._depth == 1:
                self.tables.append([])
        elif tag == "tr" and self._depth == 1:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self._depth == 1 and self.tables[-1]:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "table":
            self._depth = max(0, self._depth - 1)
        elif tag in ("td", "th") and self._cell is not None and self._depth == 1:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif not self._depth:
            self.outside.append(data)


def parse_tables(html: str) -> tuple[list[list[list[str]]], str]:
    """The tables in an HTML output (rows of cell texts) and the text around them."""
    parser = _Tables()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # malformed HTML: fall back to its text
        return [], _TAG.sub(" ", _DROP.sub(" ", html))
    return parser.tables, " ".join(" ".join(parser.outside).split())


def _label(table: list[list[str]], r: int, c: int) -> str:
    column = table[0][c] if table and c < len(table[0]) and table[0][c] else f"#{c + 1}"
    row = table[r][0] if table[r] and table[r][0] else f"#{r + 1}"
    return f"row {row!r}, column {column!r}"


def compare_html(
    saved: str, fresh: str, opts: Any, compare_text: Callable[[str, str, Any], str | None]
) -> str | None:
    """None when the HTML outputs hold the same tables and text, else a one-line diff."""
    s_tables, s_text = parse_tables(saved)
    f_tables, f_text = parse_tables(fresh)
    if len(s_tables) != len(f_tables):
        return f"{opts.labels[0]} {len(s_tables)} table(s), {opts.labels[1]} {len(f_tables)}"
    for a, b in zip(s_tables, f_tables, strict=False):
        shape_a = (len(a), max((len(r) for r in a), default=0))
        shape_b = (len(b), max((len(r) for r in b), default=0))
        if shape_a != shape_b:
            return (
                f"table shape: {opts.labels[0]} {shape_a[0]}x{shape_a[1]} cells, "
                f"{opts.labels[1]} {shape_b[0]}x{shape_b[1]}"
            )
        differing = [
            (r, c, x, y)
            for r, (ra, rb) in enumerate(zip(a, b, strict=False))
            for c, (x, y) in enumerate(zip(ra, rb, strict=False))
            if compare_text(x, y, opts) is not None
        ]
        if differing:
            r, c, x, y = differing[0]
            more = f" ({len(differing)} cells differ)" if len(differing) > 1 else ""
            return f"table {_label(a, r, c)}: {opts.labels[0]} {x!r}, {opts.labels[1]} {y!r}{more}"
    diff = compare_text(s_text, f_text, opts)
    return f"text: {diff}" if diff else None
