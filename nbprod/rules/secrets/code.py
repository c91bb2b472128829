"""Secrets written in a cell's code, with the exact span of the literal that holds each."""

from __future__ import annotations

import ast

from nbprod import lazyre
from nbprod.analysis.cell import dotted_name, magic_call, walk_nodes
from nbprod.analysis.source import parse_cell
from nbprod.rules.secrets.providers import find_tokens, has_marker
from nbprod.rules.secrets.text import find_named, find_secrets, has_name_word
from nbprod.rules.secrets.values import (
    credential_part,
    key_secret,
    looks_secret,
    placeholder,
    reference,
    secret_name,
)
from nbprod.values import Frozen, Value


class CodeSecret(Frozen):
    """A secret in code. ``line``/``end_line`` are 1-based, ``col``/``end_col`` 0-based
    character offsets in those lines (ast's, turned from UTF-8 bytes into characters) of the
    string literal holding it, or of the secret itself where no literal is written
    (``%env NAME=value``, ``!cmd``). ``name`` is the variable, attribute, dict key, keyword,
    parameter or environment variable it is bound to, or None; ``kind`` says what it is
    ('GitHub token', 'password', 'API key'...); ``secret`` is its text (show it only through
    ``mask``); ``via`` is how it is bound: 'assignment', 'keyword', 'dict', 'environ',
    'argument', 'default', 'comparison', '%env', 'magic' or 'string'; ``call`` the callee."""

    line: int
    col: int
    end_line: int
    end_col: int
    name: str | None
    kind: str
    secret: str
    via: str
    call: str | None

    __slots__ = ("line", "col", "end_line", "end_col", "name", "kind", "secret", "via", "call")
    __match_args__ = ("line", "col", "end_line", "end_col", "name", "kind", "secret", "via", "call")

    def __init__(
        self,
        line: int,
        col: int,
        end_line: int,
        end_col: int,
        name: str | None,
        kind: str,
        secret: str,
        via: str,
        call: str | None = None,
    ) -> None:
        _set = object.__setattr__  # frozen: past our own __setattr__
        _set(self, "line", line)
        _set(self, "col", col)
        _set(self, "end_line", end_line)
        _set(self, "end_col", end_col)
        _set(self, "name", name)
        _set(self, "kind", kind)
        _set(self, "secret", secret)
        _set(self, "via", via)
        _set(self, "call", call)


# Callees whose positional arguments are credentials: ``login(key)``, ``login(user, password)``.
_LOGINS = frozenset(
    {"login", "authenticate", "auth", "HTTPBasicAuth", "HTTPDigestAuth", "HTTPProxyAuth", "set_api_key"}
)
_ENV_SETTERS = ("environ.setdefault", "putenv", "environ.update", "set_key")
_ENV_ARG = lazyre.compile(r"\s*([A-Za-z_]\w*)(?:\s*=\s*|\s+)(\S.*?)\s*$")
_ENV_MAGICS = ("env", "set_env")
_PAIR_SETTERS = frozenset(
    {"setdefault", "putenv", "set_key", "set", "setenv", "set_secret", "set_password", "get", "getenv"}
)
_KEY_CALLEE = lazyre.compile(r"(?i)login|auth|init|configure|client|connect|session|api|credential")
_KEY_SIBLINGS = frozenset({"username", "user", "email", "account", "user_name"})
_SHELL_LOGIN = lazyre.compile(r"\blogin\s+(?:--?[\w-]+\s+)*([A-Za-z0-9_-]{20,})")


class _Bind(Value):
    name: str | None
    via: str
    call: str | None
    strict: bool  # a bare ``key``: only a random value counts

    __slots__ = ("name", "via", "call", "strict")
    __match_args__ = ("name", "via", "call", "strict")

    def __init__(self, name: str | None, via: str, call: str | None = None, strict: bool = False) -> None:
        self.name = name
        self.via = via
        self.call = call
        self.strict = strict


class _Scanner:
    def __init__(self, source: str, python: str, tree: ast.Module) -> None:
        self.src = source.splitlines()
        self.py = python.splitlines() if python != source else self.src
        self.binds: dict[int, _Bind] = {}
        self.skip: set[int] = set()
        self.found: list[CodeSecret] = []

    # -- binding literals to names ----------------------------------------------------
    def bind(
        self, node: ast.AST | None, name: str | None, via: str, call: str | None = None, strict: bool = False
    ) -> None:
        if isinstance(node, ast.Constant | ast.JoinedStr):
            self.binds.setdefault(id(node), _Bind(name, via, call, strict))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # "Bearer " + "..."
            self.bind(node.left, name, via, call, strict)
            self.bind(node.right, name, via, call, strict)

    def target(self, t: ast.AST, value: ast.AST | None) -> None:
        if isinstance(t, ast.Name):
            self.bind(value, t.id, "assignment")
        elif isinstance(t, ast.Attribute):
            self.bind(value, t.attr, "assignment")
        elif isinstance(t, ast.Subscript):
            key = t.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                holder = dotted_name(t.value) or ""
                self.bind(value, key.value, "environ" if holder.endswith("environ") else "assignment")
        elif isinstance(t, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List):
            if len(t.elts) == len(value.elts):
                for sub, v in zip(t.elts, value.elts, strict=True):
                    self.target(sub, v)

    def call(self, node: ast.Call) -> None:
        callee = dotted_name(node.func) or (
            f".{node.func.attr}" if isinstance(node.func, ast.Attribute) else ""
        )
        leaf = callee.rsplit(".", 1)[-1]
        for kw in node.keywords:
            if kw.arg is None:
                continue
            if kw.arg.endswith("auth") and isinstance(kw.value, ast.Tuple) and len(kw.value.elts) == 2:
                self.bind(kw.value.elts[1], "password", "keyword", callee)
            if kw.arg == "key":  # ``wandb.login(key=...)``, not ``sorted(key=...)`` or boto's ``Key=``
                if _KEY_CALLEE.search(leaf):
                    self.bind(kw.value, "key", "keyword", callee, strict=True)
                continue
            self.bind(kw.value, kw.arg, "keyword", callee)
        args = node.args
        if (
            leaf in _PAIR_SETTERS
        ):  # ``os.environ.setdefault("TOKEN", "...")``, ``cfg.set("db", "password", "...")``
            for a, b in zip(args, args[1:], strict=False):
                if isinstance(a, ast.Constant) and isinstance(a.value, str) and secret_name(a.value):
                    self.bind(b, a.value, "environ" if callee.endswith(_ENV_SETTERS) else "argument", callee)
        if leaf in _LOGINS:
            if len(args) >= 2:
                self.bind(args[1], "password", "argument", callee)
            elif len(args) == 1:
                self.bind(args[0], "key", "argument", callee, strict=True)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        a = node.args
        positional = a.posonlyargs + a.args
        for arg, default in zip(positional[len(positional) - len(a.defaults) :], a.defaults, strict=True):
            self.bind(default, arg.arg, "default")
        for arg, kwdefault in zip(a.kwonlyargs, a.kw_defaults, strict=True):
            self.bind(kwdefault, arg.arg, "default")

    def collect(self, tree: ast.Module) -> list[ast.AST]:
        strings: list[ast.AST] = []
        for node in walk_nodes(tree):  # ast.walk's order, without its generators
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    self.target(t, node.value)
            elif isinstance(node, ast.AnnAssign | ast.AugAssign):
                self.target(node.target, node.value)
            elif isinstance(node, ast.NamedExpr):
                self.target(node.target, node.value)
            elif isinstance(node, ast.Dict):
                keys = {
                    k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
                }
                for k, v in zip(node.keys, node.values, strict=True):
                    if isinstance(k, ast.Constant) and isinstance(k.value, str):
                        if k.value != "key":
                            self.bind(v, k.value, "dict")
                        elif keys & _KEY_SIBLINGS:  # kaggle.json: {"username": ..., "key": ...}
                            self.bind(v, "key", "dict", strict=True)
            elif isinstance(node, ast.Call):
                magic = magic_call(node)
                if magic is not None:
                    self.magic(node, *magic)
                else:
                    self.call(node)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                self.function(node)
            elif isinstance(node, ast.Compare) and len(node.comparators) == 1:
                left = node.left
                name = (
                    left.id
                    if isinstance(left, ast.Name)
                    else left.attr
                    if isinstance(left, ast.Attribute)
                    else None
                )
                if name and isinstance(node.ops[0], ast.Eq | ast.NotEq):
                    self.bind(node.comparators[0], name, "comparison")
            elif isinstance(node, ast.JoinedStr):
                self.skip.update(id(v) for v in node.values)
                strings.append(node)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) >= 6:
                strings.append(node)
        return strings

    # -- IPython magics ---------------------------------------------------------------
    def magic(self, node: ast.Call, kind: str, args: list[str]) -> None:
        self.skip.update(id(a) for a in node.args)
        line = node.lineno
        if kind == "run_line_magic" and args and args[0] in _ENV_MAGICS and len(args) > 1:
            m = _ENV_ARG.match(args[1])
            if m:
                name, value = m.group(1), m.group(2).strip("'\"")
                tokens = find_tokens(value)
                if tokens:
                    self.located(line, tokens[0][0], tokens[0][1], name, "%env")
                elif looks_secret(name, value):
                    self.located(line, secret_name(name) or "secret", value, name, "%env")
            return
        text = "\n".join(args[1:] if kind.startswith("run_") else args)
        for k, secret in find_secrets(text):
            self.located(line, k, secret, None, "magic")
        for m in _SHELL_LOGIN.finditer(text):
            if key_secret(m.group(1)):
                self.located(line, "API key", m.group(1), None, "magic")

    def located(self, line: int, kind: str, secret: str, name: str | None, via: str) -> None:
        """A secret found in text: its span is where its text first stands from ``line`` on."""
        if any(f.secret == secret or secret in f.secret for f in self.found):
            return
        for i in range(max(0, line - 1), len(self.src)):
            col = self.src[i].find(secret)
            if col >= 0:
                self.found.append(CodeSecret(i + 1, col, i + 1, col + len(secret), name, kind, secret, via))
                return
        first = secret.splitlines()[0] if secret else ""
        for i in range(max(0, line - 1), len(self.src)):
            col = self.src[i].find(first) if first else -1
            if col >= 0:
                self.found.append(CodeSecret(i + 1, col, i + 1, col + len(first), name, kind, secret, via))
                return

    # -- judging each literal ---------------------------------------------------------
    def _col(self, lines: list[str], lineno: int, col: int) -> int:
        text = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
        return col if text.isascii() else len(text.encode()[:col].decode("utf-8", "replace"))

    def judge(self, node: ast.AST) -> None:
        if id(node) in self.skip:
            return
        if isinstance(node, ast.JoinedStr):
            text = "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values)
        else:
            text = node.value  # type: ignore[attr-defined]
        b = self.binds.get(id(node))
        name = b.name if b else None
        hit: tuple[str, str] | None = None
        tokens = find_tokens(text)
        if tokens:
            hit = tokens[0]
        elif b is not None and name and isinstance(node, ast.Constant):
            if b.strict:
                if key_secret(text):
                    hit = ("API key", text.strip())
            elif looks_secret(name, text):
                hit = (secret_name(name) or "secret", credential_part(text.strip()))
        if hit is None:
            named = find_named(text)
            if named:
                hit = (named[0][0], named[0][1])
        if hit is None:
            return
        kind, secret = hit
        via, call = (b.via, b.call) if b else ("string", None)
        start, end = node.lineno, node.end_lineno or node.lineno  # type: ignore[attr-defined]
        lines = self.src
        if self.py is not self.src and (
            self.py[start - 1 : end] != self.src[start - 1 : end] if end <= len(self.src) else True
        ):
            before = len(self.found)
            self.located(start, kind, secret, name, via)
            if len(self.found) > before:
                return
            lines = self.py
        col = self._col(lines, start, node.col_offset)  # type: ignore[attr-defined]
        end_col = self._col(lines, end, node.end_col_offset or 0)  # type: ignore[attr-defined]
        self.found.append(CodeSecret(start, col, end, end_col, name, kind, secret, via, call))


_CACHE: dict[str, list[CodeSecret]] = {}
_MAYBE: dict[str, bool] = {}


def _maybe(text: str) -> bool:
    """Could this string literal be (or hold) a secret under some name? Cheap, and cached."""
    verdict = _MAYBE.get(text)
    if verdict is None:
        v = credential_part(text.strip())
        verdict = bool(
            has_marker(text)
            or has_name_word(text.lower())
            or "login" in text
            or "-u" in text
            or (len(v) >= 6 and not any(c.isspace() for c in v) and not placeholder(v) and not reference(v))
        )
        if len(_MAYBE) > 65536:
            _MAYBE.clear()
        _MAYBE[text] = verdict
    return verdict


def scan_tree(
    source: str, python: str, tree: ast.Module | None, strings: list[tuple[int, str]] | None = None
) -> list[CodeSecret]:
    """``code_secrets`` for a cell already parsed (``python`` is the source after IPython's
    transforms, ``tree`` its AST, None when it does not parse: then the text is read).
    ``strings``, the cell's string literals when known, lets a cell with none that could
    be a secret skip the walk."""
    cached = _CACHE.get(source)
    if cached is not None:
        return cached
    if tree is not None and strings is not None and not any(len(t) >= 6 and _maybe(t) for _, t in strings):
        return []
    if tree is None:
        scanner = _Scanner(source, source, ast.Module(body=[], type_ignores=[]))
        for kind, secret in find_tokens(source):
            scanner.located(1, kind, secret, None, "string")
        for kind, secret, name in find_named(source):
            scanner.located(1, kind, secret, name, "string")
        found = scanner.found
    else:
        scanner = _Scanner(source, python, tree)
        for node in scanner.collect(tree):
            scanner.judge(node)
        found = sorted(scanner.found, key=lambda s: (s.line, s.col))
    if len(_CACHE) > 4096:
        _CACHE.clear()
    _CACHE[source] = found
    return found


def code_secrets(source: str) -> list[CodeSecret]:
    """Every secret written in one cell's Python source (IPython syntax allowed), in order."""
    parsed = parse_cell(source)
    return scan_tree(source, parsed.python, parsed.tree)
