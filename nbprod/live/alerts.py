"""Showing live warnings under the cell that caused them: HTML in a kernel, stderr in a terminal."""

from __future__ import annotations

import html
import sys
from typing import Any

WARNING_METADATA_KEY = "nbprod"  # display metadata marking nbprod's own outputs
_STYLE = (
    "border-left:3px solid #e0a030;background:rgba(224,160,48,.08);padding:2px 8px;"
    "margin:2px 0;font-size:90%;font-family:var(--jp-content-font-family,sans-serif)"
)


def text_lines(warnings: list[dict[str, Any]]) -> str:
    """One line per warning, then its fix: ``nbprod NB104: ...``."""
    lines = []
    for w in warnings:
        where = f" (line {w['line']})" if w.get("line") else ""
        lines.append(f"nbprod {w['rule']}{where}: {w['message']}\n    fix: {w['fix']}")
    return "\n".join(lines)


def html_note(warnings: list[dict[str, Any]]) -> str:
    """A small non-blocking note per warning."""
    parts = []
    for w in warnings:
        where = f" <small>line {w['line']}</small>" if w.get("line") else ""
        parts.append(
            f'<div class="nbprod-warning" style="{_STYLE}"><b>nbprod {html.escape(w["rule"])}</b>{where}: '
            f"{html.escape(w['message'])}<br><small>{html.escape(w['fix'])} "
            f"(<code>%nbprod warnings off {html.escape(w['rule'])}</code> hides these)</small></div>"
        )
    return "".join(parts)


def show(warnings: list[dict[str, Any]], rich: bool) -> None:
    """Display the warnings (rich: a display_data output; else one line each on stderr)."""
    if not warnings:
        return
    if rich:
        from IPython.display import display

        display(
            {"text/plain": text_lines(warnings), "text/html": html_note(warnings)},
            raw=True,
            metadata={WARNING_METADATA_KEY: {"warnings": sorted({w["rule"] for w in warnings})}},
        )
    else:
        print(text_lines(warnings), file=sys.stderr)
