"""NB4: secrets in code and in saved outputs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nbprod.analysis.cell import EXPR
from nbprod.analysis.facts import NotebookFacts
from nbprod.rules import Hit, rule

# kind, and the token's pattern from its start (a word boundary is checked before it).
TOKEN_PATTERNS = {
    "AWS access key": r"(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    "GitHub token": r"gh[pousr]_[A-Za-z0-9]{36,}\b",
    "GitHub fine-grained token": r"github_pat_[A-Za-z0-9_]{60,}\b",
    "OpenAI-style secret key": r"sk-(?:live-|proj-|test-)?[A-Za-z0-9_-]{20,}\b",
    "Slack token": r"xox[abposr]-[A-Za-z0-9-]{10,}\b",
    "Google API key": r"AIza[0-9A-Za-z_-]{35}\b",
    "Stripe key": r"(?:rk|pk|sk)_(?:live|test)_[A-Za-z0-9]{20,}\b",
    "Hugging Face token": r"hf_[A-Za-z0-9]{30,}\b",
    "private key": r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----",
    "password in a URL": r"[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s@'\"]{3,}@[\w.-]+",
}
_PATTERNS = {kind: re.compile(p) for kind, p in TOKEN_PATTERNS.items()}
# Literal text inside every token, as one alternation: the regex engine's literal-prefix
# search skips through text ten times faster than one ``str.find`` per marker, and each
# hit is then matched only where its token can start (a combined pattern led by ``\b``
# would be tried at every position: ~0.5 µs a character, 1.5 s on a 3 MB plotly output).
# (Named groups here would switch that prefix search off: 35x slower.)
_MARKERS = re.compile(r"AKIA|ASIA|gh[pousr]_|github_pat_|sk-|xox|AIza|_(?:live|test)_|hf_|PRIVATE KEY|://")
_MARKER_KIND = {
    "AKIA": "AWS access key", "ASIA": "AWS access key", "github_pat_": "GitHub fine-grained token",
    **{f"gh{c}_": "GitHub token" for c in "pousr"}, "sk-": "OpenAI-style secret key",
    "xox": "Slack token", "AIza": "Google API key", "_live_": "Stripe key", "_test_": "Stripe key",
    "hf_": "Hugging Face token", "PRIVATE KEY": "private key", "://": "password in a URL",
}  # fmt: skip
_SCHEME_BEFORE = re.compile(r"[a-z][a-z0-9+.-]{0,31}\Z")


def _word_start(text: str, start: int) -> bool:
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_")


def _token_at(text: str, marker: re.Match[str]) -> tuple[str, str] | None:
    """The token a marker belongs to, matched only where that token can start."""
    kind = _MARKER_KIND[marker.group()]
    pos = marker.start()
    if kind == "password in a URL":
        scheme = _SCHEME_BEFORE.search(text, max(0, pos - 32), pos)
        start = scheme.start() if scheme else -1
    elif kind == "Stripe key":
        start = pos - 2
    elif kind == "private key":
        m = _PATTERNS[kind].search(text, max(0, pos - 24), pos + 16)
        return (kind, m.group()) if m else None
    else:
        start = pos
    if start < 0 or not _word_start(text, start):
        return None
    m = _PATTERNS[kind].match(text, start)
    return (kind, m.group()) if m else None


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
    found = []
    for marker in _MARKERS.finditer(text):
        token = _token_at(text, marker)
        if token is not None and token not in found:
            found.append(token)
    return found


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
