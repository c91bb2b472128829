"""Every command, console session and snippet in README.md and docs/*.md, found and run.

The docs test (tests/test_docs.py) runs what this module extracts; run this module as a
script to list the snippets (``--list``) or to rewrite the sample output of the console
blocks from real runs (``--update``)::

    python tests/docsnippets.py --list
    python tests/docsnippets.py --update

What a fenced block means, by its info string:

- ``console``: ``$ command`` lines, each followed by the output it prints. The printed
  output is compared with the real one after masking the volatile parts (times, sizes,
  hashes, temporary paths); a line ``...`` stands for any number of lines, a line ending
  in ``...`` for any end of line, and ``<...>`` for any text within a line (a random score).
- ``bash`` / ``sh``: commands, one per line (``\\`` continues a line, ``#`` starts a comment);
  each must exit 0 unless the block is marked ``exit N``.
- ``python``: run in a fresh interpreter (IPython when the block holds ``%magics``); the
  blocks of one file share nothing.
- ``toml``: parsed; a ``[tool.nbprod]`` table is also loaded by nbprod's configuration
  reader and must give no error and no warning.
- ``yaml``: parsed; a pre-commit configuration must name hooks this repository defines.
- ``json``: parsed.
- ``text`` or none: a usage synopsis is checked against the real argument parser (every
  ``--flag`` shown must exist); sample output is compared when marked ``output-of``; a
  block of ``$ command`` lines is a console session; an IPython transcript (``In [1]:``)
  cannot be replayed faithfully (paths, versions, platform) and must be marked ``skip``.

Inline code spans that start with ``nbprod `` or ``%nbprod `` are checked against the
parsers too: a documented flag that the command does not have fails the test.

Markers go in an HTML comment on the line just above a block, so they do not show:

- ``<!-- docs-test: skip REASON -->``: not run; the test lists it with the reason.
- ``<!-- docs-test: exit N -->``: the block's commands exit N (a check with findings: 1).
- ``<!-- docs-test: output-of COMMAND -->``: a ``text``/``json`` block is what COMMAND prints.
- ``<!-- docs-test: continue -->``: a ``python`` block runs after the previous one in the
  same interpreter (its definitions stay).
- ``<!-- docs-test: in-repo -->``: a developer's command that reads this checkout (``python
  extension/build.py --check``) runs in the checkout itself; it must write nothing there.
- A ``python`` block of ``c.Class.trait = value`` lines is IPython configuration: every
  class and trait it sets must exist.

Everything runs in a temporary folder holding a copy of ``sample_notebooks/``, with this
checkout's ``nbprod`` first on ``PATH``, so the commands are exactly what a reader runs
from the repository's root.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
MARKER = re.compile(r"<!--\s*docs-test:\s*(skip|exit|output-of|continue|in-repo)\b\s*(.*?)\s*-->")
FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)")
INLINE = re.compile(r"(?<!`)`(%?nbprod [^`\n]+)`(?!`)")
TIMEOUT = 600


@dataclass
class Snippet:
    """One fenced block (or inline command) of a Markdown file."""

    path: Path
    line: int  # 1-based line of the opening fence (or of the inline span)
    lang: str
    text: str
    markers: dict[str, str] = field(default_factory=dict)
    inline: bool = False

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"

    @property
    def skip_reason(self) -> str | None:
        return self.markers.get("skip")

    @property
    def kind(self) -> str:
        """What the test does with it: console, shell, python, toml, yaml, json, usage, output, none."""
        if self.inline:
            return "usage"
        if self.lang == "console" or (self.lang in ("", "text") and self.text.startswith("$ ")):
            return "console"
        if self.lang in ("bash", "sh", "shell"):
            return "shell"
        if self.lang in ("python", "py", "ipython"):
            return "python"
        if self.lang in ("toml", "yaml", "yml", "json"):
            return "output" if "output-of" in self.markers else self.lang.replace("yml", "yaml")
        if "output-of" in self.markers:
            return "output"
        if re.search(r"^In \[\d*\]:", self.text, re.MULTILINE):
            return "transcript"  # an IPython session: must be marked, the test cannot replay it
        if re.search(r"^\s*%?nbprod [a-z][a-z-]*(\s|$)", self.text, re.MULTILINE):
            return "usage"
        return "none"


def extract(path: Path) -> list[Snippet]:
    """The fenced blocks and inline commands of one Markdown file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    snippets: list[Snippet] = []
    i = 0
    pending: dict[str, str] = {}
    while i < len(lines):
        line = lines[i]
        marker = MARKER.search(line)
        if marker:
            pending[marker.group(1)] = marker.group(2)
            i += 1
            continue
        fence = FENCE.match(line.lstrip())
        if fence:
            indent = len(line) - len(line.lstrip())
            start, body = i, []
            i += 1
            while i < len(lines) and not lines[i].lstrip().startswith(fence.group(1)):
                text = lines[i]
                body.append(text[indent:] if not indent or text[:indent].isspace() else text.lstrip())
                i += 1
            snippets.append(Snippet(path, start + 1, fence.group(2).lower(), "\n".join(body), pending))
            pending = {}
            i += 1
            continue
        if line.strip():
            pending = {}
        for m in INLINE.finditer(line):
            snippets.append(Snippet(path, i + 1, "inline", m.group(1), inline=True))
        i += 1
    return snippets


def all_snippets() -> list[Snippet]:
    """Every snippet of README.md and docs/*.md."""
    return [s for doc in DOCS for s in extract(doc)]


# --- running ---------------------------------------------------------------------------


def workspace(root: Path) -> Path:
    """A folder laid out as a reader's checkout: a copy of sample_notebooks/ (no outputs of
    earlier runs) and nothing else of the repository's."""
    root.mkdir(parents=True, exist_ok=True)
    dest = root / "sample_notebooks"
    if not dest.exists():
        shutil.copytree(
            REPO / "sample_notebooks",
            dest,
            ignore=shutil.ignore_patterns("__pycache__", ".nbprod_cache", ".ipynb_checkpoints"),
        )
    return root


def environment(cwd: Path) -> dict[str, str]:
    """This interpreter's bin folder first on PATH, this checkout importable, no colour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBPROD_", "PYTEST_"))}
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update({"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "100", "HOME": str(cwd / ".home")})
    (cwd / ".home").mkdir(exist_ok=True)
    return env


def shell_commands(text: str) -> list[str]:
    """The commands of a bash block: continuations joined, comment-only lines dropped."""
    commands: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        commands.append(current + line)
        current = ""
    if current.strip():
        commands.append(current)
    return commands


def console_steps(text: str) -> list[tuple[str, list[str]]]:
    """``$ command`` lines with the output lines shown under each."""
    steps: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
    return steps


def run_command(command: str, cwd: Path, timeout: int = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """One shell command as a reader types it (bash, in the workspace)."""
    python = shlex.quote(sys.executable)
    # `python` in the docs is the interpreter the reader installed nbprod into.
    prologue = f'python() {{ {python} "$@"; }}; export -f python; '
    return subprocess.run(
        ["bash", "-c", prologue + command],
        cwd=cwd,
        env=environment(cwd),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


_VOLATILE = [
    (re.compile(r"\b[0-9a-f]{12,64}\b"), "<hash>"),
    (re.compile(r"(/tmp|/var/folders)/[^\s:'\"]+"), "<tmp>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<addr>"),
    (re.compile(r"\b\d+(\.\d+)?(/\d+(\.\d+)?)*\s?(ns|µs|us|ms|s|min)\b"), "<time>"),
    (re.compile(r"\b\d+(\.\d+)?\s?(B|KB|MB|GB|KiB|MiB|GiB)\b"), "<size>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ][\d:.]+\S*"), "<timestamp>"),
    (re.compile(r"\bnbprod \d+\.\d+\S*"), "nbprod <version>"),
    (re.compile(r"[ \t]+$", re.MULTILINE), ""),
]


def mask(text: str) -> str:
    """The text with its volatile parts replaced by placeholders."""
    for pattern, repl in _VOLATILE:
        text = pattern.sub(repl, text)
    return text


def matches(shown: list[str], real: list[str]) -> str | None:
    """None when the shown lines match the real ones (``...`` = any lines); else why not."""
    want = [mask(line) for line in shown]
    got = [mask(line) for line in real]
    while want and not want[-1].strip():
        want.pop()
    while got and not got[-1].strip():
        got.pop()

    def walk(i: int, j: int) -> bool:
        if i == len(want):
            return j == len(got)
        if want[i].strip() == "...":
            return any(walk(i + 1, k) for k in range(j, len(got) + 1))
        if want[i].endswith("..."):
            return j < len(got) and got[j].startswith(want[i][:-3]) and walk(i + 1, j + 1)
        if "<...>" in want[i]:  # a volatile part of a line (a random score): any text
            pattern = ".*?".join(re.escape(part) for part in want[i].split("<...>"))
            return j < len(got) and re.fullmatch(pattern, got[j]) is not None and walk(i + 1, j + 1)
        return j < len(got) and want[i] == got[j] and walk(i + 1, j + 1)

    if walk(0, 0):
        return None
    return "shown:\n" + "\n".join(shown) + "\n--- real (masked):\n" + "\n".join(got)


def expected_exit(snippet: Snippet) -> int:
    value = snippet.markers.get("exit", "0").split()[0] if snippet.markers.get("exit") else "0"
    return int(value)


# --- usage: documented flags exist ------------------------------------------------------


@functools.cache
def _cli_flags() -> dict[str, set[str]]:
    """Every sub-command's option strings, from nbprod's real parser."""
    from nbprod.cli import COMMANDS, build_parser

    parser = build_parser()
    flags: dict[str, set[str]] = {"": {a for act in parser._actions for a in act.option_strings}}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if name in COMMANDS:
                    flags[name] = {a for act in sub._actions for a in act.option_strings}
    return flags


@functools.cache
def _magic_flags() -> dict[str, set[str]]:
    """``%nbprod`` sub-commands and their options, from the magic's own parsers."""
    from nbprod.live import magics

    table: dict[str, set[str]] = {}
    for obj in vars(magics).values():
        parser = getattr(obj, "parser", None)
        prog = getattr(parser, "prog", "")
        if isinstance(parser, argparse.ArgumentParser) and prog.startswith("nbprod "):
            table[prog.split()[1]] = {a for act in parser._actions for a in act.option_strings}
    return table


def usage_problems(snippet: Snippet) -> list[str]:
    """Flags shown for ``nbprod X`` / ``%nbprod X`` that the real parser does not know."""
    cli = _cli_flags()
    problems: list[str] = []
    for line in snippet.text.splitlines():
        line = line.strip()
        m = re.match(r"(%?)nbprod\s+([a-z][a-z-]*|-\S+)(?=\s|$)(.*)", line)
        if not m:
            continue
        magic, command, rest = m.groups()
        if magic:
            known = _magic_flags()
            if not known:
                continue
            if command not in known and not command.startswith("-"):
                problems.append(f"%nbprod has no sub-command '{command}'")
                continue
            options = known.get(command, set()) | {"-h", "--help"}
        else:
            if command.startswith("-"):
                rest, command = f"{command} {rest}", ""
            if command not in cli:
                problems.append(f"nbprod has no sub-command '{command}'")
                continue
            options = cli[command] | cli[""]
        for flag in re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", rest):
            if flag not in options:
                problems.append(f"'{'%' if magic else ''}nbprod {command}' has no option {flag}")
    return problems


# --- command line -----------------------------------------------------------------------


def update(root: Path) -> int:
    """Rewrite the output of every console block from a real run; returns the blocks changed."""
    changed = 0
    for doc in DOCS:
        lines = doc.read_text(encoding="utf-8").splitlines(keepends=True)
        for snippet in reversed([s for s in extract(doc) if s.kind == "console" and not s.skip_reason]):
            out: list[str] = []
            for command, shown in console_steps(snippet.text):
                done = run_command(command, root)
                real = (done.stdout + done.stderr).splitlines()
                if matches(shown, real) is None:  # still true: keep it as written (wildcards)
                    out += [f"$ {command}\n", *(line + "\n" for line in shown)]
                    continue
                keep = real
                if any(s.strip() == "..." for s in shown):
                    head = shown.index(next(s for s in shown if s.strip() == "..."))
                    keep = real[:head] + (["..."] if len(real) > head else [])
                out += [f"$ {command}\n", *(line + "\n" for line in keep)]
            start = snippet.line  # the fence line is lines[start - 1]
            end = start + len(snippet.text.splitlines())
            if "".join(lines[start:end]) != "".join(out):
                lines[start:end] = out
                changed += 1
        doc.write_text("".join(lines), encoding="utf-8")
    return changed


def _listing() -> Iterator[str]:
    snippets = all_snippets()
    kinds: dict[str, int] = {}
    for s in snippets:
        kinds[s.kind] = kinds.get(s.kind, 0) + 1
        tag = f"skip: {s.skip_reason}" if s.skip_reason is not None else s.kind
        yield f"{s.where:28} {tag}"
    checked = sum(1 for s in snippets if s.kind != "none" and s.skip_reason is None)
    marked = sum(1 for s in snippets if s.skip_reason is not None)
    yield f"{len(snippets)} snippets: {checked} checked, {marked} marked as not runnable, " + ", ".join(
        f"{k} {v}" for k, v in sorted(kinds.items())
    )


def main(argv: list[str] | None = None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="list the snippets and what is done with each")
    parser.add_argument("--update", action="store_true", help="rewrite console output from real runs")
    args = parser.parse_args(argv)
    if args.update:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"{update(workspace(Path(tmp)))} console block(s) rewritten")
        return 0
    for line in _listing():
        print(line)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
