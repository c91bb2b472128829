"""Is this name a secret's name, and is this value a secret rather than a placeholder?"""

from __future__ import annotations

import math
from collections import Counter

from nbprod import lazyre

# Words that make a name a secret's name (the name split into lower-case words).
_SECRET_WORDS = frozenset(
    {
        "password", "passwd", "pwd", "pass", "passphrase", "passcode", "secret", "secrets", "token",
        "apikey", "credential", "credentials", "creds", "authorization", "bearer",
    }
)  # fmt: skip
# ``<word>_key`` names that hold a key (``api_key``), not a dict key or an S3 key.
_KEY_QUALIFIERS = frozenset(
    {
        "api", "access", "secret", "private", "auth", "signing", "account", "master", "encryption",
        "client", "app", "license", "subscription", "service", "consumer", "storage", "admin", "write",
        "read", "sas", "shared", "hmac", "jwt", "session", "aws", "openai", "anthropic", "stripe",
    }
)  # fmt: skip
# A last word that makes the name hold the name, location or shape of a secret.
_NOT_VALUE = frozenset(
    {
        "name", "names", "path", "file", "filename", "dir", "url", "uri", "endpoint", "env", "var",
        "col", "column", "field", "id", "ids", "type", "prefix", "suffix", "header", "len", "length",
        "pattern", "regex", "re", "hash", "hashed", "digest", "md5", "sha", "sha1", "sha256", "arn",
        "format", "fmt", "template", "label", "prompt", "policy", "ref", "scope", "scopes", "count",
        "limit", "size", "mode", "method", "kind", "ttl", "expiry", "expires", "expiration",
        "version", "location", "store", "manager", "provider", "class", "cls", "index", "idx",
        "required", "enabled", "set", "exists", "valid", "min", "max", "num", "host", "port",
        "user", "username", "usage", "budget", "str", "placeholder", "hint", "help", "text",
        "message", "msg", "rotation", "strength", "salt", "iterations", "vault",
    }
)  # fmt: skip
# ``pad_token``, ``eos_token``: a tokenizer's special tokens.
_TOKEN_NOT_SECRET = frozenset(
    {
        "pad", "eos", "bos", "unk", "sep", "cls", "mask", "special", "start", "end", "stop", "sos",
        "begin", "image", "audio", "video", "additional", "added", "new", "next", "csrf", "page",
        "continuation", "cancellation", "max", "num", "total", "input", "output", "prompt",
    }
)  # fmt: skip
_CAMEL = lazyre.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = lazyre.compile(r"[^a-z0-9]+")


def name_words(name: str) -> list[str]:
    """``awsSecretAccessKey`` / ``AWS_SECRET_ACCESS_KEY`` -> ['aws', 'secret', 'access', 'key']."""
    low = (_CAMEL.sub("_", name) if name != name.lower() else name).lower()  # no capital: no split
    return [w for w in _SPLIT.split(low) if w]


def secret_name(name: str) -> str | None:
    """The kind of secret a name holds ('password', 'token', 'API key', 'secret'), or None."""
    words = name_words(name)
    if not words or words[-1] in _NOT_VALUE or (len(words) > 1 and "_".join(words[-2:]) in _NOT_VALUE):
        return None
    kind = None
    for i, w in enumerate(words):
        if w in ("password", "passwd", "pwd", "pass", "passphrase", "passcode"):
            return "password"
        if w == "token":
            if (i and words[i - 1] in _TOKEN_NOT_SECRET) or i + 1 < len(words) and words[i + 1] in _NOT_VALUE:
                continue
            kind = kind or "token"
        elif w in _SECRET_WORDS:
            kind = kind or ("API key" if w == "apikey" else "secret")
        elif w == "key" and i and words[i - 1] in _KEY_QUALIFIERS:
            kind = kind or ("API key" if words[i - 1] == "api" else "secret")
        elif w.endswith("apikey") or w.endswith("secret") or w.endswith("password"):
            kind = kind or "secret"  # ``openaiapikey``, ``clientsecret``
    return kind


_PLACEHOLDER_WORD = lazyre.compile(
    r"(?i)(?:^|[^a-z])(?:your|yours|here|replace|insert|placeholder|change_?me|changeit|example|examples"
    r"|dummy|fake|sample|redacted|todo|fixme|tbd|mock|demo|foo|foobar|notreal|not_?a_?real|invalid"
    r"|enter|put|fill|test|testing)(?:[^a-z]|$)"
)
_PLACEHOLDER_WHOLE = frozenset(
    {
        "none", "null", "nil", "true", "false", "secret", "password", "passwd", "token", "apikey",
        "api_key", "api-key", "key", "admin", "root", "guest", "default", "hidden", "masked", "empty",
        "unknown", "undefined", "changeme", "letmein", "qwerty", "abc123", "pass", "postgres", "mysql",
        "user", "username", "redacted", "private", "xxx", "secret_key", "access_key", "my_secret",
        "mysecret", "mypassword", "my_password", "password123", "secret123", "123456", "12345678",
    }
)  # fmt: skip
_TEMPLATE = lazyre.compile(
    r"\$\{|\$\(|\{\{|\{[\w.\[\]'\"-]*\}|%\(\w+\)s|%[sd]\b|^\$\w+$|^<.*>$|^\[.*\]$|^\{.*\}$"
)
_PERIODIC = lazyre.compile(r"^(.{1,4})\1{3,}.{0,3}$")  # "A1b2A1b2A1b2": typed, not drawn
_MASK_ONLY = lazyre.compile(r"^[*xX•#.\-_?]+$")
_RUN = lazyre.compile(r"([xX*.#•_\-])\1{3,}|(.)\2{5,}|…|\.\.\.")
_ENV_NAME = lazyre.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$|^[A-Z]{2,}$")
_WORDY = lazyre.compile(r"^[a-z]+(?:[-_.:/ ][a-z]+)*$")
# what IPython's %lsmagic and similar listings print beside a command name such as ``pwd``
_CLASS_SUFFIXES = ("Magics", "Manager", "Handler", "Error", "Exception", "Warning", "Type", "Class", "Config")
_CLASS_NAME = lazyre.compile(r"^[A-Z][A-Za-z]*$")  # ``OSMagics``: a class, not a password
_DOTTED = lazyre.compile(r"^[A-Za-z_]\w{0,39}(?:\.[A-Za-z_]\w{0,39})+(?:\(\))?$")
_PATH = lazyre.compile(
    r"^(?:~|\.{1,2})?/|^[A-Za-z]:[\\/]|\.(?:json|txt|pem|key|env|ya?ml|cfg|ini|p12|pfx|crt|csv|toml|pkl)$"
)
_REGEX = lazyre.compile(
    r"\\[dwsbDWSB]|\[\^|\(\?|\.\*|\.\+|\{\d+(?:,\d*)?\}|^\^.*\$$|\[[A-Za-z0-9]-[A-Za-z0-9]"
)
_EMAIL = lazyre.compile(r"^[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_UUID = lazyre.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ASCENDING = "0123456789abcdefghijklmnopqrstuvwxyz"


# Cheap tests a pattern's match needs (a character it cannot match without, the character
# it must start with), checked before the pattern: most literals fail them, so the pattern
# is neither compiled (see nbprod.lazyre) nor run for them. Each is implied by its pattern:
# the verdicts are the same with and without them.
_PLACEHOLDER_PARTS = (
    "your", "here", "replace", "insert", "placeholder", "change", "example", "dummy", "fake",
    "sample", "redacted", "todo", "fixme", "tbd", "mock", "demo", "foo", "not", "invalid",
    "enter", "put", "fill", "test",
)  # fmt: skip
_MASK_PARTS = ("your", "placeholder", "example", "dummy", "redacted", "xxxx", "changeme", "insert", "replace")


def _has_part(value: str, parts: tuple[str, ...]) -> bool:
    """Could a case-blind pattern of these words match? (Non-ASCII text: always maybe,
    since the regex engine folds characters such as the Kelvin sign that lower() keeps.)"""
    if not value.isascii():
        return True
    low = value.lower()
    return any(p in low for p in parts)


def _placeholder_word(v: str) -> bool:
    return _has_part(v, _PLACEHOLDER_PARTS) and bool(_PLACEHOLDER_WORD.search(v))


def _template(v: str) -> bool:
    return ("$" in v or "{" in v or "%" in v or "<" in v or "[" in v) and bool(_TEMPLATE.search(v))


def _run(v: str) -> bool:
    """``_RUN``: four alike in a row (six for any character), ``…`` or ``...``."""
    return ("…" in v or "..." in v or any(c * 4 in v for c in set(v))) and bool(_RUN.search(v))


def _mask_only(v: str) -> bool:
    return v[:1] in "*xX•#.-_?" and v[:1] != "" and bool(_MASK_ONLY.match(v))


def _periodic(v: str) -> bool:
    return v[:1] != "" and v[:1] in v[1:5] and bool(_PERIODIC.match(v))


def _env_name(v: str) -> bool:
    return "A" <= v[:1] <= "Z" and bool(_ENV_NAME.match(v))


def _wordy(v: str) -> bool:
    return "a" <= v[:1] <= "z" and bool(_WORDY.match(v))


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def _sequential(value: str, run: int = 6) -> bool:
    """``123456`` or ``abcdef`` making up much of the value: typed by a person, not drawn
    at random (a bot id ``123456789:`` before a random part is no placeholder)."""
    low = value.lower()
    longest = 0
    i = 0
    while i < len(low) - 1:
        j = i
        while j + 1 < len(low) and _ASCENDING.find(low[j : j + 2]) >= 0:
            j += 1
        longest = max(longest, j - i + 1)
        i = j + 1
    return longest >= run and longest >= 0.4 * len(low)


# Keys every tutorial shows: AWS's documented pair, the Azure storage emulator's key.
PUBLIC_EXAMPLES = frozenset(
    {
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    }
)


_JWT_IO = "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"  # the signature of jwt.io's sample token


def placeholder(value: str) -> bool:
    """``YOUR_API_KEY``, ``<token>``, ``xxxx``, ``****``, ``${VAR}``, ``changeme``, masks,
    templates and documented example keys."""
    v = value.strip().strip("'\"")
    return (
        not v
        or v in PUBLIC_EXAMPLES
        or _JWT_IO in v
        or _mask_only(v)
        or _periodic(v)
        or "EXAMPLE" in v
        or v.lower() in _PLACEHOLDER_WHOLE
        or _placeholder_word(v)
        or _template(v)
        or _run(v)
        or _env_name(v)
        or _sequential(v)
    )


_MASK_WORD = lazyre.compile(r"(?i)your|placeholder|example|dummy|redacted|xxxx|changeme|insert|replace")


def mask_like(value: str) -> bool:
    """A mask, template or typed sequence where random characters belong (``xxxx``, ``${X}``)."""
    return (
        _run(value)
        or _template(value)
        or (_has_part(value, _MASK_PARTS) and bool(_MASK_WORD.search(value)))
        or _sequential(value)
    )


def reference(value: str) -> bool:
    """A value that names or locates a secret (URL, path, dotted name, ARN, regex) or is a word."""
    v = value.strip()
    if v.startswith(
        (
            "arn:",
            "os.environ",
            "getenv",
            "projects/",
            "secret://",
            "vault:",
            "op://",
            "pk_live_",
            "pk_test_",
            "pk.eyJ",
        )
    ):
        return True
    if "://" in v and "@" not in v:
        return True
    dot = "." in v
    if ("/" in v or "\\" in v or dot) and _PATH.search(v):
        return True
    if (dot and _DOTTED.match(v)) or _wordy(v):
        return True
    if ("\\" in v or "[" in v or "(" in v or dot or "{" in v or "^" in v) and _REGEX.search(v):
        return True
    if v.endswith(_CLASS_SUFFIXES) and _CLASS_NAME.match(v):
        return True
    if "@" in v and _EMAIL.match(v):
        return True
    if "/" in v:  # ``prod/db/creds``: every segment a plain word
        return all(_wordy(s) or s.isdigit() or not s for s in v.split("/"))
    return False


def random_like(value: str, min_len: int = 16) -> bool:
    """Drawn at random: long enough, several character classes (or hex), high entropy."""
    if len(value) < min_len or placeholder(value) or reference(value):
        return False
    classes = sum(
        (any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value))
    )
    hexlike = all(c in "0123456789abcdefABCDEF" for c in value)
    if classes < 2 and not (hexlike and len(value) >= 24):
        return False
    return entropy(value) >= min(3.0, math.log2(len(value)) - 1)


def looks_secret(name: str, value: object) -> bool:
    """A literal value of 6+ characters bound to a secret-sounding name, not a placeholder."""
    if not isinstance(value, str):
        return False
    kind = secret_name(name)
    if kind is None:
        return False
    v = credential_part(value.strip())
    if len(v) < 6 or any(c.isspace() for c in v) or placeholder(v) or reference(v):
        return False
    if len(v) in (36, 37) and _UUID.match(
        v
    ):  # request, run and session ids; an API key only where the name says so
        return kind in ("API key", "password") or "secret" in name.lower()
    has_digit = any(c.isdigit() for c in v)
    mixed = v.lower() != v and v.upper() != v
    symbol = any(not c.isalnum() for c in v)
    if kind == "password":
        return has_digit or mixed or symbol or len(v) >= 12
    if len(v) < 8:
        return False
    return (has_digit and not v.isdigit()) or mixed or len(v) >= 20


def key_secret(value: object) -> bool:
    """A value passed as a bare ``key=`` (``wandb.login(key=...)``): only a random one counts."""
    return isinstance(value, str) and random_like(value.strip(), 20)


_SCHEME = lazyre.compile(r"(?i)^(?:bearer|basic|token|digest|apikey|api-key|key)\s+")


def credential_part(value: str) -> str:
    """``Bearer abc`` -> ``abc``: the credential in an HTTP Authorization value."""
    # the scheme's word (3, 5, 6 or 7 characters) and a space after it
    spaced = value[3:4].isspace() or value[5:6].isspace() or value[6:7].isspace() or value[7:8].isspace()
    first = value[:1] in "bBtTdDaAkK" or not value[:1].isascii()
    m = _SCHEME.match(value) if spaced and first else None
    return value[m.end() :].strip() if m else value
