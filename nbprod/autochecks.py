"""Auto checklist items: each is filled from rule findings, calls in the notebook, the
session record, ``nbprod verify`` and ``nbprod export`` state, with a reason and a fix."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection

from nbprod import lazyre
from nbprod.analysis.cell import Call
from nbprod.analysis.facts import NotebookFacts
from nbprod.checklist import Item, ItemResult
from nbprod.errors import NbprodError
from nbprod.notebook import Cell
from nbprod.record import RECORD_MIME
from nbprod.report import Finding
from nbprod.rules import rule_by_id
from nbprod.rules.readiness import SAVE_CALLS, model_fits

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

READERS = {
    "read_csv", "read_parquet", "read_excel", "read_json", "read_table", "read_feather",
    "read_sql", "read_sql_query", "read_sql_table", "read_pickle", "read_hdf", "read_orc",
    "read_fwf", "read_stata", "read_sas", "read_spss", "loadtxt", "genfromtxt", "scan_csv",
    "scan_parquet", "read_ndjson", "read_delta", "read_database", "load_dataset",
}  # fmt: skip
IMPUTERS = {"SimpleImputer", "KNNImputer", "IterativeImputer", "MissingIndicator"}
VALIDATORS = ("pandera", "great_expectations", "pydantic", "deepchecks", "pandas_schema")
BY_HAND_CLEANING = {"fillna", "dropna", "clip", "interpolate", "ffill", "bfill", "isna", "isnull", "notna"}
ENCODERS = {"OneHotEncoder", "OrdinalEncoder"}
PREDICTORS = {"predict", "predict_proba", "predict_log_proba", "decision_function"}
PRED_CHECKS = {
    "isfinite",
    "isnan",
    "isinf",
    "isna",
    "isnull",
    "notna",
    "notnull",
    "clip",
    "between",
    "all",
    "any",
}
METRIC = lazyre.compile(r"(_score|_error|_loss|_report|_matrix|_curve|Display)$")
EXPLAINERS = {"permutation_importance", "PartialDependenceDisplay", "partial_dependence",
              "plot_importance", "get_feature_importance", "explain_weights", "explain_prediction"}  # fmt: skip
EXPLAIN_ROOTS = ("shap", "lime", "eli5", "dalex", "interpret", "captum")
_VERSIONED = lazyre.compile(r"v\d|version|\d{8}|\d{4}-\d{2}-\d{2}", re.IGNORECASE)


class Evidence:
    """Everything the auto items look at, gathered once per notebook."""

    facts: NotebookFacts
    findings: dict[str, list[Finding]]
    record: dict[str, Any] | None
    models: list[Any]
    verify: dict[str, Any] | None
    _export: Any  # computed on first use
    _by_leaf: dict[str, list[int]] | None  # a call's last name part -> its positions
    _calls: list[tuple[Cell, Call, str]] | None  # facts.calls(), listed on first use

    __match_args__ = ("facts", "findings", "record", "models", "verify", "_export", "_by_leaf", "_calls")

    def __init__(
        self,
        facts: NotebookFacts,
        findings: dict[str, list[Finding]],
        record: dict[str, Any] | None,
        models: list[Any] | None = None,
        verify: dict[str, Any] | None = None,
        _export: Any = False,
        _by_leaf: dict[str, list[int]] | None = None,
        _calls: list[tuple[Cell, Call, str]] | None = None,
    ) -> None:
        self.facts = facts
        self.findings = findings
        self.record = record
        self.models = [] if models is None else models
        self.verify = verify
        self._export = _export
        self._by_leaf = _by_leaf
        self._calls = _calls

    @classmethod
    def collect(
        cls, facts: NotebookFacts, findings: list[Finding], verify: dict[str, Any] | None = None
    ) -> Evidence:
        record = session_record(facts)
        if verify is None and record and isinstance(record.get("verify"), dict):
            verify = record["verify"]
        return cls(facts, by_rule(findings), record, model_fits(facts), verify)

    @property
    def export(self) -> dict[str, Any] | None:
        if self._export is False:
            self._export = export_state(self)
        return self._export  # type: ignore[no-any-return]

    def all_calls(self) -> list[tuple[Cell, Call, str]]:
        """``list(facts.calls())``, made once per notebook (every item that looks at calls reads it)."""
        calls = self._calls
        if calls is None:
            calls = self._calls = list(self.facts.calls())
        return calls

    def calls(self, pred: Callable[[Call, str], bool]) -> list[tuple[Cell, Call, str]]:
        return [(cell, call, qual) for cell, call, qual in self.all_calls() if pred(call, qual)]

    def leaves(self) -> dict[str, list[int]]:
        """Each call's last name part (``Call.leaf``) -> the call's positions in ``facts.calls()``."""
        by_leaf = self._by_leaf
        if by_leaf is None:
            by_leaf = self._by_leaf = {}
            for i, (_, call, _) in enumerate(self.all_calls()):
                where = by_leaf.get(call.leaf)
                if where is None:
                    by_leaf[call.leaf] = [i]
                else:
                    where.append(i)
        return by_leaf

    def named(self, names: Collection[str]) -> list[tuple[Cell, Call, str]]:
        """``calls(lambda c, q: c.leaf in names)``, from an index of the calls built once."""
        found = [i for leaf, where in self.leaves().items() if leaf in names for i in where]
        if not found:
            return []
        found.sort()
        calls = self.all_calls()
        return [calls[i] for i in found]

    def fired(self, *rules: str) -> list[Finding]:
        findings = self.findings
        if len(rules) == 1:  # the commonest ask; most notebooks have no finding of most rules
            hits = findings.get(rules[0])
            return [] if hits is None else list(hits)
        return [f for r in rules if r in findings for f in findings[r]]


def by_rule(findings: list[Finding]) -> dict[str, list[Finding]]:
    """Findings grouped by rule id, in order."""
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.rule, []).append(f)
    return out


def session_record(facts: NotebookFacts) -> dict[str, Any] | None:
    """The session record: the file beside the notebook, else one saved in an output."""
    if isinstance(facts.record, dict):
        return facts.record
    for cell in facts.notebook.cells:
        for out in cell.outputs:
            data = out.get("data") if isinstance(out, dict) else None
            if isinstance(data, dict) and isinstance(data.get(RECORD_MIME), dict):
                return data[RECORD_MIME]
    return None


_STATUS = {None: "n/a", 0: "fail", 1: "partial", 2: "pass"}


def _result(item: Item, score: int | None, reason: str, fix: str = "", where: Any = None) -> ItemResult:
    """An ItemResult; ``where`` is a Finding or a (Cell, Call) pair locating it."""
    if score == 2:
        fix = ""
    if where is None:
        return ItemResult(item, score, _STATUS[score], reason, fix)
    if isinstance(where, Finding):
        return ItemResult(item, score, _STATUS[score], reason, fix, where.cell, where.cell_id, where.line)
    if isinstance(where, tuple):
        cell, call = where
        return ItemResult(item, score, _STATUS[score], reason, fix, cell.index, cell.id, call.line)
    return ItemResult(item, score, _STATUS[score], reason, fix)


def _from_rules(item: Item, ev: Evidence, passed: str, rules: tuple[str, ...] | None = None) -> ItemResult:
    """0 with the first finding's message and fix when a rule fired, else 2."""
    hits = ev.fired(*(rules or item.rules))
    if hits:
        first = hits[0]
        more = f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
        return _result(item, 0, f"{first.rule}: {first.message}{more}", first.fix, first)
    return _result(item, 2, passed)


def _records(record: dict[str, Any] | None, *keys: str) -> list[dict[str, Any]]:
    """Dict entries under the first of ``keys`` the record has (list or mapping)."""
    if not record:
        return []
    for key in keys:
        value = record.get(key)
        if isinstance(value, dict):
            value = [{"path": k, **v} if isinstance(v, dict) else {"path": k} for k, v in value.items()]
        if isinstance(value, list):
            return [v for v in value if isinstance(v, dict)]
    return []


_INPUT_KEYS = ("inputs", "data_files", "data", "files", "reads")


def check_d1(item: Item, ev: Evidence) -> ItemResult:
    inputs = _records(ev.record, *_INPUT_KEYS)
    hashed = [i for i in inputs if any(k in i for k in ("sha256", "hash", "md5", "digest"))]
    if hashed:
        return _result(item, 2, f"{len(hashed)} data source(s) fingerprinted in the session record")
    reads = ev.named(READERS)
    fix = "`%load_ext nbprod` records every file read, with its content hash and row count"
    if reads:
        named = [c.args[0] for _, c, _ in reads if c.args and isinstance(c.args[0], str)]
        listed = ", ".join(sorted(set(named))[:3]) or "through variables"
        return _result(item, 1, f"data read ({listed}) but no content hash is recorded", fix, reads[0][:2])
    if any(q.startswith("sklearn.datasets.load_") for _, _, q in ev.all_calls()):
        return _result(item, 2, "the data is one of scikit-learn's bundled datasets")
    return _result(item, None, "no data file or query is read")


def check_d2(item: Item, ev: Evidence) -> ItemResult:
    fix = "`%load_ext nbprod` saves summary statistics of the inputs in the session record"
    if ev.record is not None:
        stats = [
            i
            for i in _records(ev.record, *_INPUT_KEYS)
            if any(k in i for k in ("stats", "summary", "describe", "profile"))
        ]
        if stats or any(k in ev.record for k in ("stats", "profiles", "profile")):
            return _result(item, 2, "summary statistics of the inputs are in the session record")
        return _result(item, 1, "a session record exists, without summary statistics of the inputs", fix)
    described = ev.named(("describe", "info", "profile_report", "ProfileReport"))
    if described:
        return _result(
            item,
            1,
            f"{described[0][1].display}() shows statistics but they are not saved",
            fix,
            described[0][:2],
        )
    return _result(item, 0, "no summary statistics of the inputs", fix)


def check_d3(item: Item, ev: Evidence) -> ItemResult:
    auto = [(cell, c, q) for cell, c, q in ev.all_calls() if c.leaf in IMPUTERS or q.startswith(VALIDATORS)]
    if auto:
        return _result(item, 2, f"handled by {auto[0][1].display}()")
    by_hand = ev.named(BY_HAND_CLEANING)
    fix = "Put an imputer in the model pipeline (SimpleImputer) and validate inputs (asserts, pandera)"
    if by_hand:
        return _result(item, 1, f"handled by hand with {by_hand[0][1].display}()", fix, by_hand[0][:2])
    return _result(item, 0, "no imputation, fillna/dropna, clipping or validation found", fix)


PRODUCTION = {
    "D4": "the exported `predict` reports categories never seen in training, one line each, and fails or warns as configured",
    "M3": "the exported `predict` checks predictions are finite, known classes and within the training range",
    "M4": "the exported `train` saves the model with a model card: package version, seeds, data fingerprints, artifact sha256",
    "O2": "the exported `monitor` compares each batch with the reference profile `train` saves (PSI, KS, chi-square)",
    "O6": "the exported `predict` appends every scoring to a prediction log (input hash, model sha256, summary)",
}


def _production(item: Item, ev: Evidence) -> ItemResult | None:
    """2 when the exported, in-sync package has train/predict/monitor; None to fall back."""
    state = ev.export
    if not state or not state.get("production"):
        return None
    if not state.get("in_sync"):
        return None
    return _result(item, 2, f"{PRODUCTION[item.id]} ({state.get('path')})")


def check_o6(item: Item, ev: Evidence) -> ItemResult:
    if (r := _no_model(item, ev) or _production(item, ev)) is not None:
        return r
    logs = ev.calls(lambda c, q: q.startswith(("logging.", "mlflow.log")) and "pred" in c.display.lower())
    fix = "Export the notebook (`nbprod export`): its `predict` logs every batch; or log predictions yourself"
    if logs:
        return _result(item, 1, f"predictions are logged with {logs[0][1].display}()", fix, logs[0][:2])
    return _result(item, 0, "predictions are not logged", fix)


def check_d4(item: Item, ev: Evidence) -> ItemResult:
    if ev.models and (r := _production(item, ev)) is not None:
        return r
    fix = "Encode inside the pipeline with OneHotEncoder(handle_unknown='ignore')"
    found: list[tuple[int, str, Any]] = []
    for cell, call, _ in ev.facts.calls():
        if call.leaf in ENCODERS:
            unknown = call.kwargs.get("handle_unknown", "error")
            if unknown not in ("error", None):
                found.append((2, f"{call.leaf}(handle_unknown={unknown!r}) handles unseen categories", None))
            else:
                found.append((0, f"{call.leaf}() raises on categories unseen in training", (cell, call)))
        elif call.leaf == "TargetEncoder":
            found.append((2, "TargetEncoder maps unseen categories to the target mean", None))
        elif call.leaf == "get_dummies":
            found.append((0, "pd.get_dummies makes columns from this data's categories only", (cell, call)))
        elif call.leaf == "map" and call.root != "map" and not ev.facts.is_module_call(call):
            found.append(
                (1, f"explicit mapping with {call.display}(); check it covers unseen values", (cell, call))
            )
    if not found:
        return _result(item, None, "no categorical encoding found")
    score, reason, where = min(found, key=lambda f: f[0])
    return _result(item, score, reason, fix, where)


def _no_model(item: Item, ev: Evidence) -> ItemResult | None:
    return None if ev.models else _result(item, None, "no model is trained in this notebook")


def check_m1(item: Item, ev: Evidence) -> ItemResult:
    if (r := _no_model(item, ev)) is not None:
        return r
    if ev.fired("NB302") or not ev.fired("NB308"):
        return _from_rules(item, ev, "a baseline is computed to compare against", ("NB302", "NB308"))
    first = ev.fired("NB308")[0]  # a baseline exists, but the test set chose the model
    return _result(item, 1, f"{first.rule}: {first.message}", first.fix, first)


def check_f3(item: Item, ev: Evidence) -> ItemResult:
    """0 on preprocessing or overlap leakage (NB301, NB307); 1 on preprocessing outside CV (NB309)."""
    if ev.fired("NB301", "NB307") or not ev.fired("NB309"):
        return _from_rules(item, ev, "no statistic is learned from test rows and no test row is in training",
                           ("NB301", "NB307", "NB309"))  # fmt: skip
    first = ev.fired("NB309")[0]
    return _result(item, 1, f"{first.rule}: {first.message}", first.fix, first)


def check_m2(item: Item, ev: Evidence) -> ItemResult:
    if (r := _no_model(item, ev) or (_from_rules(item, ev, "") if ev.fired("NB303") else None)) is not None:
        return r
    metrics = sorted(leaf for leaf in ev.leaves() if METRIC.search(leaf))
    if metrics:
        return _result(item, 2, f"evaluated with {', '.join(metrics[:4])}")
    fix = "Score it on held-out data: classification_report, roc_auc_score (regression: mean_absolute_error)"
    scored = ev.named(("score",))
    if scored:
        return _result(item, 1, "judged by .score() alone", fix, scored[0][:2])
    return _result(item, 0, "the model is never scored on held-out data", fix)


def check_m3(item: Item, ev: Evidence) -> ItemResult:
    if ev.models and (r := _production(item, ev)) is not None:
        return r
    if (r := _no_model(item, ev)) is not None:
        return r
    preds: set[str] = set()
    for _, cf in ev.facts.code():
        for call in cf.calls:
            if call.leaf in PREDICTORS and not call.deferred and call.stmt < len(cf.stmts):
                preds |= cf.stmts[call.stmt].defs | set(call.targets)
    fix = "assert np.isfinite(pred).all() and that predictions lie in the expected range"
    best: tuple[int, Any] | None = None
    for cell, cf in ev.facts.code():
        for stmt in cf.stmts:
            if stmt.kind == "Assert" and stmt.reads & preds:
                return _result(item, 2, f"predictions are asserted on in cell {cell.index + 1}")
        for call in cf.calls:
            if call.leaf in PRED_CHECKS and (call.arg_names & preds or call.root in preds) and best is None:
                best = (1, (cell, call))
    if best:
        return _result(
            item, 1, f"{best[1][1].display}() looks at predictions, without an assert", fix, best[1]
        )
    return _result(item, 0, "predictions are never checked for NaN, infinities or range", fix)


def check_m4(item: Item, ev: Evidence) -> ItemResult:
    if ev.models and (r := _production(item, ev)) is not None:
        return r
    if (r := _no_model(item, ev) or (_from_rules(item, ev, "") if ev.fired("NB304") else None)) is not None:
        return r
    saves = ev.named(SAVE_CALLS)
    if any(c.leaf in ("log_model", "register_model") for _, c, _ in saves):
        return _result(item, 2, "the model is logged to a model registry")
    for cell, call, _ in saves:
        if _versioned(ev, cell.index, call):
            return _result(item, 2, f"saved by {call.display}() under a versioned name")
    if not saves:  # NB304 silenced in its cell: still not saved
        return _result(item, 0, "the trained model is never saved", rule_by_id("NB304").fix)
    cell, call, _ = saves[0]
    fix = "Put a version in the file name (model-v1.joblib) or log it to a registry (mlflow log_model)"
    return _result(item, 1, f"saved by {call.display}(), but the name carries no version", fix, (cell, call))


def _versioned(ev: Evidence, cell_index: int, call: Call) -> bool:
    """A version-like string on the save call's lines or in the statements defining its args."""
    names = set(call.arg_names)
    for cell, cf in ev.facts.code():
        lines: set[int] = set()
        for stmt in cf.stmts:
            if (cell.index == cell_index and stmt.line <= call.line <= stmt.end_line) or stmt.defs & names:
                lines.update(range(stmt.line, stmt.end_line + 1))
                if any(_VERSIONED.search(n) for n in stmt.reads):  # f"model-{VERSION}.joblib"
                    return True
        if any(line in lines and _VERSIONED.search(text) for line, text in cf.strings):
            return True
    return "version" in call.kwargs


def check_m6(item: Item, ev: Evidence) -> ItemResult:
    if (r := _no_model(item, ev)) is not None:
        return r
    calls = [
        (cell, c, q) for cell, c, q in ev.all_calls() if c.leaf in EXPLAINERS or q.startswith(EXPLAIN_ROOTS)
    ]
    if calls:
        return _result(item, 2, f"explained with {calls[0][1].display}()")
    attrs = {a for _, cf in ev.facts.code() for a in cf.attrs} & {"feature_importances_", "coef_"}
    if attrs:
        return _result(item, 2, f"explained with {', '.join(sorted(attrs))}")
    return _result(
        item, 0, "no feature importances or explanations", "Show permutation_importance or SHAP values"
    )


def check_c1(item: Item, ev: Evidence) -> ItemResult:
    hard = ev.fired("NB104", "NB105", "NB106", "NB107", "NB501")
    if hard:
        return _from_rules(item, ev, "", ("NB104", "NB105", "NB106", "NB107", "NB501"))
    soft = ev.fired("NB101", "NB102", "NB103")
    if soft:
        r = _from_rules(item, ev, "", ("NB101", "NB102", "NB103"))
        r.score, r.status = 1, "partial"
        r.reason = "cells ran out of order (no missing name found); " + r.reason
        return r
    return _result(item, 2, "cells ran in order and every name is defined above its use")


def check_c2(item: Item, ev: Evidence) -> ItemResult:
    fix = "Run `nbprod verify NOTEBOOK` (or `nbprod check --verify`): it re-runs it in a fresh kernel"
    if ev.fired("NB501", "NB502", "NB503"):
        return _from_rules(item, ev, "", ("NB501", "NB502", "NB503"))
    verify = ev.verify
    if verify is None:
        r = _result(item, 0, "not verified: the notebook has not been re-run by nbprod verify", fix)
        r.status = "unknown"
        return r
    message = str(verify.get("message") or "")
    ok = verify.get("ok")
    if ok is None:  # a VerifyResult dict (nbprod check --verify)
        ok = (
            bool(verify.get("ran"))
            and verify.get("reproduced") is not False
            and verify.get("deterministic") is not False
        )
    if not ok:
        return _result(item, 0, message or "a fresh run does not reproduce the saved outputs", fix)
    if "ran" in verify and verify.get("reproduced") is None:
        return _result(item, 1, "it runs top to bottom in a fresh kernel, but no saved outputs to compare",
                       "Save the notebook with its outputs, then run `nbprod verify`")  # fmt: skip
    agree = f"; {verify.get('runs')} fresh runs agree" if verify.get("deterministic") is True else ""
    return _result(item, 2, message or f"a fresh run reproduces the saved outputs{agree}")


def check_c3(item: Item, ev: Evidence) -> ItemResult:
    from nbprod.rules.reproducibility import environment_recorded

    if ev.fired("NB203"):
        return _from_rules(item, ev, "", ("NB203",))
    how = environment_recorded(ev.facts) or "recorded"
    if ev.fired("NB205"):
        r = _from_rules(item, ev, "", ("NB205",))
        r.score, r.status, r.reason = 1, "partial", f"versions recorded ({how}), but {r.reason}"
        return r
    return _result(item, 2, f"versions recorded ({how}), installs pinned")


def check_c6(item: Item, ev: Evidence) -> ItemResult:
    if ev.fired("NB306"):
        return _from_rules(item, ev, "")
    state = ev.export
    fix = "Run `nbprod export NOTEBOOK` to turn it into a tested package"
    if state and state.get("exists"):
        if state.get("in_sync"):
            return _result(item, 2, f"exported to {state.get('path')}, in sync with the notebook")
        return _result(
            item, 1, f"the package in {state.get('path')} is out of date", "Re-run `nbprod export`"
        )
    has_functions = any(cf.functions or cf.classes for _, cf in ev.facts.code())
    if has_functions:
        return _result(item, 1, "code is in functions, but no exported package was found", fix)
    return _result(item, 0, "no functions and no exported package", fix)


def check_c7(item: Item, ev: Evidence) -> ItemResult:
    state = ev.export
    if state and state.get("tests"):
        return _result(item, 2, f"the exported package has tests ({state.get('tests')})")
    fix = "Run `nbprod export NOTEBOOK`: it writes tests from the recorded run"
    if ev.fired("NB305"):
        return _from_rules(item, ev, "", ("NB305",))
    asserts = sum(cf.asserts for _, cf in ev.facts.code())
    tests = sum(1 for _, cf in ev.facts.code() for n in cf.functions if n.startswith("test"))
    found = f"{asserts} assert(s)" + (f" and {tests} test function(s)" if tests else "")
    return _result(item, 1, f"{found} in the notebook, no test suite runs them", fix)


DRIFT_LIBS = ("evidently", "whylogs", "alibi_detect", "nannyml", "deepchecks", "great_expectations")


def check_o2(item: Item, ev: Evidence) -> ItemResult:
    if (r := _production(item, ev)) is not None:
        return r
    state = ev.export
    if state and state.get("reference"):
        return _result(item, 2, f"reference statistics saved ({state.get('reference')})")
    drift = [(cell, c, q) for cell, c, q in ev.all_calls() if q.startswith(DRIFT_LIBS)]
    if drift:
        return _result(item, 2, f"drift is checked with {drift[0][1].display}()")
    fix = "Monitor production inputs against the saved statistics (evidently, whylogs, or a scheduled job)"
    stats = [i for i in _records(ev.record, *_INPUT_KEYS) if "stats" in i]
    if stats:
        return _result(
            item, 1, "reference statistics of the inputs are in the session record; no drift check", fix
        )
    return _result(
        item,
        0,
        "no reference statistics of the inputs are saved",
        "`%load_ext nbprod` saves input statistics in the session record; then monitor drift against them",
    )


def export_state(ev: Evidence) -> dict[str, Any] | None:
    """The package ``nbprod export`` wrote from this notebook (default location), or None.

    Keys: ``exists``, ``in_sync`` (content hashes), ``path``, ``tests`` (test modules),
    ``reference`` (a saved reference profile of the inputs).
    """
    value = ev.record.get("export") if ev.record else None
    if isinstance(value, dict):
        return value
    path = ev.facts.notebook.path
    try:
        from nbprod.naming import default_out_dir, out_dir_name

        if not os.path.isdir(out_dir_name(path)):  # nearly always: nothing was exported
            return None
        out = default_out_dir(path)
        from nbprod.export import writer

        manifest = writer.read_manifest(out)
        if manifest is None:
            return None
        files: dict[str, Any] = manifest["files"] if isinstance(manifest.get("files"), dict) else {}
        in_sync = manifest.get("notebook_sha256") == writer.notebook_hash(ev.facts.notebook) and all(
            (out / p).is_file() for p in files
        )
    except (ImportError, NbprodError, OSError, ValueError, AttributeError, TypeError):
        return None
    tests = [p for p in files if p.startswith("tests/") and p.rsplit("/", 1)[-1].startswith("test_")]
    reference = [p for p in files if re.search(r"reference|profile|drift", p)]
    return {
        "exists": True,
        "in_sync": in_sync,
        "path": str(out),
        "tests": f"{len(tests)} test module(s)" if tests else "",
        "reference": reference[0] if reference else "",
        "production": any(p.endswith("/production/spec.json") for p in files),
    }


CHECKS: dict[str, Callable[[Item, Evidence], ItemResult]] = {
    "D1": check_d1, "D2": check_d2, "D3": check_d3, "D4": check_d4,
    "F1": lambda i, ev: _from_rules(i, ev, "no unseeded random draw or generator"),
    "F2": lambda i, ev: _from_rules(i, ev, "every split and randomized estimator has a random_state"),
    "F3": check_f3,
    "M1": check_m1, "M2": check_m2, "M3": check_m3, "M4": check_m4, "M6": check_m6,
    "C1": check_c1, "C2": check_c2, "C3": check_c3,
    "C4": lambda i, ev: _from_rules(i, ev, "no absolute or user-specific path in code"),
    "C5": lambda i, ev: _from_rules(i, ev, "no secret found in code or outputs"),
    "C6": check_c6, "C7": check_c7, "O2": check_o2, "O6": check_o6,
}  # fmt: skip


def evaluate(item: Item, ev: Evidence) -> ItemResult:
    """Fill one auto item."""
    result = CHECKS[item.id](item, ev)
    if not result.fix and result.score is not None and result.score < 2 and item.rules:
        result.fix = rule_by_id(item.rules[0]).fix
    return result
