"""NB4: secrets in code and in saved outputs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nbprod.analysis.cell import EXPR
from nbprod.analysis.facts import NotebookFacts
from nbprod.rules import Hit, rule

TOKEN_PATTERNS = [
    ("AWS access key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("GitHub token", r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    ("GitHub token", r"\bgithub_pat_[A-Za-z0-9_]{60,}\b"),
    ("OpenAI-style secret key", r"\bsk-(?:live-|proj-|test-)?[A-Za-z0-9_-]{20,}\b"),
    ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
    ("Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    ("Stripe key", r"\b(?:rk|pk|sk)_(?:live|test)_[A-Za-z0-9]{20,}\b"),
    ("Hugging Face token", r"\bhf_[A-Za-z0-9]{30,}\b"),
    ("private key", r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    ("password in a URL", r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s@'\"]{3,}@[\w.-]+"),
]
# Literal text every pattern contains: a cheap test before the regular expression.
_MARKERS = ("AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "sk-", "xox", "AIza",
            "_live_", "_test_", "hf_", "PRIVATE KEY", "://")  # fmt: skip
_TOKENS = re.compile("|".join(f"(?P<t{i}>{p})" for i, (_, p) in enumerate(TOKEN_PATTERNS)))
SECRET_NAME = re.compile(
    r"(?i)(api[_-]?key|apikey|secret|(?<![a-z])token(?!s|iz|_?(?:col|len|id)|_?type)|passw(?:or)?d|passwd|pwd"
    r"|access[_-]?key|private[_-]?key|credential|auth[_-]?key)"
)
# Names that hold the name or location of a secret, not the secret: ``secret_name``.
_SECRET_NOT_VALUE = re.compile(
    r"(?i)(?:_|^)(?:name|path|file|dir|url|env|var|col|column|field|id|type|prefix|header|len)$"
)
_PLACEHOLDER = re.compile(
    r"(?i:^(?:<.*>|\{.*\}|\$\{?\w+\}?|\*{3,}|\.{3,}|none|null|todo|test|secret|password|token|api[_-]?key)$)"
    r"|(?i:your|here|replace|insert|placeholder|change_?me|example|dummy|fake|sample|xxxx|redacted|\.\.\.)"
    r"|^[A-Z_]+$"  # an upper-case name such as YOUR_API_KEY
)


def find_tokens(text: str) -> list[tuple[str, str]]:
    """(kind, matched text) for every known secret pattern in a text."""
    if len(text) <= _SHORT and not any(marker in text for marker in _MARKERS):
        return []
    found = []
    for start, chunk in _windows(text):
        for m in _TOKENS.finditer(chunk):
            if m.start() == 0 and start and (text[start - 1].isalnum() or text[start - 1] == "_"):
                continue  # \b matched at the window's edge, not at a word boundary
            kind = TOKEN_PATTERNS[int(m.lastgroup[1:])][0]  # type: ignore[index]
            found.append((kind, m.group()))
    return found


_SHORT = 1024  # texts up to this long are scanned whole; longer ones only around markers


def _windows(text: str, before: int = 64, after: int = 512) -> list[tuple[int, str]]:
    """The parts of a text around the markers (the whole text when short).

    A regular expression that starts with ``\b`` is scanned at every position (about
    0.5 µs a character here), while ``str.find`` skips through text at memory speed:
    a 3 MB plotly output costs 1.5 s the first way and about a millisecond this way.
    """
    if len(text) <= _SHORT:
        return [(0, text)]
    spans = []
    for marker in _MARKERS:
        i = text.find(marker)
        while i >= 0:
            spans.append((max(0, i - before), i + after))
            i = text.find(marker, i + 1)
    spans.sort()
    merged: list[list[int]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, text[lo:hi]) for lo, hi in merged]


def mask(secret: str) -> str:
    """Enough of a secret to find it, not enough to use it."""
    return secret[:4] + "…" if len(secret) > 6 else "…"


def looks_secret(name: str, value: object) -> bool:
    """A literal value of 8+ characters bound to a secret-sounding name."""
    if not isinstance(value, str) or value is EXPR:
        return False
    value = value.strip()
    return (
        len(value) >= 8
        and " " not in value
        and bool(SECRET_NAME.search(name))
        and not _SECRET_NOT_VALUE.search(name)
        and not _PLACEHOLDER.search(value)
        and not value.startswith(("http://", "https://", "/", "./", "os.environ"))
        # a word or a path is not a secret: secrets mix digits or cases, or are long
        and (any(c.isdigit() for c in value) or value.lower() != value or len(value) >= 20)
    )


@rule(
    "NB401",
    "secret-in-code",
    "error",
    "a secret in code: API keys, tokens, passwords as literals",
    "Read it from the environment (os.environ['API_KEY']) or a secrets manager, and rotate it.",
)
def secret_in_code(facts: NotebookFacts) -> Iterator[Hit]:
    """A secret written in a notebook is in every copy and every commit of it."""
    for cell, cf in facts.code():
        seen: set[int] = set()
        for name, line, value in cf.str_assigns:
            if looks_secret(name, value):
                seen.add(line)
                yield cell.index, line, f"'{name}' is assigned a literal secret ({mask(value)})"
        for call in cf.calls:
            for key, value in call.kwargs.items():
                if call.line not in seen and looks_secret(key, value):
                    seen.add(call.line)
                    yield (
                        cell.index,
                        call.line,
                        f"{call.display}({key}=...) is passed a literal secret ({mask(value)})",
                    )
        for line, text in cf.strings:
            if line in seen:
                continue
            for kind, token in find_tokens(text):
                seen.add(line)
                yield cell.index, line, f"{kind} in code ({mask(token)})"
                break


_TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "application/json", "text/latex")


def output_texts(output: dict) -> Iterator[str]:
    """The text parts of one saved output (no images)."""
    if not isinstance(output, dict):
        return
    text = output.get("text")
    if text:
        yield "".join(text) if isinstance(text, list) else str(text)
    data = output.get("data")
    if isinstance(data, dict):
        for mime in _TEXT_MIMES:
            value = data.get(mime)
            if value:
                yield "".join(value) if isinstance(value, list) else str(value)
    tb = output.get("traceback")
    if isinstance(tb, list):
        yield "\n".join(str(t) for t in tb)


@rule(
    "NB402",
    "secret-in-output",
    "error",
    "a secret in saved outputs",
    "Clear the output, rotate the secret, and stop printing it.",
)
def secret_in_output(facts: NotebookFacts) -> Iterator[Hit]:
    """Outputs are saved in the file: a printed token is as public as the notebook."""
    for cell in facts.notebook.cells:
        if cell.kind != "code":
            continue
        for output in cell.outputs:
            for text in output_texts(output):
                hits = find_tokens(text)
                if hits:
                    kind, token = hits[0]
                    yield cell.index, None, f"{kind} in the cell's saved output ({mask(token)})"
                    break
            else:
                continue
            break
