"""Write the production benchmark's notebooks: public supervised-learning code, adapted to data
the notebook generates or sklearn bundles (nothing is downloaded at run time).

Each entry: name, provenance (where the code comes from, and what was changed), cells.
Run: python bench/production_corpus/build.py  (writes *.ipynb and PROVENANCE.md beside this file)
"""

from __future__ import annotations

from pathlib import Path

import nbformat

HERE = Path(__file__).parent

GEN_CHURN = """import numpy as np
import pandas as pd
rng = np.random.default_rng(7)
n = 1500
df = pd.DataFrame({
    "tenure": rng.integers(1, 72, n),
    "monthly": rng.normal(65, 20, n).round(2),
    "plan": rng.choice(["basic", "plus", "pro"], n, p=[0.5, 0.3, 0.2]),
    "region": rng.choice(["north", "south", "east", "west"], n),
    "support_calls": rng.poisson(1.5, n),
})
df.loc[rng.random(n) < 0.05, "monthly"] = np.nan
logit = -1 + 0.04 * df["support_calls"] * 5 - 0.03 * df["tenure"] + (df["plan"] == "basic") * 0.8
df["churn"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
"""

GEN_HOUSES = """import numpy as np
import pandas as pd
rng = np.random.default_rng(3)
n = 1200
X_full = pd.DataFrame({
    "LotArea": rng.lognormal(9, 0.4, n).round(),
    "YearBuilt": rng.integers(1900, 2010, n),
    "OverallQual": rng.integers(1, 10, n),
    "Neighborhood": rng.choice(["NAmes", "CollgCr", "OldTown", "Edwards", "Somerst"], n),
    "MSZoning": rng.choice(["RL", "RM", "FV"], n, p=[0.7, 0.2, 0.1]),
})
X_full.loc[rng.random(n) < 0.08, "LotArea"] = np.nan
X_full.loc[rng.random(n) < 0.05, "MSZoning"] = np.nan
y = 20000 + 15000 * X_full["OverallQual"] + 300 * (X_full["YearBuilt"] - 1900) + rng.normal(0, 15000, n)
"""

CASES: list[tuple[str, str, list[str]]] = [
    ("credit_scoring_tutorial",
     "G3ordan1/credit-scoring `classification_tutorial.py`: breast cancer (bundled), a StandardScaler fit "
     "separately on train and on test (kept as written), logistic regression added as the model.",
     ["from sklearn.datasets import load_breast_cancer\nfrom sklearn.linear_model import LogisticRegression\n"
      "from sklearn.metrics import accuracy_score\nfrom sklearn.model_selection import train_test_split\n"
      "from sklearn.preprocessing import StandardScaler\n\ndataset = load_breast_cancer(as_frame=True)\n"
      "X = dataset['data']\ny = dataset['target']",
      "X_train, X_test, y_train, y_test = train_test_split(X, y , test_size=0.25, random_state=0)\n"
      "ss_train = StandardScaler()\nX_train = ss_train.fit_transform(X_train)\nss_test = StandardScaler()\n"
      "X_test = ss_test.fit_transform(X_test)",
      "model = LogisticRegression(max_iter=1000)\nmodel.fit(X_train, y_train)\npredictions = model.predict(X_test)\n"
      "print(accuracy_score(y_test, predictions))"]),
    ("bigdata_logistic",
     "MountainNine/BigDataPractice `logistic_regression.py`: breast cancer, scaled before the split "
     "(arrays), logistic regression, accuracy and ROC AUC; as written.",
     ["from sklearn.datasets import load_breast_cancer\nfrom sklearn.linear_model import LogisticRegression\n"
      "from sklearn.preprocessing import StandardScaler\nfrom sklearn.model_selection import train_test_split\n"
      "from sklearn.metrics import accuracy_score, roc_auc_score\n\ncancer = load_breast_cancer()\n"
      "scaler = StandardScaler()\ndata_scaled = scaler.fit_transform(cancer.data)",
      "X_train, X_test, y_train, y_test = train_test_split(data_scaled, cancer.target, test_size=0.3, random_state=0)\n"
      "lr_clf = LogisticRegression()\nlr_clf.fit(X_train, y_train)\nlr_preds = lr_clf.predict(X_test)\n"
      "print('accuracy:{}'.format(accuracy_score(y_test, lr_preds)))\nprint('roc_auc:{}'.format(roc_auc_score(y_test, lr_preds)))"]),
    ("apcomp_regression",
     "jlijing/apcomp_hw1 `regression.py`: diabetes (bundled), linear regression, MSE; as written.",
     ["from sklearn.datasets import load_diabetes\nfrom sklearn.linear_model import LinearRegression\n"
      "from sklearn.model_selection import train_test_split\nimport numpy as np\n\ndiabetes = load_diabetes()\n"
      "X = diabetes.data\ny = diabetes.target\nX_train, X_test, y_train, y_test = train_test_split(X, y, random_state=215)",
      "model = LinearRegression()\nmodel.fit(X_train, y_train)\npredictions = model.predict(X_test)\n"
      "print(np.mean((predictions - y_test) ** 2))"]),
    ("diabetes_linreg_metrics",
     "medicMachine/deepLearning `linearRegression.py`: diabetes, linear regression, MSE and R2; as written.",
     ["import numpy as np\nfrom sklearn.datasets import load_diabetes\nfrom sklearn.model_selection import train_test_split\n"
      "from sklearn.linear_model import LinearRegression\nfrom sklearn.metrics import mean_squared_error, r2_score\n\n"
      "diabetes = load_diabetes()\nX = diabetes.data\ny = diabetes.target\n"
      "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)",
      "lreg = LinearRegression()\nlreg.fit(X_train, y_train)\nlreg_pred = lreg.predict(X_test)\n"
      "lreg_mse = mean_squared_error(y_test, lreg_pred)\nlreg_r2 = r2_score(y_test, lreg_pred)\n"
      "print('MSE', lreg_mse)\nprint('r2', lreg_r2)"]),
    ("wine_kadai",
     "GodEnel1111/data-analysis-basic-kadai `kadai_008/kadai_008.py`: wine (bundled), random forest; as written.",
     ["from sklearn.datasets import load_wine\nfrom sklearn.model_selection import train_test_split\n"
      "from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.metrics import accuracy_score\nimport pandas as pd\n\n"
      "dataset = load_wine()\ndf = pd.DataFrame(data=dataset.data, columns=dataset.feature_names)\n"
      "X = dataset.data\ny = dataset.target",
      "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=5)\n"
      "model = RandomForestClassifier(random_state=3)\nmodel.fit(X_train, y_train)\ny_pred = model.predict(X_test)\n"
      "print(accuracy_score(y_test, y_pred))"]),
    ("wine_tree_ensemble",
     "zisen1123/vscode-42-course `42-course/week11/src/tree_ensemble.py`: wine, random forest, score; as written.",
     ["from sklearn.datasets import load_wine\nfrom sklearn.model_selection import train_test_split\n"
      "from sklearn.ensemble import RandomForestClassifier\n\nX, y = load_wine(return_X_y=True)\n"
      "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)",
      "clf = RandomForestClassifier(n_estimators=100, random_state=42)\nclf.fit(X_train, y_train)\n"
      "print('acc', round(clf.score(X_test, y_test), 4))"]),
    ("wine_unseeded",
     "Madhav1716/MachineLearning_Algorithms_MadhavPanchal `5_random_forest.py`: wine, random forest, "
     "split and forest unseeded; as written.",
     ["from sklearn.datasets import load_wine\nfrom sklearn.ensemble import RandomForestClassifier\n"
      "from sklearn.model_selection import train_test_split\nfrom sklearn.metrics import accuracy_score\n\n"
      "data = load_wine()\nX = data.data\ny = data.target\nX_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)",
      "model = RandomForestClassifier()\nmodel.fit(X_train, y_train)\ny_pred = model.predict(X_test)\n"
      "print('Random Forest Accuracy:', accuracy_score(y_test, y_pred))"]),
    ("voice_gradient",
     "REMNA-R-NAIR/MainProject `gradient.py`: gradient boosting on voice features with `dropna(inplace=True)` "
     "and a label mapping outside any pipeline; the CSV it read is replaced by a generated frame with its columns.",
     ["import pandas as pd\nimport numpy as np\nfrom sklearn.ensemble import GradientBoostingClassifier\n"
      "from sklearn.model_selection import train_test_split\n\nrng = np.random.default_rng(0)\n"
      "cols = ['nobs','mean','skew','kurtosis','median','mode','std','low','peak','q25','q75','iqr']\n"
      "data_new = pd.DataFrame(rng.normal(size=(800, 12)), columns=cols)\n"
      "data_new['gender'] = np.where(data_new['mean'] + rng.normal(0, 1, 800) > 0, 'Male', 'Female')\n"
      "data_new.loc[rng.random(800) < 0.03, 'skew'] = np.nan",
      "data_new.dropna(inplace=True)\npredictions = data_new['gender']\n"
      "features_raw = data_new[['nobs','mean','skew','kurtosis','median','mode','std','low','peak','q25','q75','iqr']]\n"
      "predict_class = predictions.apply(lambda x: 0 if x == 'Male' else 1)\nnp.random.seed(1234)\n"
      "X_train, X_test, y_train, y_test = train_test_split(features_raw, predict_class, train_size=0.50, random_state=1)",
      "gbrt = GradientBoostingClassifier(random_state=0).fit(X_train, y_train)\n"
      "print('Accuracy on training set: {:.3f}'.format(gbrt.score(X_train, y_train)))\n"
      "print('Accuracy on test set: {:.3f}'.format(gbrt.score(X_test, y_test)))"]),
    ("tpot_saved_model",
     "karthikreddykuna/ModelSaving_Test13 `Model/best_pipeline.py` (a TPOT export): features = frame minus "
     "`target`, gradient boosting; the prepared CSV is replaced by `make_classification` in a frame.",
     ["import numpy as np\nimport pandas as pd\nfrom sklearn.datasets import make_classification\n"
      "from sklearn.ensemble import GradientBoostingClassifier\nfrom sklearn.model_selection import train_test_split\n\n"
      "Xa, ya = make_classification(n_samples=1000, n_features=8, random_state=1)\n"
      "tpot_data = pd.DataFrame(Xa, columns=[f'f{i}' for i in range(8)])\ntpot_data['target'] = ya\n"
      "features = tpot_data.drop('target', axis=1)\ntraining_features, testing_features, training_target, testing_target = "
      "train_test_split(features, tpot_data['target'], random_state=0)",
      "exported_pipeline = GradientBoostingClassifier(learning_rate=0.1, max_depth=1, max_features=0.55, "
      "min_samples_leaf=7, min_samples_split=15, n_estimators=100, subsample=1.0, random_state=0)\n"
      "exported_pipeline.fit(training_features, training_target)\nresults = exported_pipeline.predict(testing_features)"]),
    ("churn_tpot_values",
     "alteryx/predict-customer-churn `churn/best_pipeline.py`: `.values` arrays into make_pipeline(MinMaxScaler, "
     "GradientBoostingClassifier); the data file is replaced by a generated churn frame (numeric columns).",
     [GEN_CHURN + "tpot_data = df[['tenure', 'support_calls']].assign(target=df['churn'])",
      "import numpy as np\nfrom sklearn.ensemble import GradientBoostingClassifier\nfrom sklearn.model_selection import train_test_split\n"
      "from sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import MinMaxScaler\n\n"
      "features = tpot_data.drop('target', axis=1).values\ntraining_features, testing_features, training_target, testing_target = "
      "train_test_split(features, tpot_data['target'].values, random_state=0)",
      "exported_pipeline = make_pipeline(MinMaxScaler(), GradientBoostingClassifier(learning_rate=0.01, max_depth=7, "
      "n_estimators=100, subsample=0.5, random_state=0))\nexported_pipeline.fit(training_features, training_target)\n"
      "results = exported_pipeline.predict(testing_features)"]),
    ("recipes_column_transformer",
     "jbrdge/Recipes `Python/Sklearn/Pipeline.py` (the Kaggle intermediate-ML pattern): SimpleImputer + "
     "OneHotEncoder(handle_unknown='ignore') in a ColumnTransformer, random forest regressor, MAE; house data generated.",
     [GEN_HOUSES + "from sklearn.model_selection import train_test_split\n"
      "X_train_full, X_valid_full, y_train, y_valid = train_test_split(X_full, y, train_size=0.8, test_size=0.2, random_state=0)\n"
      "categorical_cols = [c for c in X_train_full.columns if X_train_full[c].dtype == 'object' or str(X_train_full[c].dtype) == 'str']\n"
      "numerical_cols = [c for c in X_train_full.columns if X_train_full[c].dtype in ['int64', 'float64']]\n"
      "my_cols = categorical_cols + numerical_cols\nX_train = X_train_full[my_cols].copy()\nX_valid = X_valid_full[my_cols].copy()",
      "from sklearn.compose import ColumnTransformer\nfrom sklearn.pipeline import Pipeline\nfrom sklearn.impute import SimpleImputer\n"
      "from sklearn.preprocessing import OneHotEncoder\nfrom sklearn.ensemble import RandomForestRegressor\n"
      "from sklearn.metrics import mean_absolute_error\n\nnumerical_transformer = SimpleImputer(strategy='constant')\n"
      "categorical_transformer = Pipeline(steps=[('imputer', SimpleImputer(strategy='most_frequent')), "
      "('onehot', OneHotEncoder(handle_unknown='ignore'))])\npreprocessor = ColumnTransformer(transformers=["
      "('num', numerical_transformer, numerical_cols), ('cat', categorical_transformer, categorical_cols)])\n"
      "model = RandomForestRegressor(n_estimators=100, random_state=0)\n"
      "my_pipeline = Pipeline(steps=[('preprocessor', preprocessor), ('model', model)])\n"
      "my_pipeline.fit(X_train, y_train)\npreds = my_pipeline.predict(X_valid)\nscore = mean_absolute_error(y_valid, preds)\nprint('MAE:', score)"]),
    ("xgb_template_pipeline",
     "EdvardOlsen/XGBoostPipelineTemplate `pipeline.py`: numeric (mean impute + scale) and categorical "
     "(most-frequent impute + one-hot) pipelines; the XGBoost regressor is replaced by sklearn's "
     "HistGradientBoostingRegressor (xgboost is not installed); data generated.",
     [GEN_HOUSES + "num_cols = ['LotArea', 'YearBuilt', 'OverallQual']\ncat_cols = ['Neighborhood', 'MSZoning']",
      "from sklearn.compose import ColumnTransformer\nfrom sklearn.impute import SimpleImputer\nfrom sklearn.pipeline import Pipeline\n"
      "from sklearn.preprocessing import OneHotEncoder, StandardScaler\nfrom sklearn.ensemble import HistGradientBoostingRegressor\n"
      "from sklearn.model_selection import train_test_split\nfrom sklearn.metrics import mean_absolute_error\n\n"
      "categorical_pipeline = Pipeline(steps=[('impute', SimpleImputer(strategy='most_frequent')), "
      "('oh-encode', OneHotEncoder(handle_unknown='ignore', sparse_output=False))])\n"
      "numeric_pipeline = Pipeline(steps=[('impute', SimpleImputer(strategy='mean')), ('scale', StandardScaler())])\n"
      "full_processor = ColumnTransformer(transformers=[('numeric', numeric_pipeline, num_cols), ('categorical', categorical_pipeline, cat_cols)])\n"
      "X_train, X_test, y_train, y_test = train_test_split(X_full, y, random_state=1)\n"
      "reg = Pipeline(steps=[('preprocess', full_processor), ('model', HistGradientBoostingRegressor(random_state=0))])\n"
      "reg.fit(X_train, y_train)\ny_pred = reg.predict(X_test)\nprint('MAE', mean_absolute_error(y_test, y_pred))"]),
    ("inspection_titanic_like",
     "glemaitre/datascience_middle_course `09_inspection/solutions/solution_31.py`: OneHotEncoder(handle_unknown="
     "'ignore') + mean imputer in a ColumnTransformer, random forest classifier; Titanic (fetch_openml) replaced by the generated churn frame.",
     [GEN_CHURN + "categorical_columns = ['plan', 'region']\nnumerical_columns = ['tenure', 'monthly', 'support_calls']\n"
      "X = df[categorical_columns + numerical_columns]\ny = df['churn']",
      "from sklearn.preprocessing import OneHotEncoder\nfrom sklearn.pipeline import Pipeline\nfrom sklearn.compose import ColumnTransformer\n"
      "from sklearn.impute import SimpleImputer\nfrom sklearn.ensemble import RandomForestClassifier\n"
      "from sklearn.model_selection import train_test_split\n\nX_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=42)\n"
      "categorical_encoder = OneHotEncoder(handle_unknown='ignore')\nnumerical_pipe = Pipeline([('imputer', SimpleImputer(strategy='mean'))])\n"
      "preprocessing = ColumnTransformer([('cat', categorical_encoder, categorical_columns), ('num', numerical_pipe, numerical_columns)])\n"
      "rf = Pipeline([('preprocess', preprocessing), ('classifier', RandomForestClassifier(random_state=42))])\n"
      "rf.fit(X_train, y_train)\nprint('RF test accuracy: %0.3f' % rf.score(X_test, y_test))"]),
    ("health_single_feature",
     "kenilkalathiya/Health-Scal `Backend/ml.py`: diabetes, one feature by slicing, train/test by row "
     "slices, linear regression, MSE; as written.",
     ["import numpy as np\nfrom sklearn import datasets, linear_model\nfrom sklearn.metrics import mean_squared_error\n\n"
      "diabetes = datasets.load_diabetes()\ndiabetes_X = diabetes.data[:, np.newaxis, 2]\n"
      "diabetes_X_train = diabetes_X[:-30]\ndiabetes_X_test = diabetes_X[-20:]\n"
      "diabetes_Y_train = diabetes.target[:-30]\ndiabetes_Y_test = diabetes.target[-20:]",
      "model = linear_model.LinearRegression()\nmodel.fit(diabetes_X_train, diabetes_Y_train)\n"
      "diabetes_y_predict = model.predict(diabetes_X_test)\nprint('error', mean_squared_error(diabetes_Y_test, diabetes_y_predict))"]),
    ("bioautomated_poly_gbc",
     "jackievaleri/BioAutoMATED `.../tpot/binary_classification/optimized_tpot_pipeline_classification_updated.py`: "
     "make_pipeline(PolynomialFeatures, GradientBoostingClassifier); its features (undefined in the file) come from make_classification.",
     ["import numpy as np\nimport pandas as pd\nfrom sklearn.datasets import make_classification\n"
      "from sklearn.ensemble import GradientBoostingClassifier\nfrom sklearn.model_selection import train_test_split\n"
      "from sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import PolynomialFeatures\n\n"
      "X, y = make_classification(n_samples=600, n_features=6, n_informative=4, random_state=2)\n"
      "training_features, testing_features, training_target, testing_target = train_test_split(X, y, random_state=2)",
      "exported_pipeline = make_pipeline(PolynomialFeatures(degree=2, include_bias=False, interaction_only=False), "
      "GradientBoostingClassifier(learning_rate=0.1, max_depth=5, max_features=0.2, min_samples_leaf=7, "
      "min_samples_split=9, n_estimators=100, subsample=0.85, random_state=0))\n"
      "exported_pipeline.fit(training_features, training_target)\nresults = exported_pipeline.predict(testing_features)"]),
    ("scaled_logreg_outside_pipeline",
     "search-corpus excerpt (repository not named by the tool): breast cancer, StandardScaler fit on the "
     "training rows and applied to both splits (`X_train_scaled`, `X_test_scaled`), logistic regression; as written.",
     ["from sklearn.datasets import load_breast_cancer\nfrom sklearn.linear_model import LogisticRegression\n"
      "from sklearn.model_selection import train_test_split\nfrom sklearn.metrics import accuracy_score\n"
      "from sklearn.preprocessing import StandardScaler\ncancer = load_breast_cancer(as_frame=True)\nX = cancer.data\ny = cancer.target\n"
      "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)",
      "scaler = StandardScaler()\nX_train_scaled = scaler.fit_transform(X_train)\nX_test_scaled = scaler.transform(X_test)",
      "logreg = LogisticRegression(solver='liblinear', random_state=0)\nlogreg.fit(X_train_scaled, y_train)\n"
      "y_pred = logreg.predict(X_test_scaled)\naccuracy = accuracy_score(y_test, y_pred)\nprint(f'Model accuracy score: {accuracy:.4f}')"]),
    ("standardization_reassigned",
     "search-corpus excerpt (repository not named): breast cancer arrays, `scaler.fit(X_train)`, then "
     "`X_train = scaler.transform(X_train)` (the raw rows are overwritten), logistic regression; as written.",
     ["from sklearn.preprocessing import StandardScaler\nfrom sklearn.datasets import load_breast_cancer\n"
      "from sklearn.linear_model import LogisticRegression\nfrom sklearn.model_selection import train_test_split\n"
      "from sklearn.metrics import accuracy_score\nX, y = load_breast_cancer(return_X_y=True)\n"
      "X_train, X_test,y_train, y_test = train_test_split(X, y,test_size=0.30,random_state=99)",
      "scaler=StandardScaler()\nscaler.fit(X_train)\nX_train=scaler.transform(X_train)\nX_test=scaler.transform(X_test)\n"
      "model = LogisticRegression()\nmodel.fit(X_train,y_train)\ny_pred = model.predict(X_test)\nacc = accuracy_score(y_test, y_pred)\n"
      "print('Logistic Regression accuracy', acc)"]),
    ("churn_dummies_outside",
     "pattern of the Databricks encoding notebook in the search corpus (repository not named): categories "
     "one-hot encoded with `pd.get_dummies` on the whole frame before the split, then a classifier; generated churn data.",
     [GEN_CHURN,
      "from sklearn.linear_model import LogisticRegression\nfrom sklearn.model_selection import train_test_split\n"
      "from sklearn.metrics import roc_auc_score\n\ndf['monthly'] = df['monthly'].fillna(df['monthly'].median())\n"
      "encoded = pd.get_dummies(df, columns=['plan', 'region'], drop_first=True)\n"
      "X = encoded.drop(columns='churn')\ny = encoded['churn']\n"
      "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)",
      "clf = LogisticRegression(max_iter=2000)\nclf.fit(X_train, y_train)\nproba = clf.predict_proba(X_test)[:, 1]\n"
      "pred = clf.predict(X_test)\nauc = roc_auc_score(y_test, proba)\nprint('AUC', round(auc, 3))"]),
]  # fmt: skip


def main() -> int:
    lines = ["# Provenance of the production benchmark's notebooks", "",
             "Public code found with the search tools, adapted to data the notebook generates or sklearn bundles.", ""]  # fmt: skip
    for name, source, cells in CASES:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.metadata["language_info"] = {"name": "python"}
        nb.cells = [nbformat.v4.new_markdown_cell(f"Adapted from {source}")]
        nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
        for i, cell in enumerate(nb.cells):
            cell.id = f"cell-{i}"  # stable ids: rebuilding changes nothing
        nbformat.write(nb, HERE / f"{name}.ipynb")
        lines.append(f"- `{name}.ipynb`: {source}")
    (HERE / "PROVENANCE.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(CASES)} notebooks to {HERE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
