#!/usr/bin/env python3
"""Peak memory of `NdnetRegressor.fit` on a numeric data frame.

    python tools/bench/python_memory.py [ROWS]      # with the package installed; ROWS 200000

Makes a frame of ROWS rows and 12 normal features (NumPy's seeded generator) and a target, and
prints the process's peak resident set (getrusage's ru_maxrss) before the fit — the interpreter,
NumPy, pandas, scikit-learn and the frame — and after a fit of one epoch, with the fit's time.
The difference is what the fit holds at its peak: the frame as CSV bytes and what `ndnet train`
holds for the same table.
"""
import resource
import sys
import time

import numpy as np
import pandas as pd

from ndnet import NdnetRegressor


def main() -> None:
    rows = int(float(sys.argv[1])) if len(sys.argv) > 1 else 200_000
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 12))
    y = np.sin(x[:, 0]) * 2 + x[:, 1] * x[:, 2] + 0.5 * x[:, 3]
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(12)])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    NdnetRegressor(epochs=1, random_state=0).fit(frame, y)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{rows:,} rows: peak {before / 1e3:,.0f} MB before the fit, {after / 1e3:,.0f} MB after "
          f"(+{(after - before) / 1e3:,.0f} MB), fit {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
