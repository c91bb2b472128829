"""NB4: secrets in code and in saved outputs (the finding itself lives in ``nbprod.rules.secrets``)."""

from __future__ import annotations

from collections.abc import Iterator

from nbprod.analysis.facts import NotebookFacts
from nbprod.rules import Hit, rule
from nbprod.rules.secrets import (
    CodeSecret,
    code_secrets,
    find_secrets,
    find_tokens,
    looks_secret,
    mask,
    output_parts,
    scan_tree,
)

_VIA = {
    "assignment": "'{name}' is assigned",
    "keyword": "{call}({name}=...) is passed",
    "dict": "dict key '{name}' holds",
    "environ": "environment variable '{name}' is set to",
    "%env": "%env {name} sets",
    "default": "parameter '{name}' defaults to",
    "comparison": "'{name}' is compared with",
    "argument": "{call}(...) is passed",
}


def describe(s: CodeSecret) -> str:
    """The NB401 message for one secret in code."""
    what = s.kind
    form = _VIA.get(s.via)
    if form is None or (s.name is None and "{name}" in form):
        return f"{what} in code ({mask(s.secret)})"
    lead = form.format(name=s.name, call=s.call or "a call")
    return f"{lead} a literal {what} ({mask(s.secret)})"


@rule(
    "NB401",
    "secret-in-code",
    "error",
    "a secret in code: API keys, tokens, passwords as literals",
    "Read it from the environment (os.environ['API_KEY']) or a secrets manager, and rotate it.",
)
def secret_in_code(facts: NotebookFacts) -> Iterator[Hit]:
    """A secret written in a notebook is in every copy and every commit of it. Fires on
    provider tokens in any string (GitHub with its checksum, AWS key ids and the secret
    beside them, Slack tokens and webhooks, Stripe live secret keys, Google, OpenAI,
    Anthropic, SendGrid, Azure account keys, GitLab, Hugging Face, PyPI, npm, signed JWTs,
    PEM private keys, passwords in URLs) and on literals bound to a secret's name
    (``api_key = "..."``, ``{"password": ...}``, ``os.environ["TOKEN"] = ...``,
    ``%env TOKEN=...``, ``login(key=...)``, ``def f(password=...)``). Placeholders, masks,
    templates, environment and ``getpass`` reads, hashes, UUIDs, regexes, ARNs and
    documented example keys stay quiet (see docs/secrets.md)."""
    for cell, cf in facts.code():
        seen: set[int] = set()
        for s in scan_tree(cf.source, cf.python, cf.tree, cf.strings):
            if s.line not in seen:
                seen.add(s.line)
                yield cell.index, s.line, describe(s)


@rule(
    "NB402",
    "secret-in-output",
    "error",
    "a secret in saved outputs",
    "Clear the output, rotate the secret, and stop printing it.",
)
def secret_in_output(facts: NotebookFacts) -> Iterator[Hit]:
    """Outputs are saved in the file: a printed token is as public as the notebook. Reads
    what each output shows: stream text and tracebacks without their colour codes, plain
    text, Markdown, JSON data, and the visible text of HTML (not its scripts, styles or
    attributes); images, widget state and JavaScript are not read (see docs/secrets.md)."""
    for cell in facts.notebook.cells:
        if cell.kind != "code":
            continue
        for output in cell.outputs:
            hit = next(
                ((where, h) for where, text in output_parts(output) for h in find_secrets(text)[:1]), None
            )
            if hit is not None:
                (where, (kind, token)) = hit
                yield cell.index, None, f"{kind} in the cell's saved output ({where}: {mask(token)})"
                break


def output_texts(output: dict) -> Iterator[str]:
    """The texts one saved output shows (``output_parts`` without the kinds)."""
    for _, text in output_parts(output):
        yield text


__all__ = ["code_secrets", "describe", "find_tokens", "looks_secret", "mask", "output_parts", "output_texts"]
