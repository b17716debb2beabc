#!/usr/bin/env python3
"""Peak memory and time of `ndnet train` against the number of rows.

    tools/bench/memory.py [--rows 1e5,2e5,5e5,1e6,2e6,5e6] [--recipe tabm] [--epochs 1] [--text]

Writes numeric tables of 12 features and a target (with --text, two of the features are words
instead: a column of 12 values, one-hot, and one of 1,000, embedded) (values printed with 6 significant digits,
generated with NumPy's seeded generator, into target/memory-bench/), runs the release program
on each with `--epochs 1 --quiet`, and prints a Markdown table: the file's size, the values as
f32 (rows x 13 x 4 bytes), the process's peak resident memory (getrusage's ru_maxrss of the
child), the ratio of the two, and the wall time. Needs numpy. CI does not run this.
"""
import argparse
import os
import resource
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLUMNS = 13


def table(rows: int, path: str, text: bool) -> None:
    """A table with non-linear signal, written in blocks (never held whole)."""
    if os.path.exists(path):
        return
    rng = np.random.default_rng(0)
    with open(path + ".part", "w") as f:
        f.write(",".join([f"x{i}" for i in range(COLUMNS - 1)] + ["y"]) + "\n")
        done = 0
        while done < rows:
            m = min(200_000, rows - done)
            x = rng.normal(size=(m, COLUMNS - 1))
            y = np.sin(x[:, 0]) * 2 + x[:, 1] * x[:, 2] + 0.5 * x[:, 3] + 0.1 * rng.normal(size=m)
            if not text:
                np.savetxt(f, np.column_stack([x, y]), fmt="%.6g", delimiter=",")
            else:
                # Words standing for binned values of x4 (12 months) and x5 (1,000 cities), so the
                # words carry signal the way the numbers did.
                month = np.digitize(x[:, 4], np.linspace(-2, 2, 11))
                city = np.clip(((x[:, 5] + 4) * 125).astype(int), 0, 999)
                y = y + 0.3 * np.sin(month) + 0.2 * np.cos(city / 30)
                for row, m_, c_ in zip(np.column_stack([x, y]), month, city):
                    cells = [f"{v:.6g}" for v in row]
                    cells[4], cells[5] = f"month_{m_}", f"city_{c_}"
                    f.write(",".join(cells) + "\n")
            done += m
    os.replace(path + ".part", path)


def peak_of(command: list) -> tuple:
    """Runs `command` alone in a child; its peak resident set in bytes, and the wall seconds."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        sys.exit(f"{' '.join(command)} failed with status {status}")
    return usage.ru_maxrss * 1024, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1e5,2e5,5e5,1e6,2e6,5e6")
    parser.add_argument("--recipe", default="tabm")
    parser.add_argument("--epochs", default="1")
    parser.add_argument("--text", action="store_true", help="two of the features are words")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "ndnet-cli"], cwd=ROOT, check=True)
    program = os.path.join(ROOT, "target", "release", "ndnet")
    folder = os.path.join(ROOT, "target", "memory-bench")
    os.makedirs(folder, exist_ok=True)
    kind = "11 numeric and 2 text columns" if args.text else f"{COLUMNS} numeric columns"
    print(f"recipe {args.recipe}, {args.epochs} epoch(s), {kind}\n")
    print("| rows | file | values as f32 | peak memory | peak / values | time |")
    print("|---:|---:|---:|---:|---:|---:|")
    for rows in (int(float(r)) for r in args.rows.split(",")):
        path = os.path.join(folder, f"{'text_' if args.text else ''}rows_{rows}.csv")
        table(rows, path, args.text)
        out = os.path.join(folder, f"run_{rows}")
        command = [program, "train", "--data", path, "--target", "y", "--recipe", args.recipe,
                   "--epochs", args.epochs, "--quiet", "--out", out]
        peak, seconds = peak_of(command)
        values = rows * COLUMNS * 4
        mb = lambda b: f"{b / 1e6:,.0f} MB"
        print(f"| {rows:,} | {mb(os.path.getsize(path))} | {mb(values)} | {mb(peak)} | "
              f"{peak / values:.1f}× | {seconds:.0f} s |", flush=True)


if __name__ == "__main__":
    main()
