"""The monitor's HTML report: a table of drift per feature and reference-vs-batch bar charts (SVG)."""

from __future__ import annotations

import html
from typing import Any

W, H, PAD, TOP = 300, 180, 28, 36
COLOURS = (("reference", "#1f77b4"), ("batch", "#ff7f0e"))


def _bars(ref: dict[str, Any], cur: dict[str, Any]) -> tuple[list[str], list[float], list[float]] | None:
    """(labels, reference fractions, batch fractions) of one panel, or None when there is nothing to draw."""
    if ref.get("kind") == "numeric" and "bin_frac" in cur and "bin_frac" in ref:
        n = min(len(ref["bin_frac"]), len(cur["bin_frac"]))
        return [str(i) for i in range(n)], list(ref["bin_frac"][:n]), list(cur["bin_frac"][:n])
    if "frequencies" in cur and ref.get("frequencies"):
        cats = list(ref["frequencies"])[:12]
        return cats, [ref["frequencies"][c] for c in cats], [cur["frequencies"].get(c, 0.0) for c in cats]
    return None


def _svg(name: str, ref: dict[str, Any], cur: dict[str, Any]) -> str:
    """One panel, reference against batch, as inline SVG (no plotting library)."""
    bars = _bars(ref, cur)
    if bars is None:
        return ""
    labels, a, b = bars
    top = max([*a, *b, 1e-9])
    slot = (W - 2 * PAD) / max(len(labels), 1)
    base = H - PAD
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-size="8" font-family="sans-serif">',
             f'<title>{html.escape(name)}: reference against batch</title>',
             f'<text x="{W / 2}" y="10" text-anchor="middle" font-size="10">{html.escape(name)}</text>',
             f'<line x1="{PAD}" y1="{base}" x2="{W - PAD}" y2="{base}" stroke="#000"/>',
             f'<text x="{PAD - 2}" y="{TOP + 3}" text-anchor="end">{top:.2f}</text>']  # fmt: skip
    for k, (label, colour) in enumerate(COLOURS):
        parts.append(f'<rect x="{PAD + 70 * k}" y="17" width="7" height="7" fill="{colour}"/>'
                     f'<text x="{PAD + 10 + 70 * k}" y="23">{label}</text>')  # fmt: skip
    for i, label in enumerate(labels):
        x = PAD + i * slot
        for k, v in enumerate((a[i], b[i])):
            h = (base - TOP) * float(v) / top
            parts.append(f'<rect x="{x + slot * (0.1 + 0.4 * k):.1f}" y="{base - h:.1f}" width="{slot * 0.4:.1f}" '
                         f'height="{h:.1f}" fill="{COLOURS[k][1]}"><title>{COLOURS[k][0]} {float(v):.3f}</title></rect>')  # fmt: skip
        parts.append(
            f'<text x="{x + slot / 2:.1f}" y="{base + 10}" text-anchor="middle">{html.escape(label[:10])}</text>'
        )
    axis = "reference decile bin" if ref.get("kind") == "numeric" else "category"
    parts.append(f'<text x="{W / 2}" y="{H - 4}" text-anchor="middle">{axis}</text></svg>')
    return "".join(parts)


def render(report: dict[str, Any], profile: dict[str, Any], max_plots: int) -> str:
    """A self-contained HTML page (plots as inline SVG) for a drift report."""
    rows = []
    items = list(report["features"].items())
    if report.get("predictions"):
        items.append(("(predictions)", report["predictions"]))
    for name, f in items:
        style = ' style="background:#fdd"' if f.get("drift") else ""
        rows.append(
            f"<tr{style}><td>{html.escape(name)}</td><td>{f['kind']}</td><td>{f['psi']:.3f}</td>"
            f"<td>{f.get('test') or ''} {f['statistic']:.3g}</td><td>{f['p_value']:.3g}</td>"
            f"<td>{f.get('missing_rate_ref', 0):.3f} &rarr; {f.get('missing_rate', 0):.3f}</td>"
            f"<td>{html.escape('; '.join(f.get('reasons', [])))}</td></tr>"
        )
    # the drifted features and the predictions, else the three largest PSIs: a panel each
    ranked = sorted(items, key=lambda kv: -kv[1]["psi"])
    chosen = [kv for kv in ranked if kv[1].get("drift") or kv[0] == "(predictions)"] or ranked[:3]
    panels = [
        (name, profile["predictions"] if name == "(predictions)" else profile["features"][name], f)
        for name, f in chosen[:max_plots]
    ]
    plots = [_svg(name, ref, f) for name, ref, f in panels]
    verdict = "DRIFT" if report["drift"] else "no drift"
    return (
        "<!doctype html><meta charset=utf-8><title>drift report</title>"
        f"<h1>Drift report: {verdict}</h1><p>{html.escape(report['input'])}: {report['rows']} rows, "
        f"checked {report['checked_at']}; missing columns: {html.escape(', '.join(report['missing_columns']) or 'none')}</p>"
        "<table border=1 cellpadding=3><tr><th>feature</th><th>kind</th><th>PSI</th><th>test statistic</th>"
        "<th>p-value</th><th>missing rate</th><th>drift because</th></tr>"
        + "".join(rows)
        + "</table>"
        + "".join(plots)
        + "\n"
    )
