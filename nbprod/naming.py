"""Names of exported packages, cheap to import: `nbprod check` needs them, not the converter."""

from __future__ import annotations

import functools
import keyword
import os
import re
import sys
from pathlib import Path


def slug(text: str, fallback: str = "section") -> str:
    """A lower-case Python identifier from free text."""
    text = re.sub(r"<[^>]+>|`|\*|\[|\]\([^)]*\)", " ", text)
    words = re.findall(r"[A-Za-z0-9]+", text.lower())
    name = "_".join(words)[:40].strip("_") or fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    if keyword.iskeyword(name):
        name += "_"
    return name


def names_for(notebook: str | os.PathLike[str], name: str | None = None) -> tuple[str, str]:
    """(distribution name, import name) from ``--name`` or the notebook's file name."""
    raw = name or _stem(notebook)
    package = slug(raw, "notebook")
    if package in sys.stdlib_module_names or package in ("test", "tests", "src", "nbprod"):
        package += "_pipeline"
    dist = package.replace("_", "-")
    if name and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        dist = name
    return dist, package


def default_out_dir(notebook: str | os.PathLike[str], name: str | None = None) -> Path:
    """``<notebook folder>/<distribution name>``."""
    dist = names_for(notebook, name)[0]
    if _plain(notebook):  # asked for every notebook checked: one Path, not three
        return Path(os.path.join(os.path.dirname(notebook), dist))
    return Path(notebook).parent / dist


def out_dir_name(notebook: str | os.PathLike[str]) -> str:
    """Where ``default_out_dir`` points, as a str for ``os.path`` (not always its text:
    ``a/./b.ipynb`` gives ``a/./b``), without a Path for a plain str."""
    if _plain(notebook):
        assert isinstance(notebook, str)
        return _plain_out_dir(notebook)
    return str(default_out_dir(notebook))


@functools.lru_cache(maxsize=4096)
def _plain_out_dir(notebook: str) -> str:
    """``out_dir_name`` of a plain str: a pure function of the text, asked for every notebook
    checked (the slug's regular expressions run once per path, not at every check of it)."""
    return os.path.join(os.path.dirname(notebook), names_for(notebook)[0])


def _plain(path: object) -> bool:
    """A str whose last part is a file name (what ``os.path`` and ``Path`` read alike)."""
    if not isinstance(path, str) or not path or path.endswith(("/", os.sep)):
        return False
    return os.path.basename(path) not in ("", ".", "..")


def _stem(path: str | os.PathLike[str]) -> str:
    """``Path(path).stem``, without making a Path for a plain str."""
    if not _plain(path):
        return Path(path).stem
    assert isinstance(path, str)
    base = os.path.basename(path)
    i = base.rfind(".")
    return base[:i] if 0 < i < len(base) - 1 else base
