"""Every static rule: a notebook that makes it fire, and correct code that keeps it quiet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from secretgen import fake

import nbprod
from nbprod.analysis.facts import analyze_notebook
from nbprod.notebook import read_notebook
from nbprod.rules import all_rules

SK = "from sklearn.model_selection import train_test_split, cross_val_score, KFold\n"
SK += "from sklearn.preprocessing import StandardScaler\n"
SK += "from sklearn.ensemble import RandomForestClassifier\n"
SK += "from sklearn.metrics import accuracy_score, classification_report\n"
SK += "from sklearn.dummy import DummyClassifier\n"
SK_LINES = SK.count("\n")


def _code(source: str, count: int | None) -> dict[str, Any]:
    return {"source": source, "execution_count": count}


# (rule, cells, cell index, line, words the message must contain)
FIRES: list[tuple[str, list[Any], int | None, int | None, list[str]]] = [
    ("NB101", [_code("a = 1", 1), _code("b = 2", 3), _code("c = 3", 2)], 1, None, ["[3]", "cell 3"]),
    ("NB102", [_code("a = 1", 3), _code("b = a", 4)], 0, None, ["starts at", "[3]"]),
    ("NB102", [_code("a = 1", 1), _code("b = a", 5)], 1, None, ["jumps from [1] to [5]"]),
    ("NB103", [_code("a = 1", 1), _code("b = 2", None), _code("c = a", 2)], 1, None, ["never run"]),
    ("NB104", ["print(threshold)", "threshold = 0.5"], 0, 1, ["'threshold'", "cell 2"]),
    (
        "NB104",
        ["def score():\n    return cutoff", "score()", "cutoff = 3"],
        1,
        1,
        ["score()", "'cutoff'", "cell 3"],
    ),
    ("NB105", ["x = 1", "print(x + ghost)"], 1, 1, ["'ghost'"]),
    ("NB105", ["def f():\n    return phantom"], 0, 2, ["'phantom'", "inside a function"]),
    ("NB106", ["x = 1", "y = (", "z = x"], 1, 1, ["does not parse", "never closed"]),
    ("NB106", ["print 'python 2'"], 0, 1, ["does not parse", "print"]),
    ("NB201", ["import numpy as np", "noise = np.random.rand(3)"], 1, 1, ["np.random.rand()", "numpy"]),
    (
        "NB201",
        ["import numpy as np\nnoise = np.random.rand(3)\nnp.random.seed(0)"],
        0,
        2,
        ["np.random.rand()"],
    ),
    ("NB201", ["import random\nrandom.seed()\nrandom.shuffle(items)"], 0, 3, ["random.shuffle()"]),
    (
        "NB201",
        ["from numpy.random import default_rng\nrng = default_rng()"],
        0,
        2,
        ["default_rng()", "no seed"],
    ),
    ("NB201", ["import torch\nw = torch.randn(3)"], 0, 2, ["torch.randn()", "torch"]),
    (
        "NB201",
        ["import numpy as np\ndef noise():\n    return np.random.rand()", "noise()"],
        0,
        3,
        ["np.random.rand()"],
    ),
    ("NB202", [SK + "a, b = train_test_split(X)"], 0, SK_LINES + 1, ["train_test_split()", "random_state"]),
    (
        "NB202",
        [SK + "m = RandomForestClassifier(n_estimators=10)"],
        0,
        SK_LINES + 1,
        ["RandomForestClassifier()"],
    ),
    ("NB202", [SK + "cv = KFold(5, shuffle=True)"], 0, SK_LINES + 1, ["KFold()"]),
    (
        "NB202",
        [SK + "split = train_test_split(X, random_state=None)"],
        0,
        SK_LINES + 1,
        ["random_state=None"],
    ),
    (
        "NB202",
        ["import pandas as pd\ndf = pd.read_csv('d.csv')", "part = df['a'].sample(10)"],
        1,
        1,
        ["df['a'].sample()"],
    ),
    ("NB203", ["x = 1"], None, None, ["package versions"]),
    (
        "NB204",
        ["import pandas as pd\ndf = pd.read_csv('/home/alice/data.csv')"],
        0,
        2,
        ["/home/alice/data.csv"],
    ),
    ("NB204", ["p = r'C:\\Users\\bob\\data.csv'"], 0, 1, ["C:\\Users\\bob\\data.csv"]),
    ("NB204", ["p = '~/data/x.csv'"], 0, 1, ["~/data/x.csv"]),
    ("NB204", ["!ls /Users/bob/data"], 0, 1, ["/Users/bob/data"]),
    ("NB205", ["x = 1\n!pip install xgboost"], 0, 2, ["xgboost"]),
    ("NB205", ["%pip install -q pandas==2.2 seaborn"], 0, 1, ["seaborn"]),
    (
        "NB301",
        [
            SK + "X_s = StandardScaler().fit_transform(X)",
            "X_tr, X_te = train_test_split(X_s, random_state=0)",
        ],
        0,
        SK_LINES + 1,
        ["StandardScaler", "X", "cell 2"],
    ),
    (
        "NB301",
        [
            SK + "X_tr, X_te = train_test_split(X, random_state=0)",
            "sc = StandardScaler().fit(X)\nX_tr = sc.transform(X_tr)",
        ],
        1,
        1,
        ["StandardScaler", "test rows"],
    ),
    (
        "NB301",
        [SK + "X_s = StandardScaler().fit_transform(X)\nscores = cross_val_score(m, X_s, y)"],
        0,
        SK_LINES + 1,
        ["cross_val_score"],
    ),
    (
        "NB307",
        [
            SK
            + "from imblearn.over_sampling import SMOTE\nXr, yr = SMOTE(random_state=0).fit_resample(X, y)",
            "a, b, c, d = train_test_split(Xr, yr, random_state=0)",
        ],
        0,
        SK_LINES + 2,
        ["SMOTE", "cell 2", "copies"],
    ),
    (
        "NB308",
        [
            SK + "a, b, c, d = train_test_split(X, y, random_state=0)",
            "s = []\nfor n in [10, 50]:\n    m = RandomForestClassifier(n, random_state=0).fit(a, c)\n    s.append(m.score(b, d))",
            "print(max(s))",
        ],
        1,
        2,
        ["the loop in cell 2", "cell 1"],
    ),
    (
        "NB309",
        [
            SK + "a, b, c, d = train_test_split(X, y, random_state=0)",
            "a = StandardScaler().fit_transform(a)\nprint(cross_val_score(RandomForestClassifier(random_state=0), a, c))",
        ],
        1,
        1,
        ["StandardScaler", "cross_val_score"],
    ),
    (
        "NB302",
        [SK + "clf = RandomForestClassifier(random_state=0)\nclf.fit(X, y)"],
        0,
        SK_LINES + 2,
        ["clf.fit()"],
    ),
    ("NB303", [SK + "print(accuracy_score(y, p))"], 0, SK_LINES + 1, ["accuracy_score"]),
    ("NB304", [SK + "clf = RandomForestClassifier(random_state=0)", "clf.fit(X, y)"], 1, 1, ["clf.fit()"]),
    ("NB305", ["x = 1"], None, None, ["no assert"]),
    ("NB306", [f"x{i} = {i}" for i in range(10)], None, None, ["10 code cells"]),
    ("NB401", ["API_KEY = 'a8f5f167f44f4964e6c998dee827110c'"], 0, 1, ["'API_KEY'", "a8f5"]),
    ("NB401", ["client = Client(password='hunter2hunter2')"], 0, 1, ["Client(password=...)"]),
    ("NB401", [f"x = 1\ncreds = '{fake('aws_id')}'"], 0, 2, ["AWS access key"]),
    ("NB401", ["db = connect('postgres://admin:s3cretpw@db.example.com/x')"], 0, 1, ["password in a URL"]),
]

# (rule, cells): correct code, including the scoping traps, that must stay quiet.
QUIET: list[tuple[str, list[Any]]] = [
    ("NB101", ["a = 1", "b = 2", "c = 3"]),
    ("NB101", [_code("a = 1", None), _code("b = 2", None)]),
    ("NB102", ["a = 1", "b = 2"]),
    ("NB102", [_code("a = 1", 1), _code("b = 2", 3), _code("c = 3", 2)]),  # NB101's case
    ("NB103", [_code("a = 1", 1), _code("b = 2", 2), _code("c = 3", None)]),
    ("NB103", [_code("a = 1", 1), _code("   \n", None), _code("c = 3", 2)]),
    ("NB104", ["threshold = 0.5", "print(threshold)"]),
    ("NB104", ["def f():\n    return later", "later = 1", "f()"]),
    ("NB104", ["squares = [i * i for i in range(3)]", "i = 0"]),
    ("NB104", ["try:\n    pass\nexcept ValueError as e:\n    print(e)", "e = 1"]),
    ("NB104", ["def f(x):\n    y = x\n    return y", "x = y = 1"]),
    ("NB104", ["class C:\n    a = 1\n    b = a", "a = 2"]),
    ("NB104", ["print(len(x := [1]), x)", "x = 2"]),
    ("NB105", ["import numpy as np", "np.zeros(3)"]),
    ("NB105", ["for i in range(3):\n    total = i", "print(total)"]),
    ("NB105", ["[y for x in [1] if (y := x)]", "print(y)"]),
    ("NB105", ["def f():\n    global model\n    model = 1", "f()", "print(model)"]),
    (
        "NB105",
        ["def outer():\n    n = 0\n    def inner():\n        nonlocal n\n        n += 1\n    return inner"],
    ),
    ("NB105", ["try:\n    import ujson as json\nexcept ImportError:\n    import json", "json.dumps({})"]),
    (
        "NB105",
        [
            "match cmd:\n    case [a, *rest]:\n        print(a, rest)"[:0]
            + "cmd = [1]\nmatch cmd:\n    case [a, *rest]:\n        print(a, rest)"
        ],
    ),
    ("NB105", ["from pylab import *", "plot(linspace(0, 1))"]),
    ("NB105", ["%store -r df", "df.head()"]),
    ("NB105", ["%%capture captured\nprint(1)", "captured.show()"]),
    ("NB105", ["globals()['dynamic'] = 1", "print(dynamic)"]),
    ("NB105", ["for name in 'ab':\n    globals()[name] = 1", "print(a)"]),
    ("NB105", ["files = !ls", "print(files)"]),
    ("NB105", ["%time result = sum([1, 2])", "print(result)"]),
    ("NB105", ["print(display, get_ipython, In, Out, _, _1, _i1)"]),
    ("NB105", ["lam = lambda v, w=2: v + w", "lam(1)"]),
    ("NB105", ["x = (\n", "print(x)"]),  # the broken cell may define x
    ("NB106", ["%matplotlib inline\nx = 1", "!ls", "files = !ls", "df = 1\ndf?", "%%time\ny = 2"]),
    ("NB106", ["import asyncio\nawait asyncio.sleep(0)"]),
    ("NB201", ["import numpy as np\nnp.random.seed(42)", "noise = np.random.rand(3)"]),
    ("NB201", ["from numpy.random import seed, rand\nseed(1)\nrand()"]),
    ("NB201", ["import numpy.random as npr\nnpr.seed(1)\nnpr.rand()"]),
    ("NB201", ["import numpy as np\nrng = np.random.default_rng(42)\nrng.random()"]),
    (
        "NB201",
        ["import numpy as np\ndef noise():\n    return np.random.rand()", "np.random.seed(0)", "noise()"],
    ),
    ("NB201", ["%nbprod seed 42", "import numpy as np\nnp.random.rand()"]),
    ("NB201", ["import random\nrandom.seed(a=3)\nrandom.random()"]),
    ("NB201", ["import torch\ntorch.manual_seed(0)\ntorch.randn(3)"]),
    ("NB201", ["def random():\n    return 4", "random()"]),
    ("NB202", [SK + "a, b = train_test_split(X, random_state=0)"]),
    ("NB202", [SK + "a, b = train_test_split(X, shuffle=False)"]),
    ("NB202", [SK + "SEED = 1\nm = RandomForestClassifier(random_state=SEED)"]),
    ("NB202", [SK + "cv = KFold(5)"]),
    ("NB202", [SK + "params = {'random_state': 0}\nm = RandomForestClassifier(**params)"]),
    ("NB202", ["import random\nrng = random.Random(0)\npick = rng.sample(items, 2)"]),
    ("NB202", ["import random\npick = random.sample(items, 2)"]),
    ("NB202", ["class KMeans:\n    pass", "KMeans()"]),
    ("NB202", ["import pandas as pd\ndf = pd.DataFrame({'a': [1]})\ndf.sample(1, random_state=0)"]),
    ("NB203", ["x = 1\n%watermark -v -p numpy"]),
    ("NB203", ["!pip freeze > requirements.txt"]),
    ("NB204", ["p = 'data/x.csv'\nq = '/tmp/x.csv'\nurl = 'https://example.com/home/x'\nfmt = '%H:%M'"]),
    ("NB204", ["from pathlib import Path\np = Path.home() / 'data'\nratio = 'Ratio: 3/4'"]),
    (
        "NB205",
        [
            "!pip install xgboost==2.0.3 'pandas[excel]==2.2.2'",
            "!pip install -r requirements.txt",
            "!pip list",
        ],
    ),
    ("NB205", ["!conda install -y numpy=1.26", "!pip install -e .", "!apt-get install -y graphviz"]),
    (
        "NB301",
        [
            SK + "X_tr, X_te = train_test_split(X, random_state=0)",
            "sc = StandardScaler()\nX_tr = sc.fit_transform(X_tr)\nX_te = sc.transform(X_te)",
        ],
    ),
    (
        "NB301",
        [
            SK
            + "from sklearn.pipeline import make_pipeline\npipe = make_pipeline(StandardScaler(), m)\nscores = cross_val_score(pipe, X, y)"
        ],
    ),
    ("NB301", [SK + "sc = StandardScaler().fit(reference)", "a, b = train_test_split(X, random_state=0)"]),
    (
        "NB301",
        [SK + "sc = StandardScaler()\nsc.fit(X)\nX = load()", "a, b = train_test_split(X, random_state=0)"],
    ),
    (
        "NB301",
        [
            SK + "a, b = train_test_split(X, random_state=0)",
            "final = StandardScaler().fit(X)",
            "out = final.transform(new_rows)",
        ],
    ),
    (
        "NB307",
        [
            SK
            + "from imblearn.over_sampling import SMOTE\na, b, c, d = train_test_split(X, y, random_state=0)",
            "a, c = SMOTE(random_state=0).fit_resample(a, c)",
        ],
    ),
    (
        "NB308",
        [
            SK + "a, b, c, d = train_test_split(X, y, random_state=0)",
            "for n in [10, 50]:\n    m = RandomForestClassifier(n, random_state=0).fit(a, c)\n    print(m.score(b, d))",
        ],
    ),
    (
        "NB309",
        [
            SK
            + "from sklearn.pipeline import make_pipeline\na, b, c, d = train_test_split(X, y, random_state=0)",
            "print(cross_val_score(make_pipeline(StandardScaler(), RandomForestClassifier(random_state=0)), a, c))",
        ],
    ),
    (
        "NB302",
        [
            SK
            + "base = DummyClassifier().fit(X, y)\nclf = RandomForestClassifier(random_state=0)\nclf.fit(X, y)"
        ],
    ),
    (
        "NB302",
        [
            SK
            + "baseline_mae = abs(y - y.mean()).mean()\nclf = RandomForestClassifier(random_state=0).fit(X, y)"
        ],
    ),
    ("NB302", [SK + "StandardScaler().fit(X)"]),
    ("NB302", ["from sklearn.cluster import KMeans\nkm = KMeans(3, random_state=0)\nkm.fit(X)"]),
    ("NB303", [SK + "print(accuracy_score(y, p))\nprint(classification_report(y, p))"]),
    ("NB303", ["from sklearn.metrics import mean_absolute_error\nmean_absolute_error(y, p)"]),
    (
        "NB304",
        [
            SK
            + "import joblib\nclf = RandomForestClassifier(random_state=0).fit(X, y)\njoblib.dump(clf, 'clf.joblib')"
        ],
    ),
    (
        "NB304",
        [
            SK
            + "import pickle\nclf = RandomForestClassifier(random_state=0).fit(X, y)\nwith open('m.pkl', 'wb') as fh:\n    pickle.dump(clf, fh)"
        ],
    ),
    ("NB305", ["x = 1\nassert x == 1"]),
    ("NB305", ["def test_total():\n    assert 1 + 1 == 2"]),
    ("NB306", [f"x{i} = {i}" for i in range(9)]),
    ("NB306", [*[f"x{i} = {i}" for i in range(12)], "def helper():\n    return 1"]),
    ("NB401", ["import os\nAPI_KEY = os.environ['API_KEY']\nclient = Client(api_key=API_KEY)"]),
    ("NB401", ["API_KEY = 'YOUR_API_KEY'\nTOKEN = '<token>'\npassword = '...'\nSECRET = 'changeme'"]),
    (
        "NB401",
        ["max_tokens = 'unlimited-tokens'\ntokenizer = load('bert-base-uncased')\nsecret_name = 'prod/db'"],
    ),
    ("NB401", ["API_KEY = 'insert-your-key-here'\nAUTH_TOKEN = 'REPLACE_ME_TOKEN'\nkey = 'xxxx-xxxx-xxxx'"]),
    ("NB401", ["x = 1\ncreds = 'AKIAIOSFODNN7EXAMPLE'"]),  # AWS's documented example key
    ("NB402", ["print('hello')"]),
]


# -- NB202 and NB302-NB304 as the code really behaves (issue 10) ----------------------

ML = "from sklearn.ensemble import RandomForestClassifier, AdaBoostClassifier, BaggingRegressor, HistGradientBoostingClassifier\n"
ML += "from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor\n"
ML += "from sklearn.linear_model import LogisticRegression, Ridge\n"
ML += "from sklearn.svm import SVC\nfrom sklearn.cluster import KMeans\nfrom sklearn.mixture import GaussianMixture\n"
ML += "from sklearn.decomposition import PCA, NMF\nfrom sklearn.neighbors import KernelDensity, KNeighborsClassifier\n"
ML += "from sklearn.model_selection import cross_val_score, GridSearchCV, KFold\n"
ML += "from sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import StandardScaler\n"
ML += "from sklearn.datasets import make_moons\nfrom sklearn.dummy import DummyClassifier\n"
ML += "from sklearn.metrics import classification_report, accuracy_score\nimport numpy as np\nimport random\n"
ML_LINES = ML.count("\n")

FIRES_10: list[tuple[str, list[Any], int | None, int | None, list[str]]] = [
    # seeding numpy after the estimator, or seeding only Python's random, does not help
    ("NB202", [ML + "m = RandomForestClassifier()", "np.random.seed(0)"], 0, ML_LINES + 1, ["not seeded"]),
    ("NB202", [ML + "random.seed(0)", "m = RandomForestClassifier()"], 1, 1, ["RandomForestClassifier()"]),
    (
        "NB202",
        [ML + "params = {'n_estimators': 10}", "m = RandomForestClassifier(**params)"],
        1,
        1,
        ["no random_state"],
    ),
    (
        "NB202",
        [ML + "m = RandomForestClassifier(**{'random_state': None})"],
        0,
        ML_LINES + 1,
        ["random_state=None"],
    ),
    ("NB202", [ML + "m = LogisticRegression(solver='saga')"], 0, ML_LINES + 1, ["LogisticRegression()"]),
    ("NB202", [ML + "m = SVC(probability=True)"], 0, ML_LINES + 1, ["SVC()"]),
    ("NB202", [ML + "X, y = make_moons(noise=0.2)"], 0, ML_LINES + 1, ["make_moons()"]),
    ("NB202", [ML + "t = DecisionTreeClassifier()"], 0, ML_LINES + 1, ["DecisionTreeClassifier()"]),
    # GridSearchCV clones its estimator and leaves random_state as it is
    (
        "NB202",
        [ML + "g = GridSearchCV(RandomForestClassifier(), {'max_depth': [2, 3]})"],
        0,
        ML_LINES + 1,
        ["RandomForestClassifier()"],
    ),
    (
        "NB202",
        [ML + "import pandas as pd\ndf = pd.read_csv('d.csv')\nrows = df.sample(frac=0.5)"],
        0,
        ML_LINES + 3,
        ["df.sample()"],
    ),
    ("NB302", [ML + "m = LogisticRegression()\nm.fit(X, y)"], 0, ML_LINES + 2, ["no baseline"]),
    ("NB302", [ML + "p = make_pipeline(StandardScaler(), SVC())\np.fit(X, y)"], 0, ML_LINES + 2, ["p.fit()"]),
    (
        "NB303",
        [ML + "m = LogisticRegression()\nm.fit(X_tr, y_tr)\nprint(m.score(X_te, y_te))"],
        0,
        ML_LINES + 3,
        ["m.score()", "accuracy"],
    ),
    (
        "NB303",
        [ML + "m = LogisticRegression()\nm.fit(X_tr, y_tr)\nprint(m.score(X_tr, y_tr))"],
        0,
        ML_LINES + 3,
        ["only on the data it was trained on"],
    ),
    (
        "NB303",
        [ML + "m = LogisticRegression().fit(X_tr, y_tr)\nprint(accuracy_score(y_tr, m.predict(X_tr)))"],
        0,
        ML_LINES + 2,
        ["accuracy_score alone and only on the data it was trained on"],
    ),
    (
        "NB303",
        [ML + "s = cross_val_score(RandomForestClassifier(random_state=0), X, y, cv=5)"],
        0,
        ML_LINES + 1,
        ["cross_val_score()", "default scoring"],
    ),
    (
        "NB303",
        [ML + "clf = KNeighborsClassifier()\ns = cross_val_score(clf, X, y, scoring='accuracy')"],
        0,
        ML_LINES + 2,
        ["cross_val_score()"],
    ),
    (
        "NB303",
        [ML + "p = make_pipeline(StandardScaler(), LogisticRegression())\np.fit(X, y)\np.score(Xt, yt)"],
        0,
        ML_LINES + 3,
        ["p.score()"],
    ),
    (
        "NB304",
        [
            ML
            + "for k in range(1, 9):\n    knn = KNeighborsClassifier(k)\n    knn.fit(X, y)\n    print(knn.score(Xv, yv))",
            "final = LogisticRegression()\nfinal.fit(X, y)",
            "pred = final.predict(X_test)",
        ],
        1,
        2,
        ["final.fit()"],
    ),
    (
        "NB304",
        [
            ML + "final = LogisticRegression()\nfinal.fit(X, y)\npred = final.predict(X_test)",
            "for k in range(1, 9):\n    knn = KNeighborsClassifier(k)\n    knn.fit(X, y)",
        ],
        0,
        ML_LINES + 2,
        ["final.fit()"],
    ),
]

QUIET_10: list[tuple[str, list[Any]]] = [
    # a global numpy seed earlier in notebook order makes random_state=None reproducible
    ("NB202", [ML + "np.random.seed(0)", "m = RandomForestClassifier()\nX, y = make_moons(noise=0.1)"]),
    ("NB202", ["%nbprod seed 42", ML + "km = KMeans(3)"]),
    ("NB202", [ML + "def build():\n    return RandomForestClassifier()", "np.random.seed(1)", "m = build()"]),
    # the ensemble draws the inner estimator's random_state
    ("NB202", [ML + "ada = AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), random_state=0)"]),
    ("NB202", [ML + "t = DecisionTreeRegressor()\nb = BaggingRegressor(estimator=t, random_state=0)"]),
    ("NB202", [ML + "params = dict(n_estimators=10, random_state=1)\nm = RandomForestClassifier(**params)"]),
    ("NB202", [ML + "base = {'random_state': 0}\nm = RandomForestClassifier(**{**base, 'max_depth': 3})"]),
    ("NB202", [ML + "m = RandomForestClassifier(**load_params())"]),  # not a literal: nbprod cannot tell
    # no randomness for these arguments
    ("NB202", [ML + "m = LogisticRegression(C=0.5)\nr = Ridge()\ns = SVC(kernel='rbf')\np = PCA(2)"]),
    ("NB202", [ML + "X, y = make_moons(shuffle=False)\ncv = KFold(5)"]),
    ("NB202", [ML + "m = HistGradientBoostingClassifier(early_stopping=False)"]),
    ("NB202", [ML + "pca = PCA(8).fit(X)\nkm = KMeans(init=pca.components_, n_clusters=8, n_init=1)"]),
    # methods with no random_state are never asked for one
    ("NB202", [ML + "g = GaussianMixture(2, random_state=0).fit(X)\nXs, ys = g.sample(100)"]),
    ("NB202", ["import gymnasium as gym\nenv = gym.make('CartPole-v1')\na = env.action_space.sample()"]),
    (
        "NB202",
        [
            "from sklearn.ensemble import StackingClassifier\ns = StackingClassifier([('a', a)], final_estimator=f)"
        ],
    ),
    # unsupervised work has no baseline to beat
    ("NB302", [ML + "km = KMeans(3, random_state=0).fit(X)\nkde = KernelDensity().fit(X)"]),
    ("NB302", [ML + "nmf = NMF(5, random_state=0)\nW = nmf.fit(X)"]),
    ("NB302", [ML + "p = make_pipeline(StandardScaler(), KMeans(3, random_state=0))\np.fit(X)"]),
    ("NB302", [ML + "from sklearn.manifold import Isomap\niso = Isomap()\niso.fit(X)"]),
    ("NB302", [ML + "def bench(km, X):\n    return make_pipeline(StandardScaler(), km).fit(X)"]),
    # a regressor's .score is R², cross_val_score with a richer scoring
    (
        "NB303",
        [ML + "r = Ridge()\nr.fit(X, y)\nprint(r.score(X_te, y_te))\ns = cross_val_score(Ridge(), X, y)"],
    ),
    ("NB303", [ML + "clf = LogisticRegression()\ns = cross_val_score(clf, X, y, scoring='roc_auc')"]),
    (
        "NB303",
        [ML + "clf = LogisticRegression()\ns = cross_val_score(clf, X, y, scoring=['accuracy', 'f1'])"],
    ),
    (
        "NB303",
        [
            ML
            + "m = LogisticRegression()\nm.fit(X, y)\nm.score(Xt, yt)\nprint(classification_report(yt, m.predict(Xt)))"
        ],
    ),
    ("NB304", [ML + "km = KMeans(3, random_state=0)\nkm.fit(X)"]),
]


def _findings(make_notebook: Callable[..., Path], cells: list[Any], rule: str) -> list[tuple[Any, Any, str]]:
    path = make_notebook(cells)
    report = nbprod.check(path, isolated=True, select=[rule])
    assert not report.errors
    return [(f.cell, f.line, f.message) for f in report.findings if f.rule == rule]


@pytest.mark.parametrize(
    ("rule", "cells", "cell", "line", "words"),
    FIRES + FIRES_10,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(FIRES + FIRES_10)],
)
def test_rule_fires(
    make_notebook: Callable[..., Path],
    rule: str,
    cells: list[Any],
    cell: int | None,
    line: int | None,
    words: list[str],
) -> None:
    found = _findings(make_notebook, cells, rule)
    assert found, f"{rule} did not fire"
    got_cell, got_line, message = found[0]
    assert (got_cell, got_line) == (cell, line), found
    for word in words:
        assert word in message, (word, message)


@pytest.mark.parametrize(
    ("rule", "cells"), QUIET + QUIET_10, ids=[f"{c[0]}-{i}" for i, c in enumerate(QUIET + QUIET_10)]
)
def test_rule_stays_quiet(make_notebook: Callable[..., Path], rule: str, cells: list[Any]) -> None:
    assert _findings(make_notebook, cells, rule) == []


def test_every_static_rule_has_fire_and_quiet_cases() -> None:
    static = {r.id for r in all_rules().values() if r.static}
    assert static - {"NB402"} <= {f[0] for f in FIRES}
    assert static <= {q[0] for q in QUIET}


def test_nb402_secret_in_saved_output(make_notebook: Callable[..., Path]) -> None:
    import nbformat

    token = fake("github")
    leaked = nbformat.v4.new_output("stream", name="stdout", text=f"token: {token}\n")
    path = make_notebook([{"source": "print(token)", "outputs": [leaked]}])
    report = nbprod.check(path, isolated=True, select=["NB402"])
    assert [(f.rule, f.cell, f.line) for f in report.findings] == [("NB402", 0, None)]
    message = report.findings[0].message
    assert "GitHub token" in message and token not in message and token[4:12] not in message


def test_nb203_satisfied_by_pinned_file_beside_notebook(
    make_notebook: Callable[..., Path], tmp_path: Path
) -> None:
    (tmp_path / "requirements.txt").write_text("pandas==2.2.2\n")
    assert _findings(make_notebook, ["x = 1"], "NB203") == []


def test_nb203_satisfied_by_session_record(make_notebook: Callable[..., Path], tmp_path: Path) -> None:
    from nbprod.record import RECORD_KEY, RECORD_VERSION, record_path, save_record

    save_record(
        record_path(tmp_path / "nb.ipynb"), {RECORD_KEY: RECORD_VERSION, "packages": {"pandas": "2.2.2"}}
    )
    assert _findings(make_notebook, ["x = 1"], "NB203") == []


def test_nb106_rest_of_notebook_still_checked(make_notebook: Callable[..., Path]) -> None:
    path = make_notebook(["import numpy as np", "y = (", "z = np.random.rand()"])
    rules = {f.rule for f in nbprod.check(path, isolated=True).findings}
    assert {"NB106", "NB201"} <= rules


def test_nb106_python2_notebook_hint(tmp_path: Path) -> None:
    from conftest import FIXTURES

    report = nbprod.check(FIXTURES / "python2_cells.ipynb", isolated=True, select=["NB106"])
    assert report.findings and all("Python 2" in f.message for f in report.findings)


def test_suppression_comment_silences_one_cell(make_notebook: Callable[..., Path]) -> None:
    path = make_notebook(
        [
            "import numpy as np",
            "a = np.random.rand()  # nbprod: ignore[NB201]",
            "b = np.random.rand()",
            "c = np.random.rand()  # nbprod: ignore[NB202, NB201]",
            "d = np.random.rand()  # nbprod: ignore",
            "e = np.random.rand()  # nbprod: ignore[NB202]",
        ]
    )
    report = nbprod.check(path, isolated=True, select=["NB201"])
    assert [f.cell for f in report.findings] == [2, 5]


def test_config_select_and_ignore_prefixes(make_notebook: Callable[..., Path]) -> None:
    path = make_notebook(["import numpy as np\nx = np.random.rand()", "print(ghost)"])
    only_nb2 = nbprod.check(path, isolated=True, select=["NB2"])
    assert only_nb2.findings and all(f.rule.startswith("NB2") for f in only_nb2.findings)
    no_nb2 = nbprod.check(path, isolated=True, ignore=["NB2"])
    assert no_nb2.findings and not any(f.rule.startswith("NB2") for f in no_nb2.findings)


def test_findings_carry_cell_ids_and_fix(make_notebook: Callable[..., Path]) -> None:
    path = make_notebook(["print(ghost)"])
    nb = read_notebook(path)
    (finding,) = nbprod.check(path, isolated=True, select=["NB105"]).findings
    assert finding.cell_id == nb.cells[0].id and finding.cell_id
    assert finding.fix == all_rules()["NB105"].fix and finding.severity == "error"


def test_qualified_names_resolve_however_imported(make_notebook: Callable[..., Path]) -> None:
    path = make_notebook(
        [
            "import numpy as np\nnp.random.seed(1)",
            "from numpy.random import seed\nseed(2)",
            "import numpy.random as npr\nnpr.seed(3)",
            "import numpy\nnumpy.random.seed(4)",
        ]
    )
    facts = analyze_notebook(read_notebook(path))
    seeds = [(cell.index, qual) for cell, call, qual in facts.calls() if call.leaf == "seed"]
    assert seeds == [(i, "numpy.random.seed") for i in range(4)]
    assert facts.qualify("np.random.seed") == "numpy.random.seed"
    assert facts.qualify("unknown.thing") == "unknown.thing"


def test_docs_rules_md_is_current() -> None:
    from conftest import REPO

    from nbprod.rules.docs import render

    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == render(), "docs/rules.md is stale: run `python -m nbprod.rules.docs`"
    for rule_id in all_rules():
        assert f"### {rule_id}" in committed


def test_nb202_semantics_match_scikit_learn() -> None:
    """What the rule assumes, checked against the installed scikit-learn: a global numpy
    seed fixes random_state=None, AdaBoost overwrites the inner random_state, lbfgs
    LogisticRegression and unshuffled KFold draw nothing, StackingClassifier has none."""
    sklearn = pytest.importorskip("sklearn")
    import numpy as np
    from sklearn.datasets import make_classification
    from sklearn.ensemble import AdaBoostClassifier, RandomForestClassifier, StackingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold
    from sklearn.tree import DecisionTreeClassifier

    X, y = make_classification(200, random_state=0)

    def forest() -> Any:
        return RandomForestClassifier(n_estimators=5).fit(X, y).predict_proba(X)

    np.random.seed(3)
    a = forest()
    np.random.seed(3)
    assert (a == forest()).all()  # the global seed decides random_state=None
    assert not (forest() == forest()).all()  # and without it, runs differ
    ada = AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=3, random_state=0).fit(X, y)
    assert all(e.random_state is not None for e in ada.estimators_)
    np.random.seed(None)
    c1 = LogisticRegression().fit(X, y).coef_
    c2 = LogisticRegression().fit(X, y).coef_
    assert (c1 == c2).all()
    splits = [[t.tolist() for t, _ in KFold(4).split(X)] for _ in range(2)]
    assert splits[0] == splits[1]
    assert "random_state" not in StackingClassifier([("lr", LogisticRegression())]).get_params()
    # DecisionTreeClassifier() with the default splitter still permutes the features at each
    # split, which decides between equally good splits: unseeded fits differ (NB202 reports it)
    from sklearn.tree import export_text

    Xi = np.random.RandomState(0).randint(0, 3, (200, 6))
    yi = np.random.RandomState(1).randint(0, 2, 200)
    np.random.seed(None)
    assert len({export_text(DecisionTreeClassifier().fit(Xi, yi)) for _ in range(10)}) > 1
    assert sklearn.__version__


def test_silencing_nb304_keeps_the_checklist_working(make_notebook: Callable[..., Path]) -> None:
    path = make_notebook([ML + "m = LogisticRegression()\nm.fit(X, y)  # nbprod: ignore[NB304]"])
    report = nbprod.check(path, isolated=True)
    assert not report.errors
    m4 = next(
        i for s in report.notebooks[0].extra["checklist"]["sections"] for i in s["items"] if i["id"] == "M4"
    )
    assert m4["score"] == 0 and "never saved" in m4["reason"]
    assert "NB304" not in {f.rule for f in report.findings}
