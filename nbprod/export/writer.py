"""Package files: black in-process, lint marks, pyproject, README, atomic write, in-sync check."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from nbprod.errors import NbprodError
from nbprod.notebook import Notebook, atomic_write

MANIFEST = "nbprod-export.json"
PREFORMATTED = (
    "/_testing.py",
    "/_magics.py",
    "/_ipython.py",
    "/__main__.py",
    "/_normalize.py",
    "/_secrets.py",
)  # templates kept black-formatted


def notebook_hash(nb: Notebook) -> str:
    """Content hash of what the export depends on: cell kinds, sources and tags (not outputs)."""
    payload = json.dumps([[c.kind, c.source, c.tags] for c in nb.cells], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def file_hash(text: str) -> str:
    """sha256 of a file's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def black_format(files: dict[str, str], notes: list[str]) -> None:
    """Format the Python files in place with black (in-process); keep the text when black fails."""
    try:
        import black
    except ImportError:
        notes.append("black is not installed: the code is not formatted")
        return
    mode = black.Mode()
    for path, text in files.items():
        if not path.endswith(".py") or path.endswith(PREFORMATTED):
            continue
        try:
            files[path] = black.format_str(text, mode=mode)
        except Exception as exc:  # black rejects some code that Python accepts; keep it as is
            notes.append(f"black could not format {path}: {type(exc).__name__}")


def _ruff() -> str | None:
    try:
        from ruff.__main__ import find_ruff_bin

        return str(find_ruff_bin())
    except Exception:
        return shutil.which("ruff")


def lint_marks(files: dict[str, str], user_files: set[str], notes: list[str]) -> None:
    """Sort imports, then mark lines of the notebook's own code that break ruff's default rules."""
    ruff = _ruff()
    if ruff is None:
        notes.append("ruff is not installed: lint of the generated code not checked")
        return
    with tempfile.TemporaryDirectory(prefix="nbprod-lint-") as tmp:
        py = [p for p in files if p.endswith(".py")]
        for path in py:
            p = Path(tmp, path)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(files[path], encoding="utf-8")
        base = [ruff, "check", "--isolated", "--no-cache", "--exit-zero"]
        try:
            subprocess.run([*base, "--select", "I001", "--fix", "--quiet", tmp],
                           capture_output=True, text=True, check=False, timeout=120)  # fmt: skip
            for path in py:
                files[path] = Path(tmp, path).read_text(encoding="utf-8")
            done = subprocess.run([*base, "--output-format", "json", tmp],
                                  capture_output=True, text=True, check=False, timeout=120)  # fmt: skip
            found = json.loads(done.stdout or "[]")
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            notes.append(f"ruff could not check the package: {exc}")
            return
    marks: dict[str, dict[int, set[str]]] = {}
    for item in found:
        rel = os.path.relpath(item["filename"], tmp)
        code = item.get("code") or "E999"
        row = item["location"]["row"]
        marks.setdefault(rel, {}).setdefault(row, set()).add(code)
    total: dict[str, int] = {}
    for rel, rows in marks.items():
        if rel not in files:
            continue
        if rel not in user_files:
            notes.append(
                f"{rel}: generated code breaks ruff rules {sorted(set().union(*rows.values()))}: please report"
            )
            continue
        lines = files[rel].split("\n")
        for row, found_codes in sorted(rows.items()):
            codes = set(found_codes)
            if "F821" in codes:
                notes.append(f"{rel} line {row}: uses a name the notebook never defines (F821)")
            if 0 < row <= len(lines):
                line = lines[row - 1].rstrip()
                if "RUF100" in codes:  # the notebook's own stale noqa comment: drop it
                    line = re.sub(r"\s*#\s*noqa\b(:\s*[A-Z0-9, ]*)?", "", line, flags=re.I).rstrip()
                    codes = codes - {"RUF100"}
                    if not codes:
                        lines[row - 1] = line
                        continue
                candidate = line + f"  # noqa: {', '.join(sorted(codes))}"
                trial = lines[: row - 1] + [candidate] + lines[row:]
                try:
                    compile("\n".join(trial), rel, "exec", dont_inherit=True)
                except SyntaxError:
                    continue
                lines = trial
                for c in codes:
                    total[c] = total.get(c, 0) + 1
        files[rel] = "\n".join(lines)
    if total:
        summary = ", ".join(f"{c} x{n}" for c, n in sorted(total.items()))
        notes.append(
            f"{sum(total.values())} lint finding(s) in the notebook's own code marked `# noqa` for review ({summary})"
        )


def pyproject(
    dist: str, package: str, version: str, python: str, deps: list[str], script: str, title: str,
    plots: list[str] | None = None, py_modules: list[str] | None = None,
) -> str:  # fmt: skip
    """The package's ``pyproject.toml`` (what only ``--plots`` needs is the ``plots`` extra;
    ``py_modules``: single-file modules copied from beside the notebook into ``src/``)."""
    dep_lines = "".join(f'  "{d}",\n' for d in deps)
    modules = ""
    if py_modules:
        modules = (
            '[tool.setuptools]\npackage-dir = {"" = "src"}\n'
            f"py-modules = [{', '.join(json.dumps(m) for m in sorted(py_modules))}]\n\n"
        )
    plot_line = f"plots = [{', '.join(json.dumps(d) for d in plots)}]\n" if plots else ""
    return f'''[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "{version}"
description = {json.dumps(title)}
readme = "README.md"
requires-python = ">={python}"
dependencies = [
{dep_lines}]

[project.optional-dependencies]
test = ["pytest"]
{plot_line}
[project.scripts]
{script} = "{package}.pipeline:main"

{modules}[tool.setuptools.packages.find]
where = ["src"]

[tool.pytest.ini_options]
testpaths = ["tests"]
'''


def prepare_out_dir(out: Path, notebook: Path, force: bool) -> None:
    """Refuse to overwrite a directory without ``--force``, or one nbprod did not make."""
    nb = notebook.resolve()
    target = out.resolve()
    if target == nb.parent or target in nb.parents:
        raise NbprodError(f"{out} contains the notebook itself: choose another output directory (-o)")
    if target.exists():
        if not target.is_dir():
            raise NbprodError(f"{out} exists and is not a directory")
        if any(target.iterdir()):
            if not force:
                raise NbprodError(f"{out} already exists: use --force to replace it")
            if not (target / MANIFEST).is_file():
                raise NbprodError(f"{out} was not made by nbprod export (no {MANIFEST}); not replacing it")
            if read_manifest(target) is None:
                raise NbprodError(f"{out}: {MANIFEST} is not readable JSON; not replacing anything")


def write_tree(out: Path, files: dict[str, str], overwrite_edits: bool = False) -> list[str]:
    """Write the package; returns the stale generated files it removed.

    A new folder is written beside ``out`` and renamed into place. An existing package is
    updated in place: only the files its manifest lists are replaced or removed, and only
    when they still hash to what nbprod wrote (unless ``overwrite_edits``); nothing else in
    the folder (``.git``, data, venvs, the user's own modules, tests, CI files) is touched.
    """
    out = out.resolve()
    if not out.exists() or not any(out.iterdir()):
        _write_fresh(out, files)
        return []
    manifest = read_manifest(out) or {}
    old = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
    assert isinstance(old, dict)
    edited = sorted(p for p, h in old.items() if (out / p).is_file() and file_hash(_read(out / p)) != h)
    foreign = sorted(p for p in files if p != MANIFEST and p not in old and (out / p).exists())
    if (edited or foreign) and not overwrite_edits:
        names = ", ".join((edited + foreign)[:8]) + (" ..." if len(edited + foreign) > 8 else "")
        what = "edited by hand" if edited and not foreign else (
            "not made by nbprod" if not edited else "edited by hand or not made by nbprod")  # fmt: skip
        raise NbprodError(
            f"{out}: {len(edited) + len(foreign)} file(s) {what} would be replaced: {names} "
            "(keep your changes elsewhere, or pass --overwrite-edits to replace them)"
        )
    removed = []
    for rel in sorted(set(old) - set(files)):
        path = out / rel
        if path.is_file() and (overwrite_edits or file_hash(_read(path)) == old[rel]):
            path.unlink()
            removed.append(rel)
            _prune(path.parent, out)
    for rel, text in sorted(files.items()):
        if rel == MANIFEST:
            continue
        path = out / rel
        if path.is_file() and _read(path) == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text)
    if MANIFEST in files:  # last: a crash before this leaves the old manifest, still truthful
        atomic_write(out / MANIFEST, files[MANIFEST])
    return removed


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _prune(folder: Path, top: Path) -> None:
    """Remove folders left empty by a removed generated file, up to the package folder."""
    while folder != top and top in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _write_fresh(out: Path, files: dict[str, str]) -> None:
    """Write all files into a new folder beside ``out``, then move it into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for rel, text in sorted(files.items()):
            p = tmp / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(p, text)
        os.chmod(tmp, 0o755)
        if out.exists():
            out.rmdir()  # empty
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of an exported package, or None."""
    from nbprod.notebook import MAX_SIDE_FILE_BYTES, read_regular

    try:  # a regular file only: a FIFO or a link to /dev/zero must not hang the hook
        data = json.loads(read_regular(out / MANIFEST, MAX_SIDE_FILE_BYTES).decode("utf-8"))
    except (OSError, ValueError, NbprodError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def python_requirement(nb: Notebook) -> str:
    """``3.11`` from the notebook's kernel metadata, else this interpreter's version."""
    info = nb.metadata.get("language_info") or {}
    version = str(info.get("version", "")) if isinstance(info, dict) else ""
    parts = version.split(".")
    if len(parts) >= 2 and parts[0] == "3" and parts[1].isdigit():
        return f"3.{min(int(parts[1]), sys.version_info.minor)}"
    return f"{sys.version_info.major}.{sys.version_info.minor}"


__all__ = [
    "MANIFEST",
    "black_format",
    "file_hash",
    "lint_marks",
    "notebook_hash",
    "prepare_out_dir",
    "pyproject",
    "python_requirement",
    "read_manifest",
    "write_tree",
]
