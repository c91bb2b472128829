"""Where each cell's source lines stand in the ``.ipynb`` file's own JSON text.

CI annotations must land on a line of the file the diff shows, so the notebook's JSON
is walked once with positions: for every cell, the file line and column at which each
of its source lines starts. Works for ``source`` as a list of strings or as one string,
indented or minified JSON, nbformat 3 worksheets (``input``) and 4.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity")
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


@dataclass(eq=False, repr=False)
class CellSpan:
    """One cell's source in the file: the offset of its ``source`` value and, per string
    piece, (offset in the cell's text, raw offset of the piece's first character)."""

    value_offset: int
    pieces: list[tuple[int, int, str]] = field(default_factory=list)  # (text start, raw start, raw)


class _Walker:
    """A JSON parser that records the raw position of each cell's source strings."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.cells: list[CellSpan] = []

    def ws(self, i: int) -> int:
        m = _WS.match(self.text, i)
        return m.end() if m else i

    def value(self, i: int, path: tuple[Any, ...]) -> tuple[Any, int]:
        """Parse the value at ``i``; returns (python value or None for containers, end)."""
        i = self.ws(i)
        ch = self.text[i : i + 1]
        if ch == "{":
            return None, self.obj(i + 1, path)
        if ch == "[":
            return None, self.arr(i + 1, path)
        if ch == '"':
            s, end = scanstring(self.text, i + 1)
            return s, end
        m = _SCALAR.match(self.text, i)
        if not m:
            raise ValueError(f"bad JSON at offset {i}")
        return None, m.end()

    def obj(self, i: int, path: tuple[Any, ...]) -> int:
        i = self.ws(i)
        if self.text[i : i + 1] == "}":
            return i + 1
        while True:
            i = self.ws(i)
            key, i = scanstring(self.text, i + 1)
            i = self.ws(i)
            i += 1  # ':'
            sub = (*path, key)
            if self._is_source(sub):
                i = self.source(self.ws(i))
            elif self._descend(sub):
                _, i = self.value(i, sub)
            else:
                i = self.skip(i)
            i = self.ws(i)
            if self.text[i : i + 1] == ",":
                i += 1
                continue
            return i + 1

    def arr(self, i: int, path: tuple[Any, ...]) -> int:
        i = self.ws(i)
        if self.text[i : i + 1] == "]":
            return i + 1
        n = 0
        while True:
            sub = (*path, n)
            if self._is_cell(sub):
                self.cells.append(CellSpan(-1))
            _, i = self.value(i, sub)
            n += 1
            i = self.ws(i)
            if self.text[i : i + 1] == ",":
                i += 1
                continue
            return i + 1

    def skip(self, i: int) -> int:
        """Skip a value nobody asked about (outputs, metadata) as fast as possible."""
        _, end = json.JSONDecoder().raw_decode(self.text, self.ws(i))
        return end

    def source(self, i: int) -> int:
        span = self.cells[-1] if self.cells else CellSpan(-1)
        span.value_offset = i
        if self.text[i : i + 1] == '"':
            s, end = scanstring(self.text, i + 1)
            span.pieces.append((0, i + 1, self.text[i + 1 : end - 1]))
            return end
        if self.text[i : i + 1] != "[":
            return self.skip(i)
        i = self.ws(i + 1)
        pos = 0
        if self.text[i : i + 1] == "]":
            return i + 1
        while True:
            i = self.ws(i)
            if self.text[i : i + 1] != '"':
                i = self.skip(i)
            else:
                s, end = scanstring(self.text, i + 1)
                span.pieces.append((pos, i + 1, self.text[i + 1 : end - 1]))
                pos += len(s)
                i = end
            i = self.ws(i)
            if self.text[i : i + 1] == ",":
                i += 1
                continue
            return i + 1

    @staticmethod
    def _is_cell(path: tuple[Any, ...]) -> bool:
        return (len(path) == 2 and path[0] == "cells") or (
            len(path) == 4 and path[0] == "worksheets" and path[2] == "cells"
        )

    @staticmethod
    def _descend(path: tuple[Any, ...]) -> bool:
        return path in (("cells",), ("worksheets",)) or (
            len(path) == 3 and path[0] == "worksheets" and path[2] == "cells"
        )

    @staticmethod
    def _is_source(path: tuple[Any, ...]) -> bool:
        if len(path) == 3 and path[0] == "cells":
            return path[2] == "source"
        return len(path) == 5 and path[0] == "worksheets" and path[4] in ("source", "input")


def _raw_index(raw: str, decoded: int) -> int:
    """The raw (escaped) offset, in a JSON string's text, of its ``decoded``-th character."""
    if "\\" not in raw:
        return decoded
    n = 0  # decoded characters so far
    i = 0
    while i < len(raw) and n < decoded:
        if raw[i] == "\\":
            m = _ESCAPE.match(raw, i)
            step = m.end() - i if m else 2
            if m and m.group(1)[:1] == "u" and 0xD800 <= int(m.group(1)[1:], 16) < 0xDC00:
                nxt = _ESCAPE.match(raw, i + step)  # a surrogate pair decodes to one character
                if nxt and nxt.group(1)[:1] == "u":
                    step = nxt.end() - i
            i += step
        else:
            i += 1
        n += 1
    return i


class SourceMap:
    """File positions (1-based line, 1-based column) of every cell's source lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        walker = _Walker(text)
        start = walker.ws(1 if text.startswith("\ufeff") else 0)
        walker.value(start, ())
        self.cells = walker.cells

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_left(self._newlines, offset)
        col = offset - (self._newlines[line - 1] + 1 if line else 0)
        return line + 1, col + 1

    def locate(self, cell: int | None, line: int | None) -> tuple[int, int]:
        """The file (line, column) of ``line`` (1-based) of cell ``cell`` (0-based)."""
        if cell is None or not 0 <= cell < len(self.cells):
            return 1, 1
        span = self.cells[cell]
        if not span.pieces:
            return self.position(max(span.value_offset, 0))
        target = self._line_start(span, max((line or 1) - 1, 0))
        texts = [p[0] for p in span.pieces]
        k = max(bisect.bisect_right(texts, target) - 1, 0)
        text_start, raw_start, raw = span.pieces[k]
        return self.position(raw_start + _raw_index(raw, target - text_start))

    def line_text(self, cell: int | None, line: int | None) -> str:
        """The text of ``line`` of a cell's source ("" when there is none)."""
        if cell is None or not 0 <= cell < len(self.cells) or not line:
            return ""
        pieces = self.cells[cell].pieces
        text = "".join(json.loads(f'"{raw}"') if "\\" in raw else raw for _, _, raw in pieces)
        lines = text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""

    @staticmethod
    def _line_start(span: CellSpan, lines_before: int) -> int:
        """Offset, in the cell's decoded text, where its line ``lines_before + 1`` starts."""
        if lines_before == 0:
            return 0
        seen = 0
        for text_start, _, raw in span.pieces:
            s = json.loads(f'"{raw}"') if "\\" in raw else raw
            at = -1
            while True:
                at = s.find("\n", at + 1)
                if at < 0:
                    break
                seen += 1
                if seen == lines_before:
                    return text_start + at + 1
        return span.pieces[-1][0]  # past the end: the last piece


def source_map(path: str) -> SourceMap | None:
    """The source map of a notebook file, or None when it cannot be read as JSON."""
    try:
        with open(path, encoding="utf-8") as fh:
            return SourceMap(fh.read())
    except (OSError, UnicodeDecodeError, ValueError, IndexError):
        return None


__all__ = ["SourceMap", "source_map"]
