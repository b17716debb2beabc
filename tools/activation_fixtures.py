#!/usr/bin/env python3
"""Reference forward and backward passes of the activations, produced by PyTorch.

Writes crates/layers/tests/fixtures/activations_f64.json, replayed by
crates/layers/tests/activation_fixtures.rs. CI does not need any of this; to regenerate:

    python3 -m venv .venv && .venv/bin/pip install torch
    .venv/bin/python tools/activation_fixtures.py

Inputs are closed-form values (no RNG), so the Rust side rebuilds them exactly, from -6 to 6:
    x[i, j]  = 6 sin(0.37 i + 1.1 j + 0.2)     (ROWS x COLUMNS)
    dy[i, j] = cos(0.4 i - 0.9 j)
Each activation's module is named as ndnet's registry names its PyTorch module.
"""
import json
import math
import os
import platform

import torch

torch.set_default_dtype(torch.float64)
ROWS, COLUMNS = 11, 7
MODULES = {
    "relu": torch.nn.ReLU(),
    "leaky_relu": torch.nn.LeakyReLU(0.01),
    "tanh": torch.nn.Tanh(),
    "sigmoid": torch.nn.Sigmoid(),
    "gelu": torch.nn.GELU(),
}


def inputs():
    x = torch.tensor([[6 * math.sin(0.37 * i + 1.1 * j + 0.2) for j in range(COLUMNS)] for i in range(ROWS)])
    dy = torch.tensor([[math.cos(0.4 * i - 0.9 * j) for j in range(COLUMNS)] for i in range(ROWS)])
    return x, dy


def case(module):
    x, dy = inputs()
    x = x.clone().requires_grad_(True)
    y = module(x)
    y.backward(dy)
    return {"y": y.detach().flatten().tolist(), "dx": x.grad.flatten().tolist()}


def main():
    out = {
        "made_by": f"torch {torch.__version__}, Python {platform.python_version()}, {platform.machine()}",
        "rows": ROWS,
        "columns": COLUMNS,
        "cases": {name: case(module) for name, module in MODULES.items()},
    }
    path = os.path.join(os.path.dirname(__file__), "..", "crates", "layers", "tests", "fixtures", "activations_f64.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
