"""Leakage rules (NB301, NB307, NB308, NB309) and the data flow they follow, on real notebook files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from nbprod.analysis.facts import analyze_notebook
from nbprod.checker import check_paths
from nbprod.notebook import read_notebook

LEAK_RULES = ("NB301", "NB307", "NB308", "NB309")
DATA = Path(__file__).parent / "data" / "leakage"
IMPORTS = (
    "import numpy as np\nimport pandas as pd\n"
    "from sklearn.model_selection import train_test_split, cross_val_score, GridSearchCV, TimeSeriesSplit, StratifiedKFold\n"
    "from sklearn.preprocessing import StandardScaler, MinMaxScaler, LabelEncoder\n"
    "from sklearn.impute import SimpleImputer\n"
    "from sklearn.decomposition import PCA\n"
    "from sklearn.feature_selection import SelectKBest, VarianceThreshold\n"
    "from sklearn.feature_extraction.text import TfidfVectorizer\n"
    "from sklearn.pipeline import make_pipeline, Pipeline\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "from sklearn.ensemble import RandomForestClassifier\n"
    "from sklearn.neighbors import KNeighborsClassifier\n"
    "from sklearn.metrics import accuracy_score\n"
    "from sklearn.utils import resample\n"
    "from imblearn.over_sampling import SMOTE\n"
    "df = pd.read_csv('data.csv')"
)
SPLIT = "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)"
FIT_EVAL = "m = LogisticRegression().fit(X_train, y_train)\nprint(accuracy_score(y_test, m.predict(X_test)))"

# (id, cells after the imports cell, rules that must fire; every other leakage rule must stay quiet)
CASES: list[tuple[str, list[str], set[str]]] = [
    # -- NB301 fires ---------------------------------------------------------------
    ("scaler-before-split", ["X = StandardScaler().fit_transform(df.drop(columns='y'))\ny = df['y']", SPLIT, FIT_EVAL],
     {"NB301"}),
    ("chain-through-dataframe", ["df_clean = df.dropna()", "scaled = StandardScaler().fit_transform(df_clean)",
                                 "scaled_df = pd.DataFrame(scaled, columns=df_clean.columns)",
                                 "X = scaled_df.drop('y', axis=1).values\ny = df_clean['y']", SPLIT, FIT_EVAL],
     {"NB301"}),
    ("inplace-column-update", ["sc = MinMaxScaler()\ndf[['a', 'b']] = sc.fit_transform(df[['a', 'b']])",
                               "X = df[['a', 'b']]\ny = df.y", SPLIT, FIT_EVAL], {"NB301"}),
    ("label-encoder-feature", ["le = LabelEncoder()\nfor c in ['city', 'job']:\n    df[c] = le.fit_transform(df[c])",
                               "X = df.drop('y', axis=1)\ny = df['y']", SPLIT, FIT_EVAL], {"NB301"}),
    ("imputer", ["X = SimpleImputer(strategy='median').fit_transform(df[['a', 'b']])\ny = df.y", SPLIT, FIT_EVAL],
     {"NB301"}),
    ("pca", ["pca = PCA(5)\nX = pca.fit_transform(df.iloc[:, :-1])\ny = df.iloc[:, -1]", SPLIT, FIT_EVAL], {"NB301"}),
    ("select-k-best", ["X = SelectKBest(k=3).fit_transform(df.drop('y', axis=1), df['y'])\ny = df['y']", SPLIT,
                       FIT_EVAL], {"NB301"}),
    ("variance-threshold", ["vt = VarianceThreshold(0.1)\nvt.fit(df)\nX = vt.transform(df)\ny = df.y", SPLIT,
                            FIT_EVAL], {"NB301"}),
    ("tfidf", ["vec = TfidfVectorizer()\nX = vec.fit_transform(df['text'])\ny = df['label']", SPLIT, FIT_EVAL],
     {"NB301"}),
    ("fillna-mean", ["df['age'] = df['age'].fillna(df['age'].mean())", "X = df[['age']]\ny = df['y']", SPLIT,
                     FIT_EVAL], {"NB301"}),
    ("fillna-inplace-median", ["df['age'].fillna(df['age'].median(), inplace=True)",
                               "X = df[['age']].values\ny = df['y'].values", SPLIT, FIT_EVAL], {"NB301"}),
    ("fillna-mode-in-loop-over-frames", ["combine = [df]\nfor d in combine:\n    d['port'] = d['port'].fillna(d['port'].mode()[0])",
                                         "X = df.drop('y', axis=1)\ny = df['y']", SPLIT, FIT_EVAL], {"NB301"}),
    ("target-encoding-groupby", ["df['city_te'] = df.groupby('city')['y'].transform('mean')",
                                 "X = df[['city_te']]\ny = df['y']", SPLIT, FIT_EVAL], {"NB301"}),
    ("target-encoding-map", ["df['city_te'] = df['city'].map(df.groupby('city')['y'].mean())",
                             "X = df[['city_te']]\ny = df['y']", SPLIT, FIT_EVAL], {"NB301"}),
    ("fit-then-split-then-transform", ["sc = StandardScaler().fit(df[['a']])\nX = df[['a']]\ny = df.y", SPLIT,
                                       "X_train = sc.transform(X_train)\nX_test = sc.transform(X_test)", FIT_EVAL],
     {"NB301"}),
    ("fit-on-full-after-split", ["X = df[['a']]\ny = df.y", SPLIT,
                                 "sc = StandardScaler()\nsc.fit(X)\nX_train = sc.transform(X_train)\nX_test = sc.transform(X_test)",
                                 FIT_EVAL], {"NB301"}),
    ("helper-function", ["def scale(frame):\n    return StandardScaler().fit_transform(frame)",
                         "X = scale(df[['a', 'b']])\ny = df.y", SPLIT, FIT_EVAL], {"NB301"}),
    ("concat-train-test-for-fit", ["train = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')",
                                   "X_train, y_train = train[['a']], train.y\nX_test, y_test = test[['a']], test.y",
                                   "sc = StandardScaler().fit(pd.concat([X_train, X_test]))",
                                   "X_train = sc.transform(X_train)\nX_test = sc.transform(X_test)", FIT_EVAL],
     {"NB301"}),
    ("cv-on-scaled-full-data", ["X = StandardScaler().fit_transform(df[['a']])\ny = df.y",
                                "print(cross_val_score(LogisticRegression(), X, y, cv=5).mean())"], {"NB301"}),
    ("astype-copy-values", ["df2 = df.copy()\ndf2['a'] = df2['a'].fillna(df2['a'].median())",
                            "X = df2[['a']].astype(float).to_numpy()\ny = df2['y']", SPLIT, FIT_EVAL], {"NB301"}),
    ("scaling-by-max", ["X = df[['a', 'b']]\nX = X / X.max()\ny = df.y", SPLIT, FIT_EVAL], {"NB301"}),
    ("standardising-by-hand", ["df['a'] = (df['a'] - df['a'].mean()) / df['a'].std()", "X = df[['a']]\ny = df.y",
                               SPLIT, FIT_EVAL], {"NB301"}),
    ("loc-fill-with-median", ["df.loc[df.a.isna(), 'a'] = df.a.median()", "X = df[['a']]\ny = df.y", SPLIT, FIT_EVAL],
     {"NB301"}),
    ("apply-label-encoder", ["le = LabelEncoder()\nX = df[['c', 'd']].apply(le.fit_transform)\ny = df.y", SPLIT,
                             FIT_EVAL], {"NB301"}),
    ("fit-inside-time-magic", ["%time X = StandardScaler().fit_transform(df[['a']])\ny = df.y", SPLIT, FIT_EVAL],
     {"NB301"}),
    ("cell-that-does-not-parse", ["df = pd.read_csv('d.csv'\n    sep=';')\ndf['a'] = df['a'].fillna(df['a'].median())",
                                  "X = df[['a']]\ny = df.y", SPLIT, FIT_EVAL], {"NB301"}),
    # -- NB301 quiet -----------------------------------------------------------------
    ("fit-on-train-only", ["X = df[['a']]\ny = df.y", SPLIT,
                           "sc = StandardScaler()\nX_train = sc.fit_transform(X_train)\nX_test = sc.transform(X_test)",
                           FIT_EVAL], set()),
    ("pipeline-on-train", ["X = df[['a']]\ny = df.y", SPLIT,
                           "pipe = make_pipeline(StandardScaler(), LogisticRegression())\npipe.fit(X_train, y_train)\n"
                           "print(accuracy_score(y_test, pipe.predict(X_test)))"], set()),
    ("pipeline-in-cv", ["X = df[['a']]\ny = df.y",
                        "pipe = Pipeline([('sc', StandardScaler()), ('m', LogisticRegression())])\n"
                        "print(cross_val_score(pipe, X, y, cv=5))"], set()),
    ("get-dummies-and-fixed-map", ["df = pd.get_dummies(df, columns=['city'])\ndf['sex'] = df['sex'].map({'m': 0, 'f': 1})",
                                   "X = df.drop('y', axis=1)\ny = df.y", SPLIT, FIT_EVAL], set()),
    ("kaggle-train-test-files", ["train = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')",
                                 "full = pd.concat([train, test])\nfull['age'] = full['age'].fillna(full['age'].median())",
                                 "sc = StandardScaler().fit(full[['age']])",
                                 "X = sc.transform(full[:800][['age']])\ny = train['y']\nX_sub = sc.transform(full[800:][['age']])",
                                 "m = RandomForestClassifier(random_state=0).fit(X, y)\npred = m.predict(X_sub)"], set()),
    ("fillna-with-train-statistic", ["X = df[['age']]\ny = df.y", SPLIT,
                                     "X_train = X_train.fillna(X_train.mean())\nX_test = X_test.fillna(X_train.mean())",
                                     FIT_EVAL], set()),
    ("test-part-scaled-on-its-own", ["X = df[['a']]\ny = df.y", SPLIT,
                                     "X_train = StandardScaler().fit_transform(X_train)\nX_test = StandardScaler().fit_transform(X_test)",
                                     FIT_EVAL], set()),
    ("loc-fill-with-constant", ["df.loc[df.a.isna(), 'a'] = 0\ndf['b'] = df['b'] / 100", "X = df[['a', 'b']]\ny = df.y",
                                SPLIT, FIT_EVAL], set()),
    ("fit-on-unrelated-data", ["ref = pd.read_csv('reference.csv')\nsc = StandardScaler().fit(ref)",
                               "X = df[['a']]\ny = df.y", SPLIT, FIT_EVAL], set()),
    ("rebound-after-fit", ["sc = StandardScaler()\nsc.fit(df[['a']])\nX = pd.read_csv('other.csv')[['a']]\ny = df.y",
                           SPLIT, FIT_EVAL], set()),
    ("synthetic-data-generator", ["gen = PCA(2).fit(df[['a', 'b', 'c']])\nX = gen.inverse_transform(np.random.default_rng(0).normal(size=(100, 2)))\n"
                                  "y = (X[:, 0] > 0).astype(int)", SPLIT, FIT_EVAL], set()),
    ("label-encoder-on-target", ["X = df[['a', 'b']]\ny = LabelEncoder().fit_transform(df['label'])", SPLIT,
                                 FIT_EVAL], set()),
    ("time-series-split-per-fold", ["X = df[['a']].values\ny = df.y.values",
                                    "for tr, te in TimeSeriesSplit(5).split(X):\n    sc = StandardScaler().fit(X[tr])\n"
                                    "    m = LogisticRegression().fit(sc.transform(X[tr]), y[tr])\n"
                                    "    print(accuracy_score(y[te], m.predict(sc.transform(X[te]))))"], set()),
    ("unsplit-exploration-only", ["Z = StandardScaler().fit_transform(df[['a', 'b']])\nprint(PCA(2).fit(Z).explained_variance_ratio_)"],
     set()),
    ("statistic-reaches-only-the-labels", ["df['a'] = df['a'].fillna(df['a'].mean())\nX = other[['a']]\ny = df['y']",
                                           SPLIT, FIT_EVAL], set()),
    # -- NB309 ------------------------------------------------------------------------------
    ("scaler-on-train-then-cv", ["X = df[['a']]\ny = df.y", SPLIT,
                                 "sc = StandardScaler()\nX_train_s = sc.fit_transform(X_train)\nX_test_s = sc.transform(X_test)",
                                 "print(cross_val_score(LogisticRegression(), X_train_s, y_train, cv=5))",
                                 "m = LogisticRegression().fit(X_train_s, y_train)\nprint(accuracy_score(y_test, m.predict(X_test_s)))"],
     {"NB309"}),
    ("scaler-on-train-then-grid-search", ["X = df[['a']]\ny = df.y", SPLIT,
                                          "sc = StandardScaler().fit(X_train)\nXtr = sc.transform(X_train)\nXte = sc.transform(X_test)",
                                          "gs = GridSearchCV(LogisticRegression(), {'C': [0.1, 1]}, cv=5)\ngs.fit(Xtr, y_train)\n"
                                          "print(gs.score(Xte, y_test))"], {"NB309"}),
    ("scaler-on-train-then-validation-split", ["X = df[['a']]\ny = df.y", SPLIT,
                                               "X_train = StandardScaler().fit_transform(X_train)",
                                               "X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, random_state=0)",
                                               "m = LogisticRegression().fit(X_tr, y_tr)\nprint(m.score(X_val, y_val))"],
     {"NB309"}),
    # -- NB307 --------------------------------------------------------------------------------
    ("smote-before-split", ["X = df.drop('y', axis=1)\ny = df.y",
                            "X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)",
                            "X_train, X_test, y_train, y_test = train_test_split(X_res, y_res, random_state=0)", FIT_EVAL],
     {"NB307"}),
    ("resample-minority-before-split", ["minority = df[df.y == 1]\nmajority = df[df.y == 0]",
                                        "up = resample(minority, replace=True, n_samples=len(majority), random_state=0)",
                                        "df_bal = pd.concat([majority, up])\nX = df_bal.drop('y', axis=1)\ny = df_bal.y",
                                        SPLIT, FIT_EVAL], {"NB307"}),
    ("sample-with-replacement", ["boot = df.sample(frac=2, replace=True, random_state=0)\nX = boot[['a']]\ny = boot.y",
                                 SPLIT, FIT_EVAL], {"NB307"}),
    ("duplicated-rows-concat", ["df = pd.concat([df, df[df.y == 1]])\nX = df[['a']]\ny = df.y", SPLIT, FIT_EVAL],
     {"NB307"}),
    ("smote-before-cv", ["X = df.drop('y', axis=1)\ny = df.y\nXr, yr = SMOTE(random_state=0).fit_resample(X, y)",
                         "print(cross_val_score(RandomForestClassifier(random_state=0), Xr, yr, cv=5))"], {"NB307"}),
    ("fit-on-full-score-on-test", ["X = df[['a']]\ny = df.y", SPLIT,
                                   "m = RandomForestClassifier(random_state=0)\nm.fit(X, y)\nprint(m.score(X_test, y_test))"],
     {"NB307"}),
    ("only-training-score", ["X = df[['a']]\ny = df.y",
                             "m = RandomForestClassifier(random_state=0)\nm.fit(X, y)\nacc = round(m.score(X, y) * 100, 2)\nprint(acc)"],
     {"NB307"}),
    ("fit-returns-the-model", ["X = df[['a']]\ny = df.y", "lr = LogisticRegression()\nreg = lr.fit(X, y)\nprint(reg.score(X, y))"],
     {"NB307"}),
    ("augmentation-before-split", ["def augment_rows(frame):\n    return frame.assign(a=frame.a + 0.01)",
                                   "df = pd.concat([df, augment_rows(df)])\nX = df[['a']]\ny = df.y", SPLIT, FIT_EVAL],
     {"NB307"}),
    # -- NB307 quiet ------------------------------------------------------------------------------
    ("smote-on-train-only", ["X = df.drop('y', axis=1)\ny = df.y", SPLIT,
                             "X_sm, y_sm = SMOTE(random_state=0).fit_resample(X_train, y_train)",
                             "m = LogisticRegression().fit(X_sm, y_sm)\nprint(accuracy_score(y_test, m.predict(X_test)))"],
     set()),
    ("train-and-test-scores", ["X = df[['a']]\ny = df.y", SPLIT,
                               "m = LogisticRegression().fit(X_train, y_train)\nprint(m.score(X_train, y_train))\n"
                               "print(m.score(X_test, y_test))"], set()),
    ("column-concat", ["X = pd.concat([df[['a']], pd.get_dummies(df['city'])], axis=1)\ny = df.y", SPLIT, FIT_EVAL],
     set()),
    ("downsample-majority", ["minority = df[df.y == 1]\nmajority = df[df.y == 0].sample(n=100, random_state=0)",
                             "bal = pd.concat([majority, minority])\nX = bal[['a']]\ny = bal.y", SPLIT, FIT_EVAL], set()),
    ("kaggle-concat-train-test", ["train = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')\ndata = pd.concat([train, test])",
                                  "X = train[['a']]\ny = train.y", SPLIT, FIT_EVAL], set()),
    ("shuffle-with-sample-frac-1", ["df = df.sample(frac=1, random_state=0)\nX = df[['a']]\ny = df.y", SPLIT, FIT_EVAL],
     set()),
    # -- NB308 ------------------------------------------------------------------------------------
    ("k-loop-on-test", ["X = df[['a']]\ny = df.y", SPLIT,
                        "scores = []\nfor k in range(1, 20):\n    knn = KNeighborsClassifier(n_neighbors=k)\n"
                        "    knn.fit(X_train, y_train)\n    scores.append(knn.score(X_test, y_test))",
                        "best_k = int(np.argmax(scores)) + 1\nprint(best_k, max(scores))"], {"NB308"}),
    ("models-loop-keep-best", ["X = df[['a']]\ny = df.y", SPLIT,
                               "models = {'lr': LogisticRegression(), 'rf': RandomForestClassifier(random_state=0)}\n"
                               "best, best_acc = None, 0\nfor name, model in models.items():\n"
                               "    model.fit(X_train, y_train)\n    acc = accuracy_score(y_test, model.predict(X_test))\n"
                               "    if acc > best_acc:\n        best, best_acc = name, acc"], {"NB308"}),
    ("models-in-cells-ranked", ["X = df[['a']]\ny = df.y", SPLIT,
                                "lr = LogisticRegression().fit(X_train, y_train)\nacc_lr = accuracy_score(y_test, lr.predict(X_test))",
                                "rf = RandomForestClassifier(random_state=0).fit(X_train, y_train)\nacc_rf = rf.score(X_test, y_test)",
                                "res = pd.DataFrame({'model': ['lr', 'rf'], 'acc': [acc_lr, acc_rf]})\nres.sort_values('acc', ascending=False)"],
     {"NB308"}),
    ("test-arrays-from-cells-not-shown", ["best = 0\nfor c in [0.1, 1, 10]:\n    m = LogisticRegression(C=c).fit(Xtrain, ytrain)\n"
                                          "    s = m.score(Xtest, ytest)\n    if s > best:\n        best = s"], {"NB308"}),
    # -- NB308 quiet ----------------------------------------------------------------------------------
    ("choice-on-validation-split", ["X = df[['a']]\ny = df.y", SPLIT,
                                    "X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, random_state=0)",
                                    "scores = []\nfor k in range(1, 20):\n    knn = KNeighborsClassifier(n_neighbors=k).fit(X_tr, y_tr)\n"
                                    "    scores.append(knn.score(X_val, y_val))",
                                    "best_k = int(np.argmax(scores)) + 1\nfinal = KNeighborsClassifier(best_k).fit(X_train, y_train)\n"
                                    "print(final.score(X_test, y_test))"], set()),
    ("grid-search-then-test-once", ["X = df[['a']]\ny = df.y", SPLIT,
                                    "gs = GridSearchCV(make_pipeline(StandardScaler(), KNeighborsClassifier()), {'kneighborsclassifier__n_neighbors': [1, 3, 5]}, cv=5)\n"
                                    "gs.fit(X_train, y_train)\nprint(gs.best_params_, gs.score(X_test, y_test))"], set()),
    # -- helpers followed at their call (round 2 held-out misses) ---------------------------------------
    ("helper-fits-on-its-copy-before-split", ["def prep(frame):\n    d = frame.copy()\n    sc = StandardScaler()\n"
                                              "    d[['a']] = sc.fit_transform(d[['a']])\n    return d[['a']], d['y']",
                                              "X, y = prep(df)", SPLIT, FIT_EVAL], {"NB301"}),
    ("helper-fits-and-splits-inside", ["def train(frame):\n    vec = TfidfVectorizer()\n    X = vec.fit_transform(frame['text'])\n"
                                       "    X_tr, X_te, y_tr, y_te = train_test_split(X, frame['y'], random_state=0)\n"
                                       "    m = LogisticRegression().fit(X_tr, y_tr)\n    return m.score(X_te, y_te)",
                                       "print(train(df))"], {"NB301"}),
    ("helper-splits-then-fits-train-part", ["def train(frame):\n    X_tr, X_te, y_tr, y_te = train_test_split(frame[['a']], frame['y'], random_state=0)\n"
                                            "    sc = StandardScaler().fit(X_tr)\n    m = LogisticRegression().fit(sc.transform(X_tr), y_tr)\n"
                                            "    return m.score(sc.transform(X_te), y_te)",
                                            "print(train(df))"], set()),
    ("nested-helpers-resample-before-split", ["def balance(d):\n    minor = d[d.y == 1]\n    up = resample(minor, replace=True, n_samples=100)\n"
                                              "    return pd.concat([d[d.y == 0], up])",
                                              "def prep(d):\n    b = balance(d)\n    return train_test_split(b[['a']], b['y'], random_state=0)",
                                              "X_train, X_test, y_train, y_test = prep(df)", FIT_EVAL], {"NB307"}),
    ("helper-resamples-train-part-only", ["def balance(d):\n    minor = d[d.y == 1]\n    up = resample(minor, replace=True, n_samples=100)\n"
                                          "    return pd.concat([d[d.y == 0], up])",
                                          "train, test = train_test_split(df, random_state=0)\ntrain_b = balance(train)",
                                          "m = LogisticRegression().fit(train_b[['a']], train_b.y)\nprint(m.score(test[['a']], test.y))"], set()),
    ("helper-loop-keeps-best-on-test", ["X = df[['a']]\ny = df.y", SPLIT,
                                        "def pick():\n    best_acc, best_model = 0, None\n    for c in [0.1, 1, 10]:\n"
                                        "        m = LogisticRegression(C=c).fit(X_train, y_train)\n        acc = accuracy_score(y_test, m.predict(X_test))\n"
                                        "        if acc > best_acc:\n            best_acc, best_model = acc, m\n    return best_model",
                                        "model = pick()"], {"NB308"}),
    ("helper-loop-keeps-best-by-cv", ["X = df[['a']]\ny = df.y", SPLIT,
                                      "def pick():\n    best, best_c = 0, None\n    for c in [0.1, 1, 10]:\n"
                                      "        s = cross_val_score(LogisticRegression(C=c), X_train, y_train, cv=5).mean()\n"
                                      "        if s > best:\n            best, best_c = s, c\n    return best_c",
                                      "c = pick()", "print(LogisticRegression(C=c).fit(X_train, y_train).score(X_test, y_test))"], set()),
    ("threshold-chosen-on-test", ["X = df[['a']]\ny = df.y", SPLIT,
                                  "m = LogisticRegression().fit(X_train, y_train)\nproba = m.predict_proba(X_test)[:, 1]",
                                  "best_acc, best_t = 0, 0.5\nfor t in np.linspace(0, 1, 21):\n"
                                  "    acc = accuracy_score(y_test, (proba >= t).astype(int))\n"
                                  "    if acc > best_acc:\n        best_acc, best_t = acc, t"], {"NB308"}),
    ("threshold-chosen-on-validation", ["X = df[['a']]\ny = df.y", SPLIT,
                                        "X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, random_state=0)",
                                        "m = LogisticRegression().fit(X_tr, y_tr)\nproba = m.predict_proba(X_val)[:, 1]",
                                        "best_acc, best_t = 0, 0.5\nfor t in np.linspace(0, 1, 21):\n"
                                        "    acc = accuracy_score(y_val, (proba >= t).astype(int))\n"
                                        "    if acc > best_acc:\n        best_acc, best_t = acc, t"], set()),
    ("features-chosen-on-test-in-loop", ["X = df.drop(columns='y')\ny = df.y", SPLIT,
                                         "best_acc, best_k = 0, 0\nfor k in range(1, 5):\n    sel = SelectKBest(k=k).fit(X_train, y_train)\n"
                                         "    Xte = sel.transform(X_test)\n    m = LogisticRegression().fit(sel.transform(X_train), y_train)\n"
                                         "    acc = accuracy_score(y_test, m.predict(Xte))\n    if acc > best_acc:\n        best_acc, best_k = acc, k"],
     {"NB308"}),
    ("test-split-loaded-best-kept", ["import pickle\nX_train, X_test, y_train, y_test = pickle.load(open('split.pkl', 'rb'))",
                                     "best_acc = 0\nfor m in [LogisticRegression(), RandomForestClassifier()]:\n    m.fit(X_train, y_train)\n"
                                     "    preds = m.predict(X_test)\n    acc = accuracy_score(y_test, preds)\n"
                                     "    if acc > best_acc:\n        best_acc, best_model = acc, m"], {"NB308"}),
    ("validation-split-loaded-best-kept", ["import pickle\nX_train, X_val, y_train, y_val = pickle.load(open('split.pkl', 'rb'))",
                                           "best_acc = 0\nfor m in [LogisticRegression(), RandomForestClassifier()]:\n    m.fit(X_train, y_train)\n"
                                           "    preds = m.predict(X_val)\n    acc = accuracy_score(y_val, preds)\n"
                                           "    if acc > best_acc:\n        best_acc, best_model = acc, m"], set()),
    # -- positional (slice) splits and functional boosters --------------------------------------------
    ("scaler-before-slice-split", ["df[['a']] = StandardScaler().fit_transform(df[['a']])",
                                   "n = int(len(df) * 0.8)\ntrain, test = df[:n], df[n:]",
                                   "m = LogisticRegression().fit(train[['a']], train.y)\nprint(m.score(test[['a']], test.y))"],
     {"NB301"}),
    ("minmax-before-iloc-split-two-lines", ["X = MinMaxScaler().fit_transform(df[['a', 'b']])\ny = df['y'].values",
                                            "X_train = X[:700]\nX_test = X[700:]\ny_train, y_test = y[:700], y[700:]", FIT_EVAL],
     {"NB301"}),
    ("slice-split-then-scaler-on-train", ["n = 800\ntrain = df.iloc[:n]\ntest = df.iloc[n:]",
                                          "sc = StandardScaler().fit(train[['a']])\n"
                                          "m = LogisticRegression().fit(sc.transform(train[['a']]), train.y)\n"
                                          "print(m.score(sc.transform(test[['a']]), test.y))"], set()),
    ("column-slices-are-not-splits", ["X = df.iloc[:, :-1]\ny = df.iloc[:, -1]\nhead = df[:5]",
                                      "X = StandardScaler().fit_transform(X)", "m = LogisticRegression().fit(X, y)"], set()),
    ("xgb-train-scored-on-its-training-rows", ["import xgboost as xgb\nX = df[['a']]\ny = df.y\ndtrain = xgb.DMatrix(X, label=y)",
                                               "bst = xgb.train({'objective': 'binary:logistic'}, dtrain, 50)",
                                               "print(accuracy_score(y, bst.predict(dtrain) > 0.5))"], {"NB307"}),
    ("xgb-train-scored-on-test", ["import xgboost as xgb\nX = df[['a']]\ny = df.y", SPLIT,
                                  "dtrain = xgb.DMatrix(X_train, label=y_train)\ndtest = xgb.DMatrix(X_test)",
                                  "bst = xgb.train({'objective': 'binary:logistic'}, dtrain, 50)",
                                  "print(accuracy_score(y_test, bst.predict(dtest) > 0.5))"], set()),
    ("lgb-rounds-chosen-on-test", ["import lightgbm as lgb\nX = df[['a']]\ny = df.y", SPLIT,
                                   "best_acc = 0\nfor rounds in [50, 100, 200]:\n"
                                   "    bst = lgb.train({'objective': 'binary'}, lgb.Dataset(X_train, y_train), rounds)\n"
                                   "    acc = accuracy_score(y_test, bst.predict(X_test) > 0.5)\n"
                                   "    if acc > best_acc:\n        best_acc, best_rounds = acc, rounds"], {"NB308"}),
    # -- a loop that splits and fits, a comprehension that scores (held-out-3 misses) ---------------
    ("split-then-scale-inside-loop", ["X = df[['a']].values\ny = df.y.values",
                                      "for seed in [0, 1]:\n    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=seed)\n"
                                      "    sc = StandardScaler()\n    X_tr_s = sc.fit_transform(X_tr)\n    X_te_s = sc.transform(X_te)\n"
                                      "    m = LogisticRegression().fit(X_tr_s, y_tr)\n    print(m.score(X_te_s, y_te))"], set()),
    ("scale-then-split-inside-loop", ["X = df[['a']].values\ny = df.y.values",
                                      "for seed in [0, 1]:\n    Xs = StandardScaler().fit_transform(X)\n"
                                      "    X_tr, X_te, y_tr, y_te = train_test_split(Xs, y, random_state=seed)\n"
                                      "    m = LogisticRegression().fit(X_tr, y_tr)\n    print(m.score(X_te, y_te))"], {"NB301"}),
    ("comprehension-scores-best-kept", ["X = df[['a']]\ny = df.y", SPLIT,
                                        "models = []\nfor c in [0.1, 1, 10]:\n    models.append(LogisticRegression(C=c).fit(X_train, y_train))",
                                        "test_scores = [m.score(X_test, y_test) for m in models]",
                                        "best = models[test_scores.index(max(test_scores))]"], {"NB308"}),
    ("comprehension-scores-listed", ["X = df[['a']]\ny = df.y", SPLIT,
                                     "models = []\nfor c in [0.1, 1, 10]:\n    models.append(LogisticRegression(C=c).fit(X_train, y_train))",
                                     "test_scores = [m.score(X_test, y_test) for m in models]\nprint(test_scores)"], set()),
    ("models-printed-not-chosen", ["X = df[['a']]\ny = df.y", SPLIT,
                                   "for model in [LogisticRegression(), RandomForestClassifier(random_state=0)]:\n"
                                   "    model.fit(X_train, y_train)\n    print(type(model).__name__, model.score(X_test, y_test))"],
     set()),
    # -- held-out-4 patterns: function scalers, np.split, column fits, fits on every row, stopping, picks -----------
    ("preprocessing-scale-function", ["from sklearn import preprocessing\nX = preprocessing.scale(df[['a', 'b']])\ny = df.y",
                                      SPLIT, FIT_EVAL], {"NB301"}),
    ("minmax-scale-imported-function", ["from sklearn.preprocessing import minmax_scale\nX = minmax_scale(df[['a']])\ny = df.y",
                                        SPLIT, FIT_EVAL], {"NB301"}),
    ("normalize-rows-learns-nothing", ["from sklearn.preprocessing import normalize\nX = normalize(df[['a', 'b']])\ny = df.y",
                                       SPLIT, FIT_EVAL], set()),
    ("scale-function-on-train-part", ["from sklearn import preprocessing\nX = df[['a']]\ny = df.y", SPLIT,
                                      "X_train = preprocessing.scale(X_train)",
                                      "m = LogisticRegression().fit(X_train, y_train)"], set()),
    ("scaler-then-np-split", ["df[['a', 'b']] = StandardScaler().fit_transform(df[['a', 'b']])",
                              "train, test = np.split(df.sample(frac=1), [int(0.8 * len(df))])",
                              "m = LogisticRegression().fit(train[['a', 'b']], train.y)\nprint(m.score(test[['a', 'b']], test.y))"],
     {"NB301"}),
    ("np-split-three-parts-then-scaler", ["X = df[['a', 'b']].values\ny = df.y.values",
                                          "X_train, X_val, X_test = np.split(X, [600, 800])\ny_train, y_val, y_test = np.split(y, [600, 800])",
                                          "sc = StandardScaler().fit(X_train)\nm = LogisticRegression().fit(sc.transform(X_train), y_train)",
                                          "print(m.score(sc.transform(X_test), y_test))"], set()),
    ("label-encoder-on-target-column-then-dropped", ["df['y'] = LabelEncoder().fit_transform(df['y'])",
                                                     "X = df.drop('y', axis=1)\ny = df['y']", SPLIT, FIT_EVAL], set()),
    ("scaler-on-target-column-before-split", ["df['y'] = StandardScaler().fit_transform(df[['y']])",
                                              "X = df.drop(columns=['y'])\ny = df['y']", SPLIT,
                                              "m = LogisticRegression().fit(X_train, y_train)\nprint(m.score(X_test, y_test))"],
     {"NB301"}),
    ("scaler-on-target-array-before-split", ["X = df[['a']]\nsc_y = StandardScaler()\ny = sc_y.fit_transform(df[['y']])",
                                             SPLIT, "m = LogisticRegression().fit(X_train, y_train)\nprint(m.score(X_test, y_test))"],
     {"NB301"}),
    ("scaled-column-dropped-before-split", ["df['b'] = StandardScaler().fit_transform(df[['b']])",
                                            "X = df.drop(['b', 'y'], axis=1)\ny = df['y']", SPLIT, FIT_EVAL], set()),
    ("scaled-column-kept-before-split", ["df['b'] = StandardScaler().fit_transform(df[['b']])",
                                         "X = df.drop(['y'], axis=1)\ny = df['y']", SPLIT, FIT_EVAL], {"NB301"}),
    ("fit-on-all-rows-predicts-test", ["X = df[['a']]\ny = df.y", SPLIT, "m = LogisticRegression()\nm.fit(X, y)\npred = m.predict(X_test)"],
     {"NB307"}),
    ("fit-on-all-rows-predicts-competition-file", ["X = df[['a']]\ny = df.y\nX_test = pd.read_csv('test.csv')[['a']]",
                                                   "m = LogisticRegression()\nm.fit(X, y)\npred = m.predict(X_test)"], set()),
    ("fit-on-train-predicts-test", ["X = df[['a']]\ny = df.y", SPLIT,
                                    "m = LogisticRegression()\nm.fit(X_train, y_train)\npred = m.predict(X_test)"], set()),
    ("xgb-early-stopping-on-test", ["from xgboost import XGBClassifier\nX = df[['a']]\ny = df.y", SPLIT,
                                    "m = XGBClassifier(n_estimators=500)\n"
                                    "m.fit(X_train, y_train, eval_set=[(X_train, y_train), (X_test, y_test)], early_stopping_rounds=20)",
                                    "print(accuracy_score(y_test, m.predict(X_test)))"], {"NB308"}),
    ("xgb-early-stopping-set-in-constructor", ["from xgboost import XGBClassifier\nX = df[['a']]\ny = df.y", SPLIT,
                                               "m = XGBClassifier(n_estimators=500, early_stopping_rounds=20)\n"
                                               "m.fit(X_train, y_train, eval_set=[(X_test, y_test)])",
                                               "print(m.score(X_test, y_test))"], {"NB308"}),
    ("keras-early-stopping-on-test", ["from keras.callbacks import EarlyStopping\nX = df[['a']]\ny = df.y", SPLIT,
                                      "model.fit(X_train, y_train, validation_data=(X_test, y_test), "
                                      "callbacks=[EarlyStopping(patience=3, restore_best_weights=True)])",
                                      "print(model.evaluate(X_test, y_test))"], {"NB308"}),
    ("xgb-test-only-monitored", ["from xgboost import XGBClassifier\nX = df[['a']]\ny = df.y", SPLIT,
                                 "m = XGBClassifier(n_estimators=100)\nm.fit(X_train, y_train, eval_set=[(X_test, y_test)])",
                                 "print(accuracy_score(y_test, m.predict(X_test)))"], set()),
    ("xgb-early-stopping-on-validation", ["from xgboost import XGBClassifier\nX = df[['a']]\ny = df.y", SPLIT,
                                          "X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, random_state=0)",
                                          "m = XGBClassifier(n_estimators=500)\n"
                                          "m.fit(X_tr, y_tr, eval_set=[(X_val, y_val)], early_stopping_rounds=20)",
                                          "print(accuracy_score(y_test, m.predict(X_test)))"], set()),
    ("setting-typed-in-after-test-sweep", ["X = df[['a']]\ny = df.y", SPLIT,
                                           "test_acc = []\nfor n in range(1, 11):\n    knn = KNeighborsClassifier(n_neighbors=n)\n"
                                           "    knn.fit(X_train, y_train)\n    test_acc.append(knn.score(X_test, y_test))",
                                           "knn = KNeighborsClassifier(n_neighbors=9)\nknn.fit(X_train, y_train)\n"
                                           "print(knn.score(X_test, y_test))"], {"NB308"}),
    ("setting-outside-the-sweep", ["X = df[['a']]\ny = df.y", SPLIT,
                                   "test_acc = []\nfor n in range(1, 11):\n    knn = KNeighborsClassifier(n_neighbors=n)\n"
                                   "    knn.fit(X_train, y_train)\n    test_acc.append(knn.score(X_test, y_test))",
                                   "knn = KNeighborsClassifier(n_neighbors=25)\nknn.fit(X_train, y_train)\n"
                                   "print(knn.score(X_test, y_test))"], set()),
    ("setting-typed-in-after-validation-sweep", ["X = df[['a']]\ny = df.y", SPLIT,
                                                 "X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, random_state=0)",
                                                 "val_acc = []\nfor n in range(1, 11):\n    knn = KNeighborsClassifier(n_neighbors=n)\n"
                                                 "    knn.fit(X_tr, y_tr)\n    val_acc.append(knn.score(X_val, y_val))",
                                                 "knn = KNeighborsClassifier(n_neighbors=9)\nknn.fit(X_train, y_train)\n"
                                                 "print(knn.score(X_test, y_test))"], set()),
    ("kfold-setting-chosen-on-each-fold-test-part", ["from sklearn.model_selection import KFold\nX = df[['a']].values\n"
                                                     "y = df.y.values\nkf = KFold(n_splits=5)",
                                                     "fold_best = []\nfor tr, te in kf.split(X, y):\n"
                                                     "    X_tr, X_te, y_tr, y_te = X[tr], X[te], y[tr], y[te]\n    scores = []\n"
                                                     "    for k in range(1, 20):\n        knn = KNeighborsClassifier(n_neighbors=k).fit(X_tr, y_tr)\n"
                                                     "        scores.append(knn.score(X_te, y_te))\n    fold_best.append(max(scores))\n"
                                                     "print(np.mean(fold_best))"], {"NB308"}),
    ("kfold-fold-scores-summarised", ["from sklearn.model_selection import KFold\nX = df[['a']].values\n"
                                      "y = df.y.values\nkf = KFold(n_splits=5)",
                                      "scores = []\nfor tr, te in kf.split(X, y):\n"
                                      "    knn = KNeighborsClassifier(n_neighbors=5).fit(X[tr], y[tr])\n"
                                      "    scores.append(knn.score(X[te], y[te]))\nprint(max(scores), np.mean(scores))"], set()),
    # -- held-out-5 patterns: quantile bins, a statistic held by a name, folds alone, a scoring helper -------------
    ("qcut-bins-before-split", ["df['age_bin'] = pd.qcut(df['age'], 4, labels=False)", "X = df[['age_bin']]\ny = df.y",
                                SPLIT, FIT_EVAL], {"NB301"}),
    ("cut-with-given-edges-learns-nothing", ["df['age_bin'] = pd.cut(df['age'], bins=[0, 18, 65, 120], labels=False)",
                                             "X = df[['age_bin']]\ny = df.y", SPLIT, FIT_EVAL], set()),
    ("mean-held-by-a-name-before-split", ["for c in ['a', 'b']:\n    m = df[c].mean()\n    df[c] = df[c].replace(0, m)",
                                          "X = df[['a', 'b']]\ny = df.y", SPLIT, FIT_EVAL], {"NB301"}),
    ("train-mean-held-by-a-name-fills-test", ["X = df[['a']]\ny = df.y", SPLIT,
                                              "m = X_train['a'].mean()\nX_train['a'] = X_train['a'].fillna(m)\n"
                                              "X_test['a'] = X_test['a'].fillna(m)", FIT_EVAL], set()),
    ("scoring-helper-in-a-loop-best-kept-on-test", ["X = df[['a']]\ny = df.y", SPLIT,
                                                    "def evaluate(model, X_, y_):\n    return accuracy_score(y_, model.predict(X_))",
                                                    "def pick(X_tr, y_tr, X_te, y_te):\n    scores = []\n    for c in [0.1, 1, 10]:\n"
                                                    "        m = LogisticRegression(C=c).fit(X_tr, y_tr)\n"
                                                    "        scores.append((m, evaluate(m, X_te, y_te)))\n"
                                                    "    return sorted(scores, key=lambda s: s[1], reverse=True)[0][0]",
                                                    "best = pick(X_train, y_train, X_test, y_test)\nprint(evaluate(best, X_test, y_test))"],
     {"NB308"}),
    ("scoring-helper-in-a-loop-best-kept-on-validation", ["X = df[['a']]\ny = df.y", SPLIT,
                                                          "X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, random_state=0)",
                                                          "def evaluate(model, X_, y_):\n    return accuracy_score(y_, model.predict(X_))",
                                                          "def pick(X_tr, y_tr, X_te, y_te):\n    scores = []\n    for c in [0.1, 1, 10]:\n"
                                                          "        m = LogisticRegression(C=c).fit(X_tr, y_tr)\n"
                                                          "        scores.append((m, evaluate(m, X_te, y_te)))\n"
                                                          "    return sorted(scores, key=lambda s: s[1], reverse=True)[0][0]",
                                                          "best = pick(X_tr, y_tr, X_val, y_val)\nprint(evaluate(best, X_test, y_test))"],
     set()),
    # -- held-out-6 patterns: a script's main guard, fits on the test part alone, a validation split after
    # the fit, columns chosen by a score on every row, a split inside the loop that picks --------------------
    ("helper-called-under-main-guard-fits-then-splits",
     ["def prep(f):\n    d = pd.read_csv(f)\n    d.fillna(d.mean(), inplace=True)\n    X = StandardScaler().fit_transform(d.drop('y', axis=1))\n"
      "    X_train, X_test, y_train, y_test = train_test_split(X, d['y'])\n    np.savez('out.npz', X_train=X_train, X_test=X_test)\n\n"
      "if __name__ == '__main__':\n    prep('data.csv')"], {"NB301"}),
    ("helper-called-under-main-guard-splits-then-fits",
     ["def prep(f):\n    d = pd.read_csv(f)\n    X_train, X_test, y_train, y_test = train_test_split(d.drop('y', axis=1), d['y'])\n"
      "    sc = StandardScaler().fit(X_train)\n    np.savez('out.npz', X_train=sc.transform(X_train), X_test=sc.transform(X_test))\n\n"
      "if __name__ == '__main__':\n    prep('data.csv')"], set()),
    ("encoder-fit-on-test-part-applied-to-test-part",
     ["X = df[['a', 'city']]\ny = df.y", SPLIT,
      "from sklearn.preprocessing import OrdinalEncoder\nenc = OrdinalEncoder()\nenc.fit(X_test[['city']])\n"
      "X_test[['city']] = enc.transform(X_test[['city']])", FIT_EVAL], set()),
    ("encoder-fit-on-test-part-applied-to-training-part",
     ["X = df[['a', 'city']]\ny = df.y", SPLIT,
      "from sklearn.preprocessing import OrdinalEncoder\nenc = OrdinalEncoder()\nenc.fit(X_test[['city']])\n"
      "X_train[['city']] = enc.transform(X_train[['city']])\nX_test[['city']] = enc.transform(X_test[['city']])", FIT_EVAL],
     {"NB301"}),
    ("scaler-on-train-part-after-its-validation-split",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, random_state=0)",
      "sc = StandardScaler()\nsc.fit(X_train)\nX_tr = sc.transform(X_tr)\nX_val = sc.transform(X_val)\nX_test = sc.transform(X_test)",
      "m = LogisticRegression().fit(X_tr, y_tr)\nprint(accuracy_score(y_val, m.predict(X_val)))\nprint(accuracy_score(y_test, m.predict(X_test)))"],
     {"NB309"}),
    ("scaler-on-unsplit-rows-after-the-split",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "sc = StandardScaler()\nsc.fit(X)\nX_train = sc.transform(X_train)\nX_test = sc.transform(X_test)", FIT_EVAL],
     {"NB301"}),
    ("forward-selection-scored-on-every-row-then-split",
     ["Xa = df.drop('y', axis=1).values\nnames = list(df.drop('y', axis=1).columns)\nchosen = []",
      "for step in range(3):\n    best_acc, best_i = 0, None\n    for i in range(Xa.shape[1]):\n"
      "        m = LogisticRegression().fit(Xa[:, chosen + [i]], df['y'])\n"
      "        acc = accuracy_score(df['y'], m.predict(Xa[:, chosen + [i]]))\n"
      "        if acc > best_acc:\n            best_acc, best_i = acc, i\n    chosen.append(best_i)",
      "X = df[[names[i] for i in chosen]]\ny = df['y']", SPLIT, FIT_EVAL], {"NB301"}),
    ("forward-selection-scored-on-training-part",
     ["X = df.drop('y', axis=1)\ny = df['y']", SPLIT, "names = list(X.columns)\nchosen = []",
      "for step in range(3):\n    best_acc, best_i = 0, None\n    for i in range(len(names)):\n"
      "        cols = [names[j] for j in chosen + [i]]\n        m = LogisticRegression().fit(X_train[cols], y_train)\n"
      "        acc = accuracy_score(y_train, m.predict(X_train[cols]))\n"
      "        if acc > best_acc:\n            best_acc, best_i = acc, i\n    chosen.append(best_i)",
      "cols = [names[j] for j in chosen]\nm = LogisticRegression().fit(X_train[cols], y_train)\n"
      "print(accuracy_score(y_test, m.predict(X_test[cols])))"], set()),
    ("split-inside-the-loop-best-kept-by-test-accuracy",
     ["best_acc, best_f = 0, None\nfor f in ['a', 'b', 'c']:\n"
      "    X_train, X_test, y_train, y_test = train_test_split(df[[f]], df.y, random_state=0)\n"
      "    m = LogisticRegression().fit(X_train, y_train)\n    acc = accuracy_score(y_test, m.predict(X_test))\n"
      "    if acc > best_acc:\n        best_acc, best_f = acc, f\nprint(best_f, best_acc)"], {"NB308"}),
    ("split-inside-the-loop-test-accuracy-only-printed",
     ["for f in ['a', 'b', 'c']:\n"
      "    X_train, X_test, y_train, y_test = train_test_split(df[[f]], df.y, random_state=0)\n"
      "    m = LogisticRegression().fit(X_train, y_train)\n    print(f, accuracy_score(y_test, m.predict(X_test)))"], set()),
    # -- held-out-7 patterns: a main() that calls the helpers, a positional split helper, a metric
    # helper, a search refit on every row, training scores only, the label column coded on the frame,
    # a search's own best in a printing loop, deep-learning loops that keep the best test pass, a
    # labelled test file beside a validation split ------------------------------------------------------------
    ("main-calls-helpers-fill-then-cut-best-by-test",
     ["def load(f):\n    d = pd.read_csv(f)\n    d[['a', 'b']] = d[['a', 'b']].fillna(d[['a', 'b']].median())\n    return d\n\n"
      "def cut(d):\n    n = len(d)\n    k = int(0.2 * n)\n    tr = d.iloc[:n - k]\n    te = d.iloc[n - k:]\n"
      "    return tr[['a', 'b']], te[['a', 'b']], tr['y'], te['y']\n\n"
      "def run(m, X_train, y_train, X_test, y_test):\n    m.fit(X_train, y_train)\n    return accuracy_score(y_test, m.predict(X_test))\n\n"
      "def main():\n    d = load('data.csv')\n    X_train, X_test, y_train, y_test = cut(d)\n    results = {}\n"
      "    for name, m in {'lr': LogisticRegression(), 'rf': RandomForestClassifier()}.items():\n"
      "        results[name] = run(m, X_train, y_train, X_test, y_test)\n    best_name = max(results, key=results.get)\n"
      "    print(best_name)\n\nif __name__ == '__main__':\n    main()"], {"NB301", "NB308"}),
    ("main-calls-helpers-cut-then-fill-on-training-part",
     ["def cut(d):\n    n = len(d)\n    k = int(0.2 * n)\n    return d.iloc[:n - k], d.iloc[n - k:]\n\n"
      "def fill(tr, te):\n    med = tr[['a', 'b']].median()\n    tr = tr.fillna(med)\n    te = te.fillna(med)\n    return tr, te\n\n"
      "def main():\n    tr, te = cut(pd.read_csv('data.csv'))\n    tr, te = fill(tr, te)\n"
      "    m = LogisticRegression().fit(tr[['a', 'b']], tr['y'])\n    print(accuracy_score(te['y'], m.predict(te[['a', 'b']])))\n\n"
      "if __name__ == '__main__':\n    main()"], set()),
    ("metric-helper-in-a-loop-best-by-test",
     ["X = df[['a']]\ny = df.y", SPLIT,
      "def evaluate_model(y_true, y_pred):\n    return {'acc': accuracy_score(y_true, y_pred)}",
      "results = {}\nfor c in [0.1, 1, 10]:\n    m = LogisticRegression(C=c).fit(X_train, y_train)\n"
      "    results[c] = {'test': evaluate_model(y_test, m.predict(X_test)), 'model': m}",
      "best_c = max(results, key=lambda k: results[k]['test']['acc'])"], {"NB308"}),
    ("metric-helper-in-a-loop-best-by-validation-key",
     ["X = df[['a']]\ny = df.y", SPLIT,
      "X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, random_state=0)",
      "def evaluate_model(y_true, y_pred):\n    return {'acc': accuracy_score(y_true, y_pred)}",
      "results = {}\nfor c in [0.1, 1, 10]:\n    m = LogisticRegression(C=c).fit(X_tr, y_tr)\n"
      "    results[c] = {'val': evaluate_model(y_val, m.predict(X_val)), 'test': evaluate_model(y_test, m.predict(X_test))}",
      "best_c = max(results, key=lambda k: results[k]['val']['acc'])"], set()),
    ("search-refit-on-every-row-best-estimator-predicts-test",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "grid = GridSearchCV(LogisticRegression(), {'C': [0.1, 1]}, cv=5)\ngrid.fit(X, y)\n"
      "best_model = grid.best_estimator_\nprint(accuracy_score(y_test, best_model.predict(X_test)))"], {"NB307"}),
    ("search-on-training-part-best-estimator-predicts-test",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "grid = GridSearchCV(LogisticRegression(), {'C': [0.1, 1]}, cv=5)\ngrid.fit(X_train, y_train)\n"
      "best_model = grid.best_estimator_\nprint(accuracy_score(y_test, best_model.predict(X_test)))"], set()),
    ("kaggle-training-scores-only-search-scores-unread",
     ["train = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')\nx_train = train[['a', 'b']]\ny_train = train['y']",
      "m = RandomForestClassifier().fit(x_train, y_train)\nprint(m.score(x_train, y_train))\npred = m.predict(test[['a', 'b']])",
      "from sklearn.model_selection import RandomizedSearchCV\n"
      "rs = RandomizedSearchCV(RandomForestClassifier(), {'max_depth': [3, 5, None]}, n_iter=3, cv=5)\n"
      "rs.fit(x_train, y_train)\nprint(rs.best_estimator_.score(x_train, y_train))\npred = rs.predict(test[['a', 'b']])"],
     {"NB307"}),
    ("kaggle-training-scores-and-search-cv-score-read",
     ["train = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')\nx_train = train[['a', 'b']]\ny_train = train['y']",
      "m = RandomForestClassifier().fit(x_train, y_train)\nprint(m.score(x_train, y_train))",
      "from sklearn.model_selection import RandomizedSearchCV\n"
      "rs = RandomizedSearchCV(RandomForestClassifier(), {'max_depth': [3, 5, None]}, n_iter=3, cv=5)\n"
      "rs.fit(x_train, y_train)\nprint(rs.best_score_)\npred = rs.predict(test[['a', 'b']])"], set()),
    ("label-column-coded-on-the-frame-then-stratified-split",
     ["le = LabelEncoder().fit(df['diagnosis'])\ndf['label'] = le.transform(df['diagnosis'])",
      "train_df, test_df = train_test_split(df, test_size=0.2, stratify=df['label'])",
      "sc = StandardScaler().fit(train_df[['a', 'b']])\n"
      "m = LogisticRegression().fit(sc.transform(train_df[['a', 'b']]), train_df['label'])\n"
      "print(accuracy_score(test_df['label'], m.predict(sc.transform(test_df[['a', 'b']]))))"], set()),
    ("feature-column-coded-on-the-frame-then-stratified-split",
     ["le = LabelEncoder().fit(df['city'])\ndf['city_code'] = le.transform(df['city'])",
      "train_df, test_df = train_test_split(df, test_size=0.2, stratify=df['y'])",
      "m = LogisticRegression().fit(train_df[['a', 'city_code']], train_df['y'])\n"
      "print(accuracy_score(test_df['y'], m.predict(test_df[['a', 'city_code']])))"], {"NB301"}),
    ("each-search-best-estimator-scored-on-test-in-a-printing-loop",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "grids = {}\nfor name, (model, params) in {'lr': (LogisticRegression(), {'C': [0.1, 1]}),\n"
      "                                 'rf': (RandomForestClassifier(), {'max_depth': [3, 5]})}.items():\n"
      "    grids[name] = GridSearchCV(model, params, cv=5).fit(X_train, y_train)",
      "for name, grid in grids.items():\n    best_model = grid.best_estimator_\n"
      "    print(name, accuracy_score(y_test, best_model.predict(X_test)))"], set()),
    ("epoch-loop-keeps-the-best-test-loader-pass",
     ["import torch\ntrain_loader, test_loader = make_loaders(df)",
      "def evaluate(model, loader):\n    correct = 0\n    for xb, yb in loader:\n        correct += (model(xb).argmax(1) == yb).sum().item()\n"
      "    return correct / len(loader.dataset)",
      "best_acc = 0.0\nfor epoch in range(10):\n    train_one_epoch(model, train_loader)\n    acc = evaluate(model, test_loader)\n"
      "    if acc > best_acc:\n        best_acc = acc\n        torch.save(model.state_dict(), 'best.pt')\nprint(best_acc)"],
     {"NB308"}),
    ("epoch-loop-keeps-the-best-validation-pass",
     ["import torch\ntrain_loader, val_loader, test_loader = make_loaders(df)",
      "def evaluate(model, loader):\n    correct = 0\n    for xb, yb in loader:\n        correct += (model(xb).argmax(1) == yb).sum().item()\n"
      "    return correct / len(loader.dataset)",
      "best_acc = 0.0\nfor epoch in range(10):\n    train_one_epoch(model, train_loader)\n    acc = evaluate(model, val_loader)\n"
      "    if acc > best_acc:\n        best_acc = acc\n        torch.save(model.state_dict(), 'best.pt')\n"
      "model.load_state_dict(torch.load('best.pt'))\nprint(evaluate(model, test_loader))"], set()),
    ("fold-loop-keeps-the-best-fold-for-display",
     ["X = df[['a', 'b']]\ny = df.y",
      "from sklearn.model_selection import KFold\nfrom sklearn.metrics import mean_squared_error\nbest_mse, best_fold = float('inf'), None\nerrors = []\n"
      "for i, (tr, te) in enumerate(KFold(5).split(X)):\n    X_train, X_test = X.iloc[tr], X.iloc[te]\n    y_train, y_test = y.iloc[tr], y.iloc[te]\n"
      "    m = LogisticRegression().fit(X_train, y_train)\n    mse = mean_squared_error(y_test, m.predict(X_test))\n    errors.append(mse)\n"
      "    if mse < best_mse:\n        best_mse, best_fold = mse, i\nprint(np.mean(errors), best_fold)"], set()),
    ("holdout-file-beside-a-validation-split-best-by-holdout",
     ["hold = pd.read_csv('holdout.csv')\nX = df[['a', 'b']]\ny = df.y\nX_holdout = hold[['a', 'b']]\ny_holdout = hold.y",
      "X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=0)",
      "results = {}\nfor name, m in {'lr': LogisticRegression(), 'rf': RandomForestClassifier()}.items():\n    m.fit(X_train, y_train)\n"
      "    results[name] = {'val': accuracy_score(y_val, m.predict(X_val)), 'holdout': accuracy_score(y_holdout, m.predict(X_holdout))}",
      "best_name = max(results, key=lambda k: results[k]['holdout'])\nprint(best_name)"], {"NB308"}),
    ("holdout-file-beside-a-validation-split-best-by-validation",
     ["hold = pd.read_csv('holdout.csv')\nX = df[['a', 'b']]\ny = df.y\nX_holdout = hold[['a', 'b']]\ny_holdout = hold.y",
      "X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=0)",
      "results = {}\nfor name, m in {'lr': LogisticRegression(), 'rf': RandomForestClassifier()}.items():\n    m.fit(X_train, y_train)\n"
      "    results[name] = {'val': accuracy_score(y_val, m.predict(X_val)), 'holdout': accuracy_score(y_holdout, m.predict(X_holdout))}",
      "best_name = max(results, key=lambda k: results[k]['val'])\nprint(best_name)"], set()),
    # -- held-out-8 patterns: a statistic in the function form (np.mean(df.a)), an error rate by hand,
    # a pipeline fit and scored on its rows, helpers followed inside loops and comprehensions (and the
    # locals they build there), a fit before the folds' loop in the same block, a model class's own
    # score method, models scored through a dict, oversampling the training part before its CV -----------
    ("fillna-with-np-mean-of-the-column-before-split",
     ["df['a'].fillna(value=np.mean(df.a), inplace=True)\nX = df[['a', 'b']]\ny = df.y", SPLIT, FIT_EVAL], {"NB301"}),
    ("fillna-with-np-mean-of-the-training-part",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "X_train = X_train.fillna(value=np.mean(X_train.a))\nX_test = X_test.fillna(value=np.mean(X_train.a))", FIT_EVAL], set()),
    ("error-rate-by-hand-per-k-then-k-typed-in",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "error_rate = []\nfor i in range(1, 20):\n    knn = KNeighborsClassifier(n_neighbors=i).fit(X_train, y_train)\n"
      "    pred_i = knn.predict(X_test)\n    error_rate.append(np.mean(pred_i != y_test))",
      "knn = KNeighborsClassifier(n_neighbors=7).fit(X_train, y_train)\nprint(accuracy_score(y_test, knn.predict(X_test)))"],
     {"NB308"}),
    ("error-rate-by-hand-per-k-only-printed",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "for i in range(1, 20):\n    knn = KNeighborsClassifier(n_neighbors=i).fit(X_train, y_train)\n"
      "    pred_i = knn.predict(X_test)\n    print(i, np.mean(pred_i != y_test))"], set()),
    ("pipeline-fit-and-scored-on-its-rows-in-a-main-helper",
     ["def train_model():\n    X = df[['a', 'b']]\n    y = df.y\n"
      "    pipe = Pipeline([('sc', StandardScaler()), ('lr', LogisticRegression())])\n    pipe.fit(X, y)\n"
      "    print(pipe.score(X, y))\n\nif __name__ == '__main__':\n    train_model()"], {"NB307"}),
    ("pipeline-fit-on-training-part-scored-on-test-in-a-main-helper",
     ["def train_model():\n    X = df[['a', 'b']]\n    y = df.y\n"
      "    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
      "    pipe = Pipeline([('sc', StandardScaler()), ('lr', LogisticRegression())])\n    pipe.fit(X_train, y_train)\n"
      "    print(pipe.score(X_test, y_test))\n\nif __name__ == '__main__':\n    train_model()"], set()),
    ("models-in-a-dict-scored-by-hand-on-their-fit-rows",
     ["X = df[['a', 'b']].values\ny = df.y.values",
      "models = {}\nlr = LogisticRegression()\nlr.fit(X, y)\nmodels['lr'] = lr\nrf = RandomForestClassifier()\nrf.fit(X, y)\n"
      "models['rf'] = rf\nfor name, model in models.items():\n    preds = model.predict(X)\n    print(name, (preds == y).mean())"],
     {"NB307"}),
    ("models-in-a-dict-scored-by-hand-on-the-test-part",
     ["X = df[['a', 'b']].values\ny = df.y.values", SPLIT,
      "models = {}\nlr = LogisticRegression()\nlr.fit(X_train, y_train)\nmodels['lr'] = lr\n"
      "for name, model in models.items():\n    preds = model.predict(X_test)\n    print(name, (preds == y_test).mean())"], set()),
    ("helper-with-encoder-built-in-its-loop-before-split",
     ["def prep(d):\n    for col in ['c', 'e']:\n        le = LabelEncoder()\n        d[col] = le.fit_transform(d[col].astype(str))\n"
      "    return d[['a', 'c', 'e']], d['y']\n\nX, y = prep(df)", SPLIT, FIT_EVAL], {"NB301"}),
    ("helper-with-encoder-built-in-its-loop-on-each-part",
     ["def prep(d):\n    for col in ['c', 'e']:\n        le = LabelEncoder()\n        d[col] = le.fit_transform(d[col].astype(str))\n"
      "    return d\n\ntrain_df, test_df = train_test_split(df, random_state=0)",
      "train_df = prep(train_df)\ntest_df = prep(test_df)"], set()),
    ("selector-before-a-helper-kfold-called-in-a-loop",
     ["X = df[['a', 'b', 'c']].values\ny = df.y.values",
      "from sklearn.model_selection import KFold\n"
      "def evaluate(X, y, clf):\n    acc = 0\n    for tr, te in KFold(n_splits=5).split(X):\n        clf.fit(X[tr], y[tr])\n"
      "        acc += accuracy_score(y[te], clf.predict(X[te]))\n    return acc / 5",
      "for k in [1, 2]:\n    Xk = SelectKBest(k=k).fit_transform(X, y)\n    for clf in [LogisticRegression(), RandomForestClassifier()]:\n"
      "        print(k, evaluate(Xk, y, clf))"], {"NB301"}),
    ("selector-inside-a-helper-kfold-per-fold-called-in-a-loop",
     ["X = df[['a', 'b', 'c']].values\ny = df.y.values",
      "from sklearn.model_selection import KFold\n"
      "def evaluate(X, y, clf, k):\n    acc = 0\n    for tr, te in KFold(n_splits=5).split(X):\n        sel = SelectKBest(k=k).fit(X[tr], y[tr])\n"
      "        clf.fit(sel.transform(X[tr]), y[tr])\n        acc += accuracy_score(y[te], clf.predict(sel.transform(X[te])))\n    return acc / 5",
      "for k in [1, 2]:\n    for clf in [LogisticRegression(), RandomForestClassifier()]:\n        print(k, evaluate(X, y, clf, k))"], set()),
    ("helper-called-in-a-comprehension-scales-before-its-cv",
     ["def run(market):\n    d = pd.read_csv(market + '.csv')\n    X = StandardScaler().fit_transform(d[['a', 'b']])\n"
      "    scores = cross_val_score(LogisticRegression(), X, d.y, cv=TimeSeriesSplit(n_splits=5))\n    return scores.mean()\n\n"
      "results = [run(m) for m in ['sp500', 'dax']]\nprint(results)"], {"NB301"}),
    ("helper-called-in-a-comprehension-pipeline-in-its-cv",
     ["def run(market):\n    d = pd.read_csv(market + '.csv')\n"
      "    scores = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), d[['a', 'b']], d.y, cv=5)\n"
      "    return scores.mean()\n\nresults = [run(m) for m in ['sp500', 'dax']]\nprint(results)"], set()),
    ("own-score-method-grid-best-by-test",
     ["X = df[['a', 'b']].values\ny = df.y.values", SPLIT,
      "results = []\nfor d in [2, 4, 8]:\n    m = MyForest(max_depth=d).fit(X_train, y_train)\n"
      "    results.append({'depth': d, 'rmse_test': m.score_rmse(X_test, y_test)})\n"
      "df_results = pd.DataFrame(results)\nbest = df_results.loc[df_results['rmse_test'].idxmin()]\nprint(best)"], {"NB308"}),
    ("own-score-method-grid-only-printed",
     ["X = df[['a', 'b']].values\ny = df.y.values", SPLIT,
      "for d in [2, 4, 8]:\n    m = MyForest(max_depth=d).fit(X_train, y_train)\n    print(d, m.score_rmse(X_test, y_test))"], set()),
    ("smote-on-the-training-part-then-cv-on-it",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "X_train, y_train = SMOTE().fit_resample(X_train, y_train)\n"
      "print(cross_val_score(LogisticRegression(), X_train, y_train, cv=5).mean())", FIT_EVAL], set()),
    ("smote-on-every-row-then-cv",
     ["X = df[['a', 'b']]\ny = df.y",
      "X_res, y_res = SMOTE().fit_resample(X, y)\nprint(cross_val_score(LogisticRegression(), X_res, y_res, cv=5).mean())"],
     {"NB307"}),
    ("upsampled-training-file-cut-from-a-concat-then-split",
     ["train = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')\nn = train.shape[0]\ny = train['y']\n"
      "full = pd.concat([train.drop('y', axis=1), test])\ntr = full[:n]\nte = full[n:]\ntr = pd.concat([tr, y], axis=1)",
      "minority = tr[tr.y == 1]\nup = resample(minority, replace=True, n_samples=500)\ntr = pd.concat([tr[tr.y == 0], up])",
      "X_train, X_test, y_train, y_test = train_test_split(tr[['a', 'b']], tr.y, random_state=0)", FIT_EVAL], {"NB307"}),
    # -- held-out-9 patterns: a helper the notebook never calls (a route, a test function) read where it
    # is defined, early stopping on a validation part cut beside the scored test part, a sweep whose
    # scores are only ranked for display, and the single-pick forms each of these must still catch -----
    ("never-called-helper-scales-before-its-split",
     ["def train_model(contents):\n    d = pd.read_csv(contents)\n    X = StandardScaler().fit_transform(d[['a', 'b']])\n"
      "    y = d.y\n    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
      "    m = LogisticRegression().fit(X_train, y_train)\n    return accuracy_score(y_test, m.predict(X_test))"],
     {"NB301"}),
    ("never-called-helper-scales-the-training-part",
     ["def train_model(contents):\n    d = pd.read_csv(contents)\n    X = d[['a', 'b']]\n    y = d.y\n"
      "    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
      "    sc = StandardScaler().fit(X_train)\n    m = LogisticRegression().fit(sc.transform(X_train), y_train)\n"
      "    return accuracy_score(y_test, m.predict(sc.transform(X_test)))"], set()),
    ("never-called-test-function-through-a-fixture-helper",
     ["def make_fit():\n    X = MinMaxScaler().fit_transform(df[['a', 'b']])\n"
      "    Xtr, Xte, ytr, yte = train_test_split(X, df.y, random_state=0)\n    return LogisticRegression().fit(Xtr, ytr), Xte, yte",
      "def test_accuracy():\n    m, Xte, yte = make_fit()\n    assert accuracy_score(yte, m.predict(Xte)) > 0.5"], {"NB301"}),
    ("never-called-helper-smote-before-its-split",
     ["def run(d):\n    X = d[['a', 'b']]\n    y = d.y\n    Xo, yo = SMOTE().fit_resample(X, y)\n"
      "    X_train, X_test, y_train, y_test = train_test_split(Xo, yo, random_state=0)\n"
      "    m = RandomForestClassifier().fit(X_train, y_train)\n    print(accuracy_score(y_test, m.predict(X_test)))"],
     {"NB307"}),
    ("early-stop-on-val-cut-beside-the-scored-test-part",
     ["from xgboost import XGBClassifier\nX = df[['a', 'b']]\ny = df.y\n"
      "X_train, X_tmp, y_train, y_tmp = train_test_split(X, y, test_size=0.3, random_state=0)\n"
      "X_val, X_test, y_val, y_test = train_test_split(X_tmp, y_tmp, test_size=0.5, random_state=0)",
      "m = XGBClassifier(n_estimators=500)\nm.fit(X_train, y_train, eval_set=[(X_val, y_val)], early_stopping_rounds=20)\n"
      "print(m.score(X_val, y_val), m.score(X_test, y_test))"], set()),
    ("early-stop-on-the-test-part-cut-beside-a-val-part",
     ["from xgboost import XGBClassifier\nX = df[['a', 'b']]\ny = df.y\n"
      "X_train, X_tmp, y_train, y_tmp = train_test_split(X, y, test_size=0.3, random_state=0)\n"
      "X_val, X_test, y_val, y_test = train_test_split(X_tmp, y_tmp, test_size=0.5, random_state=0)",
      "m = XGBClassifier(n_estimators=500)\nm.fit(X_train, y_train, eval_set=[(X_test, y_test)], early_stopping_rounds=20)\n"
      "print(m.score(X_val, y_val), m.score(X_test, y_test))"], {"NB308"}),
    ("sweep-on-test-only-ranked-for-display",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "result = []\nfor n in [10, 50, 100]:\n    m = RandomForestClassifier(n_estimators=n).fit(X_train, y_train)\n"
      "    result.append({'n': n, 'acc': accuracy_score(y_test, m.predict(X_test))})\n"
      "result_df = pd.DataFrame(result)\nresult_df = result_df.sort_values(by='acc', ascending=False)\nresult_df"], set()),
    ("sweep-on-test-ranked-and-first-row-taken",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "result = []\nfor n in [10, 50, 100]:\n    m = RandomForestClassifier(n_estimators=n).fit(X_train, y_train)\n"
      "    result.append({'n': n, 'acc': accuracy_score(y_test, m.predict(X_test))})\n"
      "best = pd.DataFrame(result).sort_values(by='acc', ascending=False).iloc[0]\nprint(best)"], {"NB308"}),
    # -- stop 22 patterns: methods of the notebook's own classes followed on their instances (a fit, a split
    # or a test-chosen best inside __init__ or a method), and a helper's branches on a flag it is given ------
    ("class-method-scales-every-row-then-splits",
     ["class Model:\n    def train(self, d):\n        X = d[['a', 'b']]\n        self.scaler = StandardScaler()\n"
      "        Xs = self.scaler.fit_transform(X)\n        X_tr, X_te, y_tr, y_te = train_test_split(Xs, d.y, random_state=0)\n"
      "        self.model = LogisticRegression().fit(X_tr, y_tr)\n        print(self.model.score(X_te, y_te))",
      "m = Model()\nm.train(df)"], {"NB301"}),
    ("class-method-splits-then-scales-the-training-part",
     ["class Model:\n    def train(self, d):\n        X_tr, X_te, y_tr, y_te = train_test_split(d[['a', 'b']], d.y, random_state=0)\n"
      "        self.scaler = StandardScaler().fit(X_tr)\n        self.model = LogisticRegression().fit(self.scaler.transform(X_tr), y_tr)\n"
      "        print(self.model.score(self.scaler.transform(X_te), y_te))",
      "m = Model()\nm.train(df)"], set()),
    ("class-init-splits-rows-filled-with-their-mean",
     ["df.fillna(df.mean(), inplace=True)\nX = df[['a', 'b']].values\ny = df.y.values",
      "class Predictor:\n    def __init__(self, X, y):\n"
      "        self.X_train, self.X_test, self.y_train, self.y_test = train_test_split(X, y, random_state=0)\n"
      "        self.model = LogisticRegression().fit(self.X_train, self.y_train)\n\n"
      "    def r2(self):\n        return self.model.score(self.X_test, self.y_test)",
      "p = Predictor(X, y)\nprint(f'score: {p.r2():.3f}')"], {"NB301"}),
    ("class-init-splits-then-a-method-fills-the-training-part",
     ["X = df[['a', 'b']]\ny = df.y",
      "class Predictor:\n    def __init__(self, X, y):\n"
      "        self.X_train, self.X_test, self.y_train, self.y_test = train_test_split(X, y, random_state=0)\n\n"
      "    def fit(self):\n        self.means = self.X_train.mean()\n        self.X_train = self.X_train.fillna(self.means)\n"
      "        self.model = LogisticRegression().fit(self.X_train, self.y_train)\n"
      "        return self.model.score(self.X_test.fillna(self.means), self.y_test)",
      "p = Predictor(X, y)\nprint(p.fit())"], set()),
    ("class-method-keeps-the-model-best-on-the-test-part",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "class Builder:\n    def __init__(self, X_train, X_test, y_train, y_test):\n"
      "        self.X_train, self.X_test, self.y_train, self.y_test = X_train, X_test, y_train, y_test\n\n"
      "    def best(self):\n        scores, models = [], []\n        for m in [LogisticRegression(), RandomForestClassifier()]:\n"
      "            m.fit(self.X_train, self.y_train)\n            scores.append(accuracy_score(self.y_test, m.predict(self.X_test)))\n"
      "            models.append(m)\n        i = scores.index(max(scores))\n        return models[i], scores[i]",
      "b = Builder(X_train, X_test, y_train, y_test)\nbest_model, best_score = b.best()\nprint(best_model, best_score)"],
     {"NB308"}),
    ("class-method-keeps-the-model-best-by-cross-validation",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "class Builder:\n    def __init__(self, X_train, X_test, y_train, y_test):\n"
      "        self.X_train, self.X_test, self.y_train, self.y_test = X_train, X_test, y_train, y_test\n\n"
      "    def best(self):\n        scores, models = [], []\n        for m in [LogisticRegression(), RandomForestClassifier()]:\n"
      "            scores.append(cross_val_score(m, self.X_train, self.y_train, cv=5).mean())\n"
      "            models.append(m)\n        m = models[scores.index(max(scores))].fit(self.X_train, self.y_train)\n"
      "        return accuracy_score(self.y_test, m.predict(self.X_test))",
      "b = Builder(X_train, X_test, y_train, y_test)\nprint(b.best())"], set()),
    ("class-scaling-method-whose-flag-defaults-to-no-scaler",
     ["from sklearn.model_selection import KFold\n"
      "class Regression:\n    def __init__(self, path):\n        self.d = pd.read_csv(path)\n        self.X, self.y = self.rescale()\n\n"
      "    def rescale(self, scaler=None):\n        X = self.d[['a', 'b']].values\n        if scaler == 'Standard':\n"
      "            X = StandardScaler().fit_transform(X)\n        return X, self.d.y.values\n\n"
      "    def folds(self, model):\n        for tr, te in KFold(5).split(self.X):\n"
      "            print(accuracy_score(self.y[te], model.fit(self.X[tr], self.y[tr]).predict(self.X[te])))",
      "r = Regression('data.csv')\nr.rescale('Standard')\nr.folds(LogisticRegression())"], set()),
    ("helper-flag-given-true-scales-before-its-split",
     ["def run(d, scale):\n    X = d[['a', 'b']].values\n    if scale:\n        X = StandardScaler().fit_transform(X)\n"
      "    X_tr, X_te, y_tr, y_te = train_test_split(X, d.y, random_state=0)\n"
      "    return LogisticRegression().fit(X_tr, y_tr).score(X_te, y_te)",
      "print(run(df, scale=False))\nprint(run(df, scale=True))"], {"NB301"}),
    ("helper-flag-given-false-skips-the-scaler",
     ["def run(d, scale):\n    X = d[['a', 'b']].values\n    if scale:\n        X = StandardScaler().fit_transform(X)\n"
      "    X_tr, X_te, y_tr, y_te = train_test_split(X, d.y, random_state=0)\n"
      "    return LogisticRegression().fit(X_tr, y_tr).score(X_te, y_te)",
      "print(run(df, scale=False))"], set()),
    # -- stop 22: a helper only handed to something else to call (a tuner's objective, a genetic
    # algorithm's evaluate, a dict comprehension of calls) is followed where it is handed over ----------
    ("objective-cross-validates-rows-scaled-before-a-tuner-calls-it",
     ["import optuna\nX = StandardScaler().fit_transform(df[['a', 'b']])\ny = df.y",
      "def objective(trial):\n    c = trial.suggest_float('C', 0.01, 10)\n"
      "    return cross_val_score(LogisticRegression(C=c), X, y, cv=5).mean()\n\n"
      "study = optuna.create_study(direction='maximize')\nstudy.optimize(objective, n_trials=20)\nprint(study.best_value)"],
     {"NB301"}),
    ("objective-cross-validates-a-pipeline-a-tuner-calls",
     ["import optuna\nX = df[['a', 'b']]\ny = df.y",
      "def objective(trial):\n    c = trial.suggest_float('C', 0.01, 10)\n"
      "    return cross_val_score(make_pipeline(StandardScaler(), LogisticRegression(C=c)), X, y, cv=5).mean()\n\n"
      "study = optuna.create_study(direction='maximize')\nstudy.optimize(objective, n_trials=20)\nprint(study.best_value)"],
     set()),
    ("objective-scores-the-test-part-each-trial",
     ["import optuna\nX = df[['a', 'b']]\ny = df.y", SPLIT,
      "def objective(trial):\n    n = trial.suggest_int('n', 10, 300)\n"
      "    m = RandomForestClassifier(n_estimators=n).fit(X_train, y_train)\n    return accuracy_score(y_test, m.predict(X_test))\n\n"
      "study = optuna.create_study(direction='maximize')\nstudy.optimize(objective, n_trials=30)",
      "best = RandomForestClassifier(**study.best_params).fit(X_train, y_train)\nprint(accuracy_score(y_test, best.predict(X_test)))"],
     {"NB308"}),
    ("objective-in-a-lambda-scores-the-test-part-each-trial",
     ["from hyperopt import fmin, tpe, hp\nX = df[['a', 'b']]\ny = df.y", SPLIT,
      "def score(n):\n    m = RandomForestClassifier(n_estimators=n).fit(X_train, y_train)\n"
      "    return accuracy_score(y_test, m.predict(X_test))\n\n"
      "best = fmin(fn=lambda p: -score(p['n']), space={'n': hp.choice('n', [10, 100])}, algo=tpe.suggest, max_evals=20)"],
     {"NB308"}),
    ("objective-scores-a-validation-part-cut-from-training",
     ["import optuna\nX = df[['a', 'b']]\ny = df.y", SPLIT,
      "X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, random_state=0)\n"
      "def objective(trial):\n    n = trial.suggest_int('n', 10, 300)\n"
      "    m = RandomForestClassifier(n_estimators=n).fit(X_tr, y_tr)\n    return accuracy_score(y_val, m.predict(X_val))\n\n"
      "study = optuna.create_study(direction='maximize')\nstudy.optimize(objective, n_trials=30)",
      "best = RandomForestClassifier(**study.best_params).fit(X_train, y_train)\nprint(accuracy_score(y_test, best.predict(X_test)))"],
     set()),
    ("objective-early-stops-on-val-of-a-three-way-split-test-scored-once",
     ["import optuna\nfrom xgboost import XGBClassifier\nX = df[['a', 'b']]\ny = df.y\n"
      "X_train, X_tmp, y_train, y_tmp = train_test_split(X, y, test_size=0.3, random_state=0)\n"
      "X_val, X_test, y_val, y_test = train_test_split(X_tmp, y_tmp, test_size=0.5, random_state=0)",
      "def objective(trial):\n    m = XGBClassifier(max_depth=trial.suggest_int('d', 2, 8), early_stopping_rounds=20)\n"
      "    m.fit(X_train, y_train, eval_set=[(X_val, y_val)])\n    return m.score(X_val, y_val)\n\n"
      "study = optuna.create_study(direction='maximize')\nstudy.optimize(objective, n_trials=30)",
      "best = XGBClassifier(**study.best_params).fit(X_train, y_train)\nprint(best.score(X_test, y_test))"], set()),
    ("helper-in-a-dict-comprehension-cross-validates-scaled-rows",
     ["X_scaled = StandardScaler().fit_transform(df[['a', 'b']])\ny = df.y",
      "def objective(depth):\n    m = RandomForestClassifier(max_depth=depth)\n"
      "    return cross_val_score(m, X_scaled, y, cv=TimeSeriesSplit(n_splits=5)).mean()\n\n"
      "scores = {d: objective(d) for d in (3, 5, 7)}"], {"NB301"}),
    ("genetic-evaluate-folds-rows-filled-with-their-mean",
     ["from sklearn.model_selection import KFold\nfrom deap import base\n"
      "df.fillna(df.mean(), inplace=True)\nX = df[['a', 'b']].values\ny = df.y.values",
      "def evaluate(individual):\n    scores = []\n    for tr, te in KFold(n_splits=5).split(X):\n"
      "        m = RandomForestClassifier(max_depth=individual[0]).fit(X[tr], y[tr])\n"
      "        scores.append(accuracy_score(y[te], m.predict(X[te])))\n    return np.mean(scores),\n\n"
      "toolbox = base.Toolbox()\ntoolbox.register('evaluate', evaluate)"], {"NB301"}),
    # -- stop 22: a deep-learning loop keeping the pass with the best loss summed over a test loader's
    # batches, the loader named test or holding only test rows under a 'val' name ------------------------
    ("torch-best-loss-summed-over-the-test-loader",
     ["import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader, TensorDataset\nX = df[['a', 'b']].values\ny = df.y.values", SPLIT,
      "train_loader = DataLoader(TensorDataset(torch.tensor(X_train), torch.tensor(y_train)), batch_size=32)\n"
      "test_loader = DataLoader(TensorDataset(torch.tensor(X_test), torch.tensor(y_test)), batch_size=32)",
      "model = nn.Linear(2, 1)\nopt = torch.optim.Adam(model.parameters())\nbest_loss = float('inf')\n"
      "for epoch in range(50):\n    for xb, yb in train_loader:\n        opt.zero_grad()\n"
      "        nn.functional.mse_loss(model(xb), yb).backward()\n        opt.step()\n    val_loss = 0.0\n"
      "    for xb, yb in test_loader:\n        val_loss += nn.functional.mse_loss(model(xb), yb).item()\n"
      "    if val_loss < best_loss:\n        best_loss = val_loss\n        torch.save(model.state_dict(), 'best.pt')"],
     {"NB308"}),
    ("torch-val-named-loader-of-test-rows-given-to-the-training-function",
     ["import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader, TensorDataset\nX = df[['a', 'b']].values\ny = df.y.values", SPLIT,
      "train_loader = DataLoader(TensorDataset(torch.tensor(X_train), torch.tensor(y_train)), batch_size=32)\n"
      "val_loader = DataLoader(TensorDataset(torch.tensor(X_test), torch.tensor(y_test)), batch_size=32)",
      "def fit(model, tr, va, epochs):\n    opt = torch.optim.Adam(model.parameters())\n    crit = nn.MSELoss()\n    best = float('inf')\n    for epoch in range(epochs):\n        model.train()\n        for xb, yb in tr:\n            opt.zero_grad()\n            crit(model(xb), yb).backward()\n            opt.step()\n        model.eval()\n        vl = 0.0\n        with torch.no_grad():\n            for xb, yb in va:\n                vl += crit(model(xb), yb).item()\n        if vl < best:\n            best = vl\n            torch.save(model.state_dict(), 'best.pt')", "model = nn.Linear(2, 1)\nfit(model, train_loader, val_loader, 50)"], {"NB308"}),
    ("torch-val-loader-cut-from-the-training-part-given-to-the-training-function",
     ["import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader, TensorDataset\nX = df[['a', 'b']].values\ny = df.y.values", SPLIT,
      "X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, random_state=0)\n"
      "train_loader = DataLoader(TensorDataset(torch.tensor(X_tr), torch.tensor(y_tr)), batch_size=32)\n"
      "val_loader = DataLoader(TensorDataset(torch.tensor(X_val), torch.tensor(y_val)), batch_size=32)",
      "def fit(model, tr, va, epochs):\n    opt = torch.optim.Adam(model.parameters())\n    crit = nn.MSELoss()\n    best = float('inf')\n    for epoch in range(epochs):\n        model.train()\n        for xb, yb in tr:\n            opt.zero_grad()\n            crit(model(xb), yb).backward()\n            opt.step()\n        model.eval()\n        vl = 0.0\n        with torch.no_grad():\n            for xb, yb in va:\n                vl += crit(model(xb), yb).item()\n        if vl < best:\n            best = vl\n            torch.save(model.state_dict(), 'best.pt')", "model = nn.Linear(2, 1)\nfit(model, train_loader, val_loader, 50)"], set()),
    ("torch-best-training-loss-kept-test-loader-scored-once",
     ["import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader, TensorDataset\nX = df[['a', 'b']].values\ny = df.y.values", SPLIT,
      "train_loader = DataLoader(TensorDataset(torch.tensor(X_train), torch.tensor(y_train)), batch_size=32)\n"
      "test_loader = DataLoader(TensorDataset(torch.tensor(X_test), torch.tensor(y_test)), batch_size=32)",
      "model = nn.Linear(2, 1)\nopt = torch.optim.Adam(model.parameters())\nbest_loss = float('inf')\n"
      "for epoch in range(50):\n    running = 0.0\n    for xb, yb in train_loader:\n        opt.zero_grad()\n"
      "        loss = nn.functional.mse_loss(model(xb), yb)\n        loss.backward()\n        opt.step()\n"
      "        running += loss.item()\n    if running < best_loss:\n        best_loss = running\n"
      "test_loss = sum(nn.functional.mse_loss(model(xb), yb).item() for xb, yb in test_loader)\nprint(test_loss)"],
     set()),
    # -- stop 22: a decision threshold picked from a curve on the test part and scored there ---------------
    ("threshold-youden-on-the-test-roc-then-scored-there",
     ["from sklearn.metrics import roc_curve, f1_score\nX = df[['a', 'b']]\ny = df.y", SPLIT,
      "m = LogisticRegression().fit(X_train, y_train)\nproba = m.predict_proba(X_test)[:, 1]\n"
      "fpr, tpr, thr = roc_curve(y_test, proba)\nbest_t = thr[np.argmax(tpr - fpr)]",
      "y_pred = (proba >= best_t).astype(int)\nprint(f1_score(y_test, y_pred))"], {"NB308"}),
    ("threshold-from-the-test-pr-curve-in-a-helper-then-scored-there",
     ["from sklearn.metrics import precision_recall_curve, f1_score\nX = df[['a', 'b']]\ny = df.y", SPLIT,
      "def pick_threshold(y_true, probs):\n    p, r, t = precision_recall_curve(y_true, probs)\n"
      "    f1 = 2 * p * r / (p + r + 1e-8)\n    return t[np.argmax(f1[:-1])]\n\n"
      "def report(y_true, probs, threshold=0.5):\n    print(accuracy_score(y_true, probs >= threshold), f1_score(y_true, probs >= threshold))",
      "m = LogisticRegression().fit(X_train, y_train)\nprobs = m.predict_proba(X_test)[:, 1]\n"
      "t = pick_threshold(y_test, probs)\nreport(y_test, probs, threshold=t)"], {"NB308"}),
    ("threshold-from-the-validation-roc-then-applied-to-the-test-part",
     ["from sklearn.metrics import roc_curve, f1_score\nX = df[['a', 'b']]\ny = df.y", SPLIT,
      "X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, random_state=0)\n"
      "m = LogisticRegression().fit(X_tr, y_tr)\nfpr, tpr, thr = roc_curve(y_val, m.predict_proba(X_val)[:, 1])\n"
      "best_t = thr[np.argmax(tpr - fpr)]",
      "y_pred = (m.predict_proba(X_test)[:, 1] >= best_t).astype(int)\nprint(f1_score(y_test, y_pred))"], set()),
    ("threshold-on-the-test-roc-only-printed-scored-at-one-half",
     ["from sklearn.metrics import roc_curve, f1_score\nX = df[['a', 'b']]\ny = df.y", SPLIT,
      "m = LogisticRegression().fit(X_train, y_train)\nproba = m.predict_proba(X_test)[:, 1]\n"
      "fpr, tpr, thr = roc_curve(y_test, proba)\nprint('Youden threshold', thr[np.argmax(tpr - fpr)])\n"
      "print(f1_score(y_test, (proba >= 0.5).astype(int)))"], set()),
    # -- stop 22: values typed in as a list after a sweep whose test scores were shown ------------------------
    ("typed-list-of-k-after-a-plotted-test-sweep",
     ["import matplotlib.pyplot as plt\nX = df[['a', 'b']]\ny = df.y", SPLIT,
      "error_rate = []\nfor i in range(1, 30):\n    knn = KNeighborsClassifier(n_neighbors=i).fit(X_train, y_train)\n    error_rate.append(np.mean(knn.predict(X_test) != y_test))\nplt.plot(range(1, 30), error_rate)", "ks = [3, 5, 9]\nf1s = []\nfor k in ks:\n    clf = KNeighborsClassifier(n_neighbors=k).fit(X_train, y_train)\n    f1s.append(accuracy_score(y_test, clf.predict(X_test)))\nprint(f1s)"], {"NB308"}),
    ("typed-list-of-k-after-a-test-sweep-never-shown",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT, "error_rate = []\nfor i in range(1, 30):\n    knn = KNeighborsClassifier(n_neighbors=i).fit(X_train, y_train)\n    error_rate.append(np.mean(knn.predict(X_test) != y_test))", "ks = [3, 5, 9]\nf1s = []\nfor k in ks:\n    clf = KNeighborsClassifier(n_neighbors=k).fit(X_train, y_train)\n    f1s.append(accuracy_score(y_test, clf.predict(X_test)))\nprint(f1s)"], set()),
    ("typed-list-of-k-after-a-plotted-cross-validation-sweep",
     ["import matplotlib.pyplot as plt\nX = df[['a', 'b']]\ny = df.y", SPLIT,
      "cv = []\nfor i in range(1, 30):\n    cv.append(cross_val_score(KNeighborsClassifier(n_neighbors=i), X_train, y_train, cv=5).mean())\n"
      "plt.plot(range(1, 30), cv)", "ks = [3, 5, 9]\nf1s = []\nfor k in ks:\n    clf = KNeighborsClassifier(n_neighbors=k).fit(X_train, y_train)\n    f1s.append(accuracy_score(y_test, clf.predict(X_test)))\nprint(f1s)"], set()),
    ("typed-list-outside-the-swept-values-after-a-plotted-test-sweep",
     ["import matplotlib.pyplot as plt\nX = df[['a', 'b']]\ny = df.y", SPLIT,
      "error_rate = []\nfor i in range(1, 30):\n    knn = KNeighborsClassifier(n_neighbors=i).fit(X_train, y_train)\n    error_rate.append(np.mean(knn.predict(X_test) != y_test))\nplt.plot(range(1, 30), error_rate)", "ks = [50, 100]\nf1s = []\nfor k in ks:\n    clf = KNeighborsClassifier(n_neighbors=k).fit(X_train, y_train)\n    f1s.append(accuracy_score(y_test, clf.predict(X_test)))\nprint(f1s)"], set()),
    # -- stop 22: a "best" kept over a grid of a single configuration chooses nothing ------------------------
    ("best-over-a-single-configuration-per-sampler",
     ["from imblearn.under_sampling import NearMiss\nX = df[['a', 'b']].values\ny = df.y.values", SPLIT,
      "for samp in [NearMiss(), SMOTE()]:\n    Xr, yr = samp.fit_resample(X_train, y_train)\n    last_best, best_tree = 0, None\n"
      "    for n in [50]:\n        m = RandomForestClassifier(n_estimators=n).fit(Xr, yr)\n"
      "        acc = accuracy_score(y_test, m.predict(X_test))\n        if acc > last_best:\n            last_best, best_tree = acc, m\n"
      "    print(accuracy_score(y_test, best_tree.predict(X_test)))"], set()),
    ("best-over-two-configurations-per-sampler",
     ["from imblearn.under_sampling import NearMiss\nX = df[['a', 'b']].values\ny = df.y.values", SPLIT,
      "for samp in [NearMiss(), SMOTE()]:\n    Xr, yr = samp.fit_resample(X_train, y_train)\n    last_best, best_tree = 0, None\n"
      "    for n in [50, 200]:\n        m = RandomForestClassifier(n_estimators=n).fit(Xr, yr)\n"
      "        acc = accuracy_score(y_test, m.predict(X_test))\n        if acc > last_best:\n            last_best, best_tree = acc, m\n"
      "    print(accuracy_score(y_test, best_tree.predict(X_test)))"], {"NB308"}),
    # -- stop 22: rows repeated before the split (a list of frames multiplied, an index repeated) -------------
    ("frame-concatenated-with-itself-by-a-multiplied-list",
     ["df = pd.concat([df] * 3, ignore_index=True)\nX = df[['a', 'b']]\ny = df.y", SPLIT, FIT_EVAL], {"NB307"}),
    ("minority-rows-repeated-by-their-index-before-the-split",
     ["pos = df[df.y == 1]\ndf = pd.concat([df[df.y == 0], pos.loc[pos.index.repeat(3)]])\nX = df[['a', 'b']]\ny = df.y",
      SPLIT, FIT_EVAL], {"NB307"}),
    ("rows-repeated-by-np-repeat-before-the-split",
     ["X = np.repeat(df[['a', 'b']].values, 2, axis=0)\ny = np.repeat(df.y.values, 2, axis=0)", SPLIT, FIT_EVAL],
     {"NB307"}),
    ("training-rows-repeated-after-the-split",
     ["X = df[['a', 'b']].values\ny = df.y.values", SPLIT,
      "X_train = np.repeat(X_train, 2, axis=0)\ny_train = np.repeat(y_train, 2, axis=0)", FIT_EVAL], set()),
    ("a-constant-repeated-and-a-prediction-row-tiled",
     ["X = df[['a', 'b']].values\ny = df.y.values", SPLIT, FIT_EVAL,
      "weights = np.repeat(1.0, 5)\nx_new = np.tile(X_test[:1], (3, 1))\nprint(weights, m.predict(x_new))"], set()),
    ("classes-undersampled-and-concatenated-before-the-split",
     ["neg = df[df.y == 0]\npos = df[df.y == 1]\ndf = pd.concat([neg.sample(len(pos), random_state=0), pos])\n"
      "X = df[['a', 'b']]\ny = df.y", SPLIT, FIT_EVAL], set()),
    ("majority-resampled-without-replacement-concatenated-before-the-split",
     ["maj = df[df['y'] == 0]\nmino = df[df['y'] != 0]\n"
      "df = pd.concat([resample(maj, replace=False, n_samples=len(mino), random_state=0), mino])\n"
      "X = df[['a', 'b']]\ny = df.y", SPLIT, FIT_EVAL], set()),
    ("minority-concatenated-twice-before-the-split",
     ["pos = df[df.y == 1]\ndf = pd.concat([df[df.y == 0], pos, pos])\nX = df[['a', 'b']]\ny = df.y", SPLIT, FIT_EVAL],
     {"NB307"}),
    # -- stop 22: with no test part, early stopping on the one held-out part whose score is reported ---------
    ("early-stop-on-the-only-held-out-part-reported",
     ["from xgboost import XGBClassifier\nfrom sklearn.metrics import roc_auc_score\nX = df[['a', 'b']]\ny = df.y\nX_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, random_state=0)", "m = XGBClassifier(n_estimators=500, early_stopping_rounds=50)\n"
      "m.fit(X_train, y_train, eval_set=[(X_train, y_train), (X_val, y_val)], verbose=0)\n"
      "print('val auc', roc_auc_score(y_val, m.predict_proba(X_val)[:, 1]))"], {"NB308"}),
    ("eval-set-only-monitored-on-the-only-held-out-part-reported",
     ["from xgboost import XGBClassifier\nfrom sklearn.metrics import roc_auc_score\nX = df[['a', 'b']]\ny = df.y\nX_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, random_state=0)", "m = XGBClassifier(n_estimators=200)\nm.fit(X_train, y_train, eval_set=[(X_val, y_val)], verbose=0)\n"
      "print('val auc', roc_auc_score(y_val, m.predict_proba(X_val)[:, 1]))"], set()),
    ("early-stop-on-a-validation-part-then-a-holdout-file-scored",
     ["from xgboost import XGBClassifier\nfrom sklearn.metrics import roc_auc_score\nX = df[['a', 'b']]\ny = df.y\nX_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, random_state=0)", "m = XGBClassifier(n_estimators=500, early_stopping_rounds=50)\n"
      "m.fit(X_train, y_train, eval_set=[(X_val, y_val)], verbose=0)\n"
      "hold = pd.read_csv('holdout.csv')\nprint('holdout auc', roc_auc_score(hold.y, m.predict_proba(hold[['a', 'b']])[:, 1]))"],
     set()),
    ("own-knn-class-scored-on-its-fit-rows",
     ["X = df[['a', 'b']].values\ny = df.y.values",
      "class KNN:\n    def __init__(self, k=3):\n        self.k = k\n\n    def fit(self, X, y):\n        self.X, self.y = X, y\n\n"
      "    def predict(self, X):\n        out = []\n        for x in X:\n            d = np.linalg.norm(self.X - x, axis=1)\n"
      "            out.append(np.bincount(self.y[np.argsort(d)[: self.k]]).argmax())\n        return np.array(out)",
      "knn = KNN(5)\nknn.fit(X, y)\nprint(accuracy_score(y, knn.predict(X)))"], {"NB307"}),
    ("library-subclass-fit-on-every-row-scored-on-the-test-part",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "class MyForest(RandomForestClassifier):\n    def fit(self, X, y):\n        print('fitting')\n        return super().fit(X, y)",
      "m = MyForest(n_estimators=10)\nm.fit(X, y)\nprint(m.score(X_test, y_test))"], {"NB307"}),
    ("trainer-class-built-in-main-scales-in-one-method-splits-in-another",
     ["class Trainer:\n    def __init__(self, path):\n        self.df = pd.read_csv(path)\n        self.scaler = StandardScaler()\n    def preprocess(self):\n        self.df = self.df.fillna(self.df.mean())\n        self.X = self.scaler.fit_transform(self.df.drop('y', axis=1))\n        self.y = self.df.y\n    def split(self):\n        self.X_train, self.X_test, self.y_train, self.y_test = train_test_split(self.X, self.y, random_state=0)\n    def train(self):\n        self.model = RandomForestClassifier().fit(self.X_train, self.y_train)\n    def evaluate(self):\n        return accuracy_score(self.y_test, self.model.predict(self.X_test))\n    def run(self):\n        self.preprocess()\n        self.split()\n        self.train()\n        return self.evaluate()\ndef main():\n    t = Trainer('d.csv')\n    print(t.run())\nif __name__ == '__main__':\n    main()\n"], {"NB301"}),
    ("trainer-class-built-in-main-splits-then-scales-the-training-part",
     ["class Trainer:\n    def __init__(self, path):\n        self.df = pd.read_csv(path)\n        self.scaler = StandardScaler()\n    def preprocess(self):\n        self.df = self.df.dropna()\n        self.X = self.df.drop('y', axis=1)\n        self.y = self.df.y\n    def split(self):\n        self.X_train, self.X_test, self.y_train, self.y_test = train_test_split(self.X, self.y, random_state=0)\n    def train(self):\n        self.model = RandomForestClassifier().fit(self.X_train, self.y_train)\n    def evaluate(self):\n        return accuracy_score(self.y_test, self.model.predict(self.X_test))\n    def run(self):\n        self.preprocess()\n        self.split()\n        self.X_train = self.scaler.fit_transform(self.X_train)\n        self.X_test = self.scaler.transform(self.X_test)\n        self.train()\n        return self.evaluate()\ndef main():\n    t = Trainer('d.csv')\n    print(t.run())\nif __name__ == '__main__':\n    main()\n"], set()),
    ("trainer-instance-built-on-the-spot-scales-before-its-split",
     ["class Trainer:\n    def __init__(self, path):\n        self.df = pd.read_csv(path)\n        self.scaler = StandardScaler()\n    def preprocess(self):\n        self.df = self.df.fillna(self.df.mean())\n        self.X = self.scaler.fit_transform(self.df.drop('y', axis=1))\n        self.y = self.df.y\n    def split(self):\n        self.X_train, self.X_test, self.y_train, self.y_test = train_test_split(self.X, self.y, random_state=0)\n    def train(self):\n        self.model = RandomForestClassifier().fit(self.X_train, self.y_train)\n    def evaluate(self):\n        return accuracy_score(self.y_test, self.model.predict(self.X_test))\n    def run(self):\n        self.preprocess()\n        self.split()\n        self.train()\n        return self.evaluate()\ndef main():\n    print(Trainer('d.csv').run())\nif __name__ == '__main__':\n    main()\n"], {"NB301"}),
    # -- round 10 (held-out-10's misses, each a general form) ------------------------------
    ("helper-defined-inside-a-helper-scales-before-its-positional-cut",
     ["def run(df):\n    def evaluate(d, cols):\n        d = d.copy()\n        d[cols] = StandardScaler().fit_transform(d[cols])\n"
      "        n = int(len(d) * 0.8)\n        train, test = d.iloc[:n], d.iloc[n:]\n"
      "        m = LogisticRegression().fit(train[cols], train.y)\n        return accuracy_score(test.y, m.predict(test[cols]))\n"
      "    r1 = evaluate(df, ['a', 'b'])\n    r2 = evaluate(df, ['a', 'c'])\n    print(r1, r2)\nrun(df)"], {"NB301"}),
    ("two-helper-calls-in-one-print-scale-before-the-positional-cut",
     ["def evaluate(d, cols):\n    d = d.copy()\n    d[cols] = StandardScaler().fit_transform(d[cols])\n"
      "    n = int(len(d) * 0.8)\n    train, test = d.iloc[:n], d.iloc[n:]\n"
      "    m = LogisticRegression().fit(train[cols], train.y)\n    return accuracy_score(test.y, m.predict(test[cols]))",
      "print(evaluate(df, ['a', 'b']), evaluate(df, ['a', 'c']))"], {"NB301"}),
    ("helper-defined-inside-a-helper-splits-then-scales",
     ["def run(df):\n    def evaluate(d, cols):\n        n = int(len(d) * 0.8)\n        train, test = d.iloc[:n], d.iloc[n:]\n"
      "        sc = StandardScaler().fit(train[cols])\n        m = LogisticRegression().fit(sc.transform(train[cols]), train.y)\n"
      "        return accuracy_score(test.y, m.predict(sc.transform(test[cols])))\n"
      "    print(evaluate(df, ['a', 'b']))\nrun(df)"], set()),
    ("split-imported-under-another-name-after-smote",
     ["from sklearn.model_selection import train_test_split as tts\nX = df[['a', 'b']]\ny = df.y",
      "Xr, yr = SMOTE(random_state=0).fit_resample(X, y)\nX_train, X_test, y_train, y_test = tts(Xr, yr, random_state=0)",
      FIT_EVAL], {"NB307"}),
    ("split-imported-under-another-name-then-smote-on-training-part",
     ["from sklearn.model_selection import train_test_split as tts\nX = df[['a', 'b']]\ny = df.y",
      "X_train, X_test, y_train, y_test = tts(X, y, random_state=0)\nX_train, y_train = SMOTE(random_state=0).fit_resample(X_train, y_train)",
      FIT_EVAL], set()),
    ("dict-of-label-encoders-fit-on-every-row",
     ["encoders = {'city': LabelEncoder(), 'job': LabelEncoder()}\nfor c in encoders:\n    df[c + '_code'] = encoders[c].fit_transform(df[c])",
      "X = df[['city_code', 'job_code', 'a']]\ny = df.y", SPLIT, FIT_EVAL], {"NB301"}),
    ("dict-of-label-encoders-fit-on-the-training-part",
     ["X = df[['city', 'job', 'a']]\ny = df.y", SPLIT,
      "encoders = {'city': LabelEncoder(), 'job': LabelEncoder()}\nfor c in encoders:\n    X_train[c] = encoders[c].fit_transform(X_train[c])\n    X_test[c] = encoders[c].transform(X_test[c])",
      FIT_EVAL], set()),
    ("list-of-label-encoders-fit-on-every-row",
     ["coders = [LabelEncoder(), LabelEncoder()]\nfor coder, c in zip(coders, ['city', 'job']):\n    df[c] = coders[0].fit_transform(df[c])",
      "X = df[['city', 'job', 'a']]\ny = df.y", SPLIT, FIT_EVAL], {"NB301"}),
    ("early-stopping-on-a-positional-cut-made-in-each-round-of-a-loop",
     ["from xgboost import XGBClassifier\nfrom sklearn.model_selection import KFold\nimport optuna\nX = df[['a', 'b']]\ny = df.y",
      "for frac in [0.8, 0.85]:\n    n = int(len(X) * frac)\n    X_f, X_v = X.iloc[:n], X.iloc[n:]\n    y_f, y_v = y.iloc[:n], y.iloc[n:]\n"
      "    m = XGBClassifier(early_stopping_rounds=20)\n    m.fit(X_f, y_f, eval_set=[(X_v, y_v)])\n    print(accuracy_score(y_v, m.predict(X_v)))"],
     {"NB308"}),
    ("positional-cut-in-a-loop-early-stopping-on-a-validation-part-test-scored-apart",
     ["from xgboost import XGBClassifier\nfrom sklearn.model_selection import KFold\nimport optuna\nX = df[['a', 'b']]\ny = df.y",
      "for frac in [0.8, 0.85]:\n    n = int(len(X) * frac)\n    X_f, X_t = X.iloc[:n], X.iloc[n:]\n    y_f, y_t = y.iloc[:n], y.iloc[n:]\n"
      "    X_a, X_v, y_a, y_v = train_test_split(X_f, y_f, random_state=0)\n"
      "    m = XGBClassifier(early_stopping_rounds=20)\n    m.fit(X_a, y_a, eval_set=[(X_v, y_v)])\n    print(accuracy_score(y_t, m.predict(X_t)))"],
     set()),
    ("early-stopping-on-each-kfold-fold-that-then-scores-it",
     ["from xgboost import XGBClassifier\nfrom sklearn.model_selection import KFold\nimport optuna\nX = df[['a', 'b']]\ny = df.y",
      "accs = []\nfor tr, te in KFold(5).split(X):\n    X_f, X_v = X.iloc[tr], X.iloc[te]\n    y_f, y_v = y.iloc[tr], y.iloc[te]\n"
      "    m = XGBClassifier(early_stopping_rounds=20)\n    m.fit(X_f, y_f, eval_set=[(X_v, y_v)])\n    accs.append(accuracy_score(y_v, m.predict(X_v)))\nprint(np.mean(accs))"],
     {"NB308"}),
    ("kfold-folds-scored-without-early-stopping",
     ["from xgboost import XGBClassifier\nfrom sklearn.model_selection import KFold\nimport optuna\nX = df[['a', 'b']]\ny = df.y",
      "accs = []\nfor tr, te in KFold(5).split(X):\n    X_f, X_v = X.iloc[tr], X.iloc[te]\n    y_f, y_v = y.iloc[tr], y.iloc[te]\n"
      "    m = XGBClassifier()\n    m.fit(X_f, y_f, eval_set=[(X_v, y_v)])\n    accs.append(accuracy_score(y_v, m.predict(X_v)))\nprint(np.mean(accs))"],
     set()),
    ("tuner-objective-handed-over-as-a-named-lambda-early-stops-on-each-fold",
     ["from xgboost import XGBClassifier\nfrom sklearn.model_selection import KFold\nimport optuna\ndef objective(trial, X, y):\n    lr = trial.suggest_float('lr', 0.01, 0.3)\n    scores = []\n"
      "    for tr, te in KFold(5).split(X):\n        X_tr, X_te = X.iloc[tr], X.iloc[te]\n        y_tr, y_te = y.iloc[tr], y.iloc[te]\n"
      "        m = XGBClassifier(learning_rate=lr)\n        m.fit(X_tr, y_tr, eval_set=[(X_te, y_te)], early_stopping_rounds=50)\n"
      "        scores.append(accuracy_score(y_te, m.predict(X_te)))\n    return np.mean(scores)",
      "X = df[['a', 'b']]\ny = df.y\nstudy = optuna.create_study()\nfunc = lambda trial: objective(trial, X, y)\nstudy.optimize(func, n_trials=20)"],
     {"NB308"}),
    ("tuner-objective-handed-over-as-a-named-lambda-plain-cv",
     ["from xgboost import XGBClassifier\nfrom sklearn.model_selection import KFold\nimport optuna\ndef objective(trial, X, y):\n    lr = trial.suggest_float('lr', 0.01, 0.3)\n    scores = []\n"
      "    for tr, te in KFold(5).split(X):\n        X_tr, X_te = X.iloc[tr], X.iloc[te]\n        y_tr, y_te = y.iloc[tr], y.iloc[te]\n"
      "        m = XGBClassifier(learning_rate=lr)\n        m.fit(X_tr, y_tr)\n"
      "        scores.append(accuracy_score(y_te, m.predict(X_te)))\n    return np.mean(scores)",
      "X = df[['a', 'b']]\ny = df.y\nstudy = optuna.create_study()\nfunc = lambda trial: objective(trial, X, y)\nstudy.optimize(func, n_trials=20)"],
     set()),
    ("scaler-on-every-row-then-a-split-by-year-filters",
     ["df[['a', 'b']] = StandardScaler().fit_transform(df[['a', 'b']])",
      "train = df[df['year'] < 2015]\ntest = df[df['year'] >= 2015]\n"
      "m = LogisticRegression().fit(train[['a', 'b']], train.y)\nprint(accuracy_score(test.y, m.predict(test[['a', 'b']])))"],
     {"NB301"}),
    ("split-by-year-filters-then-scaler-on-the-training-part",
     ["train = df[df['year'] < 2015]\ntest = df[df['year'] >= 2015]",
      "sc = StandardScaler().fit(train[['a', 'b']])\n"
      "m = LogisticRegression().fit(sc.transform(train[['a', 'b']]), train.y)\nprint(accuracy_score(test.y, m.predict(sc.transform(test[['a', 'b']]))))"],
     set()),
    ("scaler-on-every-row-then-leave-one-group-out-by-hand",
     ["df[['a', 'b']] = StandardScaler().fit_transform(df[['a', 'b']])",
      "accs = []\nfor g in df.site.unique():\n    test_df = df[df.site == g]\n    train_df = df[df.site != g]\n"
      "    m = LogisticRegression().fit(train_df[['a', 'b']], train_df.y)\n    accs.append(accuracy_score(test_df.y, m.predict(test_df[['a', 'b']])))\nprint(np.mean(accs))"],
     {"NB301"}),
    ("label-codes-on-every-row-then-leave-one-group-out-scaler-per-fold",
     ["le = LabelEncoder()\ndf['stage_code'] = le.fit_transform(df['stage'])",
      "accs = []\nfor g in df.site.unique():\n    test_df = df[df.site == g]\n    train_df = df[df.site != g]\n"
      "    sc = StandardScaler()\n    X_tr = sc.fit_transform(train_df[['a', 'b']])\n    X_te = sc.transform(test_df[['a', 'b']])\n"
      "    y_train = train_df['stage_code'].values\n    y_test = test_df['stage_code'].values\n"
      "    m = LogisticRegression().fit(X_tr, y_train)\n    accs.append(accuracy_score(y_test, m.predict(X_te)))\nprint(np.mean(accs))"],
     set()),
    ("label-codes-on-a-frame-split-whole-labels-read-in-the-fit-call",
     ["le = LabelEncoder()\ndf['enc'] = le.fit_transform(df['stage'])",
      "train_df, test_df = train_test_split(df, random_state=0)\n"
      "m = LogisticRegression().fit(train_df[['a', 'b']].values, train_df['enc'].values)\n"
      "print(accuracy_score(test_df['enc'].values, m.predict(test_df[['a', 'b']].values)))"],
     set()),
    ("class-partition-by-label-filters-recombined-is-no-split",
     ["benign = df[df['label'] == 'Benign']\nother = df[df['label'] != 'Benign']\n"
      "df = pd.concat([benign.sample(n=1000, random_state=0), other])",
      "X = df[['a', 'b']]\ny = df.y", SPLIT,
      "sc = StandardScaler().fit(X_train)\nm = LogisticRegression().fit(sc.transform(X_train), y_train)\n"
      "print(accuracy_score(y_test, m.predict(sc.transform(X_test))))"],
     set()),
    ("features-chosen-by-correlation-with-the-label-over-every-row",
     ["top = df.corr()['y'].drop('y').abs().nlargest(2).index\nX = df[top]\ny = df['y']", SPLIT, FIT_EVAL],
     {"NB301"}),
    ("features-chosen-by-correlation-matrix-read-at-the-label-later",
     ["corr = df.corr()", "best = corr['y'].abs().sort_values().index[-3:-1]\nX = df[best]\ny = df['y']", SPLIT, FIT_EVAL],
     {"NB301"}),
    ("correlation-with-the-label-shown-only",
     ["print(df.corr()['y'].sort_values())\ncorr = df.corr()\nprint(corr['y'])", "X = df[['a', 'b']]\ny = df['y']", SPLIT, FIT_EVAL],
     set()),
    ("features-chosen-by-correlation-on-the-training-part",
     ["X = df.drop(columns='y')\ny = df['y']", SPLIT,
      "train = X_train.assign(y=y_train)\ntop = train.corr()['y'].drop('y').abs().nlargest(2).index\n"
      "m = LogisticRegression().fit(X_train[top], y_train)\nprint(accuracy_score(y_test, m.predict(X_test[top])))"],
     set()),
    ("static-method-loader-fills-with-every-row-mean-before-the-split",
     ["class Trainer:\n    def __init__(self):\n        self.model = LogisticRegression()\n\n"
      "    @staticmethod\n    def load(path):\n        d = pd.read_csv(path)\n        d = d.fillna(d.mean())\n        return d\n\n"
      "    def train(self, d):\n        X = d[['a', 'b']]\n        y = d.y\n"
      "        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
      "        self.model.fit(X_train, y_train)\n        print(accuracy_score(y_test, self.model.predict(X_test)))\n\n"
      "    def helper():\n        return 1",
      "t = Trainer()\nd = t.load('data.csv')\nif d is not None:\n    t.train(d)"],
     {"NB301"}),
    ("class-method-loader-with-constant-fill-then-split",
     ["class Trainer:\n    def __init__(self):\n        self.model = LogisticRegression()\n\n"
      "    @classmethod\n    def load(cls, path):\n        d = pd.read_csv(path)\n        return d.fillna(0)\n\n"
      "    def train(self, d):\n        X = d[['a', 'b']]\n        y = d.y\n"
      "        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
      "        sc = StandardScaler().fit(X_train)\n        self.model.fit(sc.transform(X_train), y_train)\n"
      "        print(accuracy_score(y_test, self.model.predict(sc.transform(X_test))))",
      "t = Trainer()\nd = t.load('data.csv')\nt.train(d)"],
     set()),
    ("scaler-on-every-price-then-a-cut-from-zero-and-to-the-last-but-one-row",
     ["from tensorflow import keras\nprices = df[['close']]\nprices = MinMaxScaler().fit_transform(prices)\nn = int(len(prices) * 0.8)\n"
      "xtrain = prices[0:n].reshape((-1, 1, 1))\nytrain = prices[1:n + 1].reshape((-1, 1))\n"
      "xtest = prices[n:-1].reshape((-1, 1, 1))\nytest = prices[n + 1:].reshape((-1, 1))",
      "m = keras.Sequential()\nm.fit(xtrain, ytrain, epochs=5)\nprint(m.evaluate(xtest, ytest))"],
     {"NB301"}),
    ("scaler-on-a-column-then-a-cut-of-its-values",
     ["df['close'] = MinMaxScaler().fit_transform(df[['close']])\nn = int(len(df) * 0.8)\n"
      "train_data, test_data = df['close'].values[:n], df['close'].values[n:]",
      "m = LogisticRegression().fit(train_data.reshape(-1, 1)[:-1], train_data[1:] > 0.5)\n"
      "print(accuracy_score(test_data[1:] > 0.5, m.predict(test_data.reshape(-1, 1)[:-1])))"],
     {"NB301"}),
    ("cut-of-a-column-s-values-then-scaler-on-the-training-part",
     ["n = int(len(df) * 0.8)\ntrain_data, test_data = df['close'].values[:n], df['close'].values[n:]",
      "sc = MinMaxScaler().fit(train_data.reshape(-1, 1))\ntr = sc.transform(train_data.reshape(-1, 1))\nte = sc.transform(test_data.reshape(-1, 1))\n"
      "m = LogisticRegression().fit(tr[:-1], tr[1:, 0] > 0.5)\nprint(accuracy_score(te[1:, 0] > 0.5, m.predict(te[:-1])))"],
     set()),
    ("keras-early-stopping-bound-to-a-name-watches-the-test-part",
     ["from tensorflow import keras\nX = df[['a', 'b']].values\ny = df.y.values", SPLIT,
      "es = keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)\nm = keras.Sequential()\n"
      "m.fit(X_train, y_train, validation_data=(X_test, y_test), epochs=50, callbacks=[es])\nprint(m.evaluate(X_test, y_test))"],
     {"NB308"}),
    ("keras-checkpoint-bound-to-a-name-never-reloaded",
     ["from tensorflow import keras\nX = df[['a', 'b']].values\ny = df.y.values", SPLIT,
      "ckpt = keras.callbacks.ModelCheckpoint('best.keras', save_best_only=True)\nm = keras.Sequential()\n"
      "m.fit(X_train, y_train, validation_data=(X_test, y_test), epochs=10, callbacks=[ckpt])\nprint(m.evaluate(X_test, y_test))"],
     set()),
    ("model-from-a-helper-scored-on-its-own-training-rows",
     ["def train_model(X, y):\n    model = LogisticRegression()\n    model.fit(X, y)\n    return model",
      "X = df[['a', 'b']]\ny = df.y\nmodel = train_model(X, y)\nprint(accuracy_score(y, model.predict(X)))"], {"NB307"}),
    ("model-from-a-helper-scored-on-the-test-part",
     ["def train_model(X, y):\n    model = LogisticRegression()\n    model.fit(X, y)\n    return model",
      "X = df[['a', 'b']]\ny = df.y", SPLIT, "model = train_model(X_train, y_train)\nprint(accuracy_score(y_test, model.predict(X_test)))"],
     set()),
    ("scaler-before-a-search-whose-fold-scores-are-never-read",
     ["X = StandardScaler().fit_transform(df[['a', 'b']])\ny = df.y",
      "gs = GridSearchCV(LogisticRegression(), {'C': [0.1, 1]}, cv=5)\ngs.fit(X, y)\nbest = gs.best_estimator_\nprint(best.coef_)"],
     {"NB309"}),
    ("scaler-before-a-search-whose-best-score-is-shown",
     ["X = StandardScaler().fit_transform(df[['a', 'b']])\ny = df.y",
      "gs = GridSearchCV(LogisticRegression(), {'C': [0.1, 1]}, cv=5)\ngs.fit(X, y)\nprint(gs.best_score_)"], {"NB301"}),
    ("test-sweep-in-a-function-never-called",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "def sweep(x_train, x_test, y_train, y_test):\n    best_score = 0\n    for C in [0.1, 1, 10]:\n"
      "        s = LogisticRegression(C=C).fit(x_train, y_train).score(x_test, y_test)\n        if best_score < s:\n            best_score = s\n    print(best_score)",
      "# sweep(X_train, X_test, y_train, y_test)\nprint(LogisticRegression().fit(X_train, y_train).score(X_test, y_test))"], set()),
    ("test-sweep-in-a-function-that-is-called",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "def sweep(x_train, x_test, y_train, y_test):\n    best_score = 0\n    for C in [0.1, 1, 10]:\n"
      "        s = LogisticRegression(C=C).fit(x_train, y_train).score(x_test, y_test)\n        if best_score < s:\n            best_score = s\n    print(best_score)",
      "sweep(X_train, X_test, y_train, y_test)"], {"NB308"}),
    ("smote-per-fold-in-a-helper-called-twice-in-a-loop",
     ["from sklearn.model_selection import StratifiedKFold\n"
      "def evaluate(X, y):\n    skf = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)\n    acc = []\n"
      "    for tr, te in skf.split(X, y):\n        sc = StandardScaler().fit(X[tr])\n"
      "        Xb, yb = SMOTE(random_state=0).fit_resample(sc.transform(X[tr]), y[tr])\n"
      "        m = LogisticRegression().fit(Xb, yb)\n        acc.append(accuracy_score(y[te], m.predict(sc.transform(X[te]))))\n    return np.mean(acc)",
      "for f in ['a.csv', 'b.csv']:\n    d = pd.read_csv(f)\n    y = d.y.values\n    print(evaluate(d[['a']].values, y))\n    print(evaluate(d[['b']].values, y))"],
     set()),
    ("two-models-scored-by-a-helper-on-the-test-part-best-kept",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "def evaluate_model(model, X_test, y_test):\n    p = model.predict(X_test)\n    return {'acc': accuracy_score(y_test, p), 'pred': p}",
      "results = {}\nlr = LogisticRegression().fit(X_train, y_train)\nresults['lr'] = evaluate_model(lr, X_test, y_test)\n"
      "rf = RandomForestClassifier(random_state=0).fit(X_train, y_train)\nresults['rf'] = evaluate_model(rf, X_test, y_test)\n"
      "best = max(results, key=lambda k: results[k]['acc'])\nprint(best)"], {"NB308"}),
    ("two-models-scored-by-a-helper-on-the-test-part-both-shown",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "def evaluate_model(model, X_test, y_test):\n    p = model.predict(X_test)\n    return {'acc': accuracy_score(y_test, p), 'pred': p}",
      "results = {}\nlr = LogisticRegression().fit(X_train, y_train)\nresults['lr'] = evaluate_model(lr, X_test, y_test)\n"
      "rf = RandomForestClassifier(random_state=0).fit(X_train, y_train)\nresults['rf'] = evaluate_model(rf, X_test, y_test)\n"
      "print(results['lr']['acc'], results['rf']['acc'])"], set()),
    ("pipeline-with-a-scaler-searched-on-every-row-then-scored-on-the-test-part",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "pipe = Pipeline([('sc', StandardScaler()), ('m', LogisticRegression())])\ngrid = GridSearchCV(pipe, {'m__C': [0.1, 1]}, cv=5)\ngrid.fit(X, y)",
      "print(grid.best_estimator_.score(X_test, y_test))"], {"NB301", "NB307"}),
    ("pipeline-with-a-scaler-searched-on-the-training-part",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "pipe = Pipeline([('sc', StandardScaler()), ('m', LogisticRegression())])\ngrid = GridSearchCV(pipe, {'m__C': [0.1, 1]}, cv=5)\ngrid.fit(X_train, y_train)",
      "print(grid.best_estimator_.score(X_test, y_test))"], set()),
    ("pipeline-without-a-transformer-searched-on-every-row-then-scored-on-the-test-part",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "pipe = Pipeline([('m', LogisticRegression())])\ngrid = GridSearchCV(pipe, {'m__C': [0.1, 1]}, cv=5)\ngrid.fit(X, y)",
      "print(grid.best_estimator_.score(X_test, y_test))"], {"NB307"}),
    # -- round 11 (held-out-11's misses) -----------------------------------------------------
    ("scaled-frame-saved-and-read-back-before-the-split",
     ["X_s = pd.DataFrame(StandardScaler().fit_transform(df[['a', 'b']]), columns=['a', 'b'])\nX_s.to_csv('clean/X.csv', index=False)\ndf.y.to_csv('clean/y.csv', index=False)",
      "X = pd.read_csv('clean/X.csv')\ny = pd.read_csv('clean/y.csv').squeeze()", SPLIT, FIT_EVAL], {"NB301"}),
    ("training-part-saved-and-read-back-then-scaled",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT, "X_train.to_csv('train.csv', index=False)\nX_test.to_csv('test.csv', index=False)",
      "tr = pd.read_csv('train.csv')\nte = pd.read_csv('test.csv')\nsc = StandardScaler().fit(tr)\nm = LogisticRegression().fit(sc.transform(tr), y_train)\nprint(accuracy_score(y_test, m.predict(sc.transform(te))))"],
     set()),
    ("median-by-numpy-in-a-helper-called-in-a-loop-before-the-split",
     ["def impute(data, col):\n    med = np.median(data[col].dropna())\n    data[col] = data[col].fillna(med)\n    return data",
      "for col in ['a', 'b']:\n    df = impute(df, col)\nX = df[['a', 'b']]\ny = df.y", SPLIT, FIT_EVAL], {"NB301"}),
    ("median-by-numpy-in-a-helper-on-the-training-part",
     ["def impute(data, col, med):\n    data[col] = data[col].fillna(med)\n    return data",
      "X = df[['a', 'b']]\ny = df.y", SPLIT,
      "for col in ['a', 'b']:\n    med = np.median(X_train[col].dropna())\n    X_train = impute(X_train, col, med)\n    X_test = impute(X_test, col, med)",
      FIT_EVAL], set()),
    ("label-encoder-fit-then-transform-in-one-loop-before-the-split",
     ["le = LabelEncoder()\nfor col in ['city', 'job']:\n    le.fit(df[col])\n    df[col] = le.transform(df[col])",
      "X = df.drop('y', axis=1)\ny = df['y']", SPLIT, FIT_EVAL], {"NB301"}),
    # -- round 13 (held-out-14's misses) -----------------------------------------------------
    ("helper-in-a-branch-calls-a-helper-that-scales-then-splits",
     ["def load():\n    X = StandardScaler().fit_transform(df[['a', 'b']])\n    X_train, X_test, y_train, y_test = train_test_split(X, df.y)\n    return X_train, X_test, y_train, y_test",
      "def train():\n    X_train, X_test, y_train, y_test = load()\n    m = LogisticRegression().fit(X_train, y_train)\n    print(accuracy_score(y_test, m.predict(X_test)))",
      "if args.algo == 'lr':\n    train()\nelse:\n    print('unknown')"], {"NB301"}),
    ("helper-in-a-branch-calls-a-helper-that-splits-then-scales",
     ["def load():\n    X_train, X_test, y_train, y_test = train_test_split(df[['a', 'b']], df.y)\n    sc = StandardScaler().fit(X_train)\n    return sc.transform(X_train), sc.transform(X_test), y_train, y_test",
      "def train():\n    X_train, X_test, y_train, y_test = load()\n    m = LogisticRegression().fit(X_train, y_train)\n    print(accuracy_score(y_test, m.predict(X_test)))",
      "if args.algo == 'lr':\n    train()\nelse:\n    print('unknown')"], set()),
    ("helper-results-appended-then-best-by-test-score",
     ["def evaluate(name, model):\n    model.fit(X_train, y_train)\n    return {'name': name, 'acc': accuracy_score(y_test, model.predict(X_test))}",
      "X = df[['a', 'b']]\ny = df.y", SPLIT,
      "results = []\nfor name, model in [('lr', LogisticRegression()), ('rf', RandomForestClassifier())]:\n    results.append(evaluate(name, model))\nbest = max(results, key=lambda r: r['acc'])\nprint(best['name'])"],
     {"NB308"}),
    ("helper-results-in-a-comprehension-then-best-by-test-score",
     ["def evaluate(name, model):\n    model.fit(X_train, y_train)\n    return {'name': name, 'acc': accuracy_score(y_test, model.predict(X_test))}",
      "X = df[['a', 'b']]\ny = df.y", SPLIT,
      "models = [('lr', LogisticRegression()), ('rf', RandomForestClassifier())]\nresults = [evaluate(name, model) for name, model in models]\nbest = max(results, key=lambda r: r['acc'])\nprint(best['name'])"],
     {"NB308"}),
    ("helper-results-in-a-comprehension-only-printed",
     ["def evaluate(name, model):\n    model.fit(X_train, y_train)\n    return {'name': name, 'acc': accuracy_score(y_test, model.predict(X_test))}",
      "X = df[['a', 'b']]\ny = df.y", SPLIT,
      "models = [('lr', LogisticRegression()), ('rf', RandomForestClassifier())]\nresults = [evaluate(name, model) for name, model in models]\nprint(results)"],
     set()),
    ("search-fit-bound-to-a-name-then-scored-on-its-own-rows",
     ["X = df[['a', 'b']]\ny = df.y\nsearch = GridSearchCV(RandomForestClassifier(), {'max_depth': [2, 4]}, cv=5)\nmodel = search.fit(X, y)",
      "print(model.score(X, y))"], {"NB307"}),
    ("search-fit-bound-to-a-name-then-scored-on-the-test-part",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "search = GridSearchCV(RandomForestClassifier(), {'max_depth': [2, 4]}, cv=5)\nmodel = search.fit(X_train, y_train)",
      "print(model.score(X_test, y_test))"], set()),
    ("featurewise-image-generator-fit-on-every-image-before-the-split",
     ["datagen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)\ndatagen.fit(X)",
      "X_train, X_test, y_train, y_test = train_test_split(X, y)",
      "net.fit(datagen.flow(X_train, y_train), validation_data=datagen.flow(X_test, y_test))\nprint(net.evaluate(datagen.flow(X_test, y_test)))"],
     {"NB301"}),
    ("augmenting-image-generator-fit-on-every-image-before-the-split",
     ["datagen = ImageDataGenerator(rotation_range=10, horizontal_flip=True)\ndatagen.fit(X)",
      "X_train, X_test, y_train, y_test = train_test_split(X, y)",
      "net.fit(datagen.flow(X_train, y_train), validation_data=(X_test, y_test))\nprint(net.evaluate(X_test, y_test))"],
     set()),
    ("featurewise-image-generator-fit-on-the-training-part",
     ["X_train, X_test, y_train, y_test = train_test_split(X, y)",
      "datagen = ImageDataGenerator(featurewise_center=True)\ndatagen.fit(X_train)",
      "net.fit(datagen.flow(X_train, y_train), validation_data=datagen.flow(X_test, y_test))\nprint(net.evaluate(datagen.flow(X_test, y_test)))"],
     set()),
    ("encoder-on-every-row-before-named-year-masks",
     ["le = LabelEncoder()\ndf['country'] = le.fit_transform(df['country'])",
      "train_mask = df['year'] < 2010\ntest_mask = df['year'] >= 2010\nX_train = df.loc[train_mask, ['country', 'a']]\nX_test = df.loc[test_mask, ['country', 'a']]\ny_train = df.loc[train_mask, 'y']\ny_test = df.loc[test_mask, 'y']",
      FIT_EVAL], {"NB301"}),
    ("scaler-on-the-training-year-mask-only",
     ["train_mask = df['year'] < 2010\ntest_mask = df['year'] >= 2010\nX_train = df.loc[train_mask, ['a']]\nX_test = df.loc[test_mask, ['a']]\ny_train = df.loc[train_mask, 'y']\ny_test = df.loc[test_mask, 'y']",
      "sc = StandardScaler().fit(X_train)\nm = LogisticRegression().fit(sc.transform(X_train), y_train)\nprint(accuracy_score(y_test, m.predict(sc.transform(X_test))))"],
     set()),
    ("helper-in-a-try-block-scores-on-its-own-rows",
     ["def fit_tree(x, y):\n    model = RandomForestClassifier(max_depth=3)\n    model.fit(x, y)\n    return model.score(x, y)",
      "def load(path):\n    try:\n        frame = pd.read_excel(path)\n        return fit_tree(frame[['a', 'b']], frame['y'])\n    except ValueError:\n        return 'Wrong file format'",
      "print(load('data.xlsx'))"], {"NB307"}),
    ("helper-in-a-try-block-scores-on-the-test-part",
     ["def fit_tree(x, y):\n    x_tr, x_te, y_tr, y_te = train_test_split(x, y)\n    model = RandomForestClassifier(max_depth=3).fit(x_tr, y_tr)\n    return model.score(x_te, y_te)",
      "def load(path):\n    try:\n        frame = pd.read_excel(path)\n        return fit_tree(frame[['a', 'b']], frame['y'])\n    except ValueError:\n        return 'Wrong file format'",
      "print(load('data.xlsx'))"], set()),
    ("methods-of-a-class-never-built-scale-then-split",
     ["class Models:\n    def __init__(self, frame):\n        self.frame = frame\n\n    def run(self):\n        X = StandardScaler().fit_transform(self.frame[['a', 'b']])\n        X_train, X_test, y_train, y_test = train_test_split(X, self.frame['y'])\n        m = LogisticRegression().fit(X_train, y_train)\n        print(accuracy_score(y_test, m.predict(X_test)))"],
     {"NB301"}),
    ("methods-of-a-class-never-built-split-then-scale",
     ["class Models:\n    def __init__(self, frame):\n        self.frame = frame\n\n    def run(self):\n        X_train, X_test, y_train, y_test = train_test_split(self.frame[['a', 'b']], self.frame['y'])\n        sc = StandardScaler().fit(X_train)\n        m = LogisticRegression().fit(sc.transform(X_train), y_train)\n        print(accuracy_score(y_test, m.predict(sc.transform(X_test))))"],
     set()),
    ("search-in-a-loop-best-estimator-scored-on-its-own-rows",
     ["X = df[['a', 'b']]\ny = df.y",
      "for name, est in {'lr': LogisticRegression(), 'rf': RandomForestClassifier()}.items():\n    grid = GridSearchCV(est, {}, cv=5)\n    grid.fit(X, y)\n    best = grid.best_estimator_\n    print(name, accuracy_score(y, best.predict(X)))"],
     {"NB307"}),
    ("helper-fills-the-frame-in-place-before-the-folds",
     ["def preprocess(frame):\n    frame[['a', 'b']] = SimpleImputer(strategy='mean').fit_transform(frame[['a', 'b']])",
      "def train(model, X, y, skf):\n    for fold, (tr, va) in enumerate(skf.split(X, y)):\n        model.fit(X[tr], y[tr])\n        print(fold, accuracy_score(y[va], model.predict(X[va])))",
      "preprocess(df)\nX = df[['a', 'b']].values\ny = df['y'].values\nskf = StratifiedKFold(n_splits=5)\nfor m in [LogisticRegression(), RandomForestClassifier()]:\n    train(m, X, y, skf)"],
     {"NB301"}),
    ("helper-fills-a-copy-before-the-folds",
     ["def preprocess(frame):\n    out = frame.copy()\n    out[['a', 'b']] = out[['a', 'b']].fillna(0)\n    return out",
      "def train(model, X, y, skf):\n    for fold, (tr, va) in enumerate(skf.split(X, y)):\n        model.fit(X[tr], y[tr])\n        print(fold, accuracy_score(y[va], model.predict(X[va])))",
      "preprocess(df)\nX = df[['a', 'b']].values\ny = df['y'].values\nskf = StratifiedKFold(n_splits=5)\nfor m in [LogisticRegression(), RandomForestClassifier()]:\n    train(m, X, y, skf)"],
     set()),
    ("settings-ranked-by-a-cv-column-holdout-only-tabulated",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "rows = []\nfor c in [0.1, 1.0]:\n    m = LogisticRegression(C=c)\n    cv = cross_val_score(m, X_train, y_train, cv=5).mean()\n    m.fit(X_train, y_train)\n    rows.append({'C': c, 'cv_acc': cv, 'holdout_acc': accuracy_score(y_test, m.predict(X_test))})\nres = pd.DataFrame(rows)\nprint(res.sort_values('cv_acc', ascending=False).iloc[0]['C'])"],
     set()),
    ("settings-ranked-by-the-holdout-column",
     ["X = df[['a', 'b']]\ny = df.y", SPLIT,
      "rows = []\nfor c in [0.1, 1.0]:\n    m = LogisticRegression(C=c)\n    m.fit(X_train, y_train)\n    rows.append({'C': c, 'test_acc': accuracy_score(y_test, m.predict(X_test))})\nres = pd.DataFrame(rows)\nprint(res.sort_values('test_acc', ascending=False).iloc[0]['C'])"],
     {"NB308"}),
]  # fmt: skip


def _fired(make_notebook: Callable[..., Path], cells: list[str]) -> dict[str, list[str]]:
    path = make_notebook([IMPORTS, *cells])
    report = check_paths([path])
    assert not report.errors, report.errors
    out: dict[str, list[str]] = {}
    for f in report.findings:
        if f.rule in LEAK_RULES:
            out.setdefault(f.rule, []).append(f.message)
    return out


@pytest.mark.parametrize("cells,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_leakage_patterns(make_notebook: Callable[..., Path], cells: list[str], expected: set[str]) -> None:
    fired = _fired(make_notebook, cells)
    assert set(fired) == expected, fired


def test_message_names_fit_cell_chain_and_split_cell(make_notebook: Callable[..., Path]) -> None:
    cells = [
        "df_clean = df.dropna()",
        "scaled = StandardScaler().fit_transform(df_clean)",
        "scaled_df = pd.DataFrame(scaled, columns=df_clean.columns)",
        "X = scaled_df.drop('y', axis=1).values\ny = df_clean['y']",
        SPLIT,
    ]
    path = make_notebook([("markdown", "# Credit"), IMPORTS, *cells])
    (finding,) = [f for f in check_paths([path]).findings if f.rule == "NB301"]
    assert finding.message == (
        "StandardScaler is fit on df_clean (cell 4) → scaled → scaled_df → X, which train_test_split in cell 7 divides"
    )
    assert finding.cell == 3 and finding.line == 1 and "Split first" in finding.fix


def test_nb308_names_the_loop_and_nb307_the_cells(make_notebook: Callable[..., Path]) -> None:
    fired = _fired(make_notebook, [c for c in CASES if c[0] == "k-loop-on-test"][0][1])
    assert "the loop in cell 4" in fired["NB308"][0] and "cell 3" in fired["NB308"][0]
    fired = _fired(make_notebook, [c for c in CASES if c[0] == "smote-before-split"][0][1])
    assert "cell 3 copies rows into X_res" in fired["NB307"][0] and "cell 4 divides" in fired["NB307"][0]


def test_held_out_4_messages_name_cells_and_names(make_notebook: Callable[..., Path]) -> None:
    stop = _fired(make_notebook, ["from xgboost import XGBClassifier\nX = df[['a']]\ny = df.y", SPLIT,
                                  "m = XGBClassifier()\nm.fit(X_train, y_train, eval_set=[(X_test, y_test)], early_stopping_rounds=5)",
                                  "print(m.score(X_test, y_test))"])  # fmt: skip
    assert stop["NB308"] == [
        "m.fit in cell 4 stops early on X_test, y_test (held out by train_test_split in cell 3), the test part "
        "it is scored on in cell 5: the test set chose when to stop"
    ]
    every_row = _fired(make_notebook, ["X = df[['a']]\ny = df.y", SPLIT, "m = LogisticRegression()\nm.fit(X, y)",
                                       "pred = m.predict(X_test)"])  # fmt: skip
    assert every_row["NB307"] == [
        "the model is fit on X (cell 4), which still holds the rows train_test_split in cell 3 held out as "
        "X_test, predicted in cell 5"
    ]
    target = _fired(make_notebook, ["X = df[['a']]\ny = StandardScaler().fit_transform(df[['y']])", SPLIT,
                                    "m = LogisticRegression().fit(X_train, y_train)"])  # fmt: skip
    assert target["NB301"] == [
        "StandardScaler is fit on df (cell 2) → y, which train_test_split in cell 3 divides as the labels: "
        "the test rows' targets shape the training targets"
    ]


def test_ignore_comment_silences_leakage(make_notebook: Callable[..., Path]) -> None:
    cells = [
        "X = StandardScaler().fit_transform(df[['a']])  # nbprod: ignore[NB301]\ny = df.y",
        SPLIT,
        FIT_EVAL,
    ]
    assert "NB301" not in _fired(make_notebook, cells)


def test_where_from_follows_updates_loops_and_helpers(make_notebook: Callable[..., Path]) -> None:
    path = make_notebook(
        [
            "import pandas as pd\ntrain = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')",
            "combine = [train, test]\nfor d in combine:\n    d['t'] = d['name'].str.len()",
            "def clean(frame):\n    frame.dropna(inplace=True)",
            "clean(train)\ntrain['a'] = train['a'] * 2",
            "X = train.drop(columns=['y']).values",
        ]
    )
    flow = analyze_notebook(read_notebook(path)).flow()
    steps = [(o.cell, o.name) for o in flow.where_from("X")]
    assert steps == [(0, "train"), (1, "train"), (3, "train"), (3, "train"), (4, "X")]
    # as cell 2 reads it (0-based cell 1, line 3), test still comes from its read_csv
    assert [(o.cell, o.line, o.name) for o in flow.where_from("test", cell=1, line=3)] == [(0, 3, "test")]
    assert flow.where_from("nothing") == []


def test_labelled_set_is_real_and_labelled() -> None:
    files = sorted(DATA.glob("*.json"))
    assert len(files) >= 80
    traps = 0
    sources: dict[object, str] = {}
    for f in files:
        item = json.loads(f.read_text(encoding="utf-8"))
        assert {"repo", "path", "cells", "labels"} <= set(item), f.name
        assert set(item["labels"]) == {"NB301", "NB307", "NB308"}, f.name
        for verdict in item["labels"].values():
            assert isinstance(verdict["leaky"], bool) and verdict["why"].strip(), f.name
        traps += bool(item.get("looks_leaky")) and not any(v["leaky"] for v in item["labels"].values())
        if not item.get("duplicate_of"):  # a source counted twice would weigh twice in the figures
            # a file id names one stored file; two versions of a repository file differ in their cells
            source = item.get("source_id") or (item["repo"], item["path"], tuple(item["cells"]))
            assert source not in sources, (f.name, sources.get(source))
            sources[source] = f.name
    assert traps >= 20


def test_messages_are_the_same_under_every_hash_seed(tmp_path: Path) -> None:
    """The chain a NB301 message names ("→ scaled_df → X") is a shortest path, ties broken by
    name, not by a set's order: processes with different hash seeds print the same bytes
    over the labelled set's NB301 notebooks, and a cache written under one seed answers another with those bytes
    (a hit must equal a miss in any process)."""
    import nbformat

    folder = tmp_path / "items"
    folder.mkdir()
    for item in sorted(DATA.glob("*.json")):
        labelled = json.loads(item.read_text(encoding="utf-8"))
        if labelled["labels"]["NB301"]["leaky"]:  # the notebooks with a chain to print
            nb = nbformat.v4.new_notebook()
            nb.cells = [nbformat.v4.new_code_cell(c) for c in labelled["cells"]]
            nbformat.write(nb, folder / f"{item.stem}.ipynb")
    cache = tmp_path / "cache"
    cmd = [sys.executable, "-m", "nbprod", "check", "--format", "json", "--jobs", "1", str(folder)]

    def run(seed: str, *extra: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": seed, "NBPROD_CACHE_DIR": str(cache)}
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(Path(__file__).parents[1]), env.get("PYTHONPATH")])
        )
        done = subprocess.run([*cmd, *extra], capture_output=True, text=True, env=env, timeout=600)
        assert done.returncode == 1, done.stderr
        return done.stdout

    first = run("1", "--no-cache")
    assert run("2") == first  # a miss, written to the cache
    assert run("3") == first  # a hit, read under another seed
    chains = [
        f["message"] for nb in json.loads(first)["notebooks"] for f in nb["findings"] if f["rule"] == "NB301"
    ]
    assert sum(m.count(" → ") >= 2 for m in chains) > 20  # many chains of several names to tie on


def test_leakage_rules_are_fast(make_notebook: Callable[..., Path]) -> None:
    cells = [c for case in CASES[:10] for c in case[1]]
    path = make_notebook([IMPORTS, *cells])
    nb = read_notebook(path)
    from nbprod.rules.leakage import leakage, outside_cv, overlap, test_reuse

    analyze_notebook(nb)  # cells cached: time the rules and the graph only
    times = []
    for _ in range(20):  # the fastest of 20: other processes only ever make a run slower
        start = time.process_time()
        facts = analyze_notebook(nb)
        for fn in (leakage, outside_cv, overlap, test_reuse):
            list(fn(facts))
        times.append(time.process_time() - start)
    per = min(times)
    assert per < 0.05, per  # a 40-cell ML notebook; the benchmark measures the real figure


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{'a': LabelEncoder(), 'b': LabelEncoder()}", {"LabelEncoder"}),
        ("[StandardScaler(), MinMaxScaler().fit(X)]", {"StandardScaler", "MinMaxScaler"}),
        ("[make_pipeline(StandardScaler()), 3]", {"make_pipeline", None}),
        ("{'a': pd.DataFrame(x)}", {None}),
        ("LabelEncoder()", set()),
        ("[]", set()),
    ],
)
def test_member_classes_names_what_each_member_is_built_from(source: str, expected: set) -> None:
    """The one reading of a container of constructors that the data flow (is it an object?) and the
    leakage events (which class is fit through ``coders[key]``?) share."""
    import ast

    from nbprod.analysis.dataflow import member_classes

    assert member_classes(ast.parse(source, mode="eval").body) == expected
