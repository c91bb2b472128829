"""Manual checklist ticks in a git-friendly TOML file beside the notebook.

``analysis.ipynb`` -> ``analysis.checklist.toml``. Every manual item always has the same
five lines in checklist order, separated by its header, so two people ticking different
items change different hunks and git merges them cleanly. Reading uses ``tomllib`` and
never executes anything; a corrupt file raises a one-line ``NbprodError`` and is never
overwritten.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from nbprod.errors import NbprodError
from nbprod.notebook import atomic_write, display_path, read_regular
from nbprod.values import Frozen

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start

if TYPE_CHECKING:
    from typing import Any

    from nbprod.checklist import Item, ItemResult

TICKS_SUFFIX = ".checklist.toml"
MAX_BYTES = 1_000_000
# a note naming automation without a file only earns a hint; a file that exists earns 2 points
_AUTOMATED_SOURCE = (
    r"\b(ci|ci/cd|github actions?|gitlab|jenkins|circleci|buildkite|pre-commit|workflow|"
    r"cron|airflow|dagster|prefect|automated|alerting|alerts?|grafana|prometheus|datadog|"
    r"evidently|monitor(?:ed|ing)? by)\b|https?://\S*(?:actions|pipelines|jobs|ci|workflows)"
)
_RX: dict[tuple[str, int], re.Pattern[str]] = {}


def _compiled(source: str, flags: int = 0) -> re.Pattern[str]:
    """A pattern compiled on first use (only ticked items need these: not at every start)."""
    rx = _RX.get((source, flags))
    if rx is None:
        rx = _RX[source, flags] = re.compile(source, flags)
    return rx


class TicksFileError(NbprodError):
    """The ticks file cannot be read; it is left untouched."""


class Tick(Frozen):
    """A manual item's state: done or not, with an optional note, who and when."""

    done: bool
    note: str
    by: str
    at: str

    __match_args__ = ("done", "note", "by", "at")

    def __init__(self, done: bool, note: str = "", by: str = "", at: str = "") -> None:
        _set = object.__setattr__  # frozen: past our own __setattr__
        _set(self, "done", done)
        _set(self, "note", note)
        _set(self, "by", by)
        _set(self, "at", at)

    @property
    def automated(self) -> bool:
        """True when the note points at an automated check (CI job, monitor, hook)."""
        return self.done and bool(_compiled(_AUTOMATED_SOURCE, re.IGNORECASE).search(self.note))

    def to_dict(self) -> dict[str, Any]:
        return {"done": self.done, "note": self.note, "by": self.by, "at": self.at}


def ticks_path(notebook_path: str | os.PathLike[str]) -> Path:
    """``analysis.ipynb`` -> ``analysis.checklist.toml`` beside it."""
    p = Path(notebook_path)
    return p.with_name(p.stem + TICKS_SUFFIX)


def ticks_file(notebook_path: str | os.PathLike[str]) -> str:
    """``str(ticks_path(notebook_path))``, without making a Path for a path already in the
    form Path gives back (asked for every notebook checked)."""
    p = notebook_path
    if not isinstance(p, str) or os.sep != "/" or not _normal(p):
        return str(ticks_path(p))
    head, _, name = p.rpartition("/")
    i = name.rfind(".")
    stem = name[:i] if 0 < i < len(name) - 1 else name
    return f"{head}/{stem}{TICKS_SUFFIX}" if head or p.startswith("/") else stem + TICKS_SUFFIX


def _normal(p: str) -> bool:
    """True when ``str(Path(p)) == p`` and its last part is a file name."""
    if not p or p.endswith("/") or p.startswith("./") or "//" in p or "/./" in p:
        return False
    return p.rpartition("/")[2] not in (".", "..")


def load_ticks(notebook_path: str | os.PathLike[str]) -> dict[str, Tick]:
    """The ticks saved beside a notebook (empty when there is no file)."""
    return ticks_at(ticks_file(notebook_path))


def ticks_at(path: str) -> dict[str, Tick]:
    """The ticks in the file ``path`` (``ticks_file`` of a notebook); empty when it is missing."""
    raw = _read(path)
    return {} if raw is None else parse_ticks(raw, display_path(path))


def _read(path: str | os.PathLike[str]) -> bytes | None:
    """The ticks file's bytes (None when missing): only a regular file, at most 1 MB."""
    try:
        return read_regular(path, MAX_BYTES)
    except FileNotFoundError:
        return None
    except NbprodError as exc:
        reason = str(exc).replace("larger than 0 MB", "larger than 1 MB")
        raise TicksFileError(f"{display_path(path)}: cannot read the checklist file: {reason}") from None


def parse_ticks(raw: bytes, name: str = "<ticks>") -> dict[str, Tick]:
    """Parse a ticks file's bytes; raises ``TicksFileError`` naming the problem."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    hint = "fix it by hand or delete it (nbprod will not overwrite it)"
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise TicksFileError(f"{name}: checklist file is not UTF-8 text; {hint}") from None
    except tomllib.TOMLDecodeError as exc:
        reason = " ".join(str(exc).split())
        raise TicksFileError(f"{name}: checklist file is not valid TOML ({reason}); {hint}") from None
    except RecursionError:
        raise TicksFileError(f"{name}: checklist file nests too deeply; {hint}") from None
    ticks = {}
    for key, entry in data.items():
        if not isinstance(entry, dict):
            raise TicksFileError(f"{name}: '{key}' must be a table like [D5]; {hint}")
        done = entry.get("done", False)
        fields = {k: entry.get(k, "") for k in ("note", "by", "at")}
        if not isinstance(done, bool) or not all(isinstance(v, str) for v in fields.values()):
            raise TicksFileError(f"{name}: [{key}] needs done = true/false and text note/by/at; {hint}")
        ticks[key] = Tick(done, **fields)
    return ticks


def _toml_str(text: str) -> str:
    # JSON string escapes are a subset of TOML basic-string escapes
    return json.dumps(text, ensure_ascii=False)


def render_ticks(ticks: dict[str, Tick], notebook_name: str) -> str:
    """The canonical file text: every manual item in checklist order, then unknown ids sorted."""
    from nbprod.checklist import ITEMS, MANUAL_IDS

    lines = [
        f"# nbprod readiness checklist: manual items of {notebook_name}.",
        "# Tick with the widget (%nbprod check) or edit by hand: done = true, an optional note.",
        "# A note naming a file nbprod can find (a CI workflow, a test, a monitor config) scores 2 instead of 1.",
    ]
    unknown = sorted(k for k in ticks if k not in ITEMS)
    for key in (*MANUAL_IDS, *unknown):
        tick = ticks.get(key, Tick(False))
        title = ITEMS[key].title if key in ITEMS else "not a manual item of this nbprod version"
        lines += [
            "",
            f"[{key}]",
            f"# {title}",
            f"done = {'true' if tick.done else 'false'}",
            f"note = {_toml_str(tick.note)}",
            f"by = {_toml_str(tick.by)}",
            f"at = {_toml_str(tick.at)}",
        ]
    return "\n".join(lines) + "\n"


def current_user() -> str:
    """Who ticks: ``$NBPROD_USER``, else the login name."""
    user = os.environ.get("NBPROD_USER")
    if user:
        return user
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return ""


def save_tick(
    notebook_path: str | os.PathLike[str], item_id: str, done: bool, note: str = "", by: str | None = None
) -> Tick:
    """Set one manual item and write the file atomically; a corrupt file is not overwritten."""
    from nbprod.checklist import ITEMS

    if item_id not in ITEMS or ITEMS[item_id].kind != "manual":
        raise NbprodError(f"{item_id} is not a manual checklist item (auto items cannot be ticked)")
    path = ticks_path(notebook_path)
    raw = _read(path)  # raises on an unreadable file, before any write
    ticks = {} if raw is None else parse_ticks(raw, display_path(path))  # raises on a corrupt one
    old = ticks.get(item_id)
    if old is not None and old.done == done and old.note == note:
        return old
    from datetime import datetime, timezone

    at = datetime.now(timezone.utc).replace(microsecond=0).isoformat() if done or note else ""
    tick = Tick(done, note, (by if by is not None else current_user()) if done or note else "", at)
    ticks[item_id] = tick
    text = None if raw is None else edit_ticks(raw.decode("utf-8"), item_id, tick)
    if text is None:
        text = render_ticks(ticks, Path(notebook_path).name)
    # a symlinked ticks file stays a link: the file it points at is replaced, atomically
    atomic_write(path, text, follow_symlinks=True)
    return tick


def _toml_load(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib.loads(text)


def edit_ticks(text: str, item_id: str, tick: Tick) -> str | None:
    """The file's text with only ``[item_id]``'s done/note/by/at lines changed, so the
    user's comments, order and extra keys stay; None when it cannot be edited in place
    (then the canonical text is written)."""
    lines = text.split("\n")
    header = re.compile(
        r"^\s*\[\s*(?:" + re.escape(item_id) + r'|"' + re.escape(item_id) + r'")\s*\]\s*(?:#.*)?$'
    )
    values = {"done": "true" if tick.done else "false", "note": _toml_str(tick.note),
              "by": _toml_str(tick.by), "at": _toml_str(tick.at)}  # fmt: skip
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        block = ["", f"[{item_id}]", *(f"{k} = {v}" for k, v in values.items())]
        while lines and lines[-1] == "":
            lines.pop()
        new = "\n".join(lines + block) + "\n"
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
        last = start
        for i in range(start + 1, end):
            m = re.match(r"^\s*(done|note|by|at)\s*=(.*)$", lines[i])
            if m is None:
                continue
            rest = m.group(2)
            if '"""' in rest or "'''" in rest:
                return None  # a multi-line string: not edited line by line
            lines[i] = f"{m.group(1)} = {values.pop(m.group(1))}"
            last = i
        for k, v in values.items():  # keys the table did not have yet
            last += 1
            lines.insert(last, f"{k} = {v}")
        new = "\n".join(lines)
    try:  # the edit must change exactly this item, nothing else
        before, after = _toml_load(text), _toml_load(new)
    except Exception:
        return None
    expected = dict(before)
    expected[item_id] = {**(before.get(item_id) or {}), **tick.to_dict()}
    return new if after == expected else None


_PATHLIKE = r"[\w.~-]*(?:/[\w.~-]+)+/?|[\w-]+\.(?:ya?ml|py|json|toml|cfg|ini|sh)\b"


def automation_evidence(note: str, base: str | os.PathLike[str] | None) -> str | None:
    """A file the note names that exists (a CI workflow, a test, a monitor config), looked up
    from the notebook's folder up to the repository root; None when there is none."""
    if not note or base is None:
        return None
    start = Path(base or ".").resolve()
    roots = [start, *start.parents]
    for i, d in enumerate(roots):
        if (d / ".git").exists():
            roots = roots[: i + 1]
            break
    else:
        roots = roots[:1]
    for token in _compiled(_PATHLIKE).findall(note):
        token = token.strip("./") if token.startswith("./") else token.rstrip("/.")
        if not token or token.startswith(("http", "//")):
            continue
        for d in roots:
            p = d / token
            if p.is_file() or (p.is_dir() and any(p.iterdir())):
                return str(p.relative_to(roots[-1])) if roots[-1] in p.parents else str(p)
    return None


def manual_result(item: Item, tick: Tick | None, base: str | os.PathLike[str] | None = None) -> ItemResult:
    """Score a manual item: not assessed until ticked, 1 ticked, 2 when the note names a check
    nbprod can see exists (a CI workflow file, a test, a monitor config) beside the notebook."""
    from nbprod.checklist import ItemResult

    if tick is None or not tick.done:
        return ItemResult(
            item,
            None,
            "open",
            "not assessed: awaits review",
            "Tick it once it is done (add a note)",
            tick=tick,
        )
    who = f" by {tick.by}" if tick.by else ""
    when = f" on {tick.at[:10]}" if tick.at else ""
    evidence = automation_evidence(tick.note, base)
    if evidence:
        return ItemResult(
            item, 2, "automated", f"ticked{who}{when}; enforced by {evidence}: {tick.note}", tick=tick
        )
    note = f": {tick.note}" if tick.note else ""
    fix = "Name the file of the check that enforces it in the note (.github/workflows/ci.yml, tests/test_x.py) to score 2"
    if tick.automated:
        fix = "The note names automation, but no file nbprod can see: " + fix[0].lower() + fix[1:]
    return ItemResult(item, 1, "ticked", f"ticked{who}{when}{note}", fix, tick=tick)
