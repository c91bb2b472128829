"""NB2: reproducibility (seeds, random_state, environment, paths, pinned installs)."""

from __future__ import annotations

import ast
import os
import re
import weakref
from collections.abc import Iterator

from nbprod import lazyre
from nbprod.analysis.cell import EXPR, Call, walk_nodes
from nbprod.analysis.facts import NotebookFacts
from nbprod.rules import Hit, rule

# library -> calls that seed it (qualified names, or suffixes after the library's root)
SEED_CALLS = {
    "random": {"random.seed"},
    "numpy": {"numpy.random.seed"},
    "torch": {"torch.manual_seed", "torch.random.manual_seed"},
    "tensorflow": {"tensorflow.random.set_seed", "tensorflow.set_random_seed"},
}
SEED_ALL = {
    "keras.utils.set_random_seed",
    "tensorflow.keras.utils.set_random_seed",
    "lightning.seed_everything",
    "pytorch_lightning.seed_everything",
    "lightning.pytorch.seed_everything",
    "transformers.set_seed",
    "lightning.fabric.seed_everything",
}
_RANDOM_DRAWS = {
    "random", "randint", "randrange", "choice", "choices", "shuffle", "sample", "uniform",
    "gauss", "normalvariate", "lognormvariate", "triangular", "betavariate", "expovariate",
    "gammavariate", "paretovariate", "vonmisesvariate", "weibullvariate", "getrandbits",
    "randbytes", "binomialvariate",
}  # fmt: skip
_NUMPY_NOT_DRAWS = {
    "seed", "default_rng", "RandomState", "Generator", "SeedSequence", "get_state",
    "set_state", "PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64", "BitGenerator",
}  # fmt: skip
_TORCH_DRAWS = {
    "rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial",
    "rand_like", "randn_like", "randint_like", "poisson",
}  # fmt: skip
_TF_DRAWS = {"normal", "uniform", "shuffle", "truncated_normal", "categorical", "gamma", "poisson"}


def draw_library(qual: str) -> str | None:
    """The library whose global generator a call draws from, or None."""
    parts = qual.split(".")
    if parts[0] == "random" and len(parts) == 2 and parts[1] in _RANDOM_DRAWS:
        return "random"
    if parts[:2] == ["numpy", "random"] and len(parts) == 3 and parts[2] not in _NUMPY_NOT_DRAWS:
        return "numpy"
    if parts[0] == "torch" and (
        (len(parts) == 2 and parts[1] in _TORCH_DRAWS) or parts[:3] == ["torch", "nn", "init"]
    ):
        return "torch"
    if parts[:2] == ["tensorflow", "random"] and len(parts) == 3 and parts[2] in _TF_DRAWS:
        return "tensorflow"
    return None


ALL_LIBRARIES = frozenset({"random", "numpy", "torch", "tensorflow"})
_SEEDS_BY_CALL: dict[str, frozenset[str]] = {
    qual: frozenset(lib for lib, calls in SEED_CALLS.items() if qual in calls)
    for qual in set().union(*SEED_CALLS.values())
}
# Constructors of private generators: unseeded unless given a seed.
GENERATOR_CALLS = {
    "numpy.random.default_rng": "seed",
    "numpy.random.RandomState": "seed",
    "random.Random": "x",
}


def _seed_value(call: Call, keyword: str) -> object:
    """The seed a call passes (first positional or ``keyword``), None when it passes none."""
    if call.star:
        return EXPR
    if call.args:
        return call.args[0]
    return call.kwargs.get(keyword)


def seeded_libraries(qual: str, call: Call) -> set[str]:
    """Libraries a call seeds (empty when it seeds nothing: ``random.seed()`` uses the clock)."""
    if qual in SEED_ALL:
        return set(ALL_LIBRARIES)
    if call.name == ".run_line_magic" and call.receiver_call == "get_ipython":
        # %nbprod seed 42 seeds every library nbprod knows
        words = [a for a in call.args if isinstance(a, str)]
        if words[:1] == ["nbprod"] and len(words) > 1 and words[1].split()[:1] == ["seed"]:
            return set(ALL_LIBRARIES)
        return set()
    libs = _SEEDS_BY_CALL.get(qual)
    if libs is None:  # most calls seed nothing: one look-up, not a pass over every library
        return set()
    keyword = "a" if qual == "random.seed" else "seed"
    return set(libs) if _seed_value(call, keyword) is not None else set()


@rule(
    "NB201",
    "unseeded-randomness",
    "error",
    "randomness with no seed: global draws before any seed call, unseeded generators",
    "Seed once at the top (`%nbprod seed 42`, or random.seed / np.random.seed / "
    "torch.manual_seed), and pass a seed to default_rng().",
)
def unseeded(facts: NotebookFacts) -> Iterator[Hit]:
    """Draws from ``random``, ``numpy.random``, ``torch`` or ``tensorflow`` with no
    earlier seed call in notebook order give different numbers on every run;
    ``default_rng()``, ``RandomState()`` and ``random.Random()`` with no seed likewise
    (the global seed does not reach them). ``random.seed()`` with no argument seeds from
    the clock, so it does not count; ``%nbprod seed N`` seeds every library. A draw
    inside a function runs when the function is called, so any seed in the notebook
    satisfies it."""
    seeded: set[str] = set()
    seeded_anywhere: set[str] = set()
    reported: set[tuple[int, str]] = set()
    in_functions: list[tuple[int, Call, str]] = []
    for cell, call, qual in facts.calls():
        libs = seeded_libraries(qual, call)
        seeded_anywhere |= libs
        if not call.deferred:
            seeded |= libs
        if qual in GENERATOR_CALLS:
            if _seed_value(call, GENERATOR_CALLS[qual]) is None:
                yield cell.index, call.line, f"{call.display}() creates a generator with no seed"
            continue
        lib = draw_library(qual)
        if not lib or (cell.index, lib) in reported:
            continue
        if call.deferred:
            # runs when the function is called, usually after the seed cell
            in_functions.append((cell.index, call, lib))
        elif lib not in seeded:
            reported.add((cell.index, lib))
            yield (
                cell.index,
                call.line,
                f"{call.display}() draws from the {lib} generator, which is never seeded before it",
            )
    for index, call, lib in in_functions:
        if lib not in seeded_anywhere and (index, lib) not in reported:
            reported.add((index, lib))
            yield index, call.line, f"{call.display}() draws from the {lib} generator, which is never seeded"


_SPLITTERS = {"train_test_split", "ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit",
              "RepeatedKFold", "RepeatedStratifiedKFold", "shuffle", "resample",
              "permutation_test_score", "permutation_importance", "RandomizedSearchCV",
              "HalvingRandomSearchCV", "ParameterSampler"}  # fmt: skip
_SHUFFLE_OPTIONAL = {"KFold", "StratifiedKFold", "StratifiedGroupKFold"}
# Estimators that draw from their random_state whatever their other arguments say.
# (StackingClassifier has no random_state; DecisionTree* and GradientBoosting* permute the
# features at each split, which decides between equally good splits.)
_ESTIMATORS = {
    "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier",
    "ExtraTreesRegressor", "GradientBoostingClassifier", "GradientBoostingRegressor",
    "DecisionTreeClassifier", "DecisionTreeRegressor", "ExtraTreeClassifier",
    "ExtraTreeRegressor", "AdaBoostClassifier", "AdaBoostRegressor", "BaggingClassifier",
    "BaggingRegressor", "IsolationForest", "RandomTreesEmbedding", "KMeans",
    "MiniBatchKMeans", "BisectingKMeans", "MLPClassifier", "MLPRegressor", "SGDClassifier",
    "SGDRegressor", "SGDOneClassSVM", "Perceptron", "PassiveAggressiveClassifier",
    "PassiveAggressiveRegressor", "TSNE", "GaussianMixture", "BayesianGaussianMixture",
    "RBFSampler", "Nystroem", "SparseRandomProjection", "GaussianRandomProjection",
    "SpectralClustering", "SpectralEmbedding", "NMF", "MiniBatchNMF",
    "LatentDirichletAllocation", "FastICA", "MiniBatchDictionaryLearning", "RANSACRegressor",
    "TruncatedSVD", "MiniBatchSparsePCA", "SparsePCA", "DictionaryLearning",
    "RandomizedSearchCV", "SkewedChi2Sampler",
}  # fmt: skip


def _random_for(leaf: str, kwargs: dict[str, object]) -> bool | None:
    """For an estimator that uses randomness only with some arguments: True when these do,
    False when they do not, None when the estimator is not one of those."""
    if leaf in ("LogisticRegression", "LogisticRegressionCV"):
        return kwargs.get("solver") in ("sag", "saga", "liblinear")
    if leaf in ("Ridge", "RidgeClassifier"):
        return kwargs.get("solver") in ("sag", "saga")
    if leaf in ("SVC", "NuSVC"):
        return kwargs.get("probability") is True
    if leaf in ("Lasso", "ElasticNet", "LassoCV", "ElasticNetCV", "MultiTaskLasso", "MultiTaskElasticNet"):
        return kwargs.get("selection") == "random"
    if leaf in ("PCA", "IncrementalPCA", "KernelPCA"):
        return kwargs.get("svd_solver", kwargs.get("eigen_solver")) in ("randomized", "arpack")
    if leaf in ("HistGradientBoostingClassifier", "HistGradientBoostingRegressor"):
        # early stopping ('auto': on above 10 000 rows) splits off a random validation set
        feature_subsampling = kwargs.get("max_features", 1.0) not in (1, 1.0)
        return kwargs.get("early_stopping", "auto") is not False or feature_subsampling
    if leaf in ("make_circles", "make_moons"):
        return kwargs.get("shuffle", True) is not False or kwargs.get("noise") not in (None, 0, 0.0)
    return None


_GENERATORS = {"make_classification", "make_regression", "make_blobs", "make_friedman1",
               "make_friedman2", "make_friedman3", "make_multilabel_classification",
               "make_s_curve", "make_swiss_roll", "make_gaussian_quantiles", "make_sparse_spd_matrix",
               "make_spd_matrix", "make_low_rank_matrix", "make_biclusters",
               "make_checkerboard", "make_hastie_10_2", "make_sparse_uncorrelated"}  # fmt: skip
# Meta-estimators that give each inner estimator a random_state of their own drawing
# (BaseEnsemble._make_estimator): the inner one's missing random_state does not matter.
_SETS_INNER_STATE = {"AdaBoostClassifier", "AdaBoostRegressor", "BaggingClassifier", "BaggingRegressor"}
_INNER_KEYWORDS = ("estimator", "base_estimator")
# Receivers whose ``.sample()`` has no random_state: gym spaces, sklearn mixtures, distributions.
_NOT_PANDAS_SAMPLE = lazyre.compile(
    r"(^|[._])(action_space|observation_space|space|dist|distribution|posterior|prior)$"
)
_PANDAS_SAMPLE_KWARGS = {"n", "frac", "replace", "weights", "axis", "ignore_index"}
_PANDAS_BUILDERS = {"DataFrame", "Series", "concat", "merge", "read_csv", "read_parquet",
                    "read_excel", "read_json", "read_sql", "read_table", "read_feather",
                    "read_pickle", "copy", "dropna", "query", "reset_index", "groupby", "head"}  # fmt: skip


def _is_sklearn(facts: NotebookFacts, call: Call, qual: str) -> bool:
    """scikit-learn's, or a name of unknown origin (a star import): not the notebook's own."""
    if qual.startswith("sklearn."):
        return True
    if facts.is_module_call(call) or "." in call.name:
        return False
    return call.name not in facts.first_definitions() or facts.injects_unknown


# Variables built from these are generators whose ``.sample`` takes no random_state.
_GENERATOR_CLASSES = {"Random", "default_rng", "RandomState", "Generator", "SystemRandom"}


_BUILT: weakref.WeakKeyDictionary[NotebookFacts, dict[str, str]] = weakref.WeakKeyDictionary()


def _built_from(facts: NotebookFacts) -> dict[str, str]:
    """Variable -> leaf name of the call it was last assigned from, in notebook order."""
    if facts not in _BUILT:
        _BUILT[facts] = _assigned_from(facts)
    return _BUILT[facts]


def _assigned_from(facts: NotebookFacts) -> dict[str, str]:
    built: dict[str, str] = {}
    for _, call, qual in facts.calls():
        if call.targets and not call.deferred:
            leaf = qual.rsplit(".", 1)[-1]
            if call.leaf in ("fit", "set_params", "partial_fit") and call.receiver_call:
                leaf = call.receiver_call.rsplit(".", 1)[-1]  # m = GaussianMixture(2).fit(X)
            for t in call.targets:
                built[t] = leaf
    return built


def _sample_takes_random_state(facts: NotebookFacts, call: Call) -> bool:
    """``x.sample(...)`` is pandas' (which takes random_state) unless the receiver is
    known to be something else: a generator, a mixture model, a gym space, a distribution."""
    if call.name == "sample" or (call.receiver_call or "").rsplit(".", 1)[-1] in _GENERATOR_CLASSES:
        return False
    receiver = call.name.rsplit(".", 1)[0] if not call.name.startswith(".") else (call.receiver or "")
    if "rng" in receiver.lower() or _NOT_PANDAS_SAMPLE.search(receiver):
        return False
    builder = _built_from(facts).get(receiver.split("[", 1)[0].split(".", 1)[0])
    if builder is not None:
        if builder in _GENERATOR_CLASSES:
            return False
        if builder[:1].isupper() and builder not in ("DataFrame", "Series"):
            return False  # an object of some class: GaussianMixture(...).sample(n) has none
    if call.receiver_call:
        return call.receiver_call.rsplit(".", 1)[-1] in _PANDAS_BUILDERS
    return True


def needs_random_state(
    facts: NotebookFacts, call: Call, qual: str, kwargs: dict[str, object] | None = None
) -> bool:
    """True for a call whose result depends on ``random_state`` and has none (``kwargs``:
    the keywords with any literal ``**dict`` merged in, when the caller resolved them)."""
    kw = call.kwargs if kwargs is None else kwargs
    if (call.star and kwargs is None) or kw.get("random_state", None) is not None:
        return False
    leaf = call.leaf
    if leaf == "sample" and not facts.is_module_call(call):
        return _sample_takes_random_state(facts, call)
    if not _is_sklearn(facts, call, qual):
        return False
    if leaf in _SHUFFLE_OPTIONAL:
        return kw.get("shuffle") is True
    if leaf == "train_test_split":
        return kw.get("shuffle", True) is not False
    conditional = _random_for(leaf, kw)
    if conditional is not None:
        return conditional
    if leaf in _SPLITTERS or leaf in _GENERATORS:
        return leaf != "shuffle" or qual.startswith("sklearn.")
    return leaf in _ESTIMATORS


def _call_nodes(facts: NotebookFacts) -> dict[tuple[int, int, str], ast.Call]:
    """The AST node of each call, by (cell index, line, callee as the Call names it)."""
    from nbprod.analysis.cell import dotted_name

    nodes: dict[tuple[int, int, str], ast.Call] = {}
    for cell, cf in facts.code():
        if cf.tree is None or not cf.calls:
            continue
        for node in cf.nodes():  # ast.walk's order, walked once for every rule
            if type(node) is ast.Call:
                name = dotted_name(node.func)
                if name is None and isinstance(node.func, ast.Attribute):
                    name = "." + node.func.attr
                nodes.setdefault((cell.index, node.lineno, name or ""), node)
    return nodes


def _literal_dicts(facts: NotebookFacts) -> dict[tuple[int, int], dict[str, dict[str, object]]]:
    """At each top-level statement (cell, line): the names bound to a literal dict before it."""
    out: dict[tuple[int, int], dict[str, dict[str, object]]] = {}
    known: dict[str, dict[str, object]] = {}
    for cell, cf in facts.code():
        if cf.tree is None:
            continue
        for stmt in cf.tree.body:
            out[(cell.index, stmt.lineno)] = dict(known)
            if isinstance(stmt, ast.Assign):
                value = _dict_value(stmt.value, known)
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        if value is None:
                            known.pop(target.id, None)
                        else:
                            known[target.id] = value
            else:
                for node in walk_nodes(stmt):
                    if type(node) is ast.Name and isinstance(node.ctx, ast.Store):
                        known.pop(node.id, None)
    return out


def _dict_value(node: ast.AST, known: dict[str, dict[str, object]]) -> dict[str, object] | None:
    """A literal ``{...}`` or ``dict(...)`` with constant keys (values kept when literal)."""
    if isinstance(node, ast.Dict):
        out: dict[str, object] = {}
        for k, v in zip(node.keys, node.values, strict=True):
            if k is None:  # {**other}
                inner = _dict_value(v, known)
                if inner is None:
                    return None
                out.update(inner)
            elif isinstance(k, ast.Constant) and isinstance(k.value, str):
                out[k.value] = _literal_value(v)
            else:
                return None
        return out
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "dict"
        and not node.args
    ):
        d: dict[str, object] = {}
        for kw in node.keywords:
            if kw.arg is None:
                return None
            d[kw.arg] = _literal_value(kw.value)
        return d
    if isinstance(node, ast.Name) and node.id in known:
        return dict(known[node.id])
    return None


def _literal_value(node: ast.AST) -> object:
    return node.value if isinstance(node, ast.Constant) else EXPR


def _resolved_kwargs(
    node: ast.Call | None, call: Call, dicts: dict[str, dict[str, object]]
) -> dict[str, object] | None:
    """The call's keywords with every ``**x`` merged in, or None when one is not a literal dict."""
    if node is None or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    kwargs = dict(call.kwargs)
    for kw in node.keywords:
        if kw.arg is None:
            value = _dict_value(kw.value, dicts)
            if value is None:
                return None
            kwargs.update(value)
    return kwargs


def _inner_estimators(
    facts: NotebookFacts, nodes: dict[tuple[int, int, str], ast.Call]
) -> tuple[set[int], set[str]]:
    """Calls (by id of their AST node) and variables that are the inner estimator of an
    AdaBoost or Bagging ensemble, which sets their random_state itself."""
    inner_nodes: set[int] = set()
    inner_names: set[str] = set()
    for (_, _, name), node in nodes.items():
        if name.rsplit(".", 1)[-1] not in _SETS_INNER_STATE:
            continue
        values = [kw.value for kw in node.keywords if kw.arg in _INNER_KEYWORDS] + node.args[:1]
        for v in values:
            if isinstance(v, ast.Call):
                inner_nodes.add(id(v))
            elif isinstance(v, ast.Name):
                inner_names.add(v.id)
    return inner_nodes, inner_names


def _array_init(node: ast.Call) -> bool:
    """``init=`` given as an array (an attribute, an index, a call), not a method's name."""
    return any(
        kw.arg == "init" and isinstance(kw.value, (ast.Attribute, ast.Subscript, ast.Call, ast.List))
        for kw in node.keywords
    )


def _seeds_numpy(qual: str, call: Call) -> bool:
    """A call that seeds numpy's global generator, which scikit-learn and pandas draw from
    when random_state is None (``random.seed`` does not reach it)."""
    return "numpy" in seeded_libraries(qual, call)


@rule(
    "NB202",
    "missing-random-state",
    "warning",
    "random_state missing or None where it decides the result (splits, estimators, sample)",
    "Pass random_state=SEED (a constant defined once at the top), or seed numpy once before: np.random.seed(SEED).",
)
def missing_random_state(facts: NotebookFacts) -> Iterator[Hit]:
    """Splitters, randomized estimators, data generators and ``DataFrame.sample`` draw
    from numpy's global generator when ``random_state`` is None, so they differ on every
    run unless ``np.random.seed(...)`` (or ``%nbprod seed``) ran before them in notebook
    order. Only calls that use randomness with the arguments given are reported (KFold
    with ``shuffle=True``, LogisticRegression with a sag/saga/liblinear solver, SVC with
    ``probability=True``...); literal ``**params`` dicts are read; the inner estimator of
    AdaBoost or Bagging is not reported, as the ensemble sets its random_state."""
    seeded = False
    seeded_anywhere = any(_seeds_numpy(qual, call) and not call.deferred for _, call, qual in facts.calls())
    nodes: dict[tuple[int, int, str], ast.Call] | None = None
    dicts: dict[tuple[int, int], dict[str, dict[str, object]]] | None = None
    inner: tuple[set[int], set[str]] | None = None
    for cell, call, qual in facts.calls():
        if not call.deferred and _seeds_numpy(qual, call):
            seeded = True
        if seeded or (call.deferred and seeded_anywhere):
            continue  # reproducible top to bottom: the global seed decides its draws
        if call.kwargs.get("random_state", None) is not None:
            continue
        kwargs: dict[str, object] | None = None
        node = None
        if call.star or call.leaf in _ESTIMATORS or _random_for(call.leaf, call.kwargs) is not None:
            if nodes is None:
                nodes, dicts = _call_nodes(facts), _literal_dicts(facts)
                inner = _inner_estimators(facts, nodes)
            node = nodes.get((cell.index, call.line, call.name))
            if call.star:
                cf = facts.cells[cell.index]
                stmt_line = (
                    cf.stmts[call.stmt].line
                    if cf is not None and 0 <= call.stmt < len(cf.stmts)
                    else call.line
                )
                kwargs = _resolved_kwargs(node, call, (dicts or {}).get((cell.index, stmt_line), {}))
                if kwargs is None:
                    continue  # ** of something nbprod cannot read
        if not needs_random_state(facts, call, qual, kwargs):
            continue
        if call.leaf == "KMeans" and node is not None and _array_init(node):
            continue  # KMeans(init=pca.components_): the given centres, no random start
        if inner is not None and (
            (node is not None and id(node) in inner[0]) or set(call.targets) & inner[1]
        ):
            continue
        what = "random_state=None" if "random_state" in (kwargs or call.kwargs) else "no random_state"
        yield (
            cell.index,
            call.line,
            f"{call.display}() has {what} and numpy's global generator is not seeded before it",
        )


_ENV_MAGICS = {"watermark", "version_information", "pip", "conda"}
_ENV_WORDS = lazyre.compile(r"\b(pip3?|conda|mamba|uv pip)\s+(freeze|list|env export)\b")
_ENV_CALLS = {"session_info.show", "sinfo.sinfo", "watermark.watermark"}
_PIN_FILES = ("requirements.txt", "environment.yml", "environment.yaml", "poetry.lock",
              "uv.lock", "Pipfile.lock", "pdm.lock", "conda-lock.yml", "pylock.toml")  # fmt: skip


def environment_recorded(facts: NotebookFacts) -> str | None:
    """How the notebook's environment is recorded, or None."""
    if facts.record is not None:
        return "nbprod session record"
    for cell, cf in facts.code():
        for out in cell.outputs:
            data = out.get("data") if isinstance(out, dict) else None
            if isinstance(data, dict) and "application/vnd.nbprod.record+json" in data:
                return "nbprod record in the notebook"
        for m in cf.magics:
            if m.name == "watermark" or m.name == "version_information":
                return f"%{m.name}"
            text = f"{m.name} {m.args}" if m.kind in ("line", "cell") else m.args
            if _ENV_WORDS.search(text):
                return text.strip()
    for _, _call, qual in facts.calls():
        if qual in _ENV_CALLS:
            return qual
    return pin_file(os.path.dirname(facts.notebook.path) or ".")


_PIN_CACHE: dict[tuple[str, int], str | None] = {}


def pin_file(folder: str) -> str | None:
    """The first requirements or lock file in a folder (one stat per call: cached by the
    folder's mtime, which changes when a file is added or removed)."""
    try:
        key = (folder, os.stat(folder).st_mtime_ns)
    except OSError:
        return None
    if key not in _PIN_CACHE:
        if len(_PIN_CACHE) > 1024:
            _PIN_CACHE.clear()
        try:
            names = set(os.listdir(folder))
        except OSError:
            names = set()
        _PIN_CACHE[key] = next(
            (n for n in _PIN_FILES if n in names and os.path.isfile(os.path.join(folder, n))), None
        )
    return _PIN_CACHE[key]


@rule(
    "NB203",
    "no-environment-record",
    "warning",
    "no record of the environment: no package versions recorded for the notebook",
    "`%load_ext nbprod` records versions as you work; or save `%nbprod versions --write "
    "requirements.txt` next to the notebook.",
)
def no_environment(facts: NotebookFacts) -> Iterator[Hit]:
    """Without the package versions a notebook ran with, nobody can rebuild its
    environment. Satisfied by an nbprod session record, ``%watermark``, ``pip freeze``
    output, ``session_info`` or a pinned requirements or lock file beside the notebook."""
    if not any(True for _ in facts.code()):
        return
    if environment_recorded(facts) is None:
        yield None, None, "no package versions are recorded for this notebook"


_USER_PATH = lazyre.compile(
    r"""^~(?:[A-Za-z_][\w.-]*)?[/\\]"""  # ~/x, ~alice/x
    r"""|^(?:file://)?(?:/home/|/Users/|/root/|/Volumes/[^/\s]+|/media/[^/\s]+/|/mnt/[a-z]/"""
    r"""|/content/drive/|/private/var/folders/|/var/folders/)"""
    r"""|^[A-Za-z]:[\\/]|^\\\\[^\\\s]+\\"""  # C:\, C:/, \\server\share
)
_QUOTES = "'\"`()[]{},;"


def user_path(text: str) -> bool:
    """True for an absolute or user-specific filesystem path."""
    return len(text) < 512 and "\n" not in text and bool(_USER_PATH.match(text.strip()))


@rule(
    "NB204",
    "absolute-path",
    "warning",
    "an absolute or user-specific path in code (/home/..., /Users/..., C:\\..., ~/...)",
    "Use a path relative to the notebook or project, or a configurable DATA_DIR.",
)
def absolute_path(facts: NotebookFacts) -> Iterator[Hit]:
    """A path that exists only on one person's machine breaks the notebook everywhere else."""
    for cell, cf in facts.code():
        seen: set[str] = set()
        for line, text in cf.strings:
            if len(text) > 4096 or ("/" not in text and "\\" not in text):
                continue  # every form _USER_PATH knows holds a / or a \: no token of this text can
            tokens = [text] if user_path(text) else [t.strip(_QUOTES) for t in text.split()]
            for token in tokens:
                if token not in seen and user_path(token):
                    seen.add(token)
                    yield cell.index, line, f"user-specific path '{token.strip()}'"
                    break


_PINNED = lazyre.compile(r"(===?|@|\.whl$|\.tar\.gz$|\.zip$|^git\+|^https?://|^\.|^/|^-)")
_OPTIONS_WITH_VALUE = {"-r", "--requirement", "-c", "--constraint", "-i", "--index-url",
                       "--extra-index-url", "-f", "--find-links", "-t", "--target", "-e",
                       "--editable", "--prefix", "--root", "-n", "--name", "-p",
                       "-C", "--config-settings", "--python", "--channel"}  # fmt: skip


def unpinned_installs(command: str) -> list[str]:
    """Packages named without an exact version in a pip / conda install command."""
    import shlex  # only for notebooks with !pip / %conda lines

    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        words = command.split()
    if "install" not in words:
        return []
    head = words[: words.index("install")]
    tool = next((w for w in head if w in ("pip", "pip3", "conda", "mamba", "uv")), None)
    if tool is None and not (head == [] or head[-1:] == ["pip"]):
        return []
    conda = tool in ("conda", "mamba")
    found, skip = [], False
    for w in words[words.index("install") + 1 :]:
        if skip:
            skip = False
            continue
        if w in _OPTIONS_WITH_VALUE:
            skip = True
            continue
        if w in ("&&", ";", "|"):
            break
        if _PINNED.search(w) or (conda and re.search(r"[^=<>!]=[^=]", w)) or w.startswith("$"):
            continue
        found.append(w)
    return found


@rule(
    "NB205",
    "unpinned-install",
    "warning",
    "`!pip install` / `%pip install` of a package without a pinned version",
    "Pin the version (`%pip install pandas==2.2.3`), or use a requirements file.",
)
def unpinned_install(facts: NotebookFacts) -> Iterator[Hit]:
    """An install without a version gets whatever is newest on the day it runs."""
    for cell, cf in facts.code():
        for m in cf.magics:
            if m.kind in ("system", "getoutput"):
                cmd = m.args
            elif m.name in ("pip", "conda", "mamba", "uv"):
                cmd = f"{m.name} {m.args}"
            else:
                continue
            for part in re.split(r"&&|;", cmd):
                names = unpinned_installs(part)
                if names:
                    yield cell.index, m.line, f"install without a pinned version: {', '.join(names)}"


__all__ = ["EXPR", "draw_library", "needs_random_state", "unpinned_installs", "user_path"]
