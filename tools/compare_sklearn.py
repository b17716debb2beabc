#!/usr/bin/env python3
"""ndnet train's defaults against scikit-learn on the same split, over three seeds.

For each table and seed, `ndnet train --seed S` splits, trains and scores; its `split.csv`
names the rows of each part, and scikit-learn fits on the same training + validation rows
(its MLP holds out its own 10 % for early stopping, as ndnet holds out its validation rows)
and scores on the same test rows. Preprocessing on the scikit-learn side is what ndnet does:
median fill and standardisation of numeric columns, one-hot coding of text columns (missing
as no category, unknown categories ignored).

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn pandas palmerpenguins vega_datasets
    cargo build --release -p ndnet-cli
    /tmp/skl/bin/python tools/compare_sklearn.py --ndnet target/release/ndnet [--tables DIR] [--recipe R] > table.md

Prints a Markdown table: the mean over seeds of test accuracy (classes) or R² (regression) for
ndnet, ndnet's own baseline (no hidden layer), MLP(64, 64, early_stopping=True), the same MLP
on a standardised target (regression), logistic/ridge regression and gradient boosting.
"""

import argparse
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import accuracy_score, r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

warnings.filterwarnings("ignore")
SEEDS = [1, 2, 3]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_tables(folder):
    """The tables, as CSV files: scikit-learn's four, penguins, cars, and the shipped housing."""
    os.makedirs(folder, exist_ok=True)
    tables = []
    for name in ["iris", "wine", "breast_cancer", "diabetes"]:
        d = getattr(datasets, "load_" + name)(as_frame=True)
        df = d.frame.copy()
        if name != "diabetes":
            df["target"] = [d.target_names[i] for i in d.target]
        path = os.path.join(folder, name + ".csv")
        df.to_csv(path, index=False)
        tables.append((name, path, "target", []))
    try:
        import palmerpenguins

        path = os.path.join(folder, "penguins.csv")
        palmerpenguins.load_penguins().to_csv(path, index=False)
        tables.append(("penguins", path, "species", []))
    except ImportError:
        print("(palmerpenguins not installed: skipped)", file=sys.stderr)
    try:
        from vega_datasets import local_data

        path = os.path.join(folder, "cars.csv")
        local_data.cars().drop(columns=["Name", "Year"]).to_csv(path, index=False)
        tables.append(("cars (mpg)", path, "Miles_per_Gallon", []))
    except ImportError:
        print("(vega_datasets not installed: skipped)", file=sys.stderr)
    tables.append(("housing (shipped, --log-target)", os.path.join(ROOT, "data/housing.csv"), "price", ["--log-target"]))
    return tables


def sklearn_scores(path, target, split, classes, seed):
    """Test accuracy or R² of each scikit-learn model, fitted on ndnet's training + validation rows."""
    part = dict(zip(split["row"], split["part"]))  # rows ndnet left out (no target) are in no part
    raw = pd.read_csv(path, na_values=["NA", "N/A", "NaN", "null", "?"])
    fit_rows = [r for r, p in part.items() if p != "test"]
    test_rows = [r for r, p in part.items() if p == "test"]
    x, y = raw.drop(columns=[target]), raw[target]
    text = [c for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])]
    numbers = [c for c in x.columns if c not in text]
    prep = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numbers),
            ("txt", OneHotEncoder(handle_unknown="ignore"), text),
        ]
    )
    xf, xt, yf, yt = x.iloc[fit_rows], x.iloc[test_rows], y.iloc[fit_rows], y.iloc[test_rows]
    out = {}
    if classes:
        models = {
            "mlp": MLPClassifier(hidden_layer_sizes=(64, 64), early_stopping=True, random_state=seed),
            "linear": LogisticRegression(max_iter=5000),
            "boosting": HistGradientBoostingClassifier(random_state=seed),
        }
    else:
        models = {
            "mlp": MLPRegressor(hidden_layer_sizes=(64, 64), early_stopping=True, random_state=seed),
            "mlp_scaled_y": TransformedTargetRegressor(
                MLPRegressor(hidden_layer_sizes=(64, 64), early_stopping=True, random_state=seed),
                transformer=StandardScaler(),
            ),
            "linear": RidgeCV(),
            "boosting": HistGradientBoostingRegressor(random_state=seed),
        }
    for name, model in models.items():
        m = make_pipeline(prep, model).fit(xf, yf)
        pred = m.predict(xt)
        out[name] = accuracy_score(yt.astype(str), pred.astype(str)) if classes else r2_score(yt, pred)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ndnet", default=os.path.join(ROOT, "target/release/ndnet"))
    ap.add_argument("--tables", default="/tmp/ndnet-tables")
    ap.add_argument("--runs", default="/tmp/ndnet-compare-runs")
    ap.add_argument("--recipe", help="ndnet train's --recipe (default: the program's default)")
    a = ap.parse_args()
    print("| table | rows | metric | ndnet train | ndnet baseline | sklearn MLP(64,64) | MLP, scaled target | linear/logistic | gradient boosting |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for name, path, target, flags in write_tables(a.tables):
        rows = []
        for seed in SEEDS:
            out = os.path.join(a.runs, name.split()[0], str(seed))
            cmd = [a.ndnet, "train", "--data", path, "--target", target, "--seed", str(seed), "--out", out, "--quiet"] + flags
            cmd += ["--recipe", a.recipe] if a.recipe else []
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            metrics = json.load(open(os.path.join(out, "metrics.json")))
            classes = metrics["network"]["task"] == "classification"
            key = "accuracy" if classes else "r2"
            split = pd.read_csv(os.path.join(out, "split.csv"))
            s = sklearn_scores(path, target, split, classes, seed)
            rows.append([metrics["network"]["metrics"][key], metrics["baseline"]["metrics"][key], s["mlp"],
                         s.get("mlp_scaled_y", float("nan")), s["linear"], s["boosting"]])
        m = np.mean(np.array(rows), axis=0)
        n = len(pd.read_csv(path))
        cells = " | ".join("—" if np.isnan(v) else f"{v:.3f}" for v in m)
        print(f"| {name} | {n} | {'accuracy' if classes else 'R²'} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
