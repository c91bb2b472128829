# Copied from nbprod.verify.normalize by nbprod export.
# ruff: noqa
"""Volatile parts of outputs made stable: addresses, times, durations, temp paths, progress bars.

Every pattern here runs in time linear in the text: a variable-length run (``\\S*``,
``\\d+``) may only start where such a run starts (a look-behind), so a 200k-character
line without spaces costs one scan, not one per character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b\n]*\x07")
# a line holding one of these is a progress bar (tqdm, keras, pip): the whole line is replaced
_PROGRESS = re.compile(
    r"(?<!\d)\d+%\|[^\n|]*\||(?<!\d)\d+/\d+ \[[=>.]+\]|(?<![=#>-])\[[=#>-]{3,}[ .]*\]\s*\d+(?:\.\d+)?%"
    r"|(?<![\d.])\d+(?:\.\d+)?\s?(?:it|s)/(?:s|it)\b"
)
_RULES: list[tuple[re.Pattern[str], str]] = [
    # the cell files and input prompts of IPython kernels
    (re.compile(r"(?<!\S)\S*?ipykernel_\d+[/\\]\d+\.py"), "<cell>"),
    (re.compile(r"<ipython-input-\d+-[0-9a-f]+>"), "<cell>"),
    (re.compile(r"\bCell In\s?\[\d+\]"), "Cell In[N]"),
    # installed-package locations differ between machines
    (re.compile(r"(?<![^\s'\"()])[^\s'\"()]*?[/\\](?:site|dist)-packages[/\\]"), "<site-packages>/"),
    # temporary paths
    (
        re.compile(
            r"(?:/private)?/var/folders/[^\s'\"]+|/tmp/[^\s'\"]+|"
            r"[A-Za-z]:\\Users\\[^\\\s]+\\AppData\\Local\\Temp\\[^\s'\"]+"
        ),
        "<tmp>",
    ),
    # memory addresses and identifiers
    (re.compile(r"\b0x[0-9a-fA-F]{6,16}\b"), "0x?"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<uuid>"),
    # timestamps, then clock times
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2}|\s?[A-Z]{3,4}\b)?"
        ),
        "<time>",
    ),
    (re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} [ \d]\d \d{2}:\d{2}:\d{2}(?: \d{4})?"), "<time>"),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<time>"),
    # durations: %time, %timeit, "took 3.2 s", "in 12 ms"
    (
        re.compile(
            r"[-+]?(?<!\d)\d+(?:\.\d+)?(?:e[-+]?\d+)?\s?(?:ns|µs|μs|us|ms|s|sec|secs|seconds?|mins?|minutes?)(?![\w/])"
        ),
        "<duration>",
    ),
    (re.compile(r"(?<![\d,])[\d,]+ loops? each"), "N loops each"),
    (re.compile(r"of \d+ runs"), "of N runs"),
]
_SPACES = re.compile(r"[ \t]+")


def _backspaces(text: str) -> str:
    """Each backspace erases the character before it on its line (one pass, linear)."""
    out: list[str] = []
    line_start = 0  # a backspace never erases past a newline
    for ch in text:
        if ch == "\x08":
            if len(out) > line_start:
                out.pop()
        else:
            out.append(ch)
            if ch == "\n":
                line_start = len(out)
    return "".join(out)


def render_terminal(text: str) -> str:
    """Apply carriage returns and backspaces the way a terminal shows them."""
    if "\x08" in text:
        text = _backspaces(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        text = "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))
    return text


def normalise(text: str, replace: Iterable[tuple[str, str]] = ()) -> str:
    """Text with volatile parts replaced by placeholders and spacing collapsed.

    ``replace`` maps known strings first (the run's working folder -> ``<nbdir>``).
    """
    text = _ANSI.sub("", text)
    text = render_terminal(text)
    for old, new in replace:
        if old:
            text = text.replace(old, new)
    if _PROGRESS.search(text):
        text = "\n".join("<progress>" if _PROGRESS.search(line) else line for line in text.split("\n"))
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line == "<progress>" and out and out[-1] == "<progress>":
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
