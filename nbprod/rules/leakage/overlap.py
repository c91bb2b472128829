"""NB307: overlap leakage, the test set sharing rows with training."""

from __future__ import annotations

from collections.abc import Iterator

from nbprod.analysis.dataflow import ID, Node
from nbprod.analysis.facts import NotebookFacts
from nbprod.rules import Hit, rule
from nbprod.rules.leakage._events import (
    Events,
    ModelFit,
    Score,
    _cell,
    _fit_holds_scored_test,
    _last_model,
    _model_fit,
    _out,
    _plain_copies,
    _rows,
    events,
)


@rule(
    "NB307",
    "overlap-leakage",
    "error",
    "overlap leakage: the test set shares rows with training (oversampling or duplication before "
    "the split, the training data evaluated as the test set)",
    "Split first; oversample (SMOTE, resample) the training part only, and score on rows the model never saw.",
)
def overlap(facts: NotebookFacts) -> Iterator[Hit]:
    """Rows that sit on both sides of the split make the test score a training score:
    SMOTE, ADASYN, `RandomOverSampler`, `resample(replace=True)`, `sample(replace=True)`,
    duplicated rows concatenated (`pd.concat([df, df[m]])`, `pd.concat([df] * 3)`) or repeated
    (`df.loc[df.index.repeat(2)]`, `np.repeat(X, 2, axis=0)`, `np.tile(X, (2, 1))`) before
    `train_test_split` or cross-validation (two class filters of one frame that no row passes both,
    `df[df.y == 0].sample(n)` and `df[df.y == 1]`, are undersampling and stay quiet); a model
    fit on the full data and scored on, or predicting, a test part of it (`m.fit(X, y)`
    after the split, then `m.predict(X_test)`, a `GridSearchCV` fit on every row whose
    `best_estimator_` then predicts the test part); and a notebook whose only
    reported score is on the very rows the model was fit on (`xgb.train`/`lgb.train`
    count as fits, and so does a `Pipeline` fit with labels; a search whose cross-validated scores,
    `best_score_` or `cv_results_`, are never read reports no held-out score; an accuracy by hand,
    `(preds == y).mean()`, and models scored through a dict, `for name, model in models.items()`,
    count too; so does a model a helper fits and returns, `model = train_model(X, y)`, scored on
    `X`, a search whose `fit` is bound to a name, `model = search.fit(X, y)`, and a search's
    `best_estimator_` taken inside a loop over models and scored on the rows it was refit on). Resampling inside a helper the notebook calls is followed (one it never calls,
    whose body splits the rows, is read where it is defined). Oversampling the training
    part of a `train_test_split` (or of a cut whose test part is scored) and then splitting or
    cross-validating those rows only divides training rows: the test part holds no copy, so it
    stays quiet (a competition's unlabelled test file cut off by position is no such part), and
    so does oversampling inside each fold's loop of a helper called more than once."""
    ev = events(facts)
    if ev is None:
        return
    flow = ev.flow
    reported: set[int] = set()
    for i, (node, what, copied) in enumerate(ev.copies):
        if node.index in reported:
            continue
        if _of_training_part(ev, node, copied):
            continue
        call = ev.copy_calls.get(i)
        per_fold = call is not None and any(  # oversampling inside a folds' loop: each fold's own rows
            s.kind == "loop" and s.node.index == node.index and s.inside and id(call) in s.inside
            for s in ev.splits
        )
        for split in ev.splits:
            if split.node.index < node.index or (per_fold and split.kind == "loop" and split.node is node):
                continue
            out = _out(node, flow)
            hit = {v for v in split.inputs if out & flow.rows(v)}
            if hit:
                names = ", ".join(sorted({n for _, n in hit}))
                yield (
                    node.cell,
                    node.line,
                    f"{what} in cell {_cell(node)} copies rows into {names}, which {split.leaf} in cell "
                    f"{_cell(split.node)} divides: copies of the test rows sit in training",
                )
                reported.add(node.index)
                break
    tests = ev.test_parts()
    train_only: list[tuple[Score, ModelFit]] = []
    # cross-validation reports held-out scores; a search only when its scores are read (best_score_,
    # cv_results_): a search whose best estimator is then scored on its training rows reports no other
    held_out = any(s.kind != "split" and (ev.cv_read or not s.leaf.endswith(".fit")) for s in ev.splits)
    held_out = held_out or ev.evaluates_in_functions
    held_out = held_out or any(_rows(flow, data) & tests for _, data, _ in ev.predicts)
    for score in ev.scores:
        model = _model_fit(ev, score)
        if model is None or not model.data or not score.data:
            continue
        seen = _rows(flow, score.data)
        if model.data & seen or _plain_copies(flow, model.data) & seen:
            held = _fit_holds_scored_test(ev, score, model)
            if held is not None:
                yield (
                    model.node.cell,
                    model.node.line,
                    f"the model is fit on {', '.join(model.names)} (cell {_cell(model.node)}), which still holds "
                    f"the rows {held.leaf} in cell {_cell(held.node)} held out as {', '.join(score.names)}, "
                    f"scored in cell {_cell(score.node)}",
                )
                return
            train_only.append((score, model))
        else:
            held_out = True
    for node, data, name in ev.predicts:  # predictions on a test part by a model fit on the unsplit rows
        seen = _rows(flow, data)
        fitted = _last_model(ev, name, node.index) if seen & tests else None
        if fitted is None or not (fitted.data & seen) or _rows(flow, fitted.data) & tests:
            continue
        split = next(s for s in ev.splits if s.part_ids() & seen)
        yield (
            fitted.node.cell,
            fitted.node.line,
            f"the model is fit on {', '.join(fitted.names)} (cell {_cell(fitted.node)}), which still holds the "
            f"rows {split.leaf} in cell {_cell(split.node)} held out as {', '.join(sorted({n for _, n in data}))}, "
            f"predicted in cell {_cell(node)}",
        )
        return
    if train_only and not held_out:
        score, model = train_only[0]
        yield (
            score.node.cell,
            score.node.line,
            f"the only score ({score.leaf} in cell {_cell(score.node)}) is on {', '.join(score.names)}, the rows "
            f"the model was fit on in cell {_cell(model.node)}: it is a training score, not a test score",
        )


def _of_training_part(ev: Events, node: Node, copied: set[ID]) -> bool:
    """Oversampling the training part of an earlier split whose test part is held out for real
    (a ``train_test_split``, or a cut whose test part is scored): a later split or cross-validation
    of the copies only divides the training rows; the test part holds none of them (a
    competition's unlabelled test file cut off by position is not such a part)."""
    flow = ev.flow
    rows = _rows(flow, copied)
    for split in ev.splits:
        if split.kind != "split" or split.node.index >= node.index or not (rows & split.part_ids("train")):
            continue
        test = split.part_ids("test")
        if split.leaf in ("train_test_split", "random_split") or any(
            _rows(flow, s.data) & test for s in ev.scores
        ):
            return True
    return False
