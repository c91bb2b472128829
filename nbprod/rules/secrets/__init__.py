"""Finding secrets: provider token formats, secret-named literals, and what outputs show.

The API other parts of nbprod use:

* ``find_tokens(text)``: (kind, token) for provider tokens (GitHub, AWS, Slack, ...);
* ``looks_secret(name, value)``: a literal bound to a secret-sounding name, no placeholder;
* ``mask(secret)``: enough of a secret to find it, not enough to use it;
* ``code_secrets(source)``: every secret in one cell's code, with the literal's span and
  the name it is bound to (``CodeSecret``), for the converter to turn into environment reads;
* ``output_parts(output)``: the text a saved output shows, by kind (stream, error, MIME type).
"""

from __future__ import annotations

from nbprod import lazyre
from nbprod.rules.secrets.code import CodeSecret, code_secrets, scan_tree
from nbprod.rules.secrets.providers import PREFIXES, find_tokens
from nbprod.rules.secrets.text import find_named, find_secrets, output_parts, strip_ansi, visible_text
from nbprod.rules.secrets.values import looks_secret, placeholder, random_like, secret_name

_URL_PASSWORD = lazyre.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)[^@]*(@.*)$")


def mask(secret: str) -> str:
    """Enough of a secret to find it, not enough to use it: its known prefix and at most a
    quarter (4 characters at most) of the rest; a URL keeps all but its password."""
    m = _URL_PASSWORD.match(secret)
    if m:
        return f"{m.group(1)}…{m.group(2)}"
    p = PREFIXES.match(secret)
    prefix = p.group() if p else ""
    if prefix.startswith("-----"):
        return prefix + "…"
    rest = secret[len(prefix) :]
    shown = min(4, len(rest) // 4)
    return prefix + rest[:shown] + "…" if len(secret) > 6 else "…"


__all__ = [
    "CodeSecret",
    "code_secrets",
    "find_named",
    "find_secrets",
    "find_tokens",
    "looks_secret",
    "mask",
    "output_parts",
    "placeholder",
    "random_like",
    "scan_tree",
    "secret_name",
    "strip_ansi",
    "visible_text",
]
