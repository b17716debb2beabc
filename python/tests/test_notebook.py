"""A notebook's path through scikit-learn's tools: score, search, save, then the program."""
import subprocess

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from ndnet import NdnetRegressor


def test_cross_validate_search_save_and_predict_with_the_program(program, table, tmp_path):
    X, y = table
    folds = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(NdnetRegressor(epochs=30, random_state=0), X, y, cv=folds)
    assert scores.shape == (3,) and (scores > 0.5).all(), scores

    search = GridSearchCV(
        NdnetRegressor(epochs=30, random_state=0),
        {"hidden": ["32", "64,64"], "lr": [0.003, 0.01]},
        cv=folds,
        n_jobs=2,
    )
    search.fit(X, y)
    assert set(search.best_params_) == {"hidden", "lr"}
    # The same search in one process finds the same scores, to the bit.
    alone = GridSearchCV(search.estimator, search.param_grid, cv=folds, n_jobs=1).fit(X, y)
    assert alone.cv_results_["mean_test_score"].tobytes() == search.cv_results_["mean_test_score"].tobytes()

    path = search.best_estimator_.save(tmp_path / "best.safetensors")
    X.to_csv(tmp_path / "rows.csv", index=False)
    out = subprocess.run(
        [program, "predict", "--model", str(path), "--data", str(tmp_path / "rows.csv"), "--out", str(tmp_path / "p.csv")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr


def test_in_a_pipeline():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 3))
    y = 3 * np.tanh(X[:, 0]) + X[:, 1]
    model = make_pipeline(FunctionTransformer(np.tanh), NdnetRegressor(epochs=30, random_state=0))
    assert model.fit(X, y).score(X, y) > 0.5


def test_a_search_on_a_dask_cluster_through_joblib(table):
    distributed = pytest.importorskip("distributed")
    X, y = table
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster):
            search = GridSearchCV(NdnetRegressor(epochs=20, random_state=0), {"lr": [0.003, 0.01]}, cv=3)
            with joblib.parallel_backend("dask"):
                search.fit(X, y)
    local = GridSearchCV(search.estimator, search.param_grid, cv=3).fit(X, y)
    assert search.cv_results_["mean_test_score"].tobytes() == local.cv_results_["mean_test_score"].tobytes()
