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
_TOKENS = re.compile("|".join(f"(?P<t{i}>{p})" for i, (_, p) in enumerate(TOKEN_PATTERNS)))
SECRET_NAME = re.compile(
    r"(?i)(api[_-]?key|apikey|secret|token|passw(?:or)?d|passwd|pwd|access[_-]?key|private[_-]?key|credential|auth[_-]?key)"
)
_PLACEHOLDER = re.compile(
    r"(?i)^(?:<.*>|\{.*\}|\$\{?\w+\}?|x{3,}|\*{3,}|\.{3,}|your[_ -].*|changeme|none|null|todo|test|example|dummy|secret|password|token|api[_-]?key|[A-Z][A-Z0-9_]+)$"
)


def find_tokens(text: str) -> list[tuple[str, str]]:
    """(kind, matched text) for every known secret pattern in a text."""
    found = []
    for m in _TOKENS.finditer(text):
        kind = TOKEN_PATTERNS[int(m.lastgroup[1:])][0]  # type: ignore[index]
        found.append((kind, m.group()))
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
        and not _PLACEHOLDER.match(value)
        and not value.startswith(("http://", "https://", "/", "./", "os.environ"))
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
                    yield cell.index, call.line, f"{call.display}({key}=...) is passed a literal secret ({mask(value)})"
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
