"""IPython escapes translated by meaning: dependencies, subprocess calls, kept bodies, TODOs.

Works on the Python that IPython's transforms produce (``get_ipython().run_line_magic(...)``
and friends), so a magic reads the same whether it stood alone or inside a loop.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass, field

from nbprod.analysis.cell import magic_call

# Magics that only change how the notebook displays or reloads things.
DISPLAY_MAGICS = frozenset(
    {
        "matplotlib", "load_ext", "reload_ext", "unload_ext", "autoreload", "aimport",
        "config", "who", "whos", "who_ls", "lsmagic", "pinfo", "pinfo2", "pdoc", "pdef",
        "psource", "pfile", "magic", "history", "hist", "pwd", "precision", "xmode", "pdb",
        "notebook", "qtconsole", "colors", "automagic", "doctest_mode", "page", "pprint",
        "debug", "reset", "reset_selective", "clear", "cls", "ls", "ll", "dirs", "dhist",
        "html", "HTML", "markdown", "latex", "javascript", "js", "svg", "tb",
        "recall", "rerun", "save", "logstart", "logstop", "logon", "logoff", "killbgscripts",
        "alias_magic", "unalias", "alias", "bookmark", "quickref", "timeit_", "sc",
    }
)  # fmt: skip
BODY_MAGICS = frozenset({"time", "timeit", "prun"})
SHELL_CELL_MAGICS = frozenset({"bash", "sh", "script", "system"})
# Magics whose printed output the exported code reproduces exactly.
FAITHFUL = frozenset({"matplotlib", "load_ext", "reload_ext", "autoreload", "aimport", "config"})
_INSTALLERS = re.compile(
    r"^\s*(?:\S*python\S*\s+-m\s+)?(?:pip3?|conda|mamba|micromamba|uv\s+pip)\s+install\b(.*)$"
)
_SHELL_VAR = re.compile(r"\$(\$?)([A-Za-z_]\w*)|\{([A-Za-z_][\w.]*(?:\[[^\]{}]*\])?)\}")
_TIMEIT_OPTS = re.compile(r"^\s*(?:-[nrp]\s*\d+\s*|-[oqtc]\s*)*")
_PRUN_OPTS = re.compile(r"^\s*(?:-[slTD]\s+\S+\s*|-[rq]\s*)*")


@dataclass
class Translation:
    """What one magic becomes: statements to keep, dependencies, or a drop/TODO reason."""

    code: list[ast.stmt] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    dropped: str | None = None
    todo: str | None = None
    helpers: set[str] = field(default_factory=set)
    faithful: bool = True
    module_file: tuple[str, str] | None = None  # (%%writefile path, body) for .py files


magic_of = magic_call  # the core recognises magics for the converter too


def describe(kind: str, args: list[str]) -> str:
    """The magic as the user wrote it, on one line."""
    if kind == "system":
        return "!" + (args[0] if args else "")
    if kind == "getoutput":
        return "!!" + (args[0] if args else "")
    if kind == "run_cell_magic":
        return f"%%{args[0]} {args[1] if len(args) > 1 else ''}".rstrip()
    return f"%{args[0]} {args[1] if len(args) > 1 else ''}".rstrip()


def requirements_of(command: str) -> list[str] | None:
    """Packages of a ``pip install`` / ``conda install`` command, None when it is not one."""
    m = _INSTALLERS.match(command.replace("{sys.executable}", "python"))
    if not m:
        return None
    try:
        words = shlex.split(m.group(1))
    except ValueError:
        words = m.group(1).split()
    reqs: list[str] = []
    skip = False
    for w in words:
        if skip:
            skip = False
            continue
        if w in ("-r", "-c", "-i", "-f", "-e", "--index-url", "--extra-index-url", "--find-links",
                 "--requirement", "--constraint", "--target", "-t", "--prefix", "-n", "--name",
                 "--channel"):  # fmt: skip
            skip = True
            continue
        if w.startswith("-") or w in (".", "..") or "/" in w:
            continue
        reqs.append(w.strip("'\""))
    return reqs


def _fstring(command: str, names: frozenset[str]) -> ast.expr:
    """IPython expands ``{expr}`` and ``$name`` in shell commands: do the same with an f-string."""
    parts: list[ast.expr] = []
    pos = 0
    expanded = False
    for m in _SHELL_VAR.finditer(command):
        name = m.group(2) or m.group(3)
        root = re.split(r"[.\[]", name, maxsplit=1)[0]
        if m.group(1) or root not in names:
            continue
        if m.start() > pos:
            parts.append(ast.Constant(command[pos : m.start()]))
        try:
            expr = ast.parse(name, mode="eval").body
        except SyntaxError:
            continue
        parts.append(ast.FormattedValue(expr, -1, None))
        pos = m.end()
        expanded = True
    if not expanded:
        return ast.Constant(command)
    if pos < len(command):
        parts.append(ast.Constant(command[pos:]))
    return ast.JoinedStr(parts)


def _call(name: str, *args: ast.expr) -> ast.expr:
    return ast.Call(ast.Name(name, ast.Load()), list(args), [])


def _parse_body(code: str) -> list[ast.stmt] | None:
    from nbprod.analysis.source import parse_cell

    parsed = parse_cell(code)
    if parsed.tree is None:
        return None
    return list(parsed.tree.body)


def translate(kind: str, args: list[str], names: frozenset[str]) -> Translation:
    """Translate one magic used as a statement."""
    t = Translation()
    if kind in ("system", "getoutput"):
        command = args[0] if args else ""
        reqs = requirements_of(command)
        if reqs is not None:
            t.requirements, t.faithful = reqs, False
            t.dropped = "package install: folded into pyproject.toml dependencies"
            return t
        if re.match(r"^\s*(?:pip3?|conda)\s+(?:list|freeze|show)\b", command):
            t.dropped, t.faithful = "lists installed packages (display only)", False
            return t
        if re.match(r"^\s*(?:sudo\s+)?(?:apt(?:-get)?|yum|brew|apk)\s", command):
            t.dropped, t.faithful = "system package install: belongs in the deployment image", False
            return t
        t.helpers.add("sh")
        t.code = [ast.Expr(_call("sh", _fstring(command, names)))]
        return t
    if not args:
        t.dropped = "empty magic"
        return t
    name = args[0]
    margs = args[1] if len(args) > 1 else ""
    if kind == "run_cell_magic":
        return _cell_magic(name, margs, args[2] if len(args) > 2 else "", names, t)
    return _line_magic(name, margs, names, t)


def _line_magic(name: str, margs: str, names: frozenset[str], t: Translation) -> Translation:
    if name in ("pip", "conda", "mamba", "uv"):
        reqs = requirements_of(f"{name} {margs}")
        t.faithful = False
        if reqs is not None:
            t.requirements = reqs
            t.dropped = "package install: folded into pyproject.toml dependencies"
        else:
            t.dropped = f"%{name} {margs.split()[0] if margs else ''}: package manager, not pipeline code"
        return t
    if name in DISPLAY_MAGICS:
        t.faithful = name in FAITHFUL
        t.dropped = f"%{name}: notebook display or session setting, no effect in a script"
        return t
    if name in ("env", "set_env"):
        t.faithful = False
        m = re.match(r"^\s*([A-Za-z_]\w*)\s*(?:=\s*|\s+)(.*)$", margs)
        if name == "set_env" or (m and ("=" in margs or name == "set_env")):
            if m:
                t.helpers.add("os")
                t.code = [
                    ast.Assign(
                        [
                            ast.Subscript(
                                ast.Attribute(ast.Name("os", ast.Load()), "environ", ast.Load()),
                                ast.Constant(m.group(1)),
                                ast.Store(),
                            )
                        ],  # fmt: skip
                        _fstring(m.group(2).strip(), names),
                        lineno=0,
                    )
                ]
                return t
        t.dropped = "%env: shows environment variables (display only)"
        return t
    if name == "cd":
        t.helpers.add("os")
        t.faithful = False
        t.code = [ast.Expr(ast.Call(ast.Attribute(ast.Name("os", ast.Load()), "chdir", ast.Load()),
                                    [_fstring(margs.strip().strip("'\""), names)], []))]  # fmt: skip
        return t
    if name in ("sx", "system"):
        t.helpers.add("getoutput")
        t.code = [ast.Expr(_call("getoutput", _fstring(margs, names)))]
        return t
    if name in BODY_MAGICS:
        t.faithful = False
        body = margs
        if name == "timeit":
            body = _TIMEIT_OPTS.sub("", body, count=1)
        elif name == "prun":
            body = _PRUN_OPTS.sub("", body, count=1)
        code = _parse_body(body)
        if code is None:
            t.todo = f"%{name} {margs}: its code does not parse"
            return t
        t.code = _timed(code, t) if name == "time" else code
        return t
    t.faithful = False
    t.todo = f"%{name} {margs}".rstrip() + ": IPython magic with no Python equivalent; translate by hand"
    return t


def _timed(code: list[ast.stmt], t: Translation) -> list[ast.stmt]:
    """``%time`` / ``%%time``: the code under ``with timed():``, which prints what IPython prints."""
    t.faithful = True
    t.helpers.add("timed")
    item = ast.withitem(ast.Call(ast.Name("timed", ast.Load()), [], []))
    block = ast.With(items=[item], body=code)
    ast.fix_missing_locations(ast.Module(body=[block], type_ignores=[]))
    return [block]


def _captured(margs: str, code: list[ast.stmt], t: Translation) -> list[ast.stmt]:
    """``%%capture [--no-stdout] [--no-stderr] [--no-display] [name]``: the body under ``with
    capture(...) [as name]:``, which hides what it prints as the notebook did; ``name()`` shows
    it again, ``name.stdout`` / ``name.stderr`` give the text, as IPython's CapturedIO does."""
    words = margs.split()
    keywords = [
        ast.keyword(arg, ast.Constant(f"--no-{arg}" not in words)) for arg in ("stdout", "stderr", "display")
    ]
    target = next((w for w in words if not w.startswith("-") and w.isidentifier()), None)
    t.faithful = True
    t.helpers.add("capture")
    item = ast.withitem(
        ast.Call(ast.Name("capture", ast.Load()), [], keywords),
        ast.Name(target, ast.Store()) if target else None,
    )
    block = ast.With(items=[item], body=code)
    ast.fix_missing_locations(ast.Module(body=[block], type_ignores=[]))
    return [block]


def _cell_magic(name: str, margs: str, body: str, names: frozenset[str], t: Translation) -> Translation:
    if name == "capture":
        code = _parse_body(body)
        if code is None:
            t.faithful, t.todo = False, "%%capture: its body does not parse"
            return t
        t.code = _captured(margs, code or [ast.Pass()], t)
        return t
    if name in BODY_MAGICS:
        t.faithful = False
        code = _parse_body(body)
        if code is None:
            t.todo = f"%%{name}: its body does not parse"
            return t
        t.code = _timed(code, t) if name == "time" else code
        return t
    if name in ("writefile", "file"):
        t.faithful = False
        words = margs.split()
        append = "-a" in words or "--append" in words
        target = next((w for w in words if not w.startswith("-")), "")
        target = target.strip("'\"")
        if not target:
            t.todo = "%%writefile with no file name"
            return t
        if target.endswith(".py") and "/" not in target and not append:
            t.module_file = (target, body)
            t.dropped = f"%%writefile {target}: became a module of the package"
            return t
        t.helpers.add("Path")
        method = "write_text"
        call = ast.Call(
            ast.Attribute(_call("Path", _fstring(target, names)), method, ast.Load()),
            [ast.Constant(body)],
            [],
        )
        if append:
            call = ast.Call(
                ast.Attribute(
                    ast.Call(
                        ast.Attribute(_call("Path", _fstring(target, names)), "open", ast.Load()),
                        [ast.Constant("a")],
                        [],
                    ),  # fmt: skip
                    "write",
                    ast.Load(),
                ),
                [ast.Constant(body)],
                [],
            )
        t.code = [ast.Expr(call)]
        return t
    if name in SHELL_CELL_MAGICS:
        shell = margs.split()[0] if margs.split() else "sh"
        if name == "script" and shell not in ("sh", "bash", "/bin/sh", "/bin/bash", "zsh"):
            t.faithful = False
            t.todo = f"%%script {margs}: runs another interpreter; translate by hand"
            return t
        t.helpers.add("sh")
        t.code = [ast.Expr(_call("sh", _fstring(body, names)))]
        return t
    if name in DISPLAY_MAGICS:
        t.faithful = False
        t.dropped = f"%%{name}: display only"
        return t
    t.faithful = False
    t.todo = (
        f"%%{name} {margs}".rstrip() + ": IPython cell magic with no Python equivalent; translate by hand"
    )
    return t


class NestedMagics(ast.NodeTransformer):
    """Rewrites magics that appear inside other statements (loops, ifs, functions)."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names
        self.helpers: set[str] = set()
        self.requirements: list[str] = []
        self.notes: list[str] = []
        self.faithful = True

    def visit_Expr(self, node: ast.Expr) -> ast.AST | list[ast.stmt]:
        m = magic_of(node.value)
        if m is None:
            return self.generic_visit(node)
        t = translate(m[0], m[1], self.names)
        self.helpers |= t.helpers
        self.requirements += t.requirements
        self.faithful &= t.faithful
        if t.code:
            return t.code
        self.notes.append(f"{describe(*m)}: {t.todo or t.dropped}")
        if t.todo:
            self.helpers.add("magic_todo")
            return ast.Expr(_call("magic_todo", ast.Constant(describe(*m))))
        return ast.Pass()

    def visit_Call(self, node: ast.Call) -> ast.AST:
        m = magic_of(node)
        if m is None:
            return self.generic_visit(node)
        kind, args = m
        command = args[0] if args else ""
        if kind == "getoutput":
            self.helpers.add("getoutput")
            return _call("getoutput", _fstring(command, self.names))
        if kind == "system":
            self.helpers.add("sh")
            return _call("sh", _fstring(command, self.names))
        if kind == "run_line_magic" and args and args[0] in ("sx", "system"):
            self.helpers.add("getoutput")
            return _call("getoutput", _fstring(args[1] if len(args) > 1 else "", self.names))
        self.faithful = False
        self.helpers.add("magic_todo")
        self.notes.append(f"{describe(kind, args)}: value of a magic; translate by hand")
        return _call("magic_todo", ast.Constant(describe(kind, args)))


# The package's small runtime for translated shell escapes (written as ``_magics.py``).
def runtime() -> str:
    """Source of the package's ``_magics.py``."""
    from importlib.resources import files

    return files("nbprod.export").joinpath("templates", "_magics.py.txt").read_text(encoding="utf-8")
