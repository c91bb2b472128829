"""The readiness checklist's items as plain data, and its compact result form.

Cheap to import (no dataclasses, no analysis): ``nbprod check`` answered from the cache
turns a compact checklist (``expand``) into the JSON-ready dict of
``NotebookReport.extra["checklist"]`` without the checklist model (``nbprod.checklist``).
``shared/CHECKLIST.md`` is the source of the items.

A compact checklist is ``(ticks_file, columns, warnings, error)``: ``columns`` holds
eight tuples, ``score, status, reason, fix, cell, cell_id, line, tick``, each with one
value per item in ``TABLE`` order (``tick`` a dict or None): everything that varies
between notebooks and nothing that does not (ids, titles, kinds, rules); by columns, so
that checking an entry's types is a few passes in C. It is what the checker returns, what a pool
worker sends back and what the cache stores.
"""

from __future__ import annotations

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

    ItemRow = tuple[str, str, str, str, tuple[str, ...]]  # id, title, kind, filled_by, rules
    SectionRow = tuple[str, str, tuple[ItemRow, ...]]  # id, title, items


def _auto(id: str, title: str, filled_by: str, *rules: str) -> ItemRow:
    return (id, title, "auto", filled_by, rules)


def _manual(id: str, title: str) -> ItemRow:
    return (id, title, "manual", "", ())


def _section(id: str, title: str, items: tuple[ItemRow, ...]) -> SectionRow:
    return (id, title, items)


TABLE: tuple[SectionRow, ...] = (
    _section("data", "Data", (
        _auto("D1", "every raw data source is listed and fingerprinted (path or query, content hash, rows)",
              "files read during the recorded session"),
        _auto("D2", "summary statistics of the inputs are recorded, to compare environments", "record present"),
        _auto("D3", "missing and extreme values are handled explicitly",
              "imputers, fillna/dropna/clip, validation"),
        _auto("D4", "categories unseen in training are handled",
              "encoders with handle_unknown, explicit mapping, exported `predict`"),
        _manual("D5", "features that may vanish or arrive rarely in production are known"),
        _manual("D6", "privacy and compliance of the data and its transformations are reviewed"),
    )),
    _section("features", "Features and split", (
        _auto("F1", "every sampling step is seeded", "NB201", "NB201"),
        _auto("F2", "splits and cross-validation are reproducible (random_state)", "NB202", "NB202"),
        _auto("F3", "preprocessing is fit on training data only, and no test row is in training",
              "NB301, NB307, NB309", "NB301", "NB307", "NB309"),
        _manual("F4", "row order is fixed where it matters (sorted before splitting)"),
    )),
    _section("model", "Model and evaluation", (
        _auto("M1", "the model beats a baseline (dummy model or simple heuristic), chosen without the test set",
              "NB302, NB308", "NB302", "NB308"),
        _auto("M2", "evaluation goes beyond accuracy (report, confusion matrix, AUC, lift)", "NB303", "NB303"),
        _auto("M3", "predictions are checked for NaN, infinities and out-of-range values",
              "checks on predictions, exported `predict`"),
        _auto("M4", "the trained model is saved with its version", "NB304, exported `train`", "NB304"),
        _manual("M5", "prediction latency and model size fit the use case"),
        _auto("M6", "predictions can be explained (importances, SHAP)", "explanation calls"),
        _manual("M7", "performance is compared across cohorts for bias"),
        _manual("M8", "the metric is translated into business impact (costs, lift plot)"),
    )),
    _section("code", "Code and environment", (
        _auto("C1", "the notebook runs top to bottom with no hidden state", "NB101-NB107, NB501",
              "NB101", "NB102", "NB103", "NB104", "NB105", "NB106", "NB107", "NB501"),
        _auto("C2", "re-running it reproduces its results", "NB5xx (nbprod verify)", "NB501", "NB502", "NB503"),
        _auto("C3", "package versions are recorded and pinned", "NB203, NB205", "NB203", "NB205"),
        _auto("C4", "no absolute or personal paths", "NB204", "NB204"),
        _auto("C5", "no secrets in code or outputs", "NB401, NB402", "NB401", "NB402"),
        _auto("C6", "code lives in functions and an exported, in-sync package", "NB306, export state", "NB306"),
        _auto("C7", "tests exist", "NB305, exported tests", "NB305"),
        _manual("C8", "checks run in CI or pre-commit"),
    )),
    _section("deployment", "Deployment and monitoring", (
        _manual("O1", "rollout is planned as an A/B test or shadow deployment, with a fallback model"),
        _auto("O2", "input drift is monitored against saved reference statistics",
              "exported `monitor` + reference profile"),
        _manual("O3", "the prediction distribution is monitored, with alerts"),
        _manual("O4", "system health (latency, memory, CPU) is monitored"),
        _manual("O5", "ground truth feeds back and a retraining cadence is set"),
        _auto("O6", "predictions are logged for audit", "exported `predict` log"),
    )),
)  # fmt: skip


def expand(compact: Any) -> dict[str, Any]:
    """The JSON-ready checklist dict (``Checklist.to_dict()``, plus ``error`` when the ticks
    file could not be read) of a compact checklist."""
    ticks_file, columns, warnings, error = compact
    rows = zip(*columns, strict=True)
    sections: list[dict[str, Any]] = []
    verified = auto_assessed = ticked = awaiting = 0
    for section_id, section_title, item_rows in TABLE:
        out = []
        points = maximum = 0
        waiting = []
        for item_id, title, kind, _, rules in item_rows:
            score, status, reason, fix, cell, cell_id, line, tick = next(rows)
            entry: dict[str, Any] = {"id": item_id, "title": title, "kind": kind, "score": score,
                                     "status": status, "reason": reason, "fix": fix, "cell": cell,
                                     "cell_id": cell_id, "line": line}  # fmt: skip
            if rules:
                entry["rules"] = list(rules)
            if tick is not None:
                entry["tick"] = dict(tick)
            out.append(entry)
            if score is not None:
                points += score
                maximum += 2
                if kind == "auto":
                    auto_assessed += 1
                    verified += score == 2
                else:
                    ticked += 1
            if status == "open":
                waiting.append(item_id)
        awaiting += len(waiting)
        section: dict[str, Any] = {
            "id": section_id, "title": section_title,
            "score": round(points / maximum, 3) if maximum else 0.0, "assessed": maximum > 0,
            "awaiting_review": waiting, "points": points, "max": maximum, "items": out,
        }  # fmt: skip
        sections.append(section)
    assessed = [s for s in sections if s["assessed"]]
    weakest = min(assessed or sections, key=lambda s: s["score"])  # the first of equals
    d: dict[str, Any] = {
        "overall": min((s["score"] for s in assessed), default=0.0),
        "weakest": weakest["id"],
        "tally": {
            "verified": verified,
            "auto_assessed": auto_assessed,
            "ticked": ticked,
            "awaiting_review": awaiting,
        },
        "ticks_file": ticks_file,
        "sections": sections,
    }
    if warnings:
        d["warnings"] = list(warnings)
    if error:
        d["error"] = error
    return d


def is_compact(value: Any) -> bool:
    """True when ``value`` has the shape of a compact checklist (a cache entry is checked
    before use: a damaged or foreign one is a miss, never an error later)."""
    if type(value) is not tuple or len(value) != 4:
        return False
    ticks_file, columns, warnings, error = value
    if type(columns) is not tuple or len(columns) != len(_COLUMN_TYPES) or type(warnings) is not list:
        return False
    if not (ticks_file is None or type(ticks_file) is str) or not (error is None or type(error) is str):
        return False
    for column, allowed in zip(columns, _COLUMN_TYPES, strict=True):
        if type(column) is not tuple or len(column) != _ROWS or not set(map(type, column)) <= allowed:
            return False
    return all(type(w) is str for w in warnings)


_ROWS = sum(len(rows) for _, _, rows in TABLE)
_NONE = type(None)
# score, status, reason, fix, cell, cell_id, line, tick
_COLUMN_TYPES: tuple[set[type], ...] = (
    {_NONE, int},
    {str},
    {str},
    {str},
    {_NONE, int},
    {_NONE, str},
    {_NONE, int},
    {_NONE, dict},
)


def ticks_error(compact: Any) -> tuple[str, str] | None:
    """(ticks file, message) when the ticks file could not be read, without expanding."""
    return (compact[0], compact[3]) if compact[3] else None
