"""NB308: test-set reuse, the test set choosing among models or settings."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from nbprod import lazyre
from nbprod.analysis.dataflow import ID, DataFlow, Node, base_name, names_in, names_used
from nbprod.analysis.facts import NotebookFacts
from nbprod.rules import Hit, rule
from nbprod.rules.leakage._events import (
    METRIC,
    SELECT,
    UNSUPERVISED_METRICS,
    Events,
    Score,
    Split,
    _cell,
    _leaf,
    _lineage,
    _model_fit,
    _rows,
    events,
)


@rule(
    "NB308",
    "test-set-reuse",
    "warning",
    "test-set reuse: the test set chooses among models or hyperparameters (several scored on it, "
    "the best kept) with no validation split or cross-validation",
    "Choose with cross-validation (GridSearchCV) or on a validation split; score the chosen model on the test set once.",
)
def test_reuse(facts: NotebookFacts) -> Iterator[Hit]:
    """When several models or settings are scored on `X_test` and the best is kept, the
    test score of the winner is chosen by the test set and overstates what new data will
    give. Fires on a loop (or a comprehension, or a helper's loop) that scores models,
    settings or decision thresholds on the test part and then keeps the best
    (`if score > best`, `max`, `argmax`, `best_k = ...`), the split inside the loop too, and on several models scored on
    the same test part in different cells whose scores are then ranked (`sort_values`,
    `max`); a notebook function that scores its model argument on its data argument counts
    as a score where it is called, and one that computes a metric of two of its arguments
    (`evaluate_model(y_test, m.predict(X_test))`) as a metric. A training loop with no
    scikit-learn score (PyTorch, Keras by hand) fires when each pass is measured on a
    test-named part (`acc = evaluate(model, test_loader)`, or a loss summed over a test loader's
    batches) and the best is kept (`if acc > best_acc: best_acc = acc`); a loader that holds only
    a split's test rows counts as a test part whatever its name (`val_loader =
    DataLoader(TensorDataset(X_test, y_test))`, and the training function's parameter it is given
    as); a labelled test file (`X_holdout`) beside a validation split counts as a test part. It
    fires when a tuner's objective (`study.optimize(objective)`, `fmin(fn=...)`) scores the test
    part, and when a decision threshold is picked from a `roc_curve` / `precision_recall_curve`
    drawn on the test part (`thr[np.argmax(tpr - fpr)]`) and the test part is scored at it. It also fires when early stopping watches the test part
    (`eval_set=[(X_test, y_test)]` with `early_stopping_rounds`, Keras
    `validation_data=(X_test, y_test)` with an `EarlyStopping` callback) and the same test
    part then scores the model; when, after a sweep scored on the test part, one of the
    swept values is typed in by hand (`n_neighbors=9`, or a list of some of them, `for k in [3, 5,
    9]`, when the sweep's scores were printed or drawn) and scored there (an error rate by hand,
    `np.mean(pred_i != y_test)`, is a score, and so is a model class's own `m.score_rmse(X_test,
    y_test)`; a pick may read the scores through a frame made of them, `df.loc[df['rmse'].idxmin()]`); and when a
    cross-validation loop (`for tr, te in kf.split(X)`) chooses a setting on each fold's
    test part. A choice made on a validation split (a pick keyed on `'val'` or `cv_*` scores too) or by
    `GridSearchCV` (`best = grid.best_estimator_` scored in a printing loop), a test part that
    is only monitored, early stopping on a validation part cut from the same rows as the test
    part the model is scored on (`X_val, X_test = train_test_split(X_tmp, ...)`), the best fold of
    a cross-validation kept for display, a sweep whose test scores are only printed, drawn
    or ranked into a table (`sort_values` with no first row taken), a "best" kept over a
    single configuration (`for n in [50]:`), and a loop in a function the notebook never calls
    (its call commented out) stay quiet. Models scored by a helper that returns their test metrics
    (`results[name] = evaluate_model(m, X_test, y_test)`, `results.append(evaluate(m))`, `results =
    [evaluate(m) for m in models]`) and then ranked (`max(results, key=...)`) fire. With no test part at all, early stopping on
    the one held-out part whose score is then the only one reported fires too."""
    kept = _kept_best_on_test(facts)
    if kept is not None:
        yield kept
        return
    ev = events(facts)
    if ev is None:
        return
    flow = ev.flow
    if not ev.scores:  # a score by hand at a threshold is no Score event: (probs >= t) against y_test
        outer = [s for s in ev.splits if s.kind == "split" and not (_rows(flow, s.inputs) & ev.train_parts())]
        resplit = {v for s in ev.splits if s.kind == "split" for v in s.inputs}
        tests = {
            v for s in outer for v in s.part_ids("test") if "val" not in v[1].lower() and v not in resplit
        }
        hit = _threshold_on_test(ev, tests, outer) if tests and _curves(facts) else None
        if hit is not None:
            yield hit
        return
    chosen = _fold_choice(ev)
    if chosen is not None:
        yield chosen
        return
    outer = [s for s in ev.splits if s.kind == "split" and not (_rows(flow, s.inputs) & ev.train_parts())]
    resplit = {v for s in ev.splits if s.kind == "split" for v in s.inputs}  # X_tmp -> X_val, X_test
    tests = {v for s in outer for v in s.part_ids("test") if "val" not in v[1].lower() and v not in resplit}
    if not ev.splits:  # the split sits in cells nbprod cannot see (or a file): a test set by its name
        tests = {v for s in ev.scores for v in _rows(flow, s.data) if _named_test(v[1])}
    else:  # beside a (validation) split, a labelled test file: X_holdout read on its own
        parts = {v for s in ev.splits for v in s.part_ids() | s.inputs}
        tests |= {
            v
            for s in ev.scores
            for v in _rows(flow, s.data)
            if _named_test(v[1]) and not (_lineage(flow, {v}) & parts)
        }
    if not tests:
        reported = _stopped_on_reported(ev)
        if reported is not None:
            yield reported
        return
    on_test = [s for s in ev.scores if _rows(flow, s.data) & tests]
    for hit in (
        _threshold_on_test(ev, tests, outer) if _curves(facts) else None,
        _tuned_on_test(ev, on_test, outer),
        _stopped_on_test(ev, on_test, tests, outer),
        _hand_picked(ev, on_test, tests, outer),
    ):
        if hit is not None:
            yield hit
            return
    fitted_in = {m.node.index for m in ev.models}
    for score in on_test:
        node = score.node
        swept = isinstance(node.stmt, (ast.For, ast.While)) or _comprehends(node.stmt)
        if swept and _selects(ev, node, True, ranks=False):
            what = "fits a model per setting" if node.index in fitted_in else "tries one setting per pass"
            if not isinstance(node.stmt, (ast.For, ast.While)):
                what = "scores one model or setting per item"
            kind = "loop" if isinstance(node.stmt, (ast.For, ast.While)) else "comprehension"
            yield (
                node.cell,
                node.line,
                f"the {kind} in cell {_cell(node)} {what} and scores each on "
                f"{', '.join(score.names)} ({_held_out(flow, outer, score)}), then keeps "
                "the best: the test set chose the model",
            )
            return
    separate = [s for s in on_test if not isinstance(s.node.stmt, (ast.For, ast.While))]
    models = {(s.model, getattr(_model_fit(ev, s), "node", None)) for s in separate}
    if len(models) < 2:
        return
    results = {(s.node.index, n) for s in separate for n in s.node.sources}
    for node in flow.nodes:
        if node.index <= min(s.node.index for s in separate):
            continue
        read = flow.values(node, node.reach)
        if not read:
            continue
        if _selects(ev, node, False) and len(results & _lineage(flow, read)) >= 2:
            yield (
                node.cell,
                node.line,
                f"{len(models)} models are scored on {', '.join(separate[0].names)} "
                f"({_held_out(flow, outer, separate[0])}) and ranked in cell {_cell(node)}: the test set chose the model",
            )
            return


CURVES = frozenset({"precision_recall_curve", "roc_curve", "det_curve"})


def _threshold_on_test(ev: Events, tests: set[ID], outer: list[Split]) -> Hit | None:
    """A decision threshold picked from a curve drawn on the test part (``fpr, tpr, thr =
    roc_curve(y_test, proba)``, then ``thr[np.argmax(tpr - fpr)]``) and the same test part then
    scored at it: the test set chose the threshold."""
    flow = ev.flow
    curves: list[tuple[Node, set[ID]]] = []
    for node in flow.nodes:
        for call in [c for c in ev.calls_of(node) if _leaf(c) in CURVES and c.args]:
            if _rows(flow, flow.values(node, names_in(call.args[0]), rows=True)) & tests:
                curves.append((node, {(node.index, n) for n in node.sources}))
        if not curves:
            continue
        made = set().union(*(out for _, out in curves))
        reads = flow.values(node, node.reach)
        if not (_lineage(flow, reads) & made) and node.index not in {n.index for n, _ in curves}:
            continue
        for call in ev.calls_of(node):
            leaf = _leaf(call)
            if (
                not METRIC.search(leaf)
                or leaf in CURVES
                or leaf in UNSUPERVISED_METRICS
                or len(call.args) < 2
            ):
                continue
            args = flow.values(node, names_in(ast.Tuple(elts=call.args, ctx=ast.Load())))
            lineage = _lineage(flow, args)
            picked = _picked_from(ev, lineage, made) or (
                bool(lineage & made) and any(_leaf(c) in SELECT for c in ev.calls_of(node))
            )
            if picked and _rows(flow, args) & tests:
                curve = next(n for n, out in curves if out & lineage or n.index == node.index)
                names = sorted({n for _, n in args})
                return (
                    node.cell,
                    node.line,
                    f"the decision threshold is picked from the {_leaf_of(ev, curve)} of cell {_cell(curve)}, "
                    f"drawn on the test part ({_held_out(flow, outer, Score(node, '', args, names, leaf))}), "
                    f"and {leaf} in cell {_cell(node)} scores that same test part at it: the test set chose the threshold",
                )
    return None


def _curves(facts: NotebookFacts) -> bool:
    return any("_curve" in cf.source for _, cf in facts.code())


def _leaf_of(ev: Events, node: Node) -> str:
    return next((_leaf(c) for c in ev.calls_of(node) if _leaf(c) in CURVES), "curve")


def _picked_from(ev: Events, lineage: set[ID], made: set[ID]) -> bool:
    """A value in ``lineage`` was bound by a statement that picks (``np.argmax``, ``max``...) from a
    curve's outputs (``made``)."""
    flow = ev.flow
    for idx, _ in lineage:
        if idx < 0:
            continue
        node = flow.nodes[idx]
        if not any(_leaf(c) in SELECT for c in ev.calls_of(node)):
            continue
        if _lineage(flow, flow.values(node, node.reach)) & made:
            return True
    return False


# what a tuner calls an objective with each trial's settings: optuna, hyperopt, scipy, scikit-optimize
TUNERS = frozenset({"optimize", "fmin", "minimize", "maximize", "gp_minimize", "forest_minimize",
                    "gbrt_minimize", "dummy_minimize", "minimize_scalar", "differential_evolution"})  # fmt: skip


def _tuned_on_test(ev: Events, on_test: list[Score], outer: list[Split]) -> Hit | None:
    """The objective a tuner calls (``study.optimize(objective)``, ``fmin(fn=objective)``) scores each
    trial on the test part: the tuner keeps the settings the test set liked best."""
    for score in on_test:
        by = getattr(score.node.stmt, "_nbprod_callback", "")
        if by in TUNERS:
            node = score.node
            return (
                node.cell,
                node.line,
                f"the objective handed to {by}() in cell {_cell(node)} scores each trial on "
                f"{', '.join(score.names)} ({_held_out(ev.flow, outer, score)}): the test set chose the settings",
            )
    return None


def _stopped_on_reported(ev: Events) -> Hit | None:
    """With no test part, early stopping watches a held-out part (``eval_set=[(X_val, y_val)]``) and
    that same part gives the only held-out score: the reported score chose when to stop."""
    flow = ev.flow
    for node, model, data in ev.stops:
        fit = next((m for m in ev.models if m.node is node and m.model == model), None)
        if fit is None or not data or data & fit.data:
            continue
        on_watched, elsewhere = [], False
        for score in ev.scores:
            if score.node.index < node.index or score.model not in (model, ""):
                continue
            seen = _rows(flow, score.data)
            if seen & data:
                on_watched.append(score)
            elif not (seen & fit.data):
                elsewhere = True  # another held-out part is scored: the watched one is a validation part
        if on_watched and not elsewhere:
            score = on_watched[0]
            return (
                node.cell,
                node.line,
                f"{model or 'the model'}.fit in cell {_cell(node)} stops early on {', '.join(sorted({n for _, n in data}))}, "
                f"and the only held-out score ({score.leaf} in cell {_cell(score.node)}) is on that same part: "
                "the reported part chose when to stop",
            )
    return None


def _stopped_on_test(ev: Events, on_test: list[Score], tests: set[ID], outer: list[Split]) -> Hit | None:
    """Early stopping watched the test part, and the same test part then scores the model."""
    flow = ev.flow
    for node, model, data in ev.stops:
        if not (_rows(flow, data) & tests):
            continue
        if not any(_named_test(n) for _, n in data) and any(
            score.model in (model, "") and _siblings(ev, _rows(flow, data), _rows(flow, score.data))
            for score in on_test
        ):  # a sibling held-out part scores the model: the watched one is its validation part
            continue
        for score in on_test:
            if (
                score.node.index >= node.index
                and score.model in (model, "")
                and _rows(flow, score.data) & _rows(flow, data)
            ):
                return (
                    node.cell,
                    node.line,
                    f"{model or 'the model'}.fit in cell {_cell(node)} stops early on "
                    f"{', '.join(sorted({n for _, n in data}))} ({_held_out(flow, outer, score)}), the test part "
                    f"it is scored on in cell {_cell(score.node)}: the test set chose when to stop",
                )
    return None


def _siblings(ev: Events, watched: set[ID], scored: set[ID]) -> bool:
    """Two different parts of one split: ``X_val`` and ``X_test`` cut from the same ``X_tmp`` share
    its rows in their lineage, but not a row."""
    for s in ev.splits:
        if s.kind != "split":
            continue
        made = s.part_ids()
        a, b = made & watched, made & scored
        if a and b and not a & b:
            return True
    return False


def _swept(loop: ast.For) -> set[object]:
    """The constants a loop runs over: ``range(1, 11)``, ``[10, 100, 200]``."""
    it = loop.iter
    if isinstance(it, (ast.List, ast.Tuple)):
        return {e.value for e in it.elts if isinstance(e, ast.Constant)}
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range":
        bounds = [a.value for a in it.args if isinstance(a, ast.Constant) and isinstance(a.value, int)]
        if len(bounds) == len(it.args) and 1 <= len(bounds) <= 3 and (len(bounds) < 3 or bounds[2]):
            return set(range(*bounds)[:1000])
    return set()


def _hand_picked(ev: Events, on_test: list[Score], tests: set[ID], outer: list[Split]) -> Hit | None:
    """A sweep scores each setting on the test part; a later model gets one of the swept values by
    hand (``n_neighbors=9``) and is scored on the same test part: the choice was made by looking."""
    flow = ev.flow
    for score in on_test:
        loop = score.node.stmt
        if not (isinstance(loop, ast.For) and isinstance(loop.target, ast.Name)):
            continue
        values = _swept(loop)
        settings = {
            (_leaf(c), k.arg)
            for c in ast.walk(loop)
            if isinstance(c, ast.Call) and _leaf(c)[:1].isupper()
            for k in c.keywords
            if isinstance(k.value, ast.Name) and k.value.id == loop.target.id
        }
        if not values or not settings:
            continue
        for later in on_test:
            model = _model_fit(ev, later) if later.node.index > score.node.index else None
            if model is None or model.node.index <= score.node.index:
                continue
            bound = model.node.reach.get(model.model)
            stmts = [model.node.stmt] + ([flow.nodes[bound].stmt] if bound is not None else [])
            for stmt in stmts:
                for c in ast.walk(stmt):
                    if not isinstance(c, ast.Call):
                        continue
                    for k in c.keywords:
                        if (_leaf(c), k.arg) not in settings:
                            continue
                        typed = _typed_list(flow, model.node, stmt, k.value)
                        if typed and typed < values and _displayed(ev, score.node):
                            return (
                                later.node.cell,
                                later.node.line,
                                f"after the loop in cell {_cell(score.node)} scores each {k.arg} on "
                                f"{', '.join(score.names)} ({_held_out(flow, outer, score)}) and shows the scores, "
                                f"the values {sorted(typed, key=repr)!r} are typed in by hand in cell {_cell(model.node)} "
                                "and scored on the same test part: the test set chose the setting",
                            )
                        if isinstance(k.value, ast.Constant) and k.value.value in values:
                            return (
                                later.node.cell,
                                later.node.line,
                                f"after the loop in cell {_cell(score.node)} scores each {k.arg} on "
                                f"{', '.join(score.names)} ({_held_out(flow, outer, score)}), {k.arg}="
                                f"{k.value.value!r} is set by hand in cell {_cell(model.node)} and scored on the same "
                                "test part: the test set chose the setting",
                            )
    return None


def _typed_list(flow: DataFlow, node: Node, stmt: ast.stmt, value: ast.expr) -> set[object]:
    """The constants a setting takes from a list typed by hand: ``n_neighbors=i`` in ``for i in
    [2, 3, 5]:`` (or ``for i in k_30:`` with ``k_30 = [2, 3, 5]`` above); empty otherwise."""
    if not isinstance(value, ast.Name):
        return set()
    for loop in ast.walk(stmt):
        if not (
            isinstance(loop, ast.For) and isinstance(loop.target, ast.Name) and loop.target.id == value.id
        ):
            continue
        it: ast.expr | None = loop.iter
        if isinstance(it, ast.Name):
            d = node.reach.get(it.id)
            bound = flow.nodes[d].stmt if d is not None else None
            it = bound.value if isinstance(bound, ast.Assign) and len(bound.targets) == 1 else None
        if (
            isinstance(it, (ast.List, ast.Tuple))
            and it.elts
            and all(isinstance(e, ast.Constant) for e in it.elts)
        ):
            return {e.value for e in it.elts if isinstance(e, ast.Constant)}
    return set()


DISPLAYS = frozenset({"print", "display", "plot", "show", "scatter", "line", "bar", "barh", "lineplot",
                      "barplot", "scatterplot", "write", "table", "head"})  # fmt: skip


def _displayed(ev: Events, node: Node) -> bool:
    """A sweep's scores are shown: printed or drawn in the loop, or what the loop collected read by a
    print or a plot in the statements just after it (through a frame made of them too)."""
    if any(_leaf(c) in DISPLAYS for c in ev.calls_of(node)):
        return True
    made = {(node.index, n) for n in node.sources}
    for later in ev.flow.nodes[node.index + 1 : node.index + 9]:
        if any((d, n) in made for n, d in later.reach.items()):
            if any(_leaf(c) in DISPLAYS for c in ev.calls_of(later)):
                return True
            made |= {(later.index, n) for n in later.sources}
    return False


def _fold_choice(ev: Events) -> Hit | None:
    """``for tr, te in kf.split(X)``: an inner loop scores settings on the fold's test part and the
    best is kept (and reported) per fold."""
    for split in ev.splits:
        loop = split.node.stmt
        if split.kind != "loop" or not isinstance(loop, ast.For):
            continue
        target = loop.target
        if not (
            isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(target.elts[1], ast.Name)
        ):
            continue
        held = {target.elts[1].id}
        for sub in ast.walk(loop):  # X_test = X[te], or X_train, X_test = X[tr], X[te]
            if isinstance(sub, ast.Assign):
                pairs = [(sub.targets[0], sub.value)]
                if isinstance(sub.targets[0], ast.Tuple) and isinstance(sub.value, ast.Tuple):
                    pairs = list(zip(sub.targets[0].elts, sub.value.elts, strict=False))
                for t, v in pairs:
                    if isinstance(t, ast.Name) and names_in(v) & held:
                        held.add(t.id)
        for inner in ast.walk(loop):
            if inner is loop or not isinstance(inner, (ast.For, ast.While)):
                continue
            scored = any(
                isinstance(c, ast.Call)
                and (_leaf(c) in ("score", "evaluate") or METRIC.search(_leaf(c)))
                and names_in(c) & held
                for c in ast.walk(inner)
            )
            if not scored:
                continue
            kept = {
                base_name(c.func.value) or ""
                for c in ast.walk(inner)
                if isinstance(c, ast.Call) and _leaf(c) == "append" and isinstance(c.func, ast.Attribute)
            }
            best = any(
                isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id.lower().startswith("best")
                for n in ast.walk(inner)
            )
            picks = any(
                isinstance(c, ast.Call) and _leaf(c) in SELECT and names_in(c) & kept for c in ast.walk(loop)
            )
            if best or picks:
                node = split.node
                return (
                    node.cell,
                    node.line,
                    f"the loop in cell {_cell(node)} scores every setting of its inner loop on each fold's test "
                    f"part ({target.elts[1].id}) and keeps the best: the fold's test rows chose the setting",
                )
    return None


_COMPREHENSIONS = (ast.ListComp, ast.GeneratorExp, ast.DictComp, ast.SetComp)


def _comprehends(stmt: ast.stmt) -> bool:
    """``scores = [m.score(X_test, y_test) for m in models]``: one score per item."""
    return isinstance(stmt, ast.Assign) and isinstance(stmt.value, _COMPREHENSIONS)


def _named_test(name: str) -> bool:
    low = name.rsplit(".", 1)[-1].lower()
    return ("test" in low or "holdout" in low or "hold_out" in low) and "val" not in low


def _held_out(flow: DataFlow, splits: list[Split], score: Score) -> str:
    """``held out by train_test_split in cell 3``, or how the test set is known."""
    seen = _rows(flow, score.data)
    for s in splits:
        if s.part_ids() & seen:
            return f"held out by {s.leaf} in cell {_cell(s.node)}"
    return "a test set"


def _selects(ev: Events, node: Node, loop: bool, ranks: bool = True) -> bool:
    """The statement (or one just after that reads what it made) keeps or ranks the best
    (``ranks=False``: a ranking alone, ``df.sort_values('recall')`` shown as a table, keeps nothing)."""
    if _picks(ev, node, ranks):
        return True
    made = {(node.index, n) for n in node.sources}
    for later in ev.flow.nodes[node.index + 1 : node.index + (6 if loop else 4)]:
        if any((d, n) in made for n, d in later.reach.items()):
            if _picks(ev, later, ranks):
                return True
            made |= {
                (later.index, n) for n in later.sources
            }  # df_results = pd.DataFrame(results), then idxmin
    return False


RANKS = frozenset({"sort_values", "sorted", "sort"})


def _picks(ev: Events, node: Node, ranks: bool = True) -> bool:
    """``max(...)``, ``np.argmax``, ``sort_values``..., or a name like ``best_k`` bound (not one that only
    takes a search's own best: ``best_model = grid.best_estimator_``); a pick that reads a validation
    score by name is not a choice by the test set."""
    gated = node.number >= 0 and not (ev.leaves.get((node.cell, node.number), set()) & SELECT)
    picks = [] if gated else [call for call in ev.calls_of(node) if _leaf(call) in SELECT]
    if not ranks and not _taken_first(node.stmt):
        picks = [call for call in picks if _leaf(call) not in RANKS]
    if picks and all(_on_validation(call) for call in picks):
        return False
    best = {n for n in node.sources if n.rsplit(".", 1)[-1].lower().startswith("best")}
    single = _single_passes(node.stmt) if best or picks else set()
    if single:  # for n in [50]: ... best = m: a "best" of one configuration chooses nothing
        picks = [call for call in picks if id(call) not in single]
        best = {n for n in best if not _stored_only_in(node.stmt, n, single)}
    if best and not best <= _search_bests(node.stmt):
        return True
    return bool(picks)


def _single_passes(stmt: ast.stmt) -> set[int]:
    """Ids of the nodes inside the loops of ``stmt`` that run once over a constant (``for n in
    [50]:``, ``for d in range(3, 4):``)."""
    out: set[int] = set()
    for loop in ast.walk(stmt):
        if isinstance(loop, ast.For) and len(_swept(loop)) == 1:
            it = loop.iter
            if isinstance(it, (ast.List, ast.Tuple)) and len(it.elts) != 1:
                continue
            out |= {id(n) for b in loop.body for n in ast.walk(b)}
    return out


def _stored_only_in(stmt: ast.stmt, name: str, inside: set[int]) -> bool:
    """Every binding of ``name`` in ``stmt`` lies among the nodes ``inside``, but for its start
    value (``best = None``, ``best_acc, best_m = 0, None``, ``float('inf')``)."""
    kept = []
    for sub in ast.walk(stmt):
        if isinstance(sub, ast.Assign):
            for target in sub.targets:
                pairs = [(target, sub.value)]
                if isinstance(target, ast.Tuple) and isinstance(sub.value, ast.Tuple):
                    pairs = list(zip(target.elts, sub.value.elts, strict=False))
                for t, v in pairs:
                    if isinstance(t, ast.Name) and t.id == name and not _start_value(v):
                        kept.append(t)
        elif isinstance(sub, (ast.AugAssign, ast.AnnAssign, ast.For)):
            target = sub.target
            kept += [n for n in ast.walk(target) if isinstance(n, ast.Name) and n.id == name]
    return bool(kept) and all(id(n) in inside for n in kept)


def _start_value(v: ast.expr) -> bool:
    """``None``, ``0``, ``-1``, ``float('inf')``: what a best starts as, before anything is compared."""
    if isinstance(v, ast.UnaryOp):
        v = v.operand
    if isinstance(v, ast.Constant):
        return True
    return isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id == "float"


def _taken_first(stmt: ast.stmt) -> bool:
    """The ranking's first row is taken: ``df.sort_values('rmse').iloc[0]``, ``sorted(...)[0]``,
    ``.head(1)``."""
    for sub in ast.walk(stmt):
        if (
            isinstance(sub, ast.Subscript)
            and isinstance(sub.slice, ast.Constant)
            and sub.slice.value in (0, -1)
        ):
            return True
        if (
            isinstance(sub, ast.Call)
            and _leaf(sub) == "head"
            and (not sub.args or (isinstance(sub.args[0], ast.Constant) and sub.args[0].value == 1))
        ):
            return True
    return False


def _on_validation(call: ast.Call) -> bool:
    """``max(results, key=lambda k: results[k]['val_f1'])``: the pick reads a validation score by name
    (and no test score)."""
    keys = [
        str(c.value).lower()
        for c in ast.walk(call)
        if isinstance(c, ast.Constant) and isinstance(c.value, str)
    ]
    return any("val" in k or _CV_KEY.search(k) for k in keys) and not any(_named_test(k) for k in keys)


_CV_KEY = lazyre.compile(r"(^|_)cv(_|$)|^mean_test_")  # 'cv_r2_mean', a cv_results_ column


def _search_bests(stmt: ast.stmt) -> set[str]:
    """Names the statement binds only to what an earlier choice kept: ``best_model =
    result['grid_object'].best_estimator_``, ``best = results['best_model']`` (a search's own best,
    chosen by its cross-validation)."""
    copied: set[str] = set()
    other: set[str] = set()
    for sub in ast.walk(stmt):
        if not isinstance(sub, ast.Assign):
            if isinstance(sub, (ast.AugAssign, ast.AnnAssign)) and isinstance(sub.target, ast.Name):
                other.add(sub.target.id)
            continue
        value = sub.value
        kept = (isinstance(value, ast.Attribute) and value.attr.startswith("best")) or (
            isinstance(value, ast.Subscript)
            and isinstance(value.slice, ast.Constant)
            and str(value.slice.value).startswith("best")
        )
        for t in sub.targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                    (copied if kept else other).add(n.id)
    return copied - other


def _kept_best_on_test(facts: NotebookFacts) -> Hit | None:
    """A training loop (a deep-learning one: no scikit-learn score) that evaluates each pass on a
    test loader or test part and keeps the best: ``for epoch in ...: acc = evaluate(model,
    test_loader)``, then ``if acc > best_acc: best_acc = acc; torch.save(...)``; a loss summed over
    the batches of a test loader counts (``for xb, yb in test_loader: val_loss += ...``), and so does
    a loader named ``val`` that holds only rows of a split's test part (``val_loader =
    DataLoader(TensorDataset(X_test, y_test))``), given to the training function or used at the top."""
    tested: _TestNames | None = None
    used: frozenset[str] | None = None
    for cell, cf in facts.code():
        if cf.tree is None or "best" not in cf.source:
            continue
        named = "test" in cf.source.lower()  # else only a loader that holds test rows under another name
        for top in cf.tree.body:
            if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if used is None:
                    used = names_used(facts)
                if top.name not in used and not _splits_rows(top):
                    continue  # defined, never called (its call commented out): its loop never runs
            for loop in ast.walk(top):
                if not isinstance(loop, (ast.For, ast.While)) or _over_folds(loop):
                    continue
                body = list(_outside_folds(loop))
                if not any(isinstance(sub, ast.If) and isinstance(sub.test, ast.Compare) for sub in body):
                    continue
                if tested is None:
                    tested = _TestNames(facts)
                if not (named or tested.aliases or tested.params):
                    continue
                measured = _test_measures(body, tested.of(top))
                if not measured:
                    continue
                hit = _keeps_best(cell.index, body, measured)
                if hit is not None:
                    return hit
    return None


def _splits_rows(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A function whose body makes its own split (read where it is defined even when never called:
    a route a web framework calls, a test function pytest calls)."""
    return any(
        isinstance(c, ast.Call) and _leaf(c) in ("train_test_split", "split", "random_split")
        for c in ast.walk(fn)
    )


def _keeps_best(cell: int, body: list[ast.AST], measured: dict[str, str]) -> Hit | None:
    """``if acc > best_acc: best_acc = acc`` in a loop's body, ``acc`` a measure of a test part."""
    for sub in body:
        if not (isinstance(sub, ast.If) and isinstance(sub.test, ast.Compare) and len(sub.test.ops) == 1):
            continue
        if not isinstance(sub.test.ops[0], (ast.Gt, ast.GtE, ast.Lt, ast.LtE)):
            continue
        sides = [sub.test.left, *sub.test.comparators]
        names = [s.id for s in sides if isinstance(s, ast.Name)]
        best = [n for n in names if n.lower().startswith("best")]
        if len(names) != 2 or len(best) != 1 or not (set(names) - set(best)) & measured.keys():
            continue
        kept = any(
            isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id == best[0]
            for b in sub.body
            for n in _outside_folds(b)
        )
        if kept:
            return (
                cell,
                sub.lineno,
                f"the loop in cell {cell + 1} scores each pass on a test part "
                f"({', '.join(sorted(measured[n] for n in (set(names) - set(best)) & measured.keys()))}) "
                f"and keeps the best ({best[0]}): the test set chose the model",
            )
    return None


class _TestNames:
    """Which names hold a test part: named so (``test_loader``), or, whatever their name, holding
    only rows of a split's test part (``val_loader = DataLoader(TensorDataset(X_test, y_test))``);
    inside a notebook function, the parameters that are given such a name where it is called."""

    def __init__(self, facts: NotebookFacts) -> None:
        self.aliases: set[str] = set()
        self.params: dict[str, set[str]] = {}
        ev = events(facts)
        if ev is not None and ev.splits:
            flow = ev.flow
            resplit = {v for s in ev.splits if s.kind == "split" for v in s.inputs}
            tests = {v for s in ev.splits if s.kind == "split" for v in s.part_ids("test")} - resplit
            train = ev.train_parts()
            verdict: dict[str, bool] = {}
            for node in flow.nodes:
                for name in node.sources:
                    if "." in name or name in flow.objects or name in flow.opaque:
                        continue
                    rows = flow.rows((node.index, name))
                    only = bool(rows & tests) and not (rows & train)
                    verdict[name] = verdict.get(name, True) and only
            self.aliases = {n for n, only in verdict.items() if only}
        functions = {}
        for _, cf in facts.code():
            if cf.tree is None:
                continue
            for stmt in cf.tree.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    functions[stmt.name] = [a.arg for a in (*stmt.args.posonlyargs, *stmt.args.args)]
        if not functions:
            return
        for _, cf in facts.code():
            if cf.tree is None:
                continue
            for call in ast.walk(cf.tree):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
                    continue
                params = functions.get(call.func.id)
                if params is None:
                    continue
                given = [(p, a) for p, a in zip(params, call.args, strict=False)]
                given += [(k.arg, k.value) for k in call.keywords if k.arg in params]
                for p, a in given:
                    if isinstance(a, ast.Name) and self.named(a.id):
                        self.params.setdefault(call.func.id, set()).add(p)

    def named(self, name: str) -> bool:
        return _named_test(name) or name in self.aliases

    def of(self, top: ast.stmt) -> Callable[[str], bool]:
        """The test for a name read in the top-level statement ``top`` (a function's own parameters too)."""
        params = (
            self.params.get(top.name, set())
            if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef))
            else set()
        )
        return lambda name: name in params or self.named(name)


def _over_folds(loop: ast.For | ast.While) -> bool:
    """``for tr, te in kf.split(X)``: each pass has its own test part, so the best pass is a fold."""
    return isinstance(loop, ast.For) and any(
        isinstance(c, ast.Call) and _leaf(c) == "split" for c in ast.walk(loop.iter)
    )


def _outside_folds(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` of a statement that does not go into a loop over folds (nor a nested function)."""
    todo = [node]
    while todo:
        sub = todo.pop()
        yield sub
        for child in ast.iter_child_nodes(sub):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(child, ast.For) and _over_folds(child):
                continue
            todo.append(child)


def _test_measures(body: list[ast.AST], is_test: Callable[[str], bool] = _named_test) -> dict[str, str]:
    """Names a loop's body binds to a measure of a test part: ``acc = evaluate(model, test_loader)``,
    ``accuracy = correct / len(test_texts)``, or a sum over a test loader's batches (``for xb, yb in
    test_loader: val_loss += ...``), with the test part that names it."""
    found: dict[str, str] = {}
    for sub in body:
        if isinstance(sub, ast.For):  # for inputs, targets in test_loader: loss += criterion(...)
            over = sorted(n.id for n in ast.walk(sub.iter) if isinstance(n, ast.Name) and is_test(n.id))
            if over:
                for inner in ast.walk(sub):
                    if isinstance(inner, ast.AugAssign) and isinstance(inner.target, ast.Name):
                        found.setdefault(inner.target.id, over[0])
            continue
        if not isinstance(sub, ast.Assign):
            continue
        tests = sorted(n.id for n in ast.walk(sub.value) if isinstance(n, ast.Name) and is_test(n.id))
        if not tests:
            continue
        for t in sub.targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                    found[n.id] = tests[0]
    return found
