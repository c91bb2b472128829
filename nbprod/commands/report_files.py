"""``nbprod check --report DIR``: each notebook's readiness chart (PNG) and page (HTML)."""

from __future__ import annotations

import html
import sys
from pathlib import Path

from nbprod.errors import NbprodError
from nbprod.report import Report


def write_reports(report: Report, out_dir: str) -> list[Path]:
    """Write ``<stem>.readiness.png`` / ``.html`` per checked notebook and an ``index.html``."""
    from nbprod.checklist import Checklist
    from nbprod.files import atomic_write
    from nbprod.render import guard_report_files, record_report_files, write_report

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NbprodError(f"--report {out_dir}: cannot create the folder ({exc.strerror or exc})") from None
    written: list[Path] = []
    rows = []
    used: set[str] = set()
    plan = []
    for nb in report.notebooks:
        data = nb.extra.get("checklist")
        if not data:
            continue
        stem, n = Path(nb.path).stem, 1
        while stem in used:  # two notebooks with the same name in different folders
            n += 1
            stem = f"{Path(nb.path).stem}-{n}"
        used.add(stem)
        plan.append((nb, data, stem))
    # nothing is written when any target is a file nbprod did not write (or one changed since)
    names = [f"{stem}.readiness.{ext}" for _, _, stem in plan for ext in ("png", "html")]
    manifest = guard_report_files(out, [*names, "index.html"])
    for nb, data, stem in plan:
        checklist = Checklist.from_dict(nb.path, data)
        files = write_report(checklist, out, stem, guard=False)
        written.extend(files)
        rows.append(
            f"<tr><td><a href='{html.escape(files[1].name)}'>{html.escape(nb.path)}</a></td>"
            f"<td>{checklist.overall:.0%}</td><td>{html.escape(checklist.weakest.section.title)}</td></tr>"
        )
    index = out / "index.html"
    atomic_write(
        index,
        "<!doctype html><html><head><meta charset='utf-8'><title>nbprod readiness</title></head><body>"
        "<h2>nbprod readiness</h2><table><tr><th>notebook</th><th>readiness</th><th>held back by</th></tr>"
        + "".join(rows)
        + "</table></body></html>\n",
    )
    written.append(index)
    record_report_files(out, manifest, written)
    print(f"nbprod: wrote {len(written)} report file(s) to {out}", file=sys.stderr)
    return written
