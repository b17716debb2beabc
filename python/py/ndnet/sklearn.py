"""scikit-learn estimators over ndnet's training and prediction.

A table goes to Rust as CSV text (pandas writes it, ndnet's reader reads it, so a data frame is
read exactly as `ndnet train` reads the same table written to a file: text, categorical, boolean,
date and missing cells alike). The fitted model is the weights file's bytes, `model_bytes_`; it
is what `save` writes, what pickling carries and what every prediction loads.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.utils.multiclass import check_classification_targets

from . import _ndnet

__all__ = ["NdnetRegressor", "NdnetClassifier", "load"]

# The constructor's parameters and the `ndnet train` flags they become (None: the program's
# default). Flags without a parameter go in `options`.
_FLAGS = {
    "hidden": "--hidden",
    "activation": "--activation",
    "dropout": "--dropout",
    "members": "--members",
    "ensemble": "--ensemble",
    "numeric": "--numeric",
    "optimizer": "--optimizer",
    "lr": "--lr",
    "weight_decay": "--weight-decay",
    "batch_size": "--batch-size",
    "epochs": "--epochs",
    "patience": "--patience",
    "val_fraction": "--val-fraction",
    "missing": "--missing",
    "numbers": "--numbers",
    "random_state": "--seed",
}


def _flag_value(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _options_args(options):
    """`{"log_target": True, "schedule": "cosine"}` → `["--log-target", "--schedule", "cosine"]`."""
    args = []
    for name, value in (options or {}).items():
        flag = "--" + str(name).replace("_", "-")
        if value is True:
            args.append(flag)
        elif value is False or value is None:
            continue
        else:
            args += [flag, _flag_value(value)]
    return args


def _label_text(value):
    """A label as the CSV carries it: whole floats without their `.0`."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    return str(value)


def _program_order(labels):
    """Labels in the program's order: by value when every one is a number, else as text."""
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels)


def _frame(X, names=None):
    """`X` as a data frame with text column names (NumPy columns are `x0`, `x1`, …)."""
    if isinstance(X, pd.DataFrame):
        frame = X.copy(deep=False)
        frame.columns = [str(c) for c in frame.columns]
        return frame
    if hasattr(X, "toarray"):
        raise TypeError("ndnet reads dense tables: a sparse matrix is not supported")
    array = np.asarray(X)
    if array.ndim == 1:
        raise ValueError(
            "Expected a 2-dimensional table, got a 1-dimensional array: Reshape your data with "
            "array.reshape(-1, 1) for one feature or array.reshape(1, -1) for one row"
        )
    if array.ndim != 2:
        raise ValueError(f"Expected a 2-dimensional table, got {array.ndim} dimensions")
    if array.dtype.kind == "c":
        raise ValueError("Complex data not supported")
    if array.shape[1] == 0:
        raise ValueError(f"0 feature(s) (shape={array.shape}) while a minimum of 1 is required.")
    columns = names if names is not None else [f"x{j}" for j in range(array.shape[1])]
    return pd.DataFrame(array, columns=columns)


def _csv(frame):
    # repr-exact floats; a missing cell is empty, which ndnet reads as missing. Written straight
    # into bytes (the buffer's value is its own bytes, not a copy): no text copy of the table.
    buffer = io.BytesIO()
    frame.to_csv(buffer, index=False, na_rep="", encoding="utf-8", lineterminator="\n")
    return buffer.getvalue()


class _NdnetEstimator(BaseEstimator):
    """What the regressor and the classifier share: parameters, fitting, files."""

    _task = ""

    def _store(self, params):
        # scikit-learn's convention: the constructor stores its arguments and nothing else.
        for name, value in params.items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    # -- training -------------------------------------------------------------------------------

    def _train_args(self, target):
        args = ["--target", target, "--task", self._task, "--test-fraction", "0", "--no-baseline"]
        for param, flag in _FLAGS.items():
            value = getattr(self, param)
            if value is None:
                continue
            if param == "random_state" and not isinstance(value, (int, np.integer)):
                raise ValueError("random_state must be an int or None (ndnet's seed)")
            args += [flag, _flag_value(value)]
        return args + _options_args(self.options) + self._extra_args()

    def _extra_args(self):
        return []

    def _fit_table(self, X, y):
        frame = _frame(X)
        y = self._target_values(y, len(frame))
        # A name none of X's columns has, nor as ndnet's own output columns for it (a feature
        # `predicted_target` would read as a file ndnet predicted).
        target, taken = "target", set(frame.columns)
        while {target, f"predicted_{target}", f"{target}_lower", f"{target}_upper"} & taken:
            target = "_" + target
        table = frame.assign(**{target: y})
        self.model_bytes_ = _ndnet.train(_csv(table), self._train_args(target))
        self._take_description()
        self.n_features_in_ = frame.shape[1]
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return self

    def _target_values(self, y, rows):
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        if rows < 2:
            raise ValueError(f"n_samples={rows}: ndnet needs at least 2 rows to train and validate")
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected: ravelled",
                DataConversionWarning,
                stacklevel=3,
            )
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"y must be one column, got shape {y.shape}")
        if len(y) != rows:
            raise ValueError(f"X has {rows} rows but y has {len(y)}")
        if pd.isna(y).any():
            # scikit-learn's estimators refuse this too; the program drops such rows and says so,
            # which a fit in Python could not.
            raise ValueError("Input y contains NaN.")
        return y

    def _take_description(self):
        self.description_ = json.loads(_ndnet.describe(self.model_bytes_))

    # -- prediction -----------------------------------------------------------------------------

    def _check_fitted(self):
        if not hasattr(self, "model_bytes_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with "
                "appropriate arguments before using this estimator."
            )

    def _predict_table(self, X, uncertainty=False):
        self._check_fitted()
        if isinstance(X, pd.DataFrame):
            frame = _frame(X)  # ndnet finds its columns by name and names any missing
        else:
            names = getattr(self, "feature_names_in_", None)
            frame = _frame(X, names=None if names is None else list(names))
            if frame.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has {frame.shape[1]} features, but {type(self).__name__} is expecting "
                    f"{self.n_features_in_} features as input"
                )
        return _ndnet.predict(self.model_bytes_, _csv(frame), uncertainty)

    # -- files ----------------------------------------------------------------------------------

    def save(self, path):
        """Writes the weights file `ndnet train --out` writes (`ndnet predict --model` reads it).

        The file appears whole or not at all: it is written beside `path` and renamed over it.
        """
        self._check_fitted()
        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        fd, staging = tempfile.mkstemp(prefix=".ndnet-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(self.model_bytes_)
                out.flush()
                os.fsync(out.fileno())
            os.replace(staging, path)
        except BaseException:
            if os.path.exists(staging):
                os.unlink(staging)
            raise
        return path

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.non_deterministic = False
        return tags


class NdnetRegressor(RegressorMixin, _NdnetEstimator):
    """ndnet's network for a numeric target, as a scikit-learn regressor.

    Parameters are `ndnet train`'s flags (`lr` is `--lr`, `random_state` is `--seed`); None
    keeps the program's default. `options` takes any other flag, `{"log_target": True}`.
    `interval`, a level in (0, 1), calibrates prediction intervals on the validation rows.

    >>> import numpy as np
    >>> from ndnet import NdnetRegressor
    >>> X = np.random.default_rng(0).normal(size=(200, 3)); y = X @ [1.0, -2.0, 0.5]
    >>> model = NdnetRegressor(epochs=20, random_state=0).fit(X, y)
    >>> model.predict(X[:2]).shape
    (2,)
    """

    _task = "regression"

    def __init__(
        self,
        *,
        hidden=None,
        activation=None,
        dropout=None,
        members=None,
        ensemble=None,
        numeric=None,
        optimizer=None,
        lr=None,
        weight_decay=None,
        batch_size=None,
        epochs=None,
        patience=None,
        val_fraction=None,
        missing=None,
        numbers=None,
        random_state=None,
        options=None,
        interval=None,
    ):
        self._store(locals())

    def _extra_args(self):
        return [] if self.interval is None else ["--interval", str(self.interval)]

    def fit(self, X, y):
        """Trains on every row of `X` (a share held out for early stopping); returns self."""
        y = self._target_values(y, len(_frame(X)))
        if y.dtype.kind not in "biuf":
            try:
                y = y.astype(float)
            except (TypeError, ValueError) as error:
                raise ValueError(f"a regression target must be numeric: {error}") from None
        return self._fit_table(X, y)

    def predict(self, X):
        """The predicted target, one value per row."""
        values, _ = self._predict_table(X)
        return values[:, 0]

    def predict_interval(self, X):
        """Each row's interval at the fitted `interval` level, as columns `[lower, upper]`."""
        _, interval = self._predict_table(X, uncertainty=True)
        if interval is None:
            raise ValueError("the model was fitted without a level: set interval=0.9, say, before fit")
        return interval


class NdnetClassifier(ClassifierMixin, _NdnetEstimator):
    """ndnet's network for a class target, as a scikit-learn classifier.

    Parameters are `ndnet train`'s flags, as for `NdnetRegressor`; `class_weight` is
    `--class-weight` (`"balanced"`) and `interval`, a level in (0, 1), calibrates prediction
    sets (`predict_set`).

    >>> import numpy as np
    >>> from ndnet import NdnetClassifier
    >>> X = np.random.default_rng(0).normal(size=(200, 2)); y = np.where(X[:, 0] > 0, "up", "down")
    >>> model = NdnetClassifier(epochs=20, random_state=0).fit(X, y)
    >>> list(model.classes_), model.predict_proba(X[:1]).shape
    (['down', 'up'], (1, 2))
    """

    _task = "classification"

    def __init__(
        self,
        *,
        hidden=None,
        activation=None,
        dropout=None,
        members=None,
        ensemble=None,
        numeric=None,
        optimizer=None,
        lr=None,
        weight_decay=None,
        batch_size=None,
        epochs=None,
        patience=None,
        val_fraction=None,
        missing=None,
        numbers=None,
        random_state=None,
        options=None,
        class_weight=None,
        interval=None,
    ):
        self._store(locals())

    def _extra_args(self):
        args = [] if self.interval is None else ["--interval", str(self.interval)]
        if self._weights is not None:
            args += ["--class-weight", self._weights]
        return args

    def _class_weights(self, classes):
        """`class_weight` as `--class-weight`: "balanced", or a {class: weight} dict as one
        weight per label in the program's label order (missing classes weigh 1)."""
        weight = self.class_weight
        if weight is None or isinstance(weight, str):
            return weight
        if not isinstance(weight, dict):
            raise ValueError('class_weight must be None, "balanced" or a {class: weight} dict')
        texts = [_label_text(c) for c in classes]
        by_text = {_label_text(c): float(w) for c, w in weight.items()}
        return ",".join(repr(by_text.get(t, 1.0)) for t in _program_order(texts))

    def fit(self, X, y):
        """Trains on every row of `X` (a share held out for early stopping); returns self."""
        y = self._target_values(y, len(_frame(X)))
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(f"a classifier needs at least 2 classes in y, got 1 class: {classes[0]!r}")
        texts = np.array([_label_text(v) for v in y], dtype=object)
        self._weights = self._class_weights(classes)
        self._fit_table(X, texts)
        self.classes_ = classes
        self._order = self._label_order(classes)
        return self

    def _label_order(self, classes):
        """For each of `classes_`, its column among the model's labels."""
        labels = [str(label) for label in self.description_["labels"]]
        position = {label: i for i, label in enumerate(labels)}
        folded = {label.lower(): i for i, label in enumerate(labels)}
        order = []
        for value in classes:
            text = _label_text(value)
            i = position.get(text, folded.get(text.lower()))
            if i is None:
                raise ValueError(f"class {value!r} is not among the model's labels {labels}")
            order.append(i)
        return np.asarray(order)

    def predict_proba(self, X):
        """Each row's probability for each of `classes_`."""
        values, _ = self._predict_table(X)
        return values[:, self._order]

    def predict(self, X):
        """The most probable class of each row."""
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]

    def predict_set(self, X):
        """Each row's prediction set at the fitted `interval` level: 0/1 for each of `classes_`."""
        _, sets = self._predict_table(X, uncertainty=True)
        if sets is None:
            raise ValueError("the model was fitted without a level: set interval=0.9, say, before fit")
        return sets[:, self._order].astype(bool)


def load(path):
    """The estimator for a weights file `ndnet train` or `save` wrote, ready to predict.

    Its `n_features_in_` and `feature_names_in_` are the file's input columns; a classifier's
    `classes_` are its labels as text. The file's seal, format and contents are checked as
    `ndnet predict` checks them, and a damaged or foreign file raises `ValueError`.
    """
    with open(path, "rb") as file:
        data = file.read()
    return from_bytes(data)


def from_bytes(data):
    """The estimator for a weights file's bytes (see `load`)."""
    description = json.loads(_ndnet.describe(bytes(data)))
    if description["task"] == "classification":
        model = NdnetClassifier()
    else:
        model = NdnetRegressor()
    model.model_bytes_ = bytes(data)
    model.description_ = description
    columns = description["columns"]
    model.n_features_in_ = len(columns)
    model.feature_names_in_ = np.asarray(columns, dtype=object)
    if isinstance(model, NdnetClassifier):
        model.classes_ = np.asarray(description["labels"], dtype=object)
        model._order = np.arange(len(model.classes_))
    return model
