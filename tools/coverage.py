#!/usr/bin/env python3
"""Measured coverage of `ndnet train --interval`: for each real table, seed and level, the share of
the test rows whose conformal interval holds the actual value (regression, absolute and normalised
scores) or whose prediction set holds the true label (classes), read from the run's
`metrics.json`, with the mean width (in the target's units) or set size.

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn pandas palmerpenguins vega_datasets statsmodels
    cargo build --release -p ndnet-cli
    /tmp/skl/bin/python tools/coverage.py --ndnet target/release/ndnet > coverage.md

The tables come from registry packages (scikit-learn's wheel, statsmodels, vega_datasets,
palmerpenguins) and the shipped housing table; `ndnet train` runs with its defaults (plus the
flags shown). Prints a Markdown table: per table and level, the mean coverage over the seeds
(each seed's in brackets) and the mean width or set size.
"""

import argparse
import json
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = [1, 2, 3]
LEVELS = [0.8, 0.9, 0.95]


def write_tables(folder):
    import palmerpenguins
    import statsmodels.api as sm
    from sklearn import datasets
    from vega_datasets import local_data

    tables = []

    def add(name, frame, target, flags, kind):
        path = os.path.join(folder, name.split()[0] + ".csv")
        frame.to_csv(path, index=False)
        tables.append((name, path, target, flags, kind))

    tables.append(("housing (shipped)", os.path.join(ROOT, "data/housing.csv"), "price", ["--log-target"], "regression"))
    d = datasets.load_diabetes(as_frame=True)
    add("diabetes", d.frame, "target", [], "regression")
    weather = local_data.seattle_weather().drop(columns=["date"])
    add("seattle-weather (temp_max)", weather, "temp_max", [], "regression")
    add("fair (affairs)", sm.datasets.fair.load_pandas().data, "affairs", [], "regression")
    add("randhie (mdvis)", sm.datasets.randhie.load_pandas().data, "mdvis", ["--batch-size", "256"], "regression")
    digits = datasets.load_digits(as_frame=True)
    add("digits", digits.frame, "target", ["--task", "classification"], "classes")
    add("seattle-weather (weather)", weather, "weather", [], "classes")
    cancer = datasets.load_breast_cancer(as_frame=True)
    frame = cancer.frame.copy()
    frame["target"] = [cancer.target_names[i] for i in cancer.target]
    add("breast_cancer", frame, "target", [], "classes")
    add("penguins", palmerpenguins.load_penguins(), "species", [], "classes")
    return tables


def run(ndnet, path, target, flags, level, score, seed, out):
    args = [ndnet, "train", "--data", path, "--target", target, "--seed", str(seed), "--quiet", "--no-baseline"]
    args += ["--interval", str(level), "--out", out] + flags
    if score:
        args += ["--interval-score", score]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "metrics.json")) as f:
        m = json.load(f)
    rows = m["network"]["rows"]
    return m["interval"]["test_coverage"], m["interval"]["test_mean_width_or_size"], rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ndnet", default=os.path.join(ROOT, "target/release/ndnet"))
    args = ap.parse_args()
    folder = tempfile.mkdtemp(prefix="ndnet-coverage-")
    print("| table | task, score | test rows | level | coverage (mean of 3 seeds) | each seed | mean width / set size |")
    print("|---|---|---:|---:|---:|---|---:|")
    for name, path, target, flags, kind in write_tables(folder):
        scores = ["absolute", "normalized"] if kind == "regression" else [None]
        for score in scores:
            for level in LEVELS:
                results = [run(args.ndnet, path, target, flags, level, score, s, os.path.join(folder, "run")) for s in SEEDS]
                cov = [r[0] for r in results]
                width = sum(r[1] for r in results) / len(results)
                what = f"{kind}, {score}" if score else "classes, sets"
                each = ", ".join(f"{c:.3f}" for c in cov)
                print(f"| {name} | {what} | {results[0][2]} | {level} | {sum(cov) / len(cov):.3f} | {each} | {width:.4g} |", flush=True)


if __name__ == "__main__":
    main()
