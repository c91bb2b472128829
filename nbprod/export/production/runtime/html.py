"""The monitor's HTML report: a table of drift per feature and reference-vs-batch plots."""

from __future__ import annotations

import base64
import html
import io
from typing import Any


def _draw(ax: Any, name: str, ref: dict[str, Any], cur: dict[str, Any]) -> None:
    if ref.get("kind") == "numeric" and "bin_frac" in cur:
        x = range(len(ref["bin_frac"]))
        ax.bar([i - 0.2 for i in x], ref["bin_frac"], width=0.4, label="reference")
        ax.bar([i + 0.2 for i in x], cur["bin_frac"], width=0.4, label="batch")
        ax.set_xlabel("reference decile bin", fontsize=7)
    elif "frequencies" in cur:
        cats = list(ref.get("frequencies", {}))[:12]
        x = range(len(cats))
        ax.bar([i - 0.2 for i in x], [ref["frequencies"][c] for c in cats], width=0.4, label="reference")
        ax.bar([i + 0.2 for i in x], [cur["frequencies"].get(c, 0.0) for c in cats], width=0.4, label="batch")
        ax.set_xticks(list(x), cats, rotation=45, fontsize=6)
    ax.set_title(name, fontsize=8)
    ax.legend(fontsize=6)


def _figure(panels: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> str:
    """One PNG with a panel per feature (reference against batch), base64."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    cols = min(3, len(panels))
    rows = -(-len(panels) // cols)
    fig = Figure(figsize=(3.2 * cols, 2.4 * rows), dpi=72, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, (name, ref, cur) in zip(list(axes.flat)[: len(panels)], panels, strict=True):
        _draw(ax, name, ref, cur)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode()


def render(report: dict[str, Any], profile: dict[str, Any], max_plots: int) -> str:
    """A self-contained HTML page (plots embedded as PNG) for a drift report."""
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
    plots = []
    # the drifted features and the predictions, else the three largest PSIs: one figure
    ranked = sorted(items, key=lambda kv: -kv[1]["psi"])
    chosen = [kv for kv in ranked if kv[1].get("drift") or kv[0] == "(predictions)"] or ranked[:3]
    panels = [
        (name, profile["predictions"] if name == "(predictions)" else profile["features"][name], f)
        for name, f in chosen[:max_plots]
    ]
    try:
        if panels:
            plots.append(f'<img alt="reference against batch" src="data:image/png;base64,{_figure(panels)}">')
    except ImportError:
        plots.append("<p>matplotlib is not installed: no plots.</p>")
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
