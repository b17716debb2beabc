"""Shared tables and the `ndnet` program the file tests run."""
import os
import pathlib
import shutil

import numpy as np
import pandas as pd
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def program():
    """The `ndnet` program: $NDNET_BIN, else the workspace's build (`cargo build -p ndnet`)."""
    candidates = [os.environ.get("NDNET_BIN"), ROOT / "target/release/ndnet", ROOT / "target/debug/ndnet"]
    for path in candidates:
        if path and pathlib.Path(path).is_file():
            return str(path)
    found = shutil.which("ndnet")
    if found is None:
        pytest.skip("no ndnet program: run `cargo build -p ndnet` or set NDNET_BIN")
    return found


@pytest.fixture()
def table():
    """A notebook's table: numbers with missing cells, text, a pandas category, booleans."""
    rng = np.random.default_rng(7)
    n = 240
    frame = pd.DataFrame(
        {
            "size": rng.normal(100, 20, n),
            "rooms": rng.integers(1, 6, n).astype(float),
            "city": rng.choice(["Oslo", "Lima", "Pune, MH", None], n),
            "kind": pd.Categorical(rng.choice(["flat", "house"], n)),
            "garden": rng.choice([True, False], n),
        }
    )
    frame.loc[[3, 17, 40], "size"] = np.nan
    price = (
        2.0 * frame["size"].fillna(100)
        + 15 * frame["rooms"]
        + np.where(frame["city"] == "Oslo", 60, 0)
        + np.where(frame["kind"] == "house", 40, 0)
        + rng.normal(0, 5, n)
    )
    return frame, price.to_numpy()
