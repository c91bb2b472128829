"""NB301 (preprocessing leakage) and NB309 (preprocessing outside cross-validation)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nbprod.analysis.dataflow import ID, DataFlow, Node
from nbprod.analysis.facts import NotebookFacts
from nbprod.rules import Hit, rule
from nbprod.rules.leakage._events import (
    CATEGORY_CODERS,
    FITTERS,
    LABEL_ENCODERS,
    LABEL_NAMES,
    PIPELINES,
    SEARCHES,
    Events,
    Fit,
    Split,
    _cell,
    _column_keys,
    _columns_written,
    _fit_holds_scored_test,
    _leaf,
    _lineage,
    _model_fit,
    _only_labels,
    _path,
    _reached,
    _rows,
    _what,
    events,
    label_columns,
)


class _Leak:
    rule: str
    fit: Fit
    message: str

    __match_args__ = ("rule", "fit", "message")

    def __init__(self, rule: str, fit: Fit, message: str) -> None:
        self.rule = rule
        self.fit = fit
        self.message = message


def preprocessing_leaks(facts: NotebookFacts) -> list[_Leak]:
    """NB301 and NB309 findings, one per fit (NB301 wins)."""
    cached = getattr(facts, "_leak_found", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    ev = events(facts)
    found: list[_Leak] = []
    if ev is not None and ev.fits and (ev.splits or ev.scores):
        flow = ev.flow
        train_parts = ev.train_parts()
        for fit in ev.fits:
            leak = _fit_leak(flow, ev, fit, train_parts)
            if leak is not None:
                found.append(leak)
    if ev is not None and ev.models and ev.splits and not any(leak.rule == "NB301" for leak in found):
        refit = _pipeline_refit_on_test_rows(ev)
        if refit is not None:
            found.append(refit)
    if ev is not None and ev.scores and ev.splits and not any(leak.rule == "NB301" for leak in found):
        chosen = _chosen_by_score(ev)
        if chosen is not None:
            found.append(chosen)
    facts._leak_found = found  # type: ignore[attr-defined]
    return found


def _pipeline_refit_on_test_rows(ev: Events) -> _Leak | None:
    """A pipeline (or a search over one) with a transformer inside, fit on rows that still hold a
    split's test part, then scored on that test part: the transformer's statistics (and the model)
    saw the test rows (``grid.fit(X, y)`` after the split, then ``grid.best_estimator_.score(X_test,
    y_test)``). NB307 names the model's side of it."""
    flow = ev.flow
    if not ev.test_parts():
        return None
    for score in ev.scores:
        model = _model_fit(ev, score)
        if model is None or not model.data or not score.data:
            continue
        split = _fit_holds_scored_test(ev, score, model)
        if split is None:
            continue
        inside = _transformers_in(flow, model.node, model.model)
        if not inside:
            continue
        what = ", ".join(sorted(inside))
        fit = Fit(model.node, what, set(model.data), list(model.names), set(), sorted(inside)[0])
        return _Leak(
            "NB301",
            fit,
            f"the pipeline's {what} is refit with the model on {', '.join(model.names)} (cell {_cell(model.node)}), "
            f"which still holds the rows {split.leaf} in cell {_cell(split.node)} held out as "
            f"{', '.join(score.names)}, scored in cell {_cell(score.node)}",
        )
    return None


def _transformers_in(flow: DataFlow, node: Node, name: str, depth: int = 0) -> set[str]:
    """The transformers (``StandardScaler``, ``OneHotEncoder``...) built inside the pipeline or search
    bound to ``name`` before ``node``: ``grid = GridSearchCV(pipe, ...)``, ``pipe = Pipeline([('p',
    pre), ...])``, ``pre = ColumnTransformer([('num', StandardScaler(), cols)])``."""
    bound = node.reach.get(name) if name else None
    if bound is None or depth > 4 or not 0 <= bound < len(flow.nodes):
        return set()
    at = flow.nodes[bound]
    stmt = at.stmt
    if not isinstance(stmt, ast.Assign) or not isinstance(stmt.value, ast.Call):
        return set()
    top = _leaf(stmt.value)
    if top not in PIPELINES and top not in SEARCHES:
        return set()
    out: set[str] = set()
    for sub in ast.walk(stmt.value):
        if isinstance(sub, ast.Call) and sub is not stmt.value:
            leaf = _leaf(sub)
            if leaf in FITTERS and leaf not in LABEL_ENCODERS:
                out.add(leaf)
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id != name:
            out |= _transformers_in(flow, at, sub.id, depth + 1)
    return out


def _chosen_by_score(ev: Events) -> _Leak | None:
    """Columns or rows picked by a model's score on every row (a hand-written forward selection
    on the whole data), then divided by a split: the choice saw the test rows."""
    flow = ev.flow
    train_parts = ev.train_parts()
    for split in ev.splits:
        if split.kind != "split":
            continue
        split_rows = ev.rows_of(split, split.inputs)
        if split_rows & train_parts:
            continue  # a validation split of a training part
        ancestry = {i for i, _ in _lineage(flow, split.inputs)}
        for score in ev.scores:
            if score.node.index >= split.node.index or score.node.index not in ancestry:
                continue
            scored = ev.rows_of(score, score.data)
            if not (scored & split_rows) or scored & train_parts:
                continue
            fit = Fit(score.node, score.leaf, score.data, score.names, set())
            return _Leak(
                "NB301",
                fit,
                f"what {split.leaf} in cell {_cell(split.node)} divides was chosen by {score.leaf} on "
                f"{', '.join(score.names)} (cell {_cell(score.node)}), rows the split later puts in the test part",
            )
    return None


def _fit_leak(flow: DataFlow, ev: Events, fit: Fit, train_parts: set[ID]) -> _Leak | None:
    fit_rows = _rows(flow, fit.data)
    on_train = bool(fit_rows & train_parts)
    info: _Leak | None = None
    per_fold = fit.call is not None and any(  # fit inside one folds' loop of this block (a helper
        s.kind == "loop" and s.node.index == fit.node.index and s.inside and id(fit.call) in s.inside
        for s in ev.splits  # with its own folds, called twice in a loop: each copy's folds)
    )
    for split in ev.splits:
        # a search whose fold scores are never read (best_score_, cv_results_) reports no score the
        # fit inflated: its folds choose a setting (NB309), no reported figure is a leaked one (NB301)
        unread = split.kind != "split" and split.leaf.endswith(".fit") and not ev.cv_read
        if (
            split.node.index == fit.node.index
            and split.kind == "loop"
            and (split.inside is None or fit.call is None or per_fold)
        ):
            continue  # a fit inside the folds' loop: fit per fold (one before it, in the same block, is not)
        split_rows = ev.rows_of(split, split.inputs)
        parts = split.part_ids()
        tests = split.part_ids("test")
        later_in_block = fit.node.index == split.node.index and 0 < split.at < fit.at  # a split, then a fit
        if fit.node.index <= split.node.index and not later_in_block:
            if not (fit.data & split_rows):
                continue
            reached = _reached(flow, fit, split.inputs)
            labels_only = _only_labels(split, reached)
            if reached:
                if fit.ctor in CATEGORY_CODERS and (labels_only or _codes_label_column(ev, fit, split)):
                    continue  # y = LabelEncoder().fit_transform(y): codes, no statistic of the test rows
                where = _path(flow, fit, (reached - split.labels) or reached)
            elif _applied(ev, fit, split, parts):
                where = ""
            else:
                continue
            verb = "divides" if split.kind == "split" else "splits into folds"
            nested = bool(split_rows & train_parts)
            msg = f"{_what(fit)}{where}, which {split.leaf} in cell {_cell(split.node)} {verb}"
            if labels_only:
                msg += " as the labels: the test rows' targets shape the training targets"
            if split.kind != "split" or nested:
                if on_train or nested or unread:
                    info = info or _Leak("NB309", fit, msg + ": each held-out fold was seen by the fit")
                    continue
            return _Leak("NB301", fit, msg)
        # the fit comes after the split: a leak when it saw the unsplit rows or the test part
        unsplit = bool(fit_rows & split.inputs) and not (fit_rows & parts)
        saw = bool(fit_rows & tests) or unsplit
        # a fit on the test part alone leaks only where it is applied to a training part
        only_test = not unsplit and not (fit_rows & (parts - tests))
        if saw and _applied(ev, fit, split, (parts - tests) if only_test else parts):
            if unsplit and ev.rows_of(split, split.inputs) & train_parts:
                # fit on a training part that a validation split then divides: the test set is clean
                info = info or _Leak(
                    "NB309",
                    fit,
                    f"{_what(fit)}, which {split.leaf} in cell {_cell(split.node)} divides into a validation part:"
                    " the validation rows were seen by the fit",
                )
                continue
            return _Leak(
                "NB301",
                fit,
                f"{_what(fit)}, which still holds the test rows that {split.leaf} in cell "
                f"{_cell(split.node)} split off, and is then applied to the split parts",
            )
    if info is not None:
        return info
    return _scored_leak(flow, ev, fit)


def _codes_label_column(ev: Events, fit: Fit, split: Split) -> bool:
    """A category coder whose codes reach a split frame only as its label column:
    ``le.fit(df['diagnosis'])``, ``df['label'] = le.transform(df['diagnosis'])``, then
    ``train_test_split(df, stratify=df['label'])`` (the column the split stratifies on, one
    named like a label, or one the labels are taken from: ``y_train = train_df['stage_code']``)."""
    flow = ev.flow
    labels = {
        key
        for call in ev.calls_of(split.node)
        for k in call.keywords
        if k.arg == "stratify" and isinstance(k.value, ast.Subscript)
        for key in _column_keys(k.value)
    }
    labels |= label_columns(ev)
    written = set(fit.columns)
    coder = {v for v in fit.out if v[1] in flow.objects} or fit.out  # the fitted coder, not the frame
    for node, obj, _ in ev.transforms:
        if node.index <= fit.node.index or node.index > split.node.index:
            continue
        state = flow.value(node, obj)
        if state is None or not (coder & flow.lineage(state)):
            continue
        columns = _columns_written(node.stmt)
        if not columns:
            return False  # the codes went somewhere else too
        written |= columns
    return bool(written) and all(c in labels or LABEL_NAMES.match(c) for c in written)


def _applied(ev: Events, fit: Fit, split: Split, parts: set[ID]) -> bool:
    """The fitted object's ``.transform`` is applied, after the split, to a split part."""
    flow = ev.flow
    for node, obj, data in ev.transforms:
        if node.index <= split.node.index:
            continue
        state = flow.value(node, obj)
        if state is None or not (fit.out & flow.lineage(state)):
            continue
        if _rows(flow, data) & parts:
            return True
    return False


def _scored_leak(flow: DataFlow, ev: Events, fit: Fit) -> _Leak | None:
    """A fit on train and test put together, whose statistics reach the test rows scored later."""
    fit_rows = _rows(flow, fit.data)
    for score in ev.scores:
        if score.node.index <= fit.node.index:
            continue
        model = _model_fit(ev, score)
        if model is None:
            continue
        trained = ev.rows_of(model, model.data)
        scored = ev.rows_of(score, score.data)
        # train and test put together: the fit saw rows of both (a fit on the test part alone is not a leak)
        if (
            fit_rows & (scored - trained)
            and fit_rows & (trained - scored)
            and fit.out & _lineage(flow, score.data)
        ):
            return _Leak(
                "NB301",
                fit,
                f"{_what(fit)}, which includes the rows of {', '.join(score.names)} that the model "
                f"is scored on in cell {_cell(score.node)}",
            )
    return None


# -- the rules ------------------------------------------------------------------


def _preprocessing_hits(facts: NotebookFacts, rule_id: str) -> Iterator[Hit]:
    seen: set[tuple[int, int, str]] = set()
    for leak in preprocessing_leaks(facts):  # one helper called twice gives its fit twice at one call
        hit = (leak.fit.node.cell, leak.fit.node.line, leak.message)
        if leak.rule == rule_id and hit not in seen:
            seen.add(hit)
            yield hit


@rule(
    "NB301",
    "preprocessing-leakage",
    "error",
    "preprocessing leakage: a statistic (scaler, encoder, imputer, selector, vectorizer, "
    "`fillna(df.mean())`, target encoding) is learned from rows that later end up in the test set",
    "Split first, then fit on the training part only and transform the test part (a Pipeline does this).",
)
def leakage(facts: NotebookFacts) -> Iterator[Hit]:
    """Fitting a scaler, imputer, encoder, selector or vectorizer, or filling gaps with a
    mean, on rows that later end up in the test set lets statistics of the test rows leak
    into training, so the test score is optimistic. nbprod follows the data through
    assignments, in-place updates, column selections, concatenations, loops over lists of
    frames and into the notebook's simple helper functions (`X, y = prep(df)`, a call under
    `if __name__ == "__main__":` too, since a kernel runs that block, a `main()` that only
    calls such helpers, a helper that fits, splits or resamples called inside a loop or a branch,
    and the helpers that helper calls in turn, `results = [run(m) for m in markets]`, a helper
    that changes its frame argument in place, `preprocess(df)`, a helper whose body is one `try`
    whose handlers only give up, and a helper the notebook never calls whose body
    splits the rows, a web route or a test function, read where it is defined (so are the
    splitting methods of a class the notebook never builds); one handed to
    something else to call, `study.optimize(objective)`, `toolbox.register('evaluate', f)`, read
    where it is handed over; the methods of the notebook's own classes on their instances, `obj =
    Model(X, y)` running `__init__` and `obj.train(df)` its method, with `self.scaler` as
    `obj.scaler`; a helper's branches on a flag it is given or left at its default, `if scale:`,
    decided; a helper defined inside another, `def run(): def evaluate(df): ...`; a function
    imported under another name, `train_test_split as tts`; a frame the notebook saves and reads
    back by the same literal path, `X_s.to_csv('clean.csv')` then `pd.read_csv('clean.csv')`), and fires
    when the fitted values reach a later `train_test_split`, `np.split` / `np.array_split`,
    positional split (`df[:n]` / `df[n:]`, `iloc`), a cut by a condition and its negation
    (`df[df.year < 2010]` / `df[df.year >= 2010]`, or the conditions bound to names first,
    `df.loc[train_mask, cols]`) or cross-validation of the same rows, when
    a fit on the unsplit data after the split is applied to the parts, and when train and
    test are put together for the fit. Columns or rows picked by a model's score on every
    row (a forward selection written by hand) before the split fire too. Scaling by hand (`X / X.max()`), the function forms
    (`preprocessing.scale`, `minmax_scale`, `robust_scale`, `maxabs_scale`,
    `quantile_transform`, `power_transform`), bins learned from the data (`pd.qcut(s, 4)`,
    `pd.cut(s, bins=8)`), a Keras `ImageDataGenerator` built with `featurewise_center`,
    `featurewise_std_normalization` or `zca_whitening` (its `fit` learns the images' statistics,
    its `flow` applies them), a statistic held by a name (`m = df[c].mean()`, then
    `df[c].replace(0, m)`) or in the function form (`df.Age.fillna(value=np.mean(df.Age))`)
    `X.apply(encoder.fit_transform)` and a member of a dict or list of one class
    (`encoders[c].fit_transform(df[c])`, `encoders = {'a': LabelEncoder(), ...}`) count as fits.
    A pipeline with a transformer inside, or a search over one, fit after the split on rows that
    still hold the test part and then scored there fires too (its scaler saw the test rows; NB307
    names the model's side). A fit in the same loop as a
    `for tr, te in kf.split(X)` loop but before it (not inside it) is not a fit per fold. A statistic learned on the target before the split
    (`y = StandardScaler().fit_transform(y)`, `df['y']` filled with its mean) fires too: the
    test rows' targets shape the training targets. Fits are followed by column: a fit that
    wrote `df['y']` does not reach `df.drop('y', axis=1)` or `df[['a', 'b']]`. A fit on the
    training part, a fit on the test part alone that is applied only to the test part,
    a `Pipeline` fitted on the training part, a fit before a search whose fold scores are never
    read (`best_score_`, `cv_results_`: NB309 instead, as the folds chose the setting but no figure
    they gave is reported), label and ordinal codes of the target
    (`y = LabelEncoder().fit_transform(y)`, or a frame's label column `df['label'] =
    le.transform(df['diagnosis'])` that the split stratifies on), `normalize` (row by row), `get_dummies` and
    fixed mappings, and Kaggle-style test files that are only predicted stay quiet."""
    yield from _preprocessing_hits(facts, "NB301")


@rule(
    "NB309",
    "preprocessing-outside-cv",
    "info",
    "preprocessing outside cross-validation: a transformer fit on data that cross-validation then splits",
    "Put the transformer and the model in one Pipeline and cross-validate the Pipeline.",
)
def outside_cv(facts: NotebookFacts) -> Iterator[Hit]:
    """A transformer fit on the whole training part before `cross_val_score`,
    `GridSearchCV` or a validation split of that same part (fit before or after that split
    is made, then applied to its parts) has seen every validation fold,
    so the cross-validated scores (and the choice they make) are slightly optimistic. The
    test set is still clean, which is why this is advice, not NB301."""
    yield from _preprocessing_hits(facts, "NB309")
