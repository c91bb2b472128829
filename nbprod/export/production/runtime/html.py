"""The monitor's HTML report: a table of drift per feature and reference-vs-batch plots."""

from __future__ import annotations

import base64
import html
import io
from typing import Any


def _plot(name: str, ref: dict[str, Any], cur: dict[str, Any]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 2.4), dpi=72)
    if ref.get("kind") == "numeric" and "bin_frac" in cur:
        x = range(len(ref["bin_frac"]))
        ax.bar([i - 0.2 for i in x], ref["bin_frac"], width=0.4, label="reference")
        ax.bar([i + 0.2 for i in x], cur["bin_frac"], width=0.4, label="batch")
        ax.set_xlabel("reference decile bin")
    elif "frequencies" in cur:
        cats = list(ref.get("frequencies", {}))[:12]
        x = range(len(cats))
        ax.bar([i - 0.2 for i in x], [ref["frequencies"][c] for c in cats], width=0.4, label="reference")
        ax.bar([i + 0.2 for i in x], [cur["frequencies"].get(c, 0.0) for c in cats], width=0.4, label="batch")
        ax.set_xticks(list(x), cats, rotation=45, fontsize=7)
    ax.set_title(name, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
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
    try:
        ranked = sorted(items, key=lambda kv: -kv[1]["psi"])[:max_plots]
        for name, f in ranked:
            ref = profile["predictions"] if name == "(predictions)" else profile["features"][name]
            plots.append(f'<img alt="{html.escape(name)}" src="data:image/png;base64,{_plot(name, ref, f)}">')
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
