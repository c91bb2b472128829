"""``[tool.nbprod]`` in pyproject.toml, found by walking up from the inputs."""

from __future__ import annotations

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
    "exclude": "glob patterns of notebook paths to skip",
    "per-file-ignores": "table of glob -> rule ids to skip for matching notebooks",
    "long-notebook-cells": "code cells from which NB306 wants functions (default 10)",
    "format": "text | json",
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
    ) -> None:
        self.select: list[str] = [] if select is None else select
        self.ignore: list[str] = [] if ignore is None else ignore
        self.fail_on = fail_on
        self.exclude: list[str] = [] if exclude is None else exclude
        self.per_file_ignores: dict[str, list[str]] = {} if per_file_ignores is None else per_file_ignores
        self.options: dict[str, Any] = {} if options is None else options
        self.source = source
        self.warnings: list[str] = [] if warnings is None else warnings

    def enabled(self, rule_id: str, path: str | None = None) -> bool:
        """Whether a rule runs (prefixes allowed: ``NB2`` selects every NB2xx rule)."""
        if not (self.select or self.ignore or self.per_file_ignores):
            return True  # the default, asked ~40 times per notebook
        if self.select and not any(rule_id.startswith(s) for s in self.select):
            return False
        ignored = list(self.ignore)
        if path is not None and self.per_file_ignores:
            from fnmatch import fnmatch

            for pattern, ids in self.per_file_ignores.items():
                if fnmatch(path, pattern) or fnmatch(Path(path).name, pattern):
                    ignored.extend(ids)
        return not any(rule_id.startswith(i) for i in ignored)

    def excluded(self, path: str) -> bool:
        if not self.exclude:
            return False
        from fnmatch import fnmatch

        return any(fnmatch(path, p) or fnmatch(Path(path).name, p) for p in self.exclude)


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


def _ids(value: Any, key: str, path: Path) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.replace(",", " ").split()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: [tool.nbprod] {key} must be a list of rule ids")
    try:
        return check_rule_ids(value)
    except ConfigError as exc:
        raise ConfigError(f"{path}: [tool.nbprod] {key}: {exc}") from None


def _globs(value: Any, key: str, path: Path) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: [tool.nbprod] {key} must be a list of glob patterns")
    return list(value)


def load_config(start: str | os.PathLike[str] | None = None, pyproject: Path | None = None) -> Config:
    """Read ``[tool.nbprod]`` from the nearest pyproject.toml (none found: defaults)."""
    path = pyproject or find_pyproject(start or os.getcwd())
    config = Config()
    if path is None:
        return config
    text = path.read_bytes()
    if b"tool.nbprod" not in text:
        return config
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    try:
        data = tomllib.loads(text.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    section = data.get("tool", {}).get("nbprod")
    if not isinstance(section, dict):
        return config
    config.source = str(path)
    for key, value in section.items():
        if key not in KNOWN_KEYS:
            config.warnings.append(
                f"{path}: unknown key '{key}' in [tool.nbprod] (known: {', '.join(sorted(KNOWN_KEYS))})"
            )
            continue
        if key == "select":
            config.select = _ids(value, key, path)
        elif key == "ignore":
            config.ignore = _ids(value, key, path)
        elif key == "fail-on":
            if value not in ("error", "warning", "info", "never"):
                raise ConfigError(f"{path}: [tool.nbprod] fail-on must be error, warning, info or never")
            config.fail_on = value
        elif key == "exclude":
            config.exclude = _globs(value, key, path)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: [tool.nbprod] per-file-ignores must be a table")
            config.per_file_ignores = {str(k): _ids(v, key, path) for k, v in value.items()}
        elif key == "long-notebook-cells" and (
            not isinstance(value, int) or isinstance(value, bool) or value < 1
        ):
            raise ConfigError(f"{path}: [tool.nbprod] long-notebook-cells must be a positive integer")
        elif key == "cache" and not isinstance(value, bool):
            raise ConfigError(f"{path}: [tool.nbprod] cache must be true or false")
        elif key == "format" and value not in ("text", "json"):
            raise ConfigError(f"{path}: [tool.nbprod] format must be text or json")
        else:
            config.options[key] = value
    return config
