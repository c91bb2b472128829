"""No secret leaves the notebook: literal secrets become reads of environment variables.

``code_secrets()`` is the one place that decides which literals are secrets (today from
``nbprod.rules.security``'s ``find_tokens`` / ``looks_secret``); ``scrub()`` rewrites a copy
of the notebook so that every such literal is ``env_secret("NAME")``, which the package's
``_secrets.py`` resolves from ``os.environ`` with a clear error when the variable is unset.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from nbprod.notebook import Notebook

CALL = "env_secret"
RUNTIME = '''"""Secrets the notebook wrote as literals: the package reads them from the environment."""

import os


def env_secret(name: str) -> str:
    """The value of the environment variable ``name``; a clear error when it is unset."""
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(
            f"set the environment variable {name}: the notebook had this secret as a literal, "
            "and nbprod never copies secrets into a package"
        )
    return value
'''
_KIND_NAMES = {
    "AWS access key": "AWS_ACCESS_KEY_ID", "GitHub token": "GITHUB_TOKEN",
    "GitHub fine-grained token": "GITHUB_TOKEN", "OpenAI-style secret key": "OPENAI_API_KEY",
    "Slack token": "SLACK_TOKEN", "Google API key": "GOOGLE_API_KEY", "Stripe key": "STRIPE_API_KEY",
    "Hugging Face token": "HF_TOKEN", "private key": "PRIVATE_KEY", "password in a URL": "DATABASE_URL",
}  # fmt: skip
_ENV_MAGIC = re.compile(r"^([ \t]*)%(?:env|set_env)\s+([A-Za-z_]\w*)\s*[= ]\s*(\S.*?)\s*$", re.M)


@dataclass(frozen=True)
class CodeSecret:
    """A literal secret in a cell's source: its span (1-based lines, char columns) and a name."""

    line: int
    col: int
    end_line: int
    end_col: int
    name: str
    kind: str


@dataclass(frozen=True)
class EnvSecret:
    """A secret taken out of the package: the variable that must hold it, and where it was."""

    name: str
    cell: int
    line: int
    kind: str


def _env_name(name: str) -> str:
    out = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()
    return out if out and not out[0].isdigit() else f"SECRET_{out}"


def code_secrets(source: str) -> list[CodeSecret]:
    """Literal secrets in a cell's Python: string literals bound to secret-sounding names or
    holding a provider token, plus every literal the checker's NB401 detector flags."""
    from nbprod.analysis.source import parse_cell
    from nbprod.rules.security import find_tokens, looks_secret

    parsed = parse_cell(source)
    if parsed.tree is None:
        return []
    named: dict[int, str] = {}  # id(string node) -> the name it is bound to
    for node in ast.walk(parsed.tree):
        targets: list[tuple[ast.AST, ast.AST]] = []
        if isinstance(node, ast.Assign):
            targets = [(t, node.value) for t in node.targets]
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            targets = [(node.target, node.value)]
        elif isinstance(node, ast.Call):
            targets = [(ast.Name(k.arg), k.value) for k in node.keywords if k.arg]
        elif isinstance(node, ast.Dict):
            targets = [
                (ast.Name(k.value), v)
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            ]
        for target, value in targets:
            if isinstance(target, ast.Name):
                named[id(value)] = target.id
            elif isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
                if isinstance(target.slice.value, str):
                    named[id(value)] = target.slice.value
            elif isinstance(target, ast.Attribute):
                named[id(value)] = target.attr
    found: list[CodeSecret] = []
    lines = parsed.python.splitlines()
    in_fstring = {id(v) for n in ast.walk(parsed.tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(parsed.tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in in_fstring:
            continue  # a part of an f-string is not a literal of its own: NB401 leaves it out
        if node.end_lineno is None or node.end_col_offset is None:
            continue
        name = named.get(id(node), "")
        kind = ""
        if name and looks_secret(name, node.value):
            kind = "literal bound to a secret-sounding name"
        else:
            tokens = find_tokens(node.value)
            if tokens:
                kind = tokens[0][0]
                name = name or _KIND_NAMES.get(kind, "SECRET")
        if not kind:
            continue
        first = lines[node.lineno - 1].encode("utf-8")
        last = lines[node.end_lineno - 1].encode("utf-8")
        col = len(first[: node.col_offset].decode("utf-8", "ignore"))
        end_col = len(last[: node.end_col_offset].decode("utf-8", "ignore"))
        found.append(CodeSecret(node.lineno, col, node.end_lineno, end_col, name, kind))
    return _with_rule_findings(source, parsed.tree, lines, found)


def _with_rule_findings(
    source: str, tree: ast.AST, lines: list[str], found: list[CodeSecret]
) -> list[CodeSecret]:
    """Add every literal NB401 itself flags (``nbprod.rules.secrets``, the checker's own
    detector), as the whole string literal that holds it: what the checker calls a secret
    never reaches the package, whatever this module's simpler scan saw."""
    from nbprod.rules.secrets.code import code_secrets as rule_secrets

    have = {(s.line, s.col) for s in found}
    in_fstring = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    literals = [  # a part of an f-string is no literal of its own: that statement becomes a TODO
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and n.end_lineno
        and n.end_col_offset
        and id(n) not in in_fstring
    ]
    for hit in rule_secrets(source):
        if hit.via in ("%env", "magic"):
            continue  # %env lines are rewritten by _env_magics; !cmd lines stay TODOs
        for node in literals:
            end_line = node.end_lineno or node.lineno
            if not (node.lineno <= hit.line <= end_line) or hit.secret not in str(node.value):
                continue
            first = lines[node.lineno - 1].encode("utf-8")
            last = lines[end_line - 1].encode("utf-8")
            col = len(first[: node.col_offset].decode("utf-8", "ignore"))
            end_col = len(last[: node.end_col_offset].decode("utf-8", "ignore"))
            if (node.lineno, col) not in have:
                name = hit.name or _KIND_NAMES.get(hit.kind, "SECRET")
                found.append(CodeSecret(node.lineno, col, end_line, end_col, name, hit.kind))
                have.add((node.lineno, col))
            break
    return sorted(found, key=lambda s: (s.line, s.col))


def _replace(source: str, python: str, spans: list[CodeSecret]) -> tuple[str, list[CodeSecret]]:
    """Replace each span of ``python`` in ``source`` (same line when IPython kept it)."""
    src = source.split("\n")
    py = python.split("\n")
    done = []
    for s in sorted(spans, key=lambda s: (s.line, s.col), reverse=True):
        if s.line != s.end_line or s.line > len(py) or s.line > len(src):
            segment = "\n".join(py[s.line - 1 : s.end_line])
            segment = segment[s.col : len(segment) - (len(py[s.end_line - 1]) - s.end_col)]
            joined = "\n".join(src)
            if segment and segment in joined:
                joined = joined.replace(segment, f'{CALL}("{_env_name(s.name)}")', 1)
                src = joined.split("\n")
                done.append(s)
            continue
        literal = py[s.line - 1][s.col : s.end_col]
        row = src[s.line - 1]
        at = row.find(literal)
        if at < 0:
            continue
        src[s.line - 1] = row[:at] + f'{CALL}("{_env_name(s.name)}")' + row[at + len(literal) :]
        done.append(s)
    return "\n".join(src), done


def scrub(nb: Notebook) -> tuple[Notebook, list[EnvSecret], list[str]]:
    """(a copy of the notebook without literal secrets, the secrets moved out, the literals)."""
    from nbprod.analysis.source import parse_cell

    cells = []
    moved: list[EnvSecret] = []
    literals: list[str] = []
    for cell in nb.cells:
        source = cell.source
        if cell.kind == "code" and source.strip():
            source = _env_magics(source, cell.index, moved, literals)
            spans = code_secrets(source)
            if spans:
                python = parse_cell(source).python
                py_lines = python.split("\n")
                for s in spans:
                    literals.append(_literal_value(py_lines, s))
                source, done = _replace(source, python, spans)
                moved += [
                    EnvSecret(_env_name(s.name), cell.index, s.line, s.kind)
                    for s in sorted(done, key=lambda s: s.line)
                ]
        cells.append(cell.replace(source=source) if source != cell.source else cell)
    return nb.replace(cells=cells), moved, [v for v in literals if v]


def _env_magics(source: str, index: int, moved: list[EnvSecret], literals: list[str]) -> str:
    """``%env NAME=secret`` becomes ``os.environ["NAME"] = env_secret("NAME")``."""
    from nbprod.rules.security import find_tokens, looks_secret

    def env_line(m: re.Match[str]) -> str:
        name, value = m.group(2), m.group(3)
        if not (looks_secret(name, value) or find_tokens(value)):
            return m.group(0)
        moved.append(EnvSecret(name, index, source[: m.start()].count("\n") + 1, "%env of a secret"))
        literals.append(value)
        return f'{m.group(1)}os.environ["{name}"] = {CALL}("{name}")'

    return _ENV_MAGIC.sub(env_line, source)


def _literal_value(lines: list[str], s: CodeSecret) -> str:
    text = "\n".join(lines[s.line - 1 : s.end_line])
    tail = len(lines[s.end_line - 1]) - s.end_col
    segment = text[s.col : len(text) - tail if tail else len(text)]
    try:
        value: Any = ast.literal_eval(segment)
    except (ValueError, SyntaxError):
        return ""
    return value if isinstance(value, str) else ""


def mask_text(text: str, literals: list[str]) -> tuple[str, bool]:
    """``text`` with the notebook's secret literals (and any token-shaped secret) masked."""
    from nbprod.rules.security import find_tokens

    hit = False
    for value in sorted(set(literals), key=len, reverse=True):
        if value and value in text:
            text = text.replace(value, "<secret>")
            hit = True
    for _, token in find_tokens(text):
        text = text.replace(token, "<secret>")
        hit = True
    return text, hit


__all__ = ["CALL", "RUNTIME", "CodeSecret", "EnvSecret", "code_secrets", "mask_text", "scrub"]
