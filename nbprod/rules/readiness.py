"""NB3: production readiness (baselines, evaluation, saving, tests, structure); leakage is in leakage.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from nbprod.analysis.cell import Call
from nbprod.analysis.facts import NotebookFacts
from nbprod.rules import Hit, rule

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
_BASELINE_NAME = re.compile(r"baseline|naive|dummy|benchmark", re.IGNORECASE)


@dataclass(frozen=True, eq=False, repr=False)
class Fit:
    """A ``.fit``-family call with the constructor of the object it was called on."""

    cell: int
    call: Call
    constructor: str  # leaf class name, or "" when unknown

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
    return [f for f in fits(facts) if f.is_model]


@rule(
    "NB302",
    "no-baseline",
    "warning",
    "a model is trained with no baseline to compare against (dummy model, simple heuristic)",
    "Fit a DummyClassifier / DummyRegressor (or a last-value or mean heuristic) and compare.",
)
def no_baseline(facts: NotebookFacts) -> Iterator[Hit]:
    """A score means little without the score of the simplest possible model."""
    trained = model_fits(facts)
    if trained and not has_baseline(facts):
        first = trained[0]
        yield (
            first.cell,
            first.call.line,
            f"{first.call.display}() trains a model but no baseline is computed",
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
    5% positive rate."""
    accuracy = None
    for cell, call, _ in facts.calls():
        if call.leaf in RICH_METRICS:
            return
        if call.leaf == "accuracy_score" and accuracy is None:
            accuracy = (cell.index, call)
    if accuracy is not None:
        yield accuracy[0], accuracy[1].line, "the classifier is judged by accuracy_score alone"


@rule(
    "NB304",
    "model-not-saved",
    "info",
    "a trained model is never saved",
    "Save it with its version: joblib.dump(model, 'model-v1.joblib'), or log it with MLflow.",
)
def not_saved(facts: NotebookFacts) -> Iterator[Hit]:
    """A model that lives only in the kernel cannot be deployed or audited."""
    trained = model_fits(facts)
    if not trained:
        return
    for _, call, _ in facts.calls():
        if call.leaf in SAVE_CALLS:
            return
    last = trained[-1]
    yield last.cell, last.call.line, f"the model trained by {last.call.display}() is never saved"


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
