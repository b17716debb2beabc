"""What fitting from Python costs over `ndnet train` on the same table and settings.

    python tools/bench/python_overhead.py [--rows 20000] [--repeats 5] [--flags "..."]

Needs the package installed (`pip install ./python`) and the program built
(`cargo build --release -p ndnet-cli`). Both fit every row of one 20,000-row table (12 numeric
columns, 2 text columns, missing cells) with the same flags, `--test-fraction 0 --no-baseline`;
the program also writes its run folder, which is its real cost. Prints the median seconds of each
and their ratio.
"""
import argparse
import os
import shlex
import statistics
import subprocess
import tempfile
import time

import numpy as np
import pandas as pd

from ndnet import NdnetRegressor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def table(rows):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"x{j}": rng.normal(size=rows) for j in range(12)})
    frame["city"] = rng.choice([f"c{i}" for i in range(30)], rows)
    frame["kind"] = rng.choice(["a", "b", "c"], rows)
    frame.loc[rng.random(rows) < 0.02, "x3"] = np.nan
    y = np.sin(frame["x0"]) + frame["x1"] * frame["x2"] + (frame["kind"] == "a") + rng.normal(0, 0.1, rows)
    return frame, y.to_numpy()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--flags", default="--epochs 10 --seed 1")
    args = parser.parse_args()
    X, y = table(args.rows)
    flags = shlex.split(args.flags)
    program = os.environ.get("NDNET", os.path.join(ROOT, "target/release/ndnet"))
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "table.csv")
        X.assign(target=y).to_csv(path, index=False)
        command = [program, "train", "--data", path, "--target", "target", "--task", "regression",
                   "--test-fraction", "0", "--no-baseline", "--quiet", *flags]
        cli, python = [], []
        for i in range(args.repeats):
            out = os.path.join(folder, f"run{i}")
            start = time.perf_counter()
            subprocess.run(command + ["--out", out], check=True, capture_output=True)
            cli.append(time.perf_counter() - start)
            params = dict(zip(flags[0::2], flags[1::2]))
            model = NdnetRegressor(options={k.lstrip("-"): v for k, v in params.items()})
            start = time.perf_counter()
            model.fit(X, y)
            python.append(time.perf_counter() - start)
    a, b = statistics.median(cli), statistics.median(python)
    print(f"| rows | flags | ndnet train (s) | NdnetRegressor.fit (s) | ratio |")
    print(f"|---:|---|---:|---:|---:|")
    print(f"| {args.rows} | `{args.flags}` | {a:.3f} | {b:.3f} | {b / a:.3f} |")


if __name__ == "__main__":
    main()
