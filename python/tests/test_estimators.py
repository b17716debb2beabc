"""The estimators follow scikit-learn's conventions and read tables as the program does."""
import pickle
import threading
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

import ndnet
from ndnet import NdnetClassifier, NdnetRegressor

QUICK = dict(epochs=15, random_state=0)


@parametrize_with_checks([NdnetRegressor(**QUICK), NdnetClassifier(**QUICK)])
def test_scikit_learn_checks(estimator, check):
    check(estimator)


def test_data_frame_with_text_categories_booleans_and_missing_cells(table):
    X, y = table
    model = NdnetRegressor(epochs=40, random_state=0).fit(X, y)
    assert list(model.feature_names_in_) == ["size", "rooms", "city", "kind", "garden"]
    assert model.n_features_in_ == 5
    assert model.score(X, y) > 0.8
    # Columns found by name, in any order; unseen categories are no category.
    shuffled = X[["garden", "kind", "city", "rooms", "size"]].copy()
    assert np.array_equal(model.predict(shuffled), model.predict(X))
    shuffled.loc[0, "city"] = "Quito"
    assert np.isfinite(model.predict(shuffled)).all()


def test_classes_keep_their_type_and_order():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 2))
    y = np.where(X[:, 0] > 0.3, 10, np.where(X[:, 0] < -0.3, 2, 7))  # numeric labels, 10 after 7
    model = NdnetClassifier(epochs=30, random_state=0).fit(X, y)
    assert model.classes_.tolist() == [2, 7, 10]
    proba = model.predict_proba(X)
    assert proba.shape == (150, 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict(X)) <= {2, 7, 10}
    assert model.score(X, y) > 0.8
    words = np.array(["b", "a"])[(X[:, 1] > 0).astype(int)]
    assert NdnetClassifier(**QUICK).fit(X, words).classes_.tolist() == ["a", "b"]


def test_class_weights_by_dict_match_the_programs_list():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 2))
    y = (X[:, 0] > 0).astype(int)
    by_dict = NdnetClassifier(class_weight={0: 1.0, 1: 3.0}, **QUICK).fit(X, y)
    by_flag = NdnetClassifier(options={"class_weight": "1,3"}, **QUICK).fit(X, y)
    assert by_dict.predict_proba(X).tobytes() == by_flag.predict_proba(X).tobytes()
    plain = NdnetClassifier(**QUICK).fit(X, y)
    assert plain.predict_proba(X).tobytes() != by_dict.predict_proba(X).tobytes()


def test_intervals_and_sets_at_a_level(table):
    X, y = table
    model = NdnetRegressor(interval=0.9, epochs=30, random_state=0).fit(X, y)
    bounds = model.predict_interval(X)
    assert bounds.shape == (len(X), 2) and (bounds[:, 0] <= bounds[:, 1]).all()
    with pytest.raises(ValueError, match="without a level"):
        NdnetRegressor(**QUICK).fit(X, y).predict_interval(X)
    labels = np.where(y > np.median(y), "high", "low")
    sets = NdnetClassifier(interval=0.9, **QUICK).fit(X, labels).predict_set(X)
    assert sets.shape == (len(X), 2) and sets.dtype == bool and sets.any(axis=1).all()


def test_same_seed_same_bits_and_pickles_carry_the_model(table):
    X, y = table
    a = NdnetRegressor(members=4, **QUICK).fit(X, y)
    b = NdnetRegressor(members=4, **QUICK).fit(X, y)
    assert a.model_bytes_ == b.model_bytes_
    copy = pickle.loads(pickle.dumps(a))
    assert copy.predict(X).tobytes() == a.predict(X).tobytes()
    assert NdnetRegressor(members=4, epochs=15, random_state=1).fit(X, y).model_bytes_ != a.model_bytes_


def test_errors_are_the_programs_lines():
    X = np.zeros((50, 2))
    y = np.arange(50.0)
    with pytest.raises(ValueError, match=r"^invalid --lr -1: allowed > 0 and finite$"):
        NdnetRegressor(lr=-1).fit(X, y)
    with pytest.raises(ValueError, match=r"--hidden"):
        NdnetRegressor(hidden="8,x").fit(X, y)
    with pytest.raises(ValueError, match=r"unexpected argument '--no-such-flag'"):
        NdnetRegressor(options={"no_such_flag": 1}).fit(X, y)
    with pytest.raises(NotFittedError):
        NdnetClassifier().predict_proba(X)
    frame = pd.DataFrame({"a": np.arange(50.0), "b": ["x"] * 50})
    model = NdnetRegressor(**QUICK).fit(frame, y)
    with pytest.raises(ValueError, match=r"`b`"):
        model.predict(frame[["a"]])  # a missing column is named


def test_a_missing_target_is_refused_and_any_feature_name_is_a_feature():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    y = (X.a * 2 + X.b).to_numpy().copy()
    y[4] = np.nan  # the program drops such a row and says so; a fit in Python refuses it
    with pytest.raises(ValueError, match=r"^Input y contains NaN\.$"):
        NdnetRegressor(**QUICK).fit(X, y)
    labels = np.array(["p", "q", None] * 20, dtype=object)
    with pytest.raises(ValueError, match=r"contains NaN"):
        NdnetClassifier(**QUICK).fit(X, labels)
    # Names that are ndnet's output columns for the estimator's own target name are features.
    named = X.rename(columns={"a": "predicted_target", "b": "target_lower"})
    model = NdnetRegressor(**QUICK).fit(named, X.a * 2 + X.b)
    assert list(model.description_["columns"]) == ["predicted_target", "target_lower"]
    assert model.predict(named).shape == (60,)


def test_the_thread_lock_is_released_while_rust_trains():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(2000, 8))
    y = X.sum(axis=1)
    done = threading.Event()
    counted = 0

    def fit():
        NdnetRegressor(hidden="64,64", epochs=5, random_state=0).fit(X, y)
        done.set()

    worker = threading.Thread(target=fit)
    started = time.perf_counter()
    worker.start()
    while not done.is_set():
        counted += 1  # Python runs here only while the fit does not hold the lock
        time.sleep(0.001)
    worker.join()
    elapsed = time.perf_counter() - started
    assert elapsed < 0.05 or counted > 10, (elapsed, counted)


def test_version_is_the_crates():
    assert ndnet.__version__.count(".") == 2
