"""Install lines (``!pip install``, ``%conda install``, ``!apt-get install`` ...) found in
cells and turned into no-ops for a run, so that ``verify`` never changes the environment."""

from __future__ import annotations

import re

# the command that runs the installer: pip, python -m pip, conda, mamba, apt, uv pip ...
_TOOL = (
    r"(?:sudo\s+(?:-\S+\s+)*)?"
    r"(?:(?:\S*python[\d.]*|\{sys\.executable\}|\$\{?sys\.executable\}?)\s+-m\s+)?"
    r"(?P<tool>pip[\d.]*|conda|mamba|micromamba|apt-get|apt|aptitude|yum|dnf|apk|brew|uv\s+pip|uv|poetry|pipx)"
)
_SUBCOMMAND = re.compile(
    r"\s+(?:-\S+\s+)*(?P<sub>install|uninstall|remove|purge|update|upgrade|autoremove|create|"
    r"add|sync|env|dist-upgrade|reinstall)\b"
)
_MAGIC = re.compile(r"^(?P<indent>\s*)(?:!|%)\s*" + _TOOL + r"(?P<rest>.*)$")
_SHELL = re.compile(r"^(?P<indent>\s*)" + _TOOL + r"(?P<rest>.*)$")
_SHELL_CELLS = ("%%bash", "%%sh", "%%script bash", "%%script sh", "%%system", "%%zsh")


def _installs(match: re.Match[str] | None) -> bool:
    return match is not None and _SUBCOMMAND.match(match.group("rest")) is not None


def skip_installs(source: str) -> tuple[str, list[str]]:
    """The cell's source with install lines made no-ops, and those lines (stripped).

    The cell's other lines still run. In Python cells an install line becomes ``pass``
    (same indentation, so blocks stay valid); in ``%%bash``-like cells it becomes ``:``.
    """
    lines = source.split("\n")
    first = lines[0].strip() if lines else ""
    shell = any(first == c or first.startswith(c + " ") for c in _SHELL_CELLS)
    skipped: list[str] = []
    for i, line in enumerate(lines):
        if shell and i == 0:
            continue
        m = _MAGIC.match(line)
        if not _installs(m) and shell:
            m = _SHELL.match(line)
        if m is None or not _installs(m):
            continue
        skipped.append(line.strip())
        noop = ":" if shell else "pass"
        lines[i] = f"{m.group('indent')}{noop}  # nbprod verify: install line skipped"
    if not skipped:
        return source, []
    return "\n".join(lines), skipped
