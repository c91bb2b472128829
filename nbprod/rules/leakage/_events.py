"""The events the leakage rules read from a notebook's data flow: fits, splits, scores, model fits,
resamplings and transforms, and the helpers that ask the def-use graph about them."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nbprod import lazyre
from nbprod.analysis.dataflow import ID, DataFlow, Node, base_name, children, member_classes, names_in
from nbprod.analysis.facts import NotebookFacts
from nbprod.rules.readiness import TRANSFORMERS

ENCODERS = {"LabelEncoder", "LabelBinarizer", "MultiLabelBinarizer", "OneHotEncoder", "OrdinalEncoder",
            "TargetEncoder", "HashingVectorizer", "DictVectorizer", "GenericUnivariateSelect", "FastICA",
            "NMF", "LatentDirichletAllocation", "FactorAnalysis", "SparsePCA", "Isomap", "RFECV", "RFE",
            "SequentialFeatureSelector", "TfidfVectorizer", "CountVectorizer", "PolynomialFeatures",
            "LinearDiscriminantAnalysis", "MissingIndicator", "StandardScaler"}  # fmt: skip
FITTERS = frozenset(TRANSFORMERS | ENCODERS | {"ImageDataGenerator (featurewise)"}) - {
    "FunctionTransformer", "FeatureHasher", "HashingVectorizer"}  # fmt: skip
# Keras's ImageDataGenerator learns a statistic in fit() only when built with one of these
_FEATUREWISE = ("featurewise_center", "featurewise_std_normalization", "zca_whitening")
LABEL_ENCODERS = {"LabelEncoder", "LabelBinarizer", "MultiLabelBinarizer"}
PIPELINES = {"Pipeline", "make_pipeline", "ColumnTransformer", "make_column_transformer", "FeatureUnion",
             "make_union"}  # fmt: skip
STATS = {"mean", "median", "mode", "std", "var", "quantile", "min", "max"}
STAT_USERS = {"fillna", "replace", "clip", "where", "mask"}
OVERSAMPLERS = {"SMOTE", "ADASYN", "RandomOverSampler", "BorderlineSMOTE", "SVMSMOTE", "KMeansSMOTE",
                "SMOTENC", "SMOTEN", "SMOTETomek", "SMOTEENN"}  # fmt: skip
CV_CALLS = {"cross_val_score", "cross_validate", "cross_val_predict", "learning_curve",
            "validation_curve", "permutation_test_score"}  # fmt: skip
SEARCHES = {"GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV", "HalvingRandomSearchCV",
            "BayesSearchCV", "TuneSearchCV"}  # fmt: skip
FOLDS = {"KFold", "StratifiedKFold", "GroupKFold", "TimeSeriesSplit", "ShuffleSplit", "StratifiedShuffleSplit",
         "RepeatedKFold", "RepeatedStratifiedKFold", "LeaveOneOut", "StratifiedGroupKFold", "GroupShuffleSplit"}  # fmt: skip
UNSUPERVISED_METRICS = {"silhouette_score", "calinski_harabasz_score", "davies_bouldin_score",
                        "silhouette_samples", "explained_variance_score"}  # fmt: skip
NOT_MODELS = FITTERS | PIPELINES | SEARCHES | OVERSAMPLERS | FOLDS | {
    "KMeans", "MiniBatchKMeans", "DBSCAN", "GaussianMixture", "NearestNeighbors", "TSNE", "UMAP",
    "AgglomerativeClustering", "IsolationForest", "Tokenizer", "TextVectorization", "Word2Vec"}  # fmt: skip
PREDICT = {"predict", "predict_proba", "decision_function", "predict_log_proba"}
SELECT = {"max", "argmax", "idxmax", "nlargest", "sort_values", "sorted", "min", "argmin", "idxmin",
          "nsmallest", "sort"}  # fmt: skip
METRIC = lazyre.compile(r"(_score|_error|_loss|_report|^confusion_matrix|^r2|^accuracy)$")
# sklearn.preprocessing's function forms: each learns a column statistic of what it is given (normalize,
# row by row, learns nothing)
SCALE_FUNCTIONS = frozenset({"scale", "minmax_scale", "robust_scale", "maxabs_scale", "quantile_transform",
                             "power_transform"})  # fmt: skip
# fits whose output may reach the labels alone: they map categories to codes and learn no statistic of them
CATEGORY_CODERS = frozenset(LABEL_ENCODERS | {"OrdinalEncoder", "OneHotEncoder"})
EARLY_STOPPING = lazyre.compile(r"EarlyStopping|ModelCheckpoint|early_stopping")
_STOPPER = lazyre.compile(r"EarlyStopping\(|early_stopping\(")
BOOSTERS = frozenset({"xgb", "xgboost", "lgb", "lightgbm"})
_SCANNED = frozenset({"fit", "fit_transform", "partial_fit", "transform", "map", "apply", "train_test_split",
                      "random_split", "split", "score", "evaluate", "fit_resample", "fit_sample", "resample",
                      "sample", "concat", "append", "vstack", "concatenate", "train", "array_split", "qcut", "cut",
                      "repeat", "tile"}
                     | STAT_USERS
                     | CV_CALLS | PREDICT | STATS | SCALE_FUNCTIONS)  # fmt: skip
_TRIGGERS = frozenset({"fit", "fit_transform", "fit_resample", "fit_sample", "train_test_split", "score",
                       "resample", "sample", "concat", "append", "train"} | CV_CALLS)  # fmt: skip


def _aliases(imports: dict[str, str]) -> dict[str, str]:
    """Functions imported under another name that the rules read: ``tts`` -> ``train_test_split``
    (``from sklearn.model_selection import train_test_split as tts``)."""
    out = {}
    for alias, qualified in imports.items():
        leaf = qualified.rpartition(".")[2]
        if leaf != alias and "." in qualified and leaf in _SCANNED:
            out[alias] = leaf
    return out


def _leaf(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


_OPAQUE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _calls(stmt: ast.stmt) -> list[ast.Call]:
    """Calls in a top-level statement, outside function and class bodies."""
    out: list[ast.Call] = []
    stack: list[ast.AST] = [stmt]
    while stack:
        n = stack.pop()
        if isinstance(n, _OPAQUE_NODES):
            continue
        if type(n) is ast.Call:
            out.append(n)
        children(n, stack.append)
    return out


def _has_stat(node: ast.AST) -> str | None:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in STATS:
            if base_name(sub.func.value) is not None:
                return sub.func.attr
    return None


def _data_arg(call: ast.Call) -> ast.AST | None:
    if call.args:
        return call.args[0]
    for k in call.keywords:
        if k.arg in ("X", "x", "raw_documents", "data"):
            return k.value
    return None


class Fit:
    """A statistic learned from data: a transformer fit, ``fillna(df.mean())``, a target encoding."""

    node: Node
    label: str
    data: set[ID]
    data_names: list[str]
    out: set[ID]
    ctor: str
    at: int  # the call's line, to order it against a split in the same loop (0: unknown)
    columns: frozenset[str]  # df['a'] = sc.fit_transform(df[['a']]): the columns it wrote

    def __init__(
        self,
        node: Node,
        label: str,
        data: set[ID],
        data_names: list[str],
        out: set[ID],
        ctor: str = "",
        at: int = 0,
        columns: frozenset[str] = frozenset(),
    ) -> None:
        self.node = node
        self.label = label
        self.data = data
        self.data_names = data_names
        self.out = out
        self.ctor = ctor
        self.at = at
        self.call: ast.Call | None = None  # the fitting call, when one is known
        self.columns = columns

    def __repr__(self) -> str:
        return f"Fit({self.label!r}, cell {_cell(self.node)}, ctor={self.ctor!r}, at={self.at})"


class Split:
    """Rows divided into train and held-out parts: a split, a cross-validation, a search."""

    node: Node
    kind: str  # split | cv
    leaf: str
    inputs: set[ID]
    labels: set[ID]
    parts: dict[str, str]  # name -> train | test
    at: int  # the call's line (0: unknown)
    elsewhere: dict[ID, str]  # parts bound by another statement

    _ids: dict[str | None, set[ID]]

    __match_args__ = ("node", "kind", "leaf", "inputs", "labels", "parts", "at", "elsewhere", "_ids")

    def __init__(
        self,
        node: Node,
        kind: str,
        leaf: str,
        inputs: set[ID],
        labels: set[ID] | None = None,
        parts: dict[str, str] | None = None,
        at: int = 0,
        elsewhere: dict[ID, str] | None = None,
        _ids: dict[str | None, set[ID]] | None = None,
    ) -> None:
        self.node = node
        self.kind = kind
        self.leaf = leaf
        self.inputs = inputs
        self.labels = set() if labels is None else labels
        self.parts = {} if parts is None else parts
        self.at = at
        self.elsewhere = {} if elsewhere is None else elsewhere
        self._ids = {} if _ids is None else _ids
        self.inside: frozenset[int] | None = None  # for a folds' loop: ids of the calls in its body

    def part_ids(self, which: str | None = None) -> set[ID]:
        """The values the split made (``which``: only its train or its test parts)."""
        found = self._ids.get(which)
        if found is None:
            found = {(self.node.index, n) for n, p in self.parts.items() if which is None or p == which}
            found |= {v for v, p in self.elsewhere.items() if which is None or p == which}
            self._ids[which] = found
        return found


class Score:
    """A model scored on data: ``m.score(X, y)`` or ``metric(y, m.predict(X))``."""

    node: Node
    model: str
    data: set[ID]
    names: list[str]
    leaf: str

    __match_args__ = ("node", "model", "data", "names", "leaf")

    def __init__(self, node: Node, model: str, data: set[ID], names: list[str], leaf: str) -> None:
        self.node = node
        self.model = model
        self.data = data
        self.names = names
        self.leaf = leaf


class ModelFit:
    node: Node
    model: str
    data: set[ID]
    names: list[str]

    __match_args__ = ("node", "model", "data", "names")

    def __init__(self, node: Node, model: str, data: set[ID], names: list[str]) -> None:
        self.node = node
        self.model = model
        self.data = data
        self.names = names


class Events:
    flow: DataFlow
    ctors: dict[str, str]
    fits: list[Fit]
    splits: list[Split]
    scores: list[Score]
    models: list[ModelFit]
    transforms: list[tuple[Node, str, set[ID]]]  # node, object, data
    copies: list[tuple[Node, str, set[ID]]]  # oversampling: node, what, inputs
    predicts: list[tuple[Node, set[ID], str]]  # node, data, model
    stops: list[tuple[Node, str, set[ID]]]  # early stopping: node, model, the data it watched
    evaluates_in_functions: bool
    imports: dict[str, str]  # alias -> qualified name
    scorers: dict[str, tuple[int, int]]  # notebook function -> (model, data) args
    metrics: frozenset[str]  # notebook functions that compute a metric of two of their arguments

    _calls: dict[int, list[ast.Call]]
    _train: set[ID] | None  # the splits' train parts, once the splits are all found

    _rowsets: dict[int, set[ID]]
    leaves: dict[tuple[int, int], set[str]]  # (cell, statement) -> call leaves

    def __init__(
        self,
        flow: DataFlow,
        ctors: dict[str, str],
        imports: dict[str, str] | None = None,
        scorers: dict[str, tuple[int, int]] | None = None,
    ) -> None:
        self.flow = flow
        self.ctors = ctors
        self.fits = []
        self.splits = []
        self.scores = []
        self.models = []
        self.transforms = []
        self.copies = []
        self.aliases: dict[str, str] = {}  # a function imported under another name -> its own name
        self.copy_calls: dict[int, ast.Call] = {}  # ev.copies[i] made by this oversampler call
        self.predicts = []
        self.stops = []
        self.evaluates_in_functions = False
        self.cv_read = True  # a search's fold scores are read somewhere (best_score_, cv_results_)
        self.imports = {} if imports is None else imports
        self.scorers = {} if scorers is None else scorers
        self.metrics = frozenset()
        self._calls = {}
        self._train = None
        self._rowsets = {}
        self.leaves = {}

    def rows_of(self, owner: object, values: set[ID]) -> set[ID]:
        """The rows of an event's data, computed once per event."""
        found = self._rowsets.get(id(owner))
        if found is None:
            found = self._rowsets[id(owner)] = _rows(self.flow, values)
        return found

    def calls_of(self, node: Node) -> list[ast.Call]:
        """The calls of a statement, outside function bodies (walked once)."""
        found = self._calls.get(node.index)
        if found is None:
            found = self._calls[node.index] = _calls(node.stmt)
        return found

    def train_parts(self) -> set[ID]:
        if self._train is None:
            self._train = {v for s in self.splits for v in s.part_ids("train")}
        return self._train

    def test_parts(self) -> set[ID]:
        return {v for s in self.splits for v in s.part_ids("test")}


def _ctor_of(call: ast.AST, ctors: dict[str, str]) -> str:
    """The class a receiver was built from: ``sc`` -> StandardScaler, ``StandardScaler()`` too."""
    while True:
        if isinstance(call, ast.Name):
            return ctors.get(call.id, "")
        if isinstance(call, ast.Call):
            leaf = _leaf(call)
            if leaf[:1].isupper() or leaf in PIPELINES:
                return leaf
            if leaf in ("fit", "set_params") and isinstance(call.func, ast.Attribute):
                call = call.func.value
                continue
        return ""


def _ctor_in_container(flow: DataFlow, node: Node, recv: ast.AST) -> str:
    """``encoders[key].fit_transform(...)`` where ``encoders = {'a': LabelEncoder(), 'b':
    LabelEncoder()}`` (or a list of them): the class every member was built from."""
    if not (isinstance(recv, ast.Subscript) and isinstance(recv.value, ast.Name)):
        return ""
    bound = node.reach.get(recv.value.id)
    stmt = flow.nodes[bound].stmt if bound is not None and 0 <= bound < len(flow.nodes) else None
    if not isinstance(stmt, ast.Assign):
        return ""
    classes = member_classes(stmt.value)
    leaf = classes.pop() if len(classes) == 1 else None
    return leaf if leaf and leaf[:1].isupper() else ""


def _constructors(facts: NotebookFacts) -> dict[str, str]:
    """Variable -> class it was last built from: ``sc = StandardScaler()``, ``sc = StandardScaler().fit(X)``,
    ``pipe = make_pipeline(...)`` (from the calls the analysis core recorded, no second walk)."""
    out: dict[str, str] = {}
    for _, call, _ in facts.calls():
        if not call.targets:
            continue
        leaf = call.leaf
        if leaf in ("fit", "set_params") and call.receiver_call:
            leaf = call.receiver_call.rsplit(".", 1)[-1]
        elif leaf in ("fit", "set_params") and call.name.count(".") == 1 and not call.name.startswith("."):
            leaf = out.get(call.name.split(".", 1)[0], "")
        if leaf == "ImageDataGenerator" and any(call.kwargs.get(k) is True for k in _FEATUREWISE):
            leaf = "ImageDataGenerator (featurewise)"  # its fit learns the images' mean and std
        if leaf[:1].isupper() or leaf in PIPELINES:
            for t in call.targets:
                out[t] = leaf
    return out


def _function_fits(facts: NotebookFacts, ctors: dict[str, str]) -> dict[str, str]:
    """Notebook functions that fit a transformer or a statistic on their arguments."""
    out: dict[str, str] = {}
    for _, cf in facts.code():
        if cf.tree is None or not cf.functions:
            continue
        if not any(
            c.deferred and (c.leaf in ("fit", "fit_transform") or c.leaf in STAT_USERS) for c in cf.calls
        ):
            continue
        for stmt in cf.tree.body:
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            params = {a.arg for a in stmt.args.args}
            for call in ast.walk(stmt):
                if not isinstance(call, ast.Call):
                    continue
                leaf = _leaf(call)
                if leaf in ("fit", "fit_transform") and isinstance(call.func, ast.Attribute):
                    ctor = _ctor_of(call.func.value, ctors)
                    data = _data_arg(call)
                    if ctor in FITTERS and data is not None and names_in(data) & params:
                        out[stmt.name] = ctor
                        break
                elif leaf in STAT_USERS and _has_stat(call) and names_in(call) & params:
                    out[stmt.name] = f"{leaf} with {_has_stat(call)}()"
                    break
    return out


def _function_scorers(facts: NotebookFacts) -> dict[str, tuple[int, int]]:
    """Notebook functions that score a model argument on a data argument:
    ``def evaluate(model, X, y): return accuracy_score(y, model.predict(X))`` -> (0, 1)."""
    out: dict[str, tuple[int, int]] = {}
    for _, cf in facts.code():
        if cf.tree is None or not cf.functions:
            continue
        for stmt in cf.tree.body:
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            params = [a.arg for a in stmt.args.args]
            for call in ast.walk(stmt):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.args):
                    continue
                if call.func.attr in PREDICT or call.func.attr == "score":
                    model, data = base_name(call.func.value), base_name(call.args[0])
                    if (
                        model is not None
                        and data is not None
                        and model != data
                        and {model, data} <= set(params)
                    ):
                        out[stmt.name] = (params.index(model), params.index(data))
                        break
    return out


def _function_metrics(facts: NotebookFacts) -> frozenset[str]:
    """Notebook functions that compute a metric of two of their arguments:
    ``def evaluate_model(y_true, y_pred): return {'R2': r2_score(y_true, y_pred), ...}`` is a metric
    where it is called (``evaluate_model(y_test, model.predict(X_test))``)."""
    out: set[str] = set()
    for _, cf in facts.code():
        if cf.tree is None or not cf.functions:
            continue
        for stmt in cf.tree.body:
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) or len(stmt.args.args) < 2:
                continue
            params = {a.arg for a in stmt.args.args}
            for call in ast.walk(stmt):
                if (
                    isinstance(call, ast.Call)
                    and METRIC.search(_leaf(call))
                    and _leaf(call) not in UNSUPERVISED_METRICS
                    and len(call.args) >= 2
                    and all(isinstance(a, ast.Name) and a.id in params for a in call.args[:2])
                ):
                    out.add(stmt.name)
                    break
    return frozenset(out)


def _functions_evaluate(facts: NotebookFacts, followed: frozenset[str], classes: frozenset[str]) -> bool:
    """A notebook function scores or predicts: evaluations nbprod does not follow into (a helper
    the graph follows at its call, ``followed``, or a method of a class whose instances it follows,
    ``classes``, has its scores among the events already)."""
    for _, cf in facts.code():
        body = cf.tree.body if cf.tree is not None else []
        for call in cf.calls:
            if call.deferred and (
                call.leaf in PREDICT or call.leaf in ("score", "evaluate") or METRIC.search(call.leaf)
            ):
                stmt = body[call.stmt] if 0 <= call.stmt < len(body) else None
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name in followed:
                    continue
                if isinstance(stmt, ast.ClassDef) and stmt.name in classes:
                    continue
                return True
    return False


def events(facts: NotebookFacts) -> Events | None:
    """The fits, splits, scores and resamplings of a notebook (None when it has none)."""
    cached = getattr(facts, "_leak_events", None)
    if cached is not None:
        return cached or None  # type: ignore[no-any-return]
    leaves = {call.leaf for _, cf in facts.code() for call in cf.calls}
    aliases = _aliases(facts.imports) if facts.imports else {}
    if aliases:  # from sklearn.model_selection import train_test_split as tts
        leaves |= {aliases[leaf] for leaf in leaves & aliases.keys()}
    if not leaves & _TRIGGERS:
        facts._leak_events = False  # type: ignore[attr-defined]
        return None
    flow = facts.flow()
    ctors = _constructors(facts)
    for node in flow.nodes:  # the locals of a helper followed at its call: sc = StandardScaler(),
        if node.number >= 0:  # in its loops and branches too
            continue
        stmt = node.stmt
        subs = (
            [stmt]
            if isinstance(stmt, ast.Assign)
            else [s for s in ast.walk(stmt) if isinstance(s, ast.Assign)]
        )
        for sub in subs:
            if isinstance(sub.value, (ast.Call, ast.Name)):  # train.skf = skf: a parameter given an object
                ctor = _ctor_of(sub.value, ctors)
                if ctor:
                    for t in sub.targets:
                        if isinstance(t, ast.Name):
                            ctors[t.id] = ctor
    helpers = _function_fits(facts, ctors)
    ev = Events(flow, ctors, imports=facts.imports, scorers=_function_scorers(facts))
    ev.aliases = aliases
    ev.cv_read = any("best_score_" in cf.source or "cv_results_" in cf.source for _, cf in facts.code())
    ev.evaluates_in_functions = _functions_evaluate(facts, flow.followed, flow.followed_classes)
    ev.metrics = _function_metrics(facts)
    wanted: dict[tuple[int, int], set[str]] = {}
    for cell, cf in facts.code():
        for call in cf.calls:
            if not call.deferred:
                ev.leaves.setdefault((cell.index, call.stmt), set()).add(call.leaf)
            if not call.deferred and (
                call.leaf in _SCANNED
                or call.leaf in aliases
                or call.name in helpers
                or call.name in ev.scorers
                or call.name in ev.metrics
                or METRIC.search(call.leaf)
                or "augment" in call.leaf.lower()
                or call.leaf in ("mean", "average")
                or call.leaf.startswith("score_")
            ):
                wanted.setdefault((cell.index, call.stmt), set()).add(call.leaf)
    for node in flow.nodes:
        if isinstance(
            node.stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
        ):
            continue
        seen = wanted.get((node.cell, node.number)) if node.number >= 0 else None
        if node.number >= 0 and not seen:
            continue
        _scan(node, ev, helpers, seen)
    bindings = list(_bindings(flow))  # one walk of the assignments for both kinds of cut
    _slice_splits(ev, bindings)
    _mask_splits(ev, bindings)
    if leaves & {"corr", "corrwith"}:
        _correlation_choices(ev)
    for fit in ev.fits:
        fit.columns = _columns_written(fit.node.stmt)
    facts._leak_events = ev  # type: ignore[attr-defined]
    return ev


LABEL_NAMES = lazyre.compile(r"^(y|Y|target|label|labels)(_|$)")


_ROW_KEEPING = frozenset({"reshape", "copy", "to_numpy", "astype", "flatten", "ravel", "squeeze"})


def _slice_side(expr: ast.AST) -> tuple[str, str, str] | None:
    """``df[:n]`` -> (df, n, train), ``X.iloc[n:]`` -> (X, n, test): rows cut at a bound."""
    while True:  # df[:n].values, a[:n].reshape(-1, 1), X[n:].copy()
        if isinstance(expr, ast.Attribute) and expr.attr == "values":
            expr = expr.value
        elif (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr in _ROW_KEEPING
        ):
            expr = expr.func.value
        else:
            break
    if not isinstance(expr, ast.Subscript):
        return None
    value, sl = expr.value, expr.slice
    if isinstance(value, ast.Attribute) and value.attr in ("iloc", "loc"):
        value = value.value
    base = base_name(value)  # df, or df['Close'].values: the frame the rows are cut from
    if base is None:
        return None
    if isinstance(sl, ast.Tuple) and sl.elts:
        sl = sl.elts[0]
    if not isinstance(sl, ast.Slice) or sl.step is not None:
        return None
    lower = None if isinstance(sl.lower, ast.Constant) and sl.lower.value == 0 else sl.lower  # a[0:n]
    upper = sl.upper
    if (
        isinstance(upper, ast.UnaryOp)
        and isinstance(upper.op, ast.USub)
        and isinstance(upper.operand, ast.Constant)
    ):
        upper = None  # a[n:-1]: to the end, less the last rows (a series' next-step target)
    if (lower is None) == (upper is None):
        return None
    bound = upper if lower is None else lower
    if bound is None:  # pragma: no cover - one of the two is set (checked above)
        return None
    return base, ast.dump(bound), "train" if lower is None else "test"


def _assigns(flow: DataFlow) -> Iterator[tuple[Node, ast.Assign]]:
    """Each statement's assignments: the statement itself, or those in a loop's, branch's or
    ``with`` block's body (a split cut again in each round of a loop), outside nested functions."""
    for node in flow.nodes:
        yield from _assigns_in(node)


def _assigns_in(node: Node) -> Iterator[tuple[Node, ast.Assign]]:
    stmt = node.stmt
    if isinstance(stmt, ast.Assign):
        yield node, stmt
    elif isinstance(stmt, (ast.For, ast.While, ast.If, ast.With)):
        todo: list[ast.AST] = [stmt]
        while todo:
            sub = todo.pop()
            if isinstance(sub, ast.Assign):
                yield node, sub
            elif not isinstance(sub, _OPAQUE_NODES):
                todo.extend(reversed(list(ast.iter_child_nodes(sub))))


def _bindings(flow: DataFlow) -> Iterator[tuple[Node, str, ast.expr]]:
    """(statement, name, value) for each name an assignment binds on its own or by tuple
    unpacking of a tuple of the same length (``train, test = df[:n], df[n:]``)."""
    for node, stmt in _assigns(flow):
        if len(stmt.targets) != 1:
            continue
        target, value = stmt.targets[0], stmt.value
        if isinstance(target, ast.Name):
            yield node, target.id, value
        elif (
            isinstance(target, ast.Tuple)
            and isinstance(value, ast.Tuple)
            and len(target.elts) == len(value.elts)
        ):
            for t, v in zip(target.elts, value.elts, strict=True):
                if isinstance(t, ast.Name):
                    yield node, t.id, v


def _slice_splits(ev: Events, bindings: list[tuple[Node, str, ast.expr]]) -> None:
    """``train, test = df[:n], df[n:]`` (or on two lines): a split by position, as a time series is split."""
    flow = ev.flow
    seen: dict[tuple[str, str, str], tuple[Node, str]] = {}
    for node, named, v in bindings:
        side = _slice_side(v)
        if side is None:
            continue
        base, bound, part = side
        other = seen.get((base, bound, "test" if part == "train" else "train"))
        if other is None:
            seen[(base, bound, part)] = (node, named)
            continue
        first, name = other
        inputs = flow.values(first, [base])
        labels = inputs if LABEL_NAMES.match(base) else set()
        parts = {name: "test" if part == "train" else "train", named: part}
        split = Split(node, "split", f"the slice {base}[:…]/[…:]", inputs, labels, {})
        if first.index == node.index:
            split.parts = parts
        else:  # two statements: the first part is bound where it was cut
            split.parts = {named: part}
            split.elsewhere = {(first.index, name): parts[name]}
        ev.splits.append(split)


_COMPLEMENT = {ast.Lt: ast.GtE, ast.Gt: ast.LtE, ast.Eq: ast.NotEq, ast.In: ast.NotIn, ast.Is: ast.IsNot}
_COMPLEMENT.update({v: k for k, v in list(_COMPLEMENT.items())})
_MASK_CALLS = frozenset({"isin", "between", "contains", "startswith", "endswith", "isna", "notna", "isnull"})
_HELD_OUT_NAME = lazyre.compile(r"(^|_)(test|tst|val|valid|validation|holdout|hold|te|eval|oos)(_|\d|$)", 2)
_TRAIN_NAME = lazyre.compile(r"(^|_)(train|trn|tr|fit)(_|\d|$)", 2)


def _mask_side(
    expr: ast.AST, masks: dict[str, ast.expr] | None = None
) -> tuple[str, tuple[str, ...], bool] | None:
    """``df[df.year < 2015]`` -> (df, key, True), ``df.loc[df.year >= 2015]`` -> (df, the same key,
    False): rows kept by a condition, the key naming the condition up to its negation."""
    if not isinstance(expr, ast.Subscript):
        return None
    value, cond = expr.value, expr.slice
    if isinstance(value, ast.Attribute) and value.attr == "loc":
        value = value.value
        if isinstance(cond, ast.Tuple) and cond.elts:
            cond = cond.elts[0]
    if not isinstance(value, ast.Name):
        return None
    key = _condition_key(cond, 0, masks)
    return None if key is None else (value.id, key[0], key[1])


def _condition_key(
    cond: ast.AST, depth: int = 0, masks: dict[str, ast.expr] | None = None
) -> tuple[tuple[str, ...], bool] | None:
    """A boolean row condition as (key, polarity): ``a < b`` and ``a >= b`` share the key with
    opposite polarity, as do ``m`` and ``~m``, ``x.isin(s)`` and ``~x.isin(s)``; ``masks``: the
    conditions bound to names (``train_mask = df.year < 2010``, ``test_mask = df.year >= 2010``)."""
    if isinstance(cond, ast.Name) and masks and cond.id in masks and depth < 3:
        return _condition_key(masks[cond.id], depth + 1)
    if isinstance(cond, ast.UnaryOp) and isinstance(cond.op, (ast.Invert, ast.Not)) and depth < 3:
        inner = _condition_key(cond.operand, depth + 1, masks)
        return None if inner is None else (inner[0], not inner[1])
    if isinstance(cond, ast.Compare) and len(cond.ops) == 1:
        op = type(cond.ops[0])
        other = _COMPLEMENT.get(op)
        if other is None:
            return None
        first = min(op.__name__, other.__name__)
        return ("cmp", ast.dump(cond.left), ast.dump(cond.comparators[0]), first), op.__name__ == first
    if isinstance(cond, ast.Call) and isinstance(cond.func, ast.Attribute) and cond.func.attr in _MASK_CALLS:
        return ("call", ast.dump(cond)), True
    if isinstance(cond, ast.Name):
        return ("name", cond.id), True
    return None


def _mask_splits(ev: Events, bindings: list[tuple[Node, str, ast.expr]]) -> None:
    """``train = df[df.year < 2015]`` and ``test = df[df.year >= 2015]`` (or ``df[mask]`` and
    ``df[~mask]``, in one statement, two, or each round of a leave-one-group-out loop): rows divided
    by a condition and its negation, one of them named like a training or held-out part (else it is
    a partition: by class, by kind). The part named like a test or validation part is the held-out
    one (else the one not named like training, else the second)."""
    flow = ev.flow
    seen: dict[tuple[str, tuple[str, ...], bool], tuple[Node, str]] = {}
    masks: dict[
        str, ast.expr
    ] = {  # conditions bound to a name first: df.loc[train_mask, cols] and df.loc[test_mask, cols]
        named: v
        for _, named, v in bindings
        if isinstance(v, ast.Compare) and len(v.ops) == 1 and type(v.ops[0]) in _COMPLEMENT
    }
    for node, named, v in bindings:
        side = _mask_side(v, masks)
        if side is None:
            continue
        base, key, polarity = side
        other = seen.get((base, key, not polarity))
        if other is None or other[1] == named:
            seen[(base, key, polarity)] = (node, named)
            continue
        first, name = other
        mine = named
        if not any(_HELD_OUT_NAME.search(n) or _TRAIN_NAME.search(n) for n in (name, mine)):
            continue  # benign = df[df.label == 'B'], other = df[df.label != 'B']: a partition, no split
        test_first = bool(_HELD_OUT_NAME.search(name)) and not _HELD_OUT_NAME.search(mine)
        if not test_first and not _HELD_OUT_NAME.search(mine):
            test_first = bool(_TRAIN_NAME.search(mine)) and not _TRAIN_NAME.search(name)
        roles = {name: "test" if test_first else "train", mine: "train" if test_first else "test"}
        inputs = flow.values(first, [base])
        labels = inputs if LABEL_NAMES.match(base) else set()
        split = Split(node, "split", f"the filters {base}[…]/{base}[~…]", inputs, labels, {})
        if first.index == node.index:
            split.parts = roles
        else:
            split.parts = {mine: roles[mine]}
            split.elsewhere = {(first.index, name): roles[name]}
        ev.splits.append(split)
        del seen[(base, key, not polarity)]


def label_columns(ev: Events) -> set[str]:
    """The columns a notebook takes its labels from: ``y = df['stage_code']``, ``y_train =
    train_df['stage_code'].values`` (a name like ``y``, ``y_train``, ``target``)."""
    cached = getattr(ev, "_label_columns", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    labels: list[ast.expr] = [
        stmt.value
        for _, stmt in _assigns(ev.flow)
        if len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and LABEL_NAMES.match(stmt.targets[0].id.rsplit(".", 1)[-1])
    ]
    for node in ev.flow.nodes:  # m.fit(X_train, train_df['stage_code'].values)
        labels += [c.args[1] for c in ev.calls_of(node) if _leaf(c) == "fit" and len(c.args) >= 2]
    out: set[str] = set()
    for value in labels:
        while True:  # .values, .to_numpy(), .ravel(), .astype(int)
            if isinstance(value, ast.Attribute) and value.attr == "values":
                value = value.value
            elif (
                isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and len(value.args) <= 1
            ):
                value = value.func.value
            else:
                break
        if isinstance(value, ast.Subscript):
            out |= _column_keys(value)
    ev._label_columns = out  # type: ignore[attr-defined]
    return out


def _correlation_choices(ev: Events) -> None:
    """``top = df.corr()['price'].abs().nlargest(10).index`` (or ``corr = df.corr()`` first, then
    ``corr['price']``; ``df.corrwith(df['price'])``): features chosen by their correlation with the
    labels over the rows read, a statistic of those rows like a ``SelectKBest`` fit."""
    flow = ev.flow
    labels = label_columns(ev)
    if not labels:
        return
    for node in flow.nodes:
        stmt = node.stmt
        if not isinstance(stmt, ast.Assign):
            continue
        base = next(
            (
                base_name(c.func.value)
                for c in ev.calls_of(node)
                if isinstance(c.func, ast.Attribute) and c.func.attr in ("corr", "corrwith")
            ),
            None,
        )
        if base is None:
            continue
        out = _out(node, flow)
        names = {n for _, n in out}
        keyed = {  # data.corr()['price'], df.corrwith(df['price'])
            key
            for sub in ast.walk(stmt.value)
            if isinstance(sub, ast.Subscript)
            for key in _column_keys(sub) & labels
        }
        if not keyed:  # corr = df.corr(), then corr['price'] in a later statement
            keyed = {
                key
                for later in flow.nodes[node.index + 1 : node.index + 40]
                if names & later.reach.keys()
                for sub in ast.walk(later.stmt)
                if isinstance(sub, ast.Subscript)
                and isinstance(sub.value, ast.Name)
                and sub.value.id in names
                for key in _column_keys(sub) & labels
            }
        if keyed:
            label = ", ".join(sorted(keyed))
            ev.fits.append(
                Fit(
                    node,
                    f"the choice of features by correlation with {label}",
                    _vals(flow, node, [base]),
                    [base],
                    out,
                )
            )


def _out(node: Node, flow: DataFlow) -> set[ID]:
    return {(node.index, n) for n in node.sources if n not in flow.objects and n not in flow.opaque}


_SCALING = frozenset({"mean", "std", "max", "min", "median"})


def _scan(node: Node, ev: Events, helpers: dict[str, str], leaves: set[str] | None) -> None:
    flow, ctors = ev.flow, ev.ctors
    norm = _normalisation(node.stmt) if leaves is None or leaves & STATS else None
    if norm is not None:
        stat, base = norm
        how = (
            "filling"
            if isinstance(node.stmt, ast.Assign) and not isinstance(node.stmt.value, ast.BinOp)
            else "scaling"
        )
        ev.fits.append(Fit(node, f"{how} by {stat}()", _vals(flow, node, [base]), [base], _out(node, flow)))
    calls = ev.calls_of(node)
    chained = {
        id(c.func.value)
        for c in calls
        if isinstance(c.func, ast.Attribute)
        and c.func.attr == "transform"
        and isinstance(c.func.value, ast.Call)
    }
    aliases = ev.aliases
    for call in calls:
        leaf = _leaf(call)
        func = call.func
        if aliases and isinstance(func, ast.Name) and leaf in aliases:
            leaf = aliases[leaf]  # sk_split(X, y): train_test_split imported under another name
        recv = func.value if isinstance(func, ast.Attribute) else None
        if leaf in ("fit", "fit_transform", "partial_fit") and recv is not None:
            ctor = _ctor_of(recv, ctors) or _ctor_in_container(flow, node, recv)
            data = _data_arg(call)
            if ctor in SEARCHES:
                if data is not None:
                    ev.splits.append(Split(node, "cv", f"{ctor}.fit", _values(flow, node, call.args[:2])))
                    if len(call.args) >= 2 or _has_y(call):  # refit: the best estimator is fit on all of it
                        names = _data_names(flow, data)
                        model = base_name(recv) or _target(node) or _bound_to(node.stmt, call)
                        ev.models.append(ModelFit(node, model, flow.values(node, names, rows=True), names))
                continue
            is_fitter = ctor in FITTERS or (ctor in PIPELINES and leaf == "fit_transform")
            if ctor in PIPELINES and leaf == "fit" and len(call.args) < 2 and not _has_y(call):
                is_fitter = ctor in ("ColumnTransformer", "make_column_transformer")
            if is_fitter and data is not None:
                names = _data_names(flow, data)
                state = {(node.index, n) for n in node.sources if n in flow.objects or n in _names(recv)}
                out = _out(node, flow) if leaf != "fit" or id(call) in chained else set()
                ev.fits.append(
                    Fit(node, ctor, _vals(flow, node, names), names, out | state, ctor, call.lineno)
                )
                ev.fits[-1].call = call
            elif (
                not is_fitter
                and (ctor not in NOT_MODELS or ctor in ("Pipeline", "make_pipeline"))  # ends in a model
                and data is not None
                and (len(call.args) >= 2 or _has_y(call))
            ):
                model = base_name(recv) or _target(node) or _bound_to(node.stmt, call)
                names = _data_names(flow, data)
                ev.models.append(ModelFit(node, model, flow.values(node, names, rows=True), names))
                _early_stop(node, call, model, ev)
                alias = _target(node)
                if alias and alias != model:  # reg = lr.fit(X, y): fit returns the model itself
                    ev.models.append(ModelFit(node, alias, flow.values(node, names, rows=True), names))
        elif leaf == "train" and isinstance(recv, ast.Name) and recv.id in BOOSTERS and len(call.args) >= 2:
            model = _target(node)  # bst = xgb.train(params, dtrain): the booster is fit on dtrain
            if model:
                names = _data_names(flow, call.args[1])
                ev.models.append(ModelFit(node, model, flow.values(node, names, rows=True), names))
                _early_stop(node, call, model, ev)
        elif leaf in ("transform", "map") and recv is not None and _groupby_stat(call):
            names = sorted(_groupby_bases(call) - flow.objects - flow.opaque)
            ev.fits.append(
                Fit(node, "target encoding (groupby mean)", _vals(flow, node, names), names, _out(node, flow))
            )
        elif leaf == "apply" and recv is not None and _applies_fit(call, ctors):
            names = _data_names(flow, recv)
            fitted = call.args[0]
            ctor = _ctor_of(fitted.value, ctors) if isinstance(fitted, ast.Attribute) else ""
            ev.fits.append(Fit(node, ctor, _vals(flow, node, names), names, _out(node, flow), ctor))
        elif (
            recv is not None
            and call.args
            and (
                leaf == "transform" or (leaf in ("flow", "standardize") and _ctor_of(recv, ctors) in FITTERS)
            )
        ):  # datagen.flow(X_test, y_test): a featurewise generator's transform
            obj = base_name(recv)
            if obj:
                ev.transforms.append((node, obj, flow.values(node, names_in(call.args[0]), rows=True)))
        elif leaf in STAT_USERS and recv is not None:
            args = [*call.args, *(k.value for k in call.keywords)]
            used = _has_stat(ast.Tuple(elts=args, ctx=ast.Load()))
            bases = _stat_bases(call) if used else set()
            if not used:  # m = df[c].mean() in the line before, then df[c].fillna(m)
                used, bases = _stat_by_name(node, args, ev)
            if used:
                names = sorted(bases - flow.objects - flow.opaque)
                ev.fits.append(
                    Fit(node, f"{leaf} with {used}()", _vals(flow, node, names), names, _out(node, flow))
                )
        elif leaf == "train_test_split" or (leaf == "random_split" and call.args):
            arrays = [a for a in call.args if not isinstance(a, ast.Starred)]
            parts: dict[str, str] = {}
            bound = _assign_of(node.stmt, call)  # the split's statement, in a loop or block too
            target = bound.targets[0] if bound is not None else None
            if isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == 2 * len(arrays):
                for i, elt in enumerate(target.elts):
                    if isinstance(elt, ast.Name):
                        parts[elt.id] = "test" if i % 2 else "train"
            labels = _values(flow, node, arrays[-1:]) if len(arrays) >= 2 else set()
            ev.splits.append(
                Split(node, "split", leaf, _values(flow, node, arrays), labels, parts, at=call.lineno)
            )
        elif leaf in CV_CALLS:
            args = call.args[1:3] + [k.value for k in call.keywords if k.arg in ("X", "y")]
            labels = _values(flow, node, call.args[2:3])
            ev.splits.append(Split(node, "cv", leaf, _values(flow, node, args), labels))
        elif leaf in ("split", "array_split") and call.args and _qualified(ev, func) in NP_SPLITS:
            _np_split(node, call, ev)
        elif leaf in ("qcut", "cut") and call.args and _qualified(ev, func) in BINNERS and _learns_bins(call):
            names = _data_names(flow, call.args[0])
            ev.fits.append(
                Fit(node, f"pd.{leaf}() bins", _vals(flow, node, names), names, _out(node, flow), leaf)
            )
        elif isinstance(func, ast.Name) and func.id in ev.scorers and call.args:
            model_at, data_at = ev.scorers[func.id]
            if len(call.args) > max(model_at, data_at):
                names = _data_names(flow, call.args[data_at])
                model = base_name(call.args[model_at]) or ""
                ev.scores.append(Score(node, model, flow.values(node, names, rows=True), names, func.id))
        elif (
            leaf in SCALE_FUNCTIONS
            and call.args
            and _qualified(ev, func).startswith("sklearn.preprocessing.")
        ):
            names = _data_names(flow, call.args[0])
            ev.fits.append(Fit(node, f"{leaf}()", _vals(flow, node, names), names, _out(node, flow), leaf))
        elif leaf == "split" and recv is not None and _ctor_of(recv, ctors) in FOLDS and call.args:
            ev.splits.append(
                Split(node, "loop", f"{_ctor_of(recv, ctors)}.split", _values(flow, node, call.args[:1]))
            )
            ev.splits[-1].inside = _loop_calls(node.stmt, call)
        elif leaf in PREDICT and recv is not None and call.args:
            ev.predicts.append(
                (node, flow.values(node, names_in(call.args[0]), rows=True), base_name(recv) or "")
            )
            continue
        elif (leaf in ("score", "evaluate") or leaf.startswith("score_")) and recv is not None and call.args:
            # m.score_rmse(X_test, y_test): a model class's own scoring method counts too
            ctor = _ctor_of(recv, ctors)
            if ctor not in NOT_MODELS or ctor in SEARCHES or ctor in PIPELINES:
                names = _data_names(flow, call.args[0])
                ev.scores.append(
                    Score(node, base_name(recv) or "", flow.values(node, names, rows=True), names, leaf)
                )
        elif (
            (METRIC.search(leaf) and leaf not in UNSUPERVISED_METRICS)
            or (isinstance(func, ast.Name) and leaf in ev.metrics)
        ) and len(call.args) >= 2:
            _metric(node, call, ev)
        elif leaf in ("mean", "average") and (sides := _compared(call)) is not None:
            # np.mean(pred != y_test), (preds == y).mean(): an error rate or accuracy by hand
            _metric(
                node,
                ast.Call(func=ast.Name(id="mean(pred == y)", ctx=ast.Load()), args=sides, keywords=[]),
                ev,
            )
        elif leaf in ("fit_resample", "fit_sample") and recv is not None:
            ctor = _ctor_of(recv, ctors)
            if ctor in OVERSAMPLERS or (not ctor and "over" in (base_name(recv) or "").lower()):
                ev.copies.append(
                    (node, f"{ctor or base_name(recv)}().{leaf}", _values(flow, node, call.args[:1]))
                )
                ev.copy_calls[len(ev.copies) - 1] = call
        elif leaf == "resample" and _kw(call, "replace") is True:
            ev.copies.append((node, "resample(replace=True)", _values(flow, node, call.args[:1])))
        elif leaf == "sample" and recv is not None and (_kw(call, "replace") is True or _frac_over_one(call)):
            ev.copies.append(
                (node, f"{base_name(recv)}.sample(replace=True)", flow.values(node, _names(recv), rows=True))
            )
        elif "augment" in leaf.lower():  # augment_data(df), aug.augment(texts): new rows made from old ones
            what = f"{_call_text(call)}()"
            ev.copies.append(
                (node, what, _values(flow, node, [*call.args, *(k.value for k in call.keywords)]))
            )
        elif leaf in ("concat", "append", "vstack", "concatenate") and not _axis_one(call):
            _duplicates(node, call, ev)
        elif leaf in ("repeat", "tile") and (rep := _repeats(ev, call)) is not None:
            ev.copies.append((node, rep[0], _values(flow, node, [rep[1]])))
        elif isinstance(func, ast.Name) and func.id in helpers:
            names = _data_names(flow, call, {func.id})
            ev.fits.append(
                Fit(
                    node,
                    f"{func.id}() ({helpers[func.id]})",
                    _vals(flow, node, names),
                    names,
                    _out(node, flow),
                )
            )


NP_SPLITS = frozenset({"numpy.split", "numpy.array_split"})
BINNERS = frozenset({"pandas.qcut", "pandas.cut"})


def _assign_of(stmt: ast.stmt, call: ast.Call) -> ast.Assign | None:
    """The assignment whose value is ``call``: the statement itself, or one in its body
    (``for li in layers: X_train, X_test, ... = train_test_split(...)``)."""
    if isinstance(stmt, ast.Assign):
        return stmt
    for sub in ast.walk(stmt):
        if isinstance(sub, ast.Assign) and sub.value is call:
            return sub
    return None


def _learns_bins(call: ast.Call) -> bool:
    """``pd.qcut(s, 4)`` learns quantiles; ``pd.cut(s, bins=8)`` learns the range (given edges learn nothing)."""
    if _leaf(call) == "qcut":
        return True
    bins = (
        call.args[1]
        if len(call.args) > 1
        else next((k.value for k in call.keywords if k.arg == "bins"), None)
    )
    return isinstance(bins, ast.Constant) and isinstance(bins.value, int) and not isinstance(bins.value, bool)


def _stat_by_name(node: Node, args: list[ast.expr], ev: Events) -> tuple[str | None, set[str]]:
    """A statistic held by a name: ``mean_col = df[c].mean()`` bound in the same loop or a statement above."""
    for name in sorted(names_in(ast.Tuple(elts=args, ctx=ast.Load()))):
        bound: list[ast.expr] = [
            sub.value
            for sub in ast.walk(node.stmt)
            if isinstance(sub, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in sub.targets)
        ]
        d = node.reach.get(name)
        above = ev.flow.nodes[d].stmt if d is not None else None
        if not bound and isinstance(above, ast.Assign):
            bound = [above.value]
        for value in bound:
            stat = _has_stat(value)
            if stat:
                bases = {
                    b
                    for sub in ast.walk(value)
                    if isinstance(sub, ast.Call)
                    and isinstance(sub.func, ast.Attribute)
                    and sub.func.attr in STATS
                    for b in _stat_data(sub)
                }
                return stat, bases
    return None, set()


def _qualified(ev: Events, func: ast.expr) -> str:
    """``numpy.split`` for ``np.split``, ``sklearn.preprocessing.scale`` for ``scale``: through the imports."""
    if isinstance(func, ast.Name):
        return ev.imports.get(func.id, "")
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        base = ev.imports.get(func.value.id)
        return f"{base}.{func.attr}" if base else ""
    return ""


def _np_split(node: Node, call: ast.Call, ev: Events) -> None:
    """``train, test = np.split(df.sample(frac=1), [n])`` (or three parts at two bounds): the first
    part is the training part, the others are held out."""
    target = node.stmt.targets[0] if isinstance(node.stmt, ast.Assign) else None
    bounds = (
        call.args[1]
        if len(call.args) > 1
        else next((k.value for k in call.keywords if k.arg == "indices_or_sections"), None)
    )
    if not isinstance(target, (ast.Tuple, ast.List)) or not isinstance(bounds, (ast.List, ast.Tuple)):
        return
    names = [e.id for e in target.elts if isinstance(e, ast.Name)]
    if len(names) != len(target.elts) or len(names) != len(bounds.elts) + 1:
        return
    parts = {n: "train" if i == 0 else "test" for i, n in enumerate(names)}
    inputs = _values(ev.flow, node, call.args[:1])
    base = base_name(call.args[0]) or ""
    labels = inputs if LABEL_NAMES.match(base) else set()
    ev.splits.append(Split(node, "split", "np.split", inputs, labels, parts, at=call.lineno))


def _column_keys(sub: ast.Subscript) -> frozenset[str]:
    """``'a'`` in ``df['a']``, ``df[['a', 'b']]``, ``df.loc[:, 'a']``: literal column keys, else none."""
    key = sub.slice
    if isinstance(sub.value, ast.Attribute) and sub.value.attr == "loc":
        if not (isinstance(key, ast.Tuple) and len(key.elts) == 2):
            return frozenset()
        key = key.elts[1]
    elts = key.elts if isinstance(key, (ast.List, ast.Tuple)) else [key]
    if elts and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elts):
        return frozenset(str(e.value) for e in elts if isinstance(e, ast.Constant))
    return frozenset()


def _columns_written(stmt: ast.stmt) -> frozenset[str]:
    """The columns a fit's statement writes: ``df['a'] = ...`` or ``df['a'].fillna(..., inplace=True)``."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Subscript):
        return _column_keys(stmt.targets[0])
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Subscript)
            and _kw(stmt.value, "inplace")
        ):
            return _column_keys(func.value)
    return frozenset()


def _early_stop(node: Node, call: ast.Call, model: str, ev: Events) -> None:
    """``m.fit(X, y, eval_set=[(X_te, y_te)], early_stopping_rounds=20)``, Keras ``validation_data`` with
    an ``EarlyStopping`` callback: the evaluation data chooses when training stops (xgboost stops on the
    last of several eval sets)."""
    kws = {k.arg: k.value for k in call.keywords if k.arg}
    data = kws.get("eval_set", kws.get("validation_data", kws.get("evals", kws.get("valid_sets"))))
    if data is None:
        return
    stops = "early_stopping_rounds" in kws or any(
        EARLY_STOPPING.search(ast.unparse(kws[k])) for k in ("callbacks", "early_stopping") if k in kws
    )
    if not stops and "callbacks" in kws:  # es = EarlyStopping(...) bound first, then callbacks=[es, ckpt]
        flow = ev.flow
        for name in {n.id for n in ast.walk(kws["callbacks"]) if isinstance(n, ast.Name)}:
            d = node.reach.get(name)
            made = flow.nodes[d].stmt if d is not None and 0 <= d < len(flow.nodes) else None
            if isinstance(made, ast.Assign) and _STOPPER.search(ast.unparse(made.value)):
                stops = True  # (a checkpoint bound to a name changes the model only if reloaded)
                break
    if not stops and model:  # XGBClassifier(early_stopping_rounds=10) where the model was built:
        d = node.reach.get(model)  # before, or in the same loop's body
        built = [ev.flow.nodes[d].stmt] if d is not None else []
        if not isinstance(node.stmt, ast.Assign):
            built += [a for n, a in _assigns_in(node) if any(_names(t) & {model} for t in a.targets)]
        stops = any(
            isinstance(b, ast.Assign)
            and any(
                isinstance(c, ast.Call) and any(k.arg == "early_stopping_rounds" for k in c.keywords)
                for c in ast.walk(b.value)
            )
            for b in built
        )
    if not stops:
        return
    if isinstance(data, ast.List) and data.elts and all(isinstance(e, ast.Tuple) for e in data.elts):
        data = data.elts[-1]
    ev.stops.append((node, model, _values(ev.flow, node, [data])))


def _vals(flow: DataFlow, node: Node, names: list[str]) -> set[ID]:
    """The values of ``names`` a statement uses; a loop's own variable stands for what it runs over."""
    out = flow.values(node, names)
    if isinstance(node.stmt, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.If, ast.Try)):
        for n in names:
            if n in node.sources and n not in node.reach:
                out |= flow.rows((node.index, n))
    return out


def _data_names(flow: DataFlow, expr: ast.AST, skip: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Names of the data an expression reads, in source order: not objects, modules or
    functions, and not the keys inside ``df[col]`` (a column name is not data)."""
    found: list[tuple[int, int, str]] = []
    stack: list[ast.AST] = [expr]
    while stack:
        n = stack.pop()
        if type(n) is ast.Name:
            if n.id not in flow.objects and n.id not in flow.opaque and n.id not in skip:
                found.append((n.lineno, n.col_offset, n.id))
            continue
        if type(n) is ast.Subscript:
            stack.append(n.value)
            continue
        children(n, stack.append)
    out: list[str] = []
    for *_, name in sorted(found):
        if name not in out:
            out.append(name)
    return out


def _normalisation(stmt: ast.stmt) -> tuple[str, str] | None:
    """``X = X / X.max()``, ``df[c] = (df[c] - df[c].mean()) / df[c].std()``: scaling by a
    statistic; ``df.loc[df.a.isna(), 'a'] = df.a.median()``: filling with one."""
    if not isinstance(stmt, (ast.Assign, ast.AugAssign)):
        return None
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    if len(targets) == 1 and isinstance(targets[0], ast.Subscript):
        base = base_name(targets[0])
        value = stmt.value
        if isinstance(value, ast.Subscript):  # df.a.mode()[0]
            value = value.value
        if (
            base is not None
            and isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in STATS
            and base_name(value.func.value) == base
        ):
            return value.func.attr, base
    for sub in ast.walk(stmt.value):
        if not (isinstance(sub, ast.BinOp) and isinstance(sub.op, (ast.Div, ast.Sub))):
            continue
        for stat_side, other in ((sub.right, sub.left), (sub.left, sub.right)):
            if isinstance(stat_side, ast.Call) and isinstance(stat_side.func, ast.Attribute):
                if stat_side.func.attr in _SCALING and not stat_side.args:
                    base = base_name(stat_side.func.value)
                    if base is not None and base in names_in(other):
                        return stat_side.func.attr, base
    return None


def _applies_fit(call: ast.Call, ctors: dict[str, str]) -> bool:
    """``X.apply(encoder.fit_transform)``: a transformer fit on each column of X."""
    if len(call.args) != 1:
        return False
    arg = call.args[0]
    if isinstance(arg, ast.Attribute) and arg.attr in ("fit_transform", "fit"):
        return _ctor_of(arg.value, ctors) in FITTERS
    if (
        isinstance(arg, ast.Call)
        and isinstance(arg.func, ast.Attribute)
        and arg.func.attr in ("fit_transform", "fit")
    ):
        return False
    return False


def _target(node: Node) -> str:
    """The single name an assignment binds (``m`` in ``m = Model().fit(X, y)``), else ''."""
    stmt = node.stmt
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return ""


def _bound_to(stmt: ast.stmt, call: ast.Call) -> str:
    """The single name a call's value is bound to in a loop or block: ``knn =
    KNeighborsClassifier(n_neighbors=k).fit(X, y)`` in ``for k in ks:``; else ''."""
    bound = _assign_of(stmt, call)
    if bound is not None and bound.value is call and len(bound.targets) == 1:
        target = bound.targets[0]
        return target.id if isinstance(target, ast.Name) else ""
    return ""


def _call_text(call: ast.Call) -> str:
    try:
        text = ast.unparse(call.func)
    except Exception:  # pragma: no cover - unparse handles every parsed tree
        return _leaf(call)
    return text if len(text) <= 40 else _leaf(call)


def _names(node: ast.AST) -> set[str]:
    name = base_name(node)
    return {name} if name else set()


def _has_y(call: ast.Call) -> bool:
    return any(k.arg == "y" for k in call.keywords)


def _kw(call: ast.Call, name: str) -> object:
    for k in call.keywords:
        if k.arg == name and isinstance(k.value, ast.Constant):
            return k.value.value
    return None


def _frac_over_one(call: ast.Call) -> bool:
    frac = _kw(call, "frac")
    return isinstance(frac, (int, float)) and not isinstance(frac, bool) and frac > 1


def _axis_one(call: ast.Call) -> bool:
    return _kw(call, "axis") in (1, "columns") or _leaf(call) == "hstack"


def _values(flow: DataFlow, node: Node, args: list[ast.expr]) -> set[ID]:
    names: set[str] = set()
    for a in args:
        names |= names_in(a)
    return flow.values(node, names, rows=True)


def _stat_bases(call: ast.Call) -> set[str]:
    out: set[str] = set()
    for arg in (*call.args, *(k.value for k in call.keywords)):
        for sub in ast.walk(arg):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in STATS:
                out |= _stat_data(sub)
    return out


def _stat_data(stat: ast.Call) -> set[str]:
    """The names a statistic is taken of: ``df`` in ``df[c].mean()``, and ``df`` in the function
    form ``np.mean(df.Age)`` (whose receiver is the module: the import is left out later)."""
    out = _names(stat.func.value) if isinstance(stat.func, ast.Attribute) else set()
    if stat.args and not isinstance(stat.args[0], ast.Constant):
        arg = stat.args[0]
        while isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute):
            arg = arg.func.value  # np.median(df[c].dropna()), np.mean(df[c].to_numpy()): of df
        out |= _names(arg)
    return out


def _groupby_stat(call: ast.Call) -> bool:
    """``df.groupby(c)[t].transform('mean')`` or ``s.map(df.groupby(c)[t].mean())``."""
    if _leaf(call) == "transform":
        arg = call.args[0] if call.args else None
        if not (isinstance(arg, ast.Constant) and arg.value in ("mean", "median")):
            return False
        return any(isinstance(s, ast.Call) and _leaf(s) == "groupby" for s in ast.walk(call.func))
    return any(
        isinstance(s, ast.Call)
        and _leaf(s) in STATS
        and any(isinstance(g, ast.Call) and _leaf(g) == "groupby" for g in ast.walk(s))
        for a in call.args
        for s in ast.walk(a)
    )


def _groupby_bases(call: ast.Call) -> set[str]:
    out: set[str] = set()
    for s in ast.walk(call):
        if isinstance(s, ast.Call) and _leaf(s) == "groupby" and isinstance(s.func, ast.Attribute):
            out |= _names(s.func.value)
    return out


def _metric(node: Node, call: ast.Call, ev: Events) -> None:
    """``accuracy_score(y_test, model.predict(X_test))`` or with ``pred = model.predict(X_test)`` earlier."""
    flow = ev.flow
    for arg in call.args[:2]:
        for sub in ast.walk(arg):
            if (
                isinstance(sub, ast.Call)
                and _leaf(sub) in PREDICT
                and isinstance(sub.func, ast.Attribute)
                and sub.args
            ):
                names = _data_names(flow, sub.args[0])
                ev.scores.append(
                    Score(
                        node,
                        base_name(sub.func.value) or "",
                        flow.values(node, names, rows=True),
                        names,
                        _leaf(call),
                    )
                )
                return
        for name in sorted(names_in(arg)):  # pred, or (proba >= t): made by a predict call before
            d = node.reach.get(name)
            if d is None and name in node.sources:  # pred = m.predict(X) in the same loop
                d = node.index
            if d is None:
                continue
            src = flow.nodes[d]
            for sub in ev.calls_of(src):
                if _leaf(sub) in PREDICT and isinstance(sub.func, ast.Attribute) and sub.args:
                    names = _data_names(flow, sub.args[0])
                    model = base_name(sub.func.value) or ""
                    ev.scores.append(
                        Score(node, model, flow.values(src, names, rows=True), names, _leaf(call))
                    )
                    return


def _loop_calls(stmt: ast.stmt, split: ast.Call) -> frozenset[int] | None:
    """The calls in the body of the loop that iterates ``split`` (``for tr, te in kf.split(X):``)."""
    for sub in ast.walk(stmt):
        if isinstance(sub, ast.For) and any(s is split for s in ast.walk(sub.iter)):
            return frozenset(id(c) for b in sub.body for c in ast.walk(b) if isinstance(c, ast.Call))
    return None


def _compared(call: ast.Call) -> list[ast.expr] | None:
    """The two sides of ``np.mean(a != b)`` or ``(a == b).mean()``."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    cmp = func.value if not call.args else call.args[0] if isinstance(func.value, ast.Name) else None
    if isinstance(cmp, ast.Compare) and len(cmp.ops) == 1 and isinstance(cmp.ops[0], (ast.Eq, ast.NotEq)):
        return [cmp.left, cmp.comparators[0]]
    return None


def _times(node: ast.expr | None) -> bool:
    """A constant count of two or more."""
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value >= 2


def _repeats(ev: Events, call: ast.Call) -> tuple[str, ast.expr] | None:
    """Rows repeated: ``df.loc[df.index.repeat(2)]``, ``np.repeat(X, 3, axis=0)``, ``np.tile(X, (2, 1))``:
    the call's text and the data it repeats (None when no row is repeated)."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    if _leaf(call) == "repeat" and isinstance(func.value, ast.Attribute) and func.value.attr == "index":
        return (f"{_call_text(call)}()", func.value.value) if call.args and _times(call.args[0]) else None
    if _qualified(ev, func) not in ("numpy.repeat", "numpy.tile") or len(call.args) < 2:
        return None
    count = call.args[1]
    if _leaf(call) == "repeat":
        axis = (
            call.args[2]
            if len(call.args) > 2
            else next((k.value for k in call.keywords if k.arg == "axis"), None)
        )
        rows = isinstance(axis, ast.Constant) and axis.value == 0
        return ("np.repeat()", call.args[0]) if rows and _times(count) else None
    if isinstance(count, ast.Tuple) and count.elts:
        count = count.elts[0]
    return ("np.tile()", call.args[0]) if _times(count) else None


def _duplicates(node: Node, call: ast.Call, ev: Events) -> None:
    """``pd.concat([df, df[df.y == 1]])``: rows of a frame added to the frame again."""
    flow = ev.flow
    items: list[ast.expr] = []
    for arg in call.args:
        times = 1
        if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mult):  # pd.concat([df] * 3)
            if isinstance(arg.left, (ast.List, ast.Tuple)) and _times(arg.right):
                arg, times = arg.left, 2
            elif isinstance(arg.right, (ast.List, ast.Tuple)) and _times(arg.left):
                arg, times = arg.right, 2
        items.extend((arg.elts if isinstance(arg, (ast.List, ast.Tuple)) else [arg]) * times)
    if isinstance(call.func, ast.Attribute) and _leaf(call) == "append":
        items.append(call.func.value)
    vals = [flow.values(node, names_in(item), rows=True) for item in items]
    names = [ast.unparse(item) for item in items]
    for i, a in enumerate(vals):
        for j, b in enumerate(vals):
            if (
                i < j
                and a
                and b
                and (
                    a == b
                    or a & {r for v in b for r in flow.rows(v)}
                    or b & {r for v in a for r in flow.rows(v)}
                )
            ):
                if _leaf(call) == "append" and not (a == b):
                    continue
                if _disjoint(_mask(flow, node, items[i]), _mask(flow, node, items[j])):
                    continue  # df[df.y == 0].sample(n) and df[df.y == 1]: undersampling, no row twice
                ev.copies.append((node, f"{_leaf(call)}() of {names[i]} and {names[j]}", a | b))
                return


_PEELED = frozenset({"sample", "head", "tail", "reset_index", "copy", "drop_duplicates", "dropna", "astype"})


def _mask(flow: DataFlow, node: Node, item: ast.expr, hops: int = 2) -> tuple[str, str, bool, object] | None:
    """The class filter a concatenated item was cut by: ``df[df.y == 1]``, ``df.loc[df['y'] != 0]``
    (with a sample or head after it, or through a name bound to it): (frame, column, equal, value)."""
    while True:
        if isinstance(item, ast.Call) and isinstance(item.func, ast.Attribute) and _leaf(item) in _PEELED:
            item = item.func.value
        elif (
            isinstance(item, ast.Call)
            and _leaf(item) == "resample"
            and item.args
            and _kw(item, "replace") is not True
        ):
            item = item.args[0]  # resample(df_major, replace=False, n_samples=...)
        elif isinstance(item, ast.Subscript) and isinstance(item.slice, ast.Slice):
            item = item.value
        elif isinstance(item, ast.Attribute) and item.attr in ("loc", "iloc"):
            item = item.value
        else:
            break
    if isinstance(item, ast.Name) and hops:
        d = node.reach.get(item.id)
        bound = flow.nodes[d] if d is not None else None
        if bound is not None and isinstance(bound.stmt, ast.Assign) and len(bound.stmt.targets) == 1:
            return _mask(flow, bound, bound.stmt.value, hops - 1)
        return None
    if not isinstance(item, ast.Subscript):
        return None
    frame = (
        item.value.value if isinstance(item.value, ast.Attribute) and item.value.attr == "loc" else item.value
    )
    test = item.slice
    if not (isinstance(frame, ast.Name) and isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    op, value, column = test.ops[0], test.comparators[0], test.left
    if not isinstance(op, (ast.Eq, ast.NotEq)) or not isinstance(value, ast.Constant):
        return None
    if isinstance(column, ast.Attribute) and isinstance(column.value, ast.Name):
        col = column.attr
    elif isinstance(column, ast.Subscript) and isinstance(column.slice, ast.Constant):
        col = str(column.slice.value)
    else:
        return None
    return frame.id, col, isinstance(op, ast.Eq), value.value


def _disjoint(a: tuple[str, str, bool, object] | None, b: tuple[str, str, bool, object] | None) -> bool:
    """Two class filters of one frame that no row passes both: ``y == 0`` and ``y == 1``, ``y == 1`` and ``y != 1``."""
    if a is None or b is None or a[:2] != b[:2]:
        return False
    if a[2] and b[2]:
        return a[3] != b[3]
    return a[2] != b[2] and a[3] == b[3]


# -- helpers for the rules -----------------------------------------------------


def _rows(flow: DataFlow, values: set[ID]) -> set[ID]:
    out: set[ID] = set()
    for v in values:
        out |= flow.rows(v)
    return out


def _plain_copies(flow: DataFlow, values: set[ID]) -> set[ID]:
    """The values and those they are plain copies of: ``train_model.X = X`` (a helper's parameter
    bound at its call) is the caller's ``X``."""
    out = set(values)
    todo = list(values)
    while todo:
        idx, name = todo.pop()
        if not 0 <= idx < len(flow.nodes):
            continue
        node = flow.nodes[idx]
        stmt = node.stmt
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id == name
            and isinstance(stmt.value, ast.Name)
        ):
            src = node.reach.get(stmt.value.id)
            if src is not None and (src, stmt.value.id) not in out:
                out.add((src, stmt.value.id))
                todo.append((src, stmt.value.id))
    return out


def _lineage(flow: DataFlow, values: set[ID]) -> set[ID]:
    out: set[ID] = set()
    for v in values:
        out |= flow.lineage(v)
    return out


def _cell(node: Node) -> int:
    return node.cell + 1


def _path(flow: DataFlow, fit: Fit, target: set[ID]) -> str:
    """`` → scaled_df → X``: the names the fit's output passes through to reach ``target``."""
    best: list[ID] = []
    for rows in (True, False):  # through the rows first: not "→ le → df" when df is also reached directly
        for t in sorted(target):
            for o in sorted(fit.out):
                path = flow.chain(t, o, rows)
                if path and (not best or len(path) < len(best)):
                    best = path
        if best:
            break
    names: list[str] = []
    for _, name in best:
        if name not in names and name not in fit.data_names:
            names.append(name)
    return "".join(f" → {n}" for n in names)


def _what(fit: Fit) -> str:
    data = ", ".join(fit.data_names) or "the data"
    return f"{fit.label} is fit on {data} (cell {_cell(fit.node)})"


def _only_labels(split: Split, reached: set[ID]) -> bool:
    """A fit whose output reaches the split only as the labels (``y = le.fit_transform(y)``)."""
    return bool(split.labels) and bool(reached) and reached <= split.labels


def _reached(flow: DataFlow, fit: Fit, inputs: set[ID]) -> set[ID]:
    """The inputs of a split that the fit's output reaches. A fit that wrote some columns of a frame
    (``df['y'] = le.fit_transform(df['y'])``) does not reach what was cut from the frame without
    them (``X = df.drop('y', axis=1)``, ``X = df[['a', 'b']]``)."""
    if not fit.columns:
        return {v for v in inputs if fit.out & flow.lineage(v)}
    return {v for v in inputs if _column_reaches(flow, fit, v)}


def _column_reaches(flow: DataFlow, fit: Fit, start: ID) -> bool:
    seen = {start}
    stack = [start]
    while stack:
        cur = stack.pop()
        if cur in fit.out:
            return True
        if cur[0] < 0:
            continue
        node = flow.nodes[cur[0]]
        dropped = _without(node.stmt, cur[1], fit.columns)
        for v in flow._sources(node, cur[1], False):
            if v[1] != dropped and v not in seen:
                seen.add(v)
                stack.append(v)
    return False


def _without(stmt: ast.stmt, name: str, columns: frozenset[str]) -> str | None:
    """The frame ``name = frame.drop(columns)`` (or a selection of other columns) is cut from, else None."""
    if not (
        isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
    ):
        return None
    value = stmt.value
    while True:  # .values, .to_numpy(), .copy() after the cut
        if isinstance(value, ast.Attribute) and value.attr in ("values", "T"):
            value = value.value
        elif (
            isinstance(value, ast.Call)
            and _leaf(value) in ("to_numpy", "copy", "astype")
            and isinstance(value.func, ast.Attribute)
        ):
            value = value.func.value
        else:
            break
    if isinstance(value, ast.Subscript):
        keys = _column_keys(value)
        return base_name(value) if keys and not keys & columns else None
    if not (isinstance(value, ast.Call) and _leaf(value) == "drop" and isinstance(value.func, ast.Attribute)):
        return None
    kws = {k.arg: k.value for k in value.keywords}
    labels = kws.get("columns")
    if labels is None and value.args and _kw(value, "axis") in (1, "columns"):
        labels = value.args[0]
    if labels is None:
        return None
    elts = labels.elts if isinstance(labels, (ast.List, ast.Tuple)) else [labels]
    dropped = {e.value for e in elts if isinstance(e, ast.Constant)}
    return base_name(value.func.value) if columns <= dropped else None


def _model_fit(ev: Events, score: Score) -> ModelFit | None:
    """The last fit of the scored model before the score."""
    return _last_model(ev, score.model, score.node.index)


def _fit_holds_scored_test(ev: Events, score: Score, model: ModelFit) -> Split | None:
    """The split whose test part ``score`` scores when ``model`` was fit on rows that still hold that
    test part (its data, or what its data plainly copies, is the scored rows' source, and no test
    part was taken out of it): the model, and any transformer fit with it, saw the rows it is scored on."""
    flow = ev.flow
    tests = ev.test_parts()
    seen = _rows(flow, score.data)
    if not (seen & tests) or not (model.data & seen or _plain_copies(flow, model.data) & seen):
        return None
    if _rows(flow, model.data) & tests:
        return None
    return next(s for s in ev.splits if s.part_ids() & seen)


def _last_model(ev: Events, model: str, index: int) -> ModelFit | None:
    """The last fit of ``model`` at or before statement ``index``; for ``best = search.best_estimator_``,
    the search's fit."""
    best = None
    for m in ev.models:
        if m.model == model and m.node.index <= index:
            best = m
    if best is None and model and index < len(ev.flow.nodes):
        bound = ev.flow.nodes[index].reach.get(model)
        if bound is None:  # a score of predictions made earlier (y_proba = model.predict_proba(X)): the
            bound = next(  # binding of the model before the score
                (k for k in range(index, max(index - 200, -1), -1) if model in ev.flow.nodes[k].sources), None
            )
        stmt = ev.flow.nodes[bound].stmt if bound is not None else None
        if stmt is not None and not isinstance(stmt, ast.Assign):  # bound inside a loop or branch
            stmt = next(
                (
                    sub
                    for sub in reversed(list(ast.walk(stmt)))
                    if isinstance(sub, ast.Assign)
                    and len(sub.targets) == 1
                    and isinstance(sub.targets[0], ast.Name)
                    and sub.targets[0].id == model
                ),
                stmt,
            )
        if (
            isinstance(stmt, ast.Assign)
            and isinstance(stmt.value, ast.Attribute)
            and stmt.value.attr == "best_estimator_"
            and isinstance(stmt.value.value, ast.Name)
            and stmt.value.value.id != model
        ):
            return _last_model(ev, stmt.value.value.id, bound)  # type: ignore[arg-type]
        if (  # model = train_model.model: a helper's fitted model returned under the caller's name
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Name)
            and stmt.value.id != model
            and bound is not None
        ):
            return _last_model(ev, stmt.value.id, bound)
        if (  # model = search.fit(x, y): a fit returns the estimator itself
            isinstance(stmt, ast.Assign)
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Attribute)
            and stmt.value.func.attr == "fit"
            and isinstance(stmt.value.func.value, ast.Name)
            and stmt.value.func.value.id != model
            and bound is not None
        ):
            return _last_model(ev, stmt.value.func.value.id, bound)
    if best is None and model and index < len(ev.flow.nodes):
        best = _member_fit(ev, model, index)
    return best


def _member_fit(ev: Events, model: str, index: int) -> ModelFit | None:
    """``for name, model in models.items():`` scoring each: the last fit of a model put in
    ``models`` (``models['ridge'] = ridge``, ``models = {'a': a, ...}`` or ``[a, b]``) before the loop."""
    loop = ev.flow.nodes[index].stmt
    if not isinstance(loop, ast.For) or model not in {
        n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)
    }:
        return None
    it = loop.iter
    if (
        isinstance(it, ast.Call)
        and isinstance(it.func, ast.Attribute)
        and it.func.attr in ("items", "values")
    ):
        it = it.func.value
    container = base_name(it)
    if container is None:
        return None
    members: set[str] = set()
    for node in ev.flow.nodes[:index]:
        stmt = node.stmt
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
            continue
        target, value = stmt.targets[0], stmt.value
        if (
            isinstance(target, ast.Subscript)
            and base_name(target) == container
            and isinstance(value, ast.Name)
        ):
            members.add(value.id)
        elif (
            isinstance(target, ast.Name)
            and target.id == container
            and isinstance(value, (ast.Dict, ast.List))
        ):
            elts = value.values if isinstance(value, ast.Dict) else value.elts
            members |= {e.id for e in elts if isinstance(e, ast.Name)}
    fits = [m for m in ev.models if m.model in members and m.node.index < index]
    return fits[-1] if fits else None
