"""Secrets in free text: ``name = value`` pairs, and the text a saved output really shows."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from nbprod import lazyre
from nbprod.rules.secrets.providers import find_tokens, has_marker, url_password_ok
from nbprod.rules.secrets.values import credential_part, looks_secret, secret_name

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

# Searched in the lower-cased text in one alternation, each from a rare character inside
# it (see ``providers.MARKERS``), with what must follow a name: ``=`` or ``:`` past quotes
# and spaces, or a space and a value (``--token X``). The whole name around a hit is then
# read and judged.
NAME_WORDS = (
    "_key",
    "-key",
    "apikey",
    "accesskey",
    "secret",
    "token",
    "passw",
    "pwd",
    "credential",
    "authorization",
)
_NAME_LEADS = ("key", "cret", "ken", "passw", "pwd", "credential", "zation")  # a rare letter first
_NAME_RX = lazyre.compile("(?:" + "|".join(_NAME_LEADS) + ")" + r"""[\w-]*(?:[ \t"'\]]*[=:]| +[^\s-])""")


def _name_hits(low: str) -> list[tuple[int, int]]:
    """(start, end) of each lead followed by what follows a name: the name around it is
    then read whole and judged (``monkey``, ``taken`` and ``tokens/s`` fall out there)."""
    if not any(lead in low for lead in _NAME_LEADS):  # the pattern starts with one of them
        return []
    return [(m.start(), m.start() + 3) for m in _NAME_RX.finditer(low)]


def has_name_word(low: str) -> bool:
    """Could the (lower-cased) text name a secret at all?"""
    return any(w in low for w in NAME_WORDS)


_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_AFTER = lazyre.compile(
    r"""["']?\]?\s*(?:=>|:=|==|=|:)\s*(?:b?(["'])(.{1,300}?)\1|([^\s"'`,;<>(){}\[\]|&]{1,300}))"""
)
_FLAG_AFTER = lazyre.compile(r"""[ =](?:(["'])(.{1,300}?)\1|([^\s"'`;<>|&]{1,300}))""")
_WORD = lazyre.compile(r"\s*(\S{1,300})")


def _lower(text: str) -> str:
    """Lower case with the same offsets (``İ`` lowers to two characters: each non-ASCII
    character becomes one ``?`` first; every marker searched for is ASCII)."""
    low = text.lower()
    return low if len(low) == len(text) else text.encode("ascii", "replace").decode().lower()


@functools.lru_cache(maxsize=4096)
def _secret_name(name: str) -> str | None:
    return secret_name(name)


def _names_a_secret(text: str, limit: int = 200) -> bool:
    """Does a secret's name stand anywhere in the text (``token_count`` is none)?"""
    low = _lower(text)
    seen = 0
    for w in NAME_WORDS:
        i = low.find(w)
        while i >= 0:
            seen += 1
            if seen > limit:
                return True
            a, b = i, i + len(w)
            while a > 0 and text[a - 1] in _NAME_CHARS:
                a -= 1
            while b < len(text) and text[b] in _NAME_CHARS and text[b] != ".":
                b += 1
            if _secret_name(text[a:b].lstrip("-.")):
                return True
            i = low.find(w, b)
    return False


def find_named(text: str) -> list[tuple[str, str, str]]:
    """(kind, value, name) for ``name = value``, ``"name": "value"``, ``NAME=value`` and
    ``--name value`` in a text, where the name is a secret's and the value is no placeholder."""
    low = _lower(text)
    found: list[tuple[str, str, str]] = []
    done = -1
    starts = _name_hits(low)
    for a, b in starts:
        if a < done:
            continue
        while a > 0 and text[a - 1] in _NAME_CHARS:
            a -= 1
        while b < len(text) and text[b] in _NAME_CHARS and text[b] != ".":
            b += 1
        done = b
        raw = text[a:b]
        flag = raw.startswith("-")
        j = b
        while j < len(text) and text[j] in " \t\"']":
            j += 1
        if j >= len(text) or not (text[j] in "=:" or (flag and j > b)):
            continue  # no ``=`` or ``:`` after the name (``tokens/s``, ``the token is``)
        name = raw.lstrip("-.")
        kind = _secret_name(name)
        if kind is None:
            continue
        after = (_FLAG_AFTER if flag else _AFTER).match(text, b)
        if after is None:
            continue
        value = after.group(2) if after.group(1) else after.group(3)
        if not after.group(1) and text.startswith("(", after.end()):
            continue  # ``api_key=SecretStr('**')``: a call or a repr, not the value
        if value.lower() in ("bearer", "basic", "token") and not after.group(1):
            nxt = _WORD.match(text, after.end())
            value = f"{value} {nxt.group(1)}" if nxt else value
        if looks_secret(name, value):
            found.append((kind, credential_part(value.strip()), name))
    return found


# ``curl -u user:password``, ``--user user:password``
_USER_OPTION = lazyre.compile(r"""(?:-u|--user)[ =]['"]?([^\s:'"]+):([^\s'"@]{3,})""")


def find_secrets(text: str) -> list[tuple[str, str]]:
    """(kind, secret) for provider tokens and named secrets in a text."""
    found = find_tokens(text)
    for m in _USER_OPTION.finditer(text):
        if url_password_ok(m.group(1), m.group(2)) and looks_secret("password", m.group(2)):
            found.append(("password", m.group(2)))
    for kind, value, _ in find_named(text):
        if not any(value in tok or tok in value for _, tok in found):
            found.append((kind, value))
    return found


# -- what a saved output shows ----------------------------------------------------------

_ANSI = lazyre.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
# one pass: every candidate starts with "<", and a big plotly or bokeh script holds few
_HIDDEN_RX = lazyre.compile(r"<(?:script|style|template|svg|math|noscript)\b|<!--")
_TAG = lazyre.compile(r"<[^>]*>")
_TD = lazyre.compile(r"<(?:td|TD)(?![\w-])[^>]*>")  # (no re.I: it would switch off the prefix search)


def strip_ansi(text: str) -> str:
    """Text without terminal colour and cursor codes."""
    return _ANSI.sub("", text) if "\x1b" in text else text


def drop_hidden(markup: str) -> str:
    """HTML without what it does not show: scripts, styles, templates, SVG, MathML, comments."""
    low = _lower(markup)
    parts = []
    pos = 0
    while True:
        m = _HIDDEN_RX.search(low, pos)
        if m is None:
            parts.append(markup[pos:])
            break
        parts.append(markup[pos : m.start()])
        tag = m.group()
        close = "-->" if tag == "<!--" else "</" + tag[1:]
        j = low.find(close, m.end())
        if j < 0:
            break
        pos = j + 3 if tag == "<!--" else low.find(">", j) + 1
        if pos <= 0:
            break
    return " ".join(parts)


def strip_tags(markup: str) -> str:
    """The text between the tags; a table cell is led by " : " (a key-value table reads
    "password : x"), entities are decoded."""
    text = _TAG.sub(" ", _TD.sub(" : ", markup))
    if "&" not in text:
        return text
    import html  # with html.entities: only for text with entities

    return html.unescape(text)


def visible_text(markup: str) -> str:
    """The text an HTML output shows: no scripts, styles, SVG, comments, tags or attributes."""
    return strip_tags(drop_hidden(markup))


_SKIP_MIMES = ("text/css", "text/javascript", "text/vnd.", "text/x-javascript")


def _join(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    return None


def json_strings(value: Any, depth: int = 0) -> Iterator[str]:
    """Every string in JSON data, ``key: value`` pairs as such (never fails on any shape)."""
    if depth > 50:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, str):
                yield f"{k!s}: {v!r}" if isinstance(k, str) and secret_name(k) else v
            else:
                yield from json_strings(v, depth + 1)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from json_strings(v, depth + 1)


def output_parts(output: Any) -> Iterator[tuple[str, str]]:
    """(kind, text) for what one saved output shows as text: 'stream', 'error', or the
    MIME type. Images, widget state, JavaScript and HTML markup are not text."""
    if not isinstance(output, dict):
        return
    otype = output.get("output_type")
    if otype == "stream" or "text" in output:
        text = _join(output.get("text"))
        if text:
            yield "stream", strip_ansi(text)
    if otype == "error" or "traceback" in output:
        tb = output.get("traceback")
        lines = [str(t) for t in tb] if isinstance(tb, list) else []
        if not lines:
            lines = [f"{output.get('ename', '')}: {output.get('evalue', '')}"]
        yield "error", strip_ansi("\n".join(lines))
    data = output.get("data")
    if not isinstance(data, dict):
        return
    for mime, value in data.items():
        if not isinstance(mime, str):
            continue
        if mime == "application/json" or (mime.endswith("+json") and mime.startswith("application/json")):
            texts = list(json_strings(value))
            if texts:
                yield mime, "\n".join(texts)
            continue
        if not mime.startswith("text/") or mime.startswith(_SKIP_MIMES):
            continue
        text = _join(value)
        if text is None:
            texts = list(json_strings(value))
            text = "\n".join(texts)
        if not text:
            continue
        if mime == "text/html":
            text = drop_hidden(text)  # a 3 MB plotly figure is mostly one script
            if not (has_marker(text) or _names_a_secret(text)):
                continue  # nothing any secret starts with: no need to read the markup
            text = strip_tags(text)
        yield mime, strip_ansi(text)
