"""Modules and packages beside the notebook that it imports: copied into the exported package.

A notebook that says ``import mod`` or ``from lib.util import f`` with ``mod.py`` or
``lib/__init__.py`` in its folder runs only from that folder. The export copies them (and
the local modules they import in turn) under ``src/`` as top-level modules of the
distribution, kept as written, so the package's code imports them unchanged wherever it
is installed; the libraries they import become dependencies like the notebook's own.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 1_000_000  # one copied file; a larger one is not source someone wrote beside a notebook
HEADER = "# Copied by nbprod export from {} beside the notebook, kept as written.\n# ruff: noqa\n"


@dataclass
class LocalCode:
    """What was found beside the notebook: files to write, names, and what they import."""

    files: dict[str, str] = field(default_factory=dict)  # path in the package -> text
    modules: list[str] = field(default_factory=list)  # single-file modules (``py-modules``)
    packages: list[str] = field(default_factory=list)  # folders with ``__init__.py``
    imports: set[str] = field(default_factory=set)  # top-level modules their code imports
    warnings: list[str] = field(default_factory=list)

    @property
    def names(self) -> set[str]:
        return set(self.modules) | set(self.packages)


def imported_roots(text: str) -> set[str]:
    """Top-level modules a source file imports absolutely (relative imports are its own)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return set()
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def _read(path: Path, where: str, found: LocalCode) -> str | None:
    try:
        if path.stat().st_size > MAX_BYTES:
            found.warnings.append(
                f"{where} is larger than {MAX_BYTES // 1000} kB: not copied into the package"
            )
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        found.warnings.append(
            f"{where} could not be read ({type(exc).__name__}): not copied into the package"
        )
        return None


def find_local(here: Path, roots: set[str], reserved: set[str]) -> LocalCode:
    """The local modules among ``roots`` (and those they import), read from ``here``."""
    found = LocalCode()
    todo = sorted(roots)
    seen: set[str] = set()
    while todo:
        name = todo.pop(0)
        if name in seen or not name.isidentifier():
            continue
        seen.add(name)
        single, folder = here / f"{name}.py", here / name
        sources: list[str] = []
        if (folder / "__init__.py").is_file() and not folder.is_symlink():
            if name in reserved:
                found.warnings.append(f"`{name}/` beside the notebook has the package's own name: not copied")
                continue
            for path in sorted(folder.rglob("*.py")):
                if "__pycache__" in path.parts or path.is_symlink():
                    continue
                rel = path.relative_to(here).as_posix()
                text = _read(path, rel, found)
                if text is not None:
                    found.files[f"src/{rel}"] = HEADER.format(rel) + text
                    sources.append(text)
            found.packages.append(name)
        elif single.is_file() and not single.is_symlink():
            if name in reserved:
                found.warnings.append(
                    f"`{name}.py` beside the notebook has the package's own name: not copied"
                )
                continue
            text = _read(single, single.name, found)
            if text is None:
                continue
            found.files[f"src/{name}.py"] = HEADER.format(single.name) + text
            found.modules.append(name)
            sources.append(text)
        else:
            continue
        for text in sources:
            new = imported_roots(text) - {name}
            found.imports |= new
            todo.extend(sorted(new - seen))
    found.imports -= found.names
    _drop_secrets(found)
    return found


def _drop_secrets(found: LocalCode) -> None:
    """A copied file holding a secret literal is not copied: the package never holds one."""
    from nbprod.export.secrets import code_secrets
    from nbprod.rules.security import find_tokens

    for path, text in list(found.files.items()):
        hits = [kind for kind, _ in find_tokens(text)] + [s.kind for s in code_secrets(text)]
        if hits:
            del found.files[path]
            found.warnings.append(
                f"{path[4:]} holds a secret ({hits[0]}): not copied into the package; "
                "read the secret from the environment there, then re-export"
            )


__all__ = ["LocalCode", "find_local", "imported_roots"]
