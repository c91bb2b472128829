"""NB3: production readiness (baselines, evaluation, saving, tests, structure); leakage is in the leakage package."""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterator

from nbprod import lazyre
from nbprod.analysis.cell import Call
from nbprod.analysis.facts import NotebookFacts
from nbprod.rules import Hit, rule
from nbprod.values import Immutable

TYPE_CHECKING = False  # importing typing costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

TRANSFORMERS = {
    "StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler", "Normalizer",
    "QuantileTransformer", "PowerTransformer", "KBinsDiscretizer", "PCA", "TruncatedSVD",
    "KernelPCA", "IncrementalPCA", "SimpleImputer", "KNNImputer", "IterativeImputer",
    "SelectKBest", "SelectPercentile", "SelectFromModel", "RFE", "RFECV", "TargetEncoder",
    "TfidfVectorizer", "CountVectorizer", "TfidfTransformer", "OneHotEncoder",
    "OrdinalEncoder", "ColumnTransformer", "FeatureHasher", "SplineTransformer",
    "VarianceThreshold", "FunctionTransformer", "Binarizer",
}  # fmt: skip
BASELINES = {"DummyClassifier", "DummyRegressor"}
# Unsupervised estimators: no target, so no baseline to beat.
UNSUPERVISED = {
    "KMeans", "MiniBatchKMeans", "BisectingKMeans", "DBSCAN", "HDBSCAN", "OPTICS", "Birch",
    "AgglomerativeClustering", "SpectralClustering", "MeanShift", "AffinityPropagation",
    "GaussianMixture", "BayesianGaussianMixture", "IsolationForest", "LocalOutlierFactor",
    "OneClassSVM", "NearestNeighbors", "TSNE", "UMAP", "KernelDensity", "EllipticEnvelope",
}  # fmt: skip
RICH_METRICS = {
    "classification_report", "confusion_matrix", "precision_score", "recall_score",
    "f1_score", "fbeta_score", "roc_auc_score", "roc_curve", "average_precision_score",
    "precision_recall_curve", "log_loss", "balanced_accuracy_score", "matthews_corrcoef",
    "cohen_kappa_score", "brier_score_loss", "precision_recall_fscore_support",
    "ConfusionMatrixDisplay", "RocCurveDisplay", "PrecisionRecallDisplay", "det_curve",
    "top_k_accuracy_score", "hamming_loss", "jaccard_score", "multilabel_confusion_matrix",
}  # fmt: skip
SAVE_CALLS = {"dump", "save", "save_model", "save_pretrained", "save_weights", "log_model",
              "to_onnx", "convert_sklearn", "export", "pickle", "to_pickle"}  # fmt: skip
_BASELINE_NAME = lazyre.compile(r"baseline|naive|dummy|benchmark", re.IGNORECASE)


class Fit(Immutable):
    """A ``.fit``-family call with the constructor of the object it was called on."""

    cell: int
    call: Call
    constructor: str  # leaf class name, or "" when unknown

    __match_args__ = ("cell", "call", "constructor")

    def __init__(self, cell: int, call: Call, constructor: str) -> None:
        _set = object.__setattr__  # frozen: past our own __setattr__
        _set(self, "cell", cell)
        _set(self, "call", call)
        _set(self, "constructor", constructor)

    @property
    def is_transformer(self) -> bool:
        return self.constructor in TRANSFORMERS

    @property
    def is_model(self) -> bool:
        if self.is_transformer or self.constructor in BASELINES or self.constructor in UNSUPERVISED:
            return False
        if self.call.leaf not in ("fit", "fit_predict", "partial_fit", "train"):
            return False
        return bool(self.constructor) or len(self.call.args) >= 2


def constructors(facts: NotebookFacts) -> dict[str, str]:
    """Variable -> leaf name of the class it was last built from (``m = RandomForest(...)``)."""
    built: dict[str, str] = {}
    for _, call, qual in facts.calls():
        if call.targets and call.leaf[:1].isupper():
            for t in call.targets:
                built[t] = qual.rsplit(".", 1)[-1]
        elif call.targets and call.leaf in ("make_pipeline", "Pipeline"):
            for t in call.targets:
                built[t] = "Pipeline"
    return built


def fits(facts: NotebookFacts) -> list[Fit]:
    """Every fit call, in notebook order, with what it was called on."""
    built = constructors(facts)
    found = []
    for cell, call, _ in facts.calls():
        if call.leaf not in ("fit", "fit_transform", "fit_predict", "partial_fit", "train"):
            continue
        receiver = call.name.rsplit(".", 1)[0] if "." in call.name else ""
        if receiver.startswith(".") or not receiver:
            ctor = (call.receiver_call or "").rsplit(".", 1)[-1]
        else:
            ctor = built.get(receiver, "")
        found.append(Fit(cell.index, call, ctor))
    return found


def has_baseline(facts: NotebookFacts) -> bool:
    """A dummy model or a variable or function named like a baseline."""
    for _, call, _ in facts.calls():
        if call.leaf in BASELINES:
            return True
    for _, cf in facts.code():
        imported = {i.alias for i in cf.imports}
        if any(_BASELINE_NAME.search(n) for n in cf.defs if n not in imported):
            return True
    return False


def model_fits(facts: NotebookFacts) -> list[Fit]:
    """Fits of supervised models (unsupervised work is not a model to baseline or save).

    Found once per notebook (NB302, NB304 and the checklist ask): kept on the facts, which
    are not changed once analysed (``facts.calls()`` is kept the same way)."""
    found: list[Fit] | None = facts.__dict__.get("_model_fits")
    if found is None:
        found = facts.__dict__["_model_fits"] = [
            f for f in fits(facts) if f.is_model and not unsupervised(facts, f)
        ]
    return list(found)


@rule(
    "NB302",
    "no-baseline",
    "warning",
    "a model is trained with no baseline to compare against (dummy model, simple heuristic)",
    "Fit a DummyClassifier / DummyRegressor (or a last-value or mean heuristic) and compare.",
)
def no_baseline(facts: NotebookFacts) -> Iterator[Hit]:
    """A score means little without the score of the simplest possible model. Unsupervised
    work (clustering, decomposition, density estimation: an estimator fit on X alone) has
    no target to predict, so no baseline is asked of it."""
    trained = model_fits(facts)
    if trained and not has_baseline(facts):
        final = final_model(facts, trained)
        yield (
            final.cell,
            final.call.line,
            f"{final.call.display}() trains a model but no baseline is computed",
        )


@rule(
    "NB303",
    "accuracy-only",
    "warning",
    "a classifier is judged by accuracy alone (no report, confusion matrix, precision/recall, AUC)",
    "Add classification_report, confusion_matrix and roc_auc_score.",
)
def accuracy_only(facts: NotebookFacts) -> Iterator[Hit]:
    """Accuracy hides class imbalance: 95% accuracy is what predicting 'no' gets on a
    5% positive rate. A classifier judged by ``accuracy_score``, by its own ``.score()``
    (accuracy for every scikit-learn classifier) or by ``cross_val_score`` with the
    default scoring, and by nothing richer, is judged by accuracy alone."""
    judged = evaluations(facts)
    if judged.rich or not judged.accuracy:
        return
    cell, call, how = judged.accuracy[0]
    where = " and only on the data it was trained on" if judged.accuracy_on_training_only else ""
    yield cell, call.line, f"the classifier is judged by {how} alone{where}"


@rule(
    "NB304",
    "model-not-saved",
    "info",
    "a trained model is never saved",
    "Save it with its version: joblib.dump(model, 'model-v1.joblib'), or log it with MLflow.",
)
def not_saved(facts: NotebookFacts) -> Iterator[Hit]:
    """A model that lives only in the kernel cannot be deployed or audited. The finding
    points at the model evaluated or used last (not a throwaway one in a tuning loop)."""
    trained = model_fits(facts)
    if not trained:
        return
    for _, call, _ in facts.calls():
        if call.leaf in SAVE_CALLS:
            return
    last = final_model(facts, trained)
    yield last.cell, last.call.line, f"the model trained by {last.call.display}() is never saved"


# -- NB302-NB304: what is trained, how it is judged, which model is the final one -------

# Fit on X alone: no target, so no baseline to beat (besides UNSUPERVISED above).
UNSUPERVISED_MORE = {
    "PCA", "KernelPCA", "IncrementalPCA", "TruncatedSVD", "NMF", "MiniBatchNMF", "FastICA",
    "LatentDirichletAllocation", "FactorAnalysis", "DictionaryLearning",
    "MiniBatchDictionaryLearning", "SparsePCA", "MiniBatchSparsePCA", "Isomap",
    "LocallyLinearEmbedding", "MDS", "SpectralEmbedding", "KernelDensity",
    "EmpiricalCovariance", "MinCovDet", "ShrunkCovariance", "LedoitWolf", "OAS",
    "GraphicalLasso", "GraphicalLassoCV", "SpectralBiclustering", "SpectralCoclustering",
    "FeatureAgglomeration", "BernoulliRBM", "HDBSCAN", "UMAP", "SGDOneClassSVM",
}  # fmt: skip
CLASSIFIERS = {
    "LogisticRegression", "LogisticRegressionCV", "SVC", "NuSVC", "LinearSVC", "GaussianNB",
    "MultinomialNB", "BernoulliNB", "ComplementNB", "CategoricalNB", "Perceptron",
    "LinearDiscriminantAnalysis", "QuadraticDiscriminantAnalysis", "NearestCentroid",
    "LabelPropagation", "LabelSpreading", "CalibratedClassifierCV",
}  # fmt: skip
SEARCHES = {"GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV", "HalvingRandomSearchCV"}
_CV_SCORES = {"cross_val_score", "cross_validate"}
_USES = {"predict", "predict_proba", "predict_log_proba", "decision_function", "score"}
_RICH_SCORING = lazyre.compile(
    r"roc|auc|f1|precision|recall|balanced|log_loss|neg_log|average_precision|jaccard|matthews|brier"
)


def unsupervised(facts: NotebookFacts, fit: Fit) -> bool:
    """A fit with no target: a clustering, decomposition or density estimator, or a
    scikit-learn estimator (or pipeline) fit on X alone."""
    ctor = fit.constructor
    if ctor in UNSUPERVISED or ctor in UNSUPERVISED_MORE:
        return True
    if ctor == "make_pipeline":  # make_pipeline(StandardScaler(), kmeans).fit(X)
        ctor = "Pipeline"
    if (
        ctor == "Pipeline"
        and _final_step(facts).get(_receiver(fit.call), "") in UNSUPERVISED | UNSUPERVISED_MORE
    ):
        return True
    one_argument = len(fit.call.args) == 1 and not fit.call.star and "y" not in fit.call.kwargs
    return one_argument and ctor in _sklearn_classes(facts)


_MEMO: weakref.WeakKeyDictionary[NotebookFacts, dict[str, Any]] = weakref.WeakKeyDictionary()


def _memo(facts: NotebookFacts, key: str, make: Callable[[], Any]) -> Any:
    """One computation per notebook analysis (every fit asks the same questions)."""
    cache = _MEMO.setdefault(facts, {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _sklearn_classes(facts: NotebookFacts) -> set[str]:
    return _memo(facts, "sklearn_classes", lambda: _imported_sklearn_classes(facts))  # type: ignore[no-any-return]


def _imported_sklearn_classes(facts: NotebookFacts) -> set[str]:
    names = {q.rsplit(".", 1)[-1] for q in facts.imports.values() if q.startswith("sklearn.")}
    if names:
        names.add("Pipeline")
    return {n for n in names if n[:1].isupper() or n == "Pipeline"}


def _receiver(call: Call) -> str:
    return call.name.rsplit(".", 1)[0] if "." in call.name and not call.name.startswith(".") else ""


def _final_step(facts: NotebookFacts) -> dict[str, str]:
    """Variable -> class of the last step of the pipeline it holds, or of the estimator a
    search wraps (``make_pipeline(StandardScaler(), SVC())`` -> SVC)."""
    return _memo(facts, "final_step", lambda: _final_steps(facts))  # type: ignore[no-any-return]


def _final_steps(facts: NotebookFacts) -> dict[str, str]:
    import ast

    from nbprod.analysis.cell import dotted_name

    built = constructors(facts)
    out: dict[str, str] = {}
    for _, cf in facts.code():
        if cf.tree is None:
            continue
        for stmt in cf.tree.body:
            if not (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call)):
                continue
            name = (dotted_name(stmt.value.func) or "").rsplit(".", 1)[-1]
            last: ast.AST | None = None
            if name == "make_pipeline" and stmt.value.args:
                last = stmt.value.args[-1]
            elif name == "Pipeline" and stmt.value.args and isinstance(stmt.value.args[0], ast.List):
                steps = stmt.value.args[0].elts
                if steps and isinstance(steps[-1], ast.Tuple) and len(steps[-1].elts) == 2:
                    last = steps[-1].elts[1]
            elif name in SEARCHES and stmt.value.args:
                last = stmt.value.args[0]
            if isinstance(last, ast.Call):
                leaf = (dotted_name(last.func) or "").rsplit(".", 1)[-1]
            elif isinstance(last, ast.Name):
                leaf = out.get(last.id) or built.get(last.id, "")
            else:
                continue
            for target in stmt.targets:
                if isinstance(target, ast.Name) and leaf:
                    out[target.id] = leaf
    return out


def is_classifier(facts: NotebookFacts, name: str, built: dict[str, str], final: dict[str, str]) -> bool:
    """Whether a variable holds a classifier (directly, as a pipeline's last step or in a search)."""
    ctor = built.get(name, "")
    if ctor in ("Pipeline", *SEARCHES):
        ctor = final.get(name, "")
    return ctor.endswith("Classifier") or ctor in CLASSIFIERS


class Evaluations:
    """How the notebook judges its classifiers: accuracy-only calls and richer ones."""

    accuracy: list[tuple[int, Call, str]]
    rich: bool
    accuracy_on_training_only: bool

    __match_args__ = ("accuracy", "rich", "accuracy_on_training_only")

    def __init__(
        self,
        accuracy: list[tuple[int, Call, str]],
        rich: bool,
        accuracy_on_training_only: bool,
    ) -> None:
        self.accuracy = accuracy
        self.rich = rich
        self.accuracy_on_training_only = accuracy_on_training_only


def evaluations(facts: NotebookFacts) -> Evaluations:
    built = constructors(facts)
    final = _final_step(facts)
    fit_data: dict[str, set[str]] = {}  # model variable -> names of the data it was fit on
    for fit in fits(facts):
        for var in {_receiver(fit.call), *fit.call.targets} - {""}:
            fit_data.setdefault(var, set()).update(fit.call.arg_names)
    accuracy: list[tuple[int, Call, str]] = []
    on_training: list[bool] = []
    rich = False
    for cell, call, qual in facts.calls():
        leaf = call.leaf
        scoring = call.kwargs.get("scoring")
        if leaf in RICH_METRICS or (isinstance(scoring, str) and _RICH_SCORING.search(scoring)):
            rich = True
        elif "scoring" in call.kwargs and scoring is not None and not isinstance(scoring, str):
            rich = True  # a list, dict or scorer object: more than accuracy, as far as nbprod knows
        elif leaf == "accuracy_score":
            accuracy.append((cell.index, call, "accuracy_score"))
            data = call.arg_names - set(fit_data)  # accuracy_score(y_tr, m.predict(X_tr))
            on_training.append(bool(data) and any(data <= names for names in fit_data.values()))
        elif leaf == "score" and is_classifier(facts, _receiver(call), built, final):
            model = _receiver(call)
            accuracy.append((cell.index, call, f"{call.display}() (accuracy)"))
            trained_on = fit_data.get(model, set())
            on_training.append(bool(call.arg_names) and call.arg_names <= trained_on)
        elif (
            leaf in _CV_SCORES
            and scoring in (None, "accuracy")
            and (qual.startswith("sklearn") or not facts.is_module_call(call))
        ):
            estimator = _first_argument(facts, cell.index, call)
            if estimator and (
                is_classifier(facts, estimator, built, final)
                or estimator.endswith("Classifier")
                or estimator in CLASSIFIERS
            ):
                accuracy.append((cell.index, call, f"{leaf}() with its default scoring (accuracy)"))
                on_training.append(False)
    return Evaluations(accuracy, rich, bool(on_training) and all(on_training) and any(on_training))


def _first_argument(facts: NotebookFacts, cell: int, call: Call) -> str:
    """The first argument of a call: a variable's name, or the class of an inline
    ``Estimator(...)`` ("" when it is neither)."""
    import ast

    from nbprod.analysis.cell import dotted_name

    cf = facts.cells[cell]
    if cf is None or cf.tree is None:
        return ""
    for node in cf.nodes():  # ast.walk's order, walked once for every rule
        if type(node) is ast.Call and node.lineno == call.line and node.args:
            if (dotted_name(node.func) or "").rsplit(".", 1)[-1] != call.leaf:
                continue
            first = node.args[0]
            if isinstance(first, ast.Name):
                return first.id
            if isinstance(first, ast.Call):
                return (dotted_name(first.func) or "").rsplit(".", 1)[-1]
    return ""


def _in_loop(facts: NotebookFacts) -> set[tuple[int, int]]:
    """(cell, line) of every line inside a top-level ``for`` or ``while`` body."""
    import ast

    lines: set[tuple[int, int]] = set()
    for cell, cf in facts.code():
        if cf.tree is None:
            continue
        for stmt in cf.tree.body:
            if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
                lines.update(
                    (cell.index, n) for n in range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1)
                )
    return lines


def final_model(facts: NotebookFacts, trained: list[Fit]) -> Fit:
    """The fit of the model evaluated or used last (predict, score...); else the last fit
    outside a tuning loop; else the last fit."""
    loops = _in_loop(facts)
    by_var: dict[str, list[Fit]] = {}
    for fit in trained:
        for var in {_receiver(fit.call), *fit.call.targets} - {""}:
            by_var.setdefault(var, []).append(fit)
    last_use: Fit | None = None
    for cell, call, _ in facts.calls():
        if call.leaf not in _USES or (cell.index, call.line) in loops:
            continue
        candidates = [
            f for f in by_var.get(_receiver(call), []) if (f.cell, f.call.line) <= (cell.index, call.line)
        ]
        if candidates:
            outside = [f for f in candidates if (f.cell, f.call.line) not in loops]
            last_use = (outside or candidates)[-1]
    if last_use is not None:
        return last_use
    outside = [f for f in trained if (f.cell, f.call.line) not in loops]
    return (outside or trained)[-1]


@rule(
    "NB305",
    "no-tests",
    "info",
    "no tests: no `assert`, no test functions",
    "Add asserts on shapes, value ranges and metrics, or test_* functions.",
)
def no_tests(facts: NotebookFacts) -> Iterator[Hit]:
    """Nothing checks that the data and results are what the author believed."""
    cells = list(facts.code())
    if not cells:
        return
    for _, cf in cells:
        if cf.asserts or any(n.startswith("test") for n in cf.functions):
            return
    yield None, None, "the notebook has no assert and no test function"


@rule(
    "NB306",
    "no-functions",
    "info",
    "no functions: a long notebook (many code cells) with everything at top level",
    "Move reusable steps into functions (nbprod export does it for you).",
)
def no_functions(facts: NotebookFacts) -> Iterator[Hit]:
    """Top-level code cannot be tested or reused; functions are the first step to a package."""
    threshold = int(facts.config.get("long-notebook-cells", 10))
    cells = [cf for _, cf in facts.code() if cf.stmts]
    if len(cells) >= threshold and not any(cf.functions or cf.classes for cf in cells):
        yield None, None, f"{len(cells)} code cells and not one function"
