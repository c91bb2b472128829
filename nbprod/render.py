"""The checklist where widgets cannot render: text, static HTML and a matplotlib chart."""

from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbprod.checklist import Checklist, ItemResult, SectionResult

COLORS = {"low": "#d9534f", "mid": "#f0ad4e", "high": "#5cb85c"}


def color(score: float) -> str:
    """Red below 50%, amber below 80%, green from 80%."""
    return COLORS["low"] if score < 0.5 else COLORS["mid"] if score < 0.8 else COLORS["high"]


def headline(checklist: Checklist) -> str:
    """One sentence: overall readiness, the weakest section and the next thing to do."""
    weakest = checklist.weakest
    from nbprod.report import verified_phrase

    text = (
        f"Readiness {checklist.overall:.0%} of what is assessed: {verified_phrase(checklist.tally())}; "
        f"held back by {weakest.section.title}"
    )
    steps = weakest.next_steps()
    if steps:
        first = steps[0]
        text += f"; next: {first.item.id} {first.fix or first.item.title}"
    return text


def where(r: ItemResult) -> str:
    """``cell 5, line 2`` (cells counted from 1), or empty."""
    if r.cell is None:
        return ""
    return f"cell {r.cell + 1}" + (f", line {r.line}" if r.line else "")


def to_text(checklist: Checklist, items: bool = True) -> str:
    """The checklist as plain text (a terminal, a log, a plain-text notebook viewer)."""
    from nbprod.checklist import _bar

    lines = [f"{checklist.path}: {headline(checklist)}"]
    for s in checklist.sections:
        if s.assessed:
            lines.append(f"{s.section.title:<27} {_bar(s.score)} {s.score:4.0%} ({s.points}/{s.maximum})")
        else:
            lines.append(f"{s.section.title:<27} {_bar(0.0)}    - (not assessed)")
        if not items:
            continue
        for r in s.items:
            score = "-" if r.score is None else str(r.score)
            lines.append(f"  {r.icon} {r.item.id} [{score}/2] {r.item.title}")
            detail = "; ".join(x for x in (where(r), r.reason) if x)
            if detail:
                lines.append(f"       {detail}")
            if r.fix:
                lines.append(f"       fix: {r.fix}")
    return "\n".join(lines)


_CSS = """
.nbprod-cl{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px;max-width:900px}
.nbprod-cl h3{margin:4px 0 8px 0}.nbprod-cl .bar{background:#eee;border-radius:3px;height:12px;width:220px;display:inline-block;vertical-align:middle}
.nbprod-cl .fill{height:12px;border-radius:3px}.nbprod-cl td{padding:2px 6px;vertical-align:top;text-align:left}
.nbprod-cl details{margin:4px 0}.nbprod-cl summary{cursor:pointer;font-weight:600}
.nbprod-cl .why{color:#555}.nbprod-cl .fix{color:#8a5a00}.nbprod-cl .id{font-family:monospace}
"""


def _bar_html(score: float) -> str:
    pct = round(score * 100)
    return (
        f'<span class="bar"><span class="fill" style="display:block;width:{pct}%;'
        f'background:{color(score)}"></span></span> {pct}%'
    )


def _item_row(r: ItemResult) -> str:
    from nbprod.checklist import STATUS_COLORS

    e = html.escape
    score = "–" if r.score is None else f"{r.score}/2"
    loc = f" <b>({e(where(r))})</b>" if where(r) else ""
    detail = f'<div class="why">{e(r.reason)}{loc}</div>' if r.reason else ""
    if r.fix:
        detail += f'<div class="fix">fix: {e(r.fix)}</div>'
    kind = "" if r.item.kind == "auto" else " <i>(manual)</i>"
    return (
        f"<tr><td style='color:{STATUS_COLORS[r.status]}'>{r.icon}</td><td class='id'>{r.item.id}</td><td>{score}</td>"
        f"<td>{e(r.item.title)}{kind}{detail}</td></tr>"
    )


def _section_html(s: SectionResult, open_: bool) -> str:
    rows = "".join(_item_row(r) for r in s.items)
    return (
        f"<details{' open' if open_ else ''}><summary>{html.escape(s.section.title)} "
        f"{_bar_html(s.score)} ({s.points}/{s.maximum})</summary><table>{rows}</table></details>"
    )


def to_html(checklist: Checklist, chart: bool = False, full_page: bool = False) -> str:
    """Self-contained HTML (inline CSS, no script): nbconvert, GitHub's viewer, CI artifacts."""
    e = html.escape
    weakest = checklist.weakest
    bars = "".join(
        f"<tr><td>{e(s.section.title)}</td><td>{_bar_html(s.score)}</td></tr>" for s in checklist.sections
    )
    body = (
        f'<div class="nbprod-cl"><style>{_CSS}</style>'
        f"<h3>Production readiness {_bar_html(checklist.overall)}</h3>"
        f"<div>{e(headline(checklist))}</div><table>{bars}</table>"
    )
    if chart:
        png = base64.b64encode(chart_png(checklist)).decode("ascii")
        body += f'<img alt="section scores" src="data:image/png;base64,{png}"/>'
    body += "".join(_section_html(s, s is weakest) for s in checklist.sections)
    for w in checklist.warnings:
        body += f'<div class="fix">warning: {e(w)}</div>'
    body += "</div>"
    if not full_page:
        return body
    title = e(f"nbprod readiness: {checklist.path}")
    return f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head><body>{body}</body></html>\n'


def chart(checklist: Checklist) -> Any:
    """A matplotlib Figure: one horizontal bar per section, the overall score as a line."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        from nbprod.errors import MissingExtraError

        raise MissingExtraError("matplotlib", "the readiness chart") from None
    sections = list(reversed(checklist.sections))
    fig = Figure(figsize=(6.4, 2.9), dpi=100)
    ax = fig.add_subplot()
    ys = range(len(sections))
    ax.barh(list(ys), [1.0] * len(sections), color="#eeeeee")
    ax.barh(list(ys), [s.score for s in sections], color=[color(s.score) for s in sections])
    ax.set_yticks(list(ys), [s.section.title for s in sections])
    for y, s in zip(ys, sections, strict=True):
        ax.text(min(s.score, 0.88) + 0.01, y, f"{s.score:.0%}", va="center", fontsize=9)
    ax.axvline(checklist.overall, color="#333333", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_title(f"{Path(checklist.path).name}\nreadiness {checklist.overall:.0%} (dashed line)", fontsize=10)
    fig.tight_layout()
    return fig


def chart_png(checklist: Checklist) -> bytes:
    """The chart as PNG bytes."""
    buf = io.BytesIO()
    chart(checklist).savefig(buf, format="png")
    return buf.getvalue()


REPORT_MANIFEST = ".nbprod-report.json"  # the files nbprod wrote into a report folder, with hashes


def _digest(path: Path) -> str | None:
    """SHA-256 of a regular file (not followed through a link), None for anything else."""
    import hashlib

    from nbprod.errors import NbprodError
    from nbprod.files import read_regular

    if path.is_symlink():
        return None
    try:
        return hashlib.sha256(read_regular(path, 256 * 2**20)).hexdigest()
    except (OSError, NbprodError):
        return None


def guard_report_files(out: Path, names: list[str]) -> dict[str, str]:
    """Refuse (one line) to replace a file in ``out`` that nbprod did not write, or that
    changed since it did (the manifest keeps each written file's hash); return the manifest."""
    import json

    from nbprod.errors import NbprodError
    from nbprod.files import display_path, read_regular

    manifest: dict[str, str] = {}
    mpath = out / REPORT_MANIFEST
    if mpath.exists() or mpath.is_symlink():
        try:
            data = json.loads(read_regular(mpath, 2**20)) if not mpath.is_symlink() else None
        except (OSError, NbprodError, ValueError, RecursionError):
            data = None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise NbprodError(
                f"{display_path(mpath)}: not a report manifest nbprod wrote; not overwriting it"
            )
        manifest = data
    for name in names:
        target = out / name
        if not (target.exists() or target.is_symlink()):
            continue
        if manifest.get(name) is None or _digest(target) != manifest[name]:
            raise NbprodError(
                f"{display_path(target)}: exists and was not written by nbprod (or changed since); "
                "not overwriting it: choose another --report folder or remove the file"
            )
    return manifest


def record_report_files(out: Path, manifest: dict[str, str], files: list[Path]) -> None:
    """Add the files just written to the folder's manifest (atomically)."""
    import json

    from nbprod.files import atomic_write

    for f in files:
        digest = _digest(f)
        if digest is not None:
            manifest[f.name] = digest
    atomic_write(out / REPORT_MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def write_report(
    checklist: Checklist, out_dir: str | os.PathLike[str], stem: str | None = None, guard: bool = True
) -> list[Path]:
    """Save ``<stem>.readiness.png`` and ``<stem>.readiness.html`` in ``out_dir`` (atomic writes).

    With ``guard`` it refuses to replace files nbprod did not write there (see ``REPORT_MANIFEST``).
    """
    from nbprod.files import atomic_write

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)  # a report folder that does not exist yet is made
    stem = stem or Path(checklist.path).stem
    png, page = out / f"{stem}.readiness.png", out / f"{stem}.readiness.html"
    manifest = guard_report_files(out, [png.name, page.name]) if guard else {}
    atomic_write(png, chart_png(checklist))
    atomic_write(page, to_html(checklist, chart=True, full_page=True))
    if guard:
        record_report_files(out, manifest, [png, page])
    return [png, page]
