"""``[tool.nbprod]`` in pyproject.toml, found by walking up from the inputs."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

from nbprod.errors import ConfigError

TYPE_CHECKING = False  # no typing, no dataclasses: `nbprod check` starts faster without them
if TYPE_CHECKING:
    from typing import Any

KNOWN_KEYS = {
    "select": "rule ids or prefixes to run (default: all)",
    "ignore": "rule ids or prefixes to skip",
    "fail-on": "error | warning | info | never: lowest severity that fails (default warning)",
    "exclude": "glob patterns of notebook paths to skip (relative to this file's folder, as in .gitignore)",
    "per-file-ignores": "table of glob -> rule ids to skip for matching notebooks (globs as for exclude)",
    "long-notebook-cells": "code cells from which NB306 wants functions (default 10)",
    "format": "text | json | sarif | github | gitlab",
    "checklist": "false leaves the readiness checklist out of nbprod check (default true)",
    "verify-runs": "fresh runs per notebook for nbprod verify / check --verify (default 1)",
    "verify-timeout": "seconds a cell may run in nbprod verify before its kernel is killed (default 300)",
    "verify-jobs": "kernels nbprod verify runs at a time (default 1)",
    "verify-rtol": "relative tolerance for numbers when nbprod verify compares outputs (default 1e-6)",
    "cache": "false: nbprod check neither reads nor writes .nbprod_cache/ (default true)",
}


class Config:
    """Effective settings: pyproject values, overridden by command-line flags."""

    def __init__(
        self,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        fail_on: str = "warning",
        exclude: list[str] | None = None,
        per_file_ignores: dict[str, list[str]] | None = None,
        options: dict[str, Any] | None = None,
        source: str | None = None,
        warnings: list[str] | None = None,
        root: str | None = None,
    ) -> None:
        self.select: list[str] = [] if select is None else select
        self.ignore: list[str] = [] if ignore is None else ignore
        self.fail_on = fail_on
        self.exclude: list[str] = [] if exclude is None else exclude
        self.per_file_ignores: dict[str, list[str]] = {} if per_file_ignores is None else per_file_ignores
        self.options: dict[str, Any] = {} if options is None else options
        self.source = source
        self.warnings: list[str] = [] if warnings is None else warnings
        self.root = root  # folder the exclude / per-file-ignores patterns are relative to

    def enabled(self, rule_id: str, path: str | None = None) -> bool:
        """Whether a rule runs (prefixes allowed: ``NB2`` selects every NB2xx rule)."""
        if not (self.select or self.ignore or self.per_file_ignores):
            return True  # the default, asked ~40 times per notebook
        if self.select and not any(rule_id.startswith(s) for s in self.select):
            return False
        ignored = list(self.ignore)
        if path is not None and self.per_file_ignores:
            for pattern, ids in self.per_file_ignores.items():
                if path_matches(path, pattern, self.root):
                    ignored.extend(ids)
        return not any(rule_id.startswith(i) for i in ignored)

    def excluded(self, path: str) -> bool:
        """True when an ``exclude`` pattern matches the path (or a folder above it)."""
        return any(path_matches(path, p, self.root) for p in self.exclude)


@functools.lru_cache(maxsize=4096)
def _relative(path: str, root: str | None, cwd: str) -> str:
    """``path`` relative to ``root`` (default: the current folder), with ``/``; the
    absolute path when it is outside."""
    base = os.path.abspath(root or cwd)
    absolute = os.path.abspath(path)
    for b, a in ((base, absolute), (os.path.realpath(base), os.path.realpath(absolute))):
        rel = os.path.relpath(a, b) if os.path.splitdrive(a)[0] == os.path.splitdrive(b)[0] else ".."
        if rel != ".." and not rel.startswith(".." + os.sep):
            return Path(rel).as_posix()
    return Path(absolute).as_posix()


def path_matches(path: str, pattern: str, root: str | None = None) -> bool:
    """Whether a glob matches a notebook path, the way ``.gitignore`` reads it: relative to
    ``root`` (the folder holding the pyproject.toml) whatever the current folder or the
    form of ``path``; a pattern without ``/`` matches any file or folder name on the way,
    one with ``/`` is anchored at ``root`` (``**/`` or ``*/`` in front: at any depth); a
    matching folder covers everything below it."""
    from fnmatch import fnmatchcase

    pat = pattern.strip().replace("\\", "/")
    while pat.startswith("./"):
        pat = pat[2:]
    pat = pat.rstrip("/")
    if not pat:
        return False
    rel = _relative(str(path), root, os.getcwd())
    parts = rel.split("/")
    if "/" not in pat:
        return any(fnmatchcase(part, pat) for part in parts)
    pats = [pat.lstrip("/")]
    for lead in ("**/", "*/"):  # any folders above, none included (``*`` spans ``/`` here)
        if pats[0].startswith(lead):
            pats.append(pats[0][len(lead) :])
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(fnmatchcase(prefix, p) for p in pats for prefix in prefixes)


def find_pyproject(start: str | os.PathLike[str]) -> Path | None:
    """The nearest pyproject.toml at or above ``start``."""
    p = Path(start).resolve()
    if p.is_file() or not p.exists():
        p = p.parent
    for folder in (p, *p.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def check_rule_ids(ids: list[str]) -> list[str]:
    """The ids, upper case; ConfigError for one that names no rule (``NB2`` is a prefix)."""
    from nbprod.rules import all_rules

    known = all_rules()
    out = []
    for raw in ids:
        rid = raw.strip().upper()
        if rid and not any(k.startswith(rid) for k in known):
            raise ConfigError(f"unknown rule id '{raw.strip()}' (see 'nbprod rules')")
        if rid:
            out.append(rid)
    return out


def _ids(value: Any, key: str, where: str) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.replace(",", " ").split()]
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} {key} must be a list of rule ids")
    try:
        return check_rule_ids(value)
    except ConfigError as exc:
        raise ConfigError(f"{where} {key}: {exc}") from None


def _globs(value: Any, key: str, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} {key} must be a list of glob patterns")
    return list(value)


FORMAT_NAMES = ("text", "json", "sarif", "github", "gitlab")
FAIL_ON = ("error", "warning", "info", "never")


def set_option(config: Config, key: str, value: Any, where: str) -> None:
    """Check and store one ``[tool.nbprod]`` key (``where`` starts the error message)."""
    if key == "select":
        config.select = _ids(value, key, where)
    elif key == "ignore":
        config.ignore = _ids(value, key, where)
    elif key == "fail-on":
        if value not in FAIL_ON:
            raise ConfigError(f"{where} fail-on must be error, warning, info or never, not {value!r}")
        config.fail_on = value
    elif key == "exclude":
        config.exclude = _globs(value, key, where)
    elif key == "per-file-ignores":
        if not isinstance(value, dict):
            raise ConfigError(f"{where} per-file-ignores must be a table")
        config.per_file_ignores = {str(k): _ids(v, key, where) for k, v in value.items()}
    elif key == "long-notebook-cells" and (
        not isinstance(value, int) or isinstance(value, bool) or value < 1
    ):
        raise ConfigError(f"{where} long-notebook-cells must be a positive integer")
    elif key == "format" and value not in FORMAT_NAMES:
        raise ConfigError(f"{where} format must be text, json, sarif, github or gitlab")
    elif key == "checklist" and not isinstance(value, bool):
        raise ConfigError(f"{where} checklist must be true or false")
    elif key == "cache" and not isinstance(value, bool):
        raise ConfigError(f"{where} cache must be true or false")
    else:
        config.options[key] = value


def apply_api_options(config: Config, options: dict[str, Any], caller: str) -> Config:
    """``nbprod.check(p, select="NB2", fail_on="error")``: the Python API's options, checked
    as ``[tool.nbprod]`` is (``fail_on`` or ``fail-on``); ValueError for a bad value,
    TypeError for an unknown option."""
    for name, value in options.items():
        key = name.replace("_", "-")
        if name == "root":
            config.root = str(value)
            continue
        if key not in KNOWN_KEYS:
            known = ", ".join(sorted(k.replace("-", "_") for k in KNOWN_KEYS))
            raise TypeError(f"{caller}() got an unexpected option {name!r} (known: {known})")
        try:
            set_option(config, key, value, f"{caller}():")
        except ConfigError as exc:
            raise ValueError(str(exc).replace(f" {key}", f" {name}", 1)) from None
    return config


def load_config(start: str | os.PathLike[str] | None = None, pyproject: Path | None = None) -> Config:
    """Read ``[tool.nbprod]`` from the nearest pyproject.toml (none found: defaults)."""
    path = pyproject or find_pyproject(start or os.getcwd())
    config = Config()
    if path is None:
        return config
    from nbprod.errors import NbprodError
    from nbprod.files import MAX_SIDE_FILE_BYTES, display_path, read_regular

    try:  # only a regular file, non-blocking, at most 64 MB
        text = read_regular(path, MAX_SIDE_FILE_BYTES)
    except FileNotFoundError:
        return config
    except NbprodError as exc:
        raise ConfigError(f"{display_path(path)}: cannot read the configuration: {exc}") from None
    if b"tool.nbprod" not in text:
        return config
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    try:
        data = tomllib.loads(text.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{display_path(path)}: invalid TOML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise ConfigError(f"{display_path(path)}: invalid TOML: nested too deeply") from None
    tool = data.get("tool")
    section = tool.get("nbprod") if isinstance(tool, dict) else None
    if not isinstance(section, dict):
        return config
    config.source = str(path)
    config.root = str(path.parent)
    for key, value in section.items():
        if key not in KNOWN_KEYS:
            config.warnings.append(
                f"{path}: unknown key '{key}' in [tool.nbprod] (known: {', '.join(sorted(KNOWN_KEYS))})"
            )
            continue
        set_option(config, key, value, f"{path}: [tool.nbprod]")
    return config
