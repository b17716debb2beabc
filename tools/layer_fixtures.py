#!/usr/bin/env python3
"""Reference forward and backward passes of BatchNorm1d and LayerNorm, produced by PyTorch.

Writes crates/layers/tests/fixtures/norms_f64.json, replayed by crates/layers/tests/norm_fixtures.rs.
CI does not need any of this; to regenerate:

    python3 -m venv .venv && .venv/bin/pip install torch
    .venv/bin/python tools/layer_fixtures.py

Inputs are simple closed-form values (no RNG), so the Rust side rebuilds them exactly:
    x[i, j]  = sin(0.7 i + 1.3 j) * (1 + 0.5 j)         (rows x features)
    dy[i, j] = cos(0.4 i - 0.9 j)
    weight[j] = 0.5 + 0.25 j, bias[j] = 0.1 j - 0.2
For BatchNorm1d: three training forwards on x, x*0.5+1, x*2-0.5 (moving the running
statistics), then one training forward + backward on x and one eval forward + backward on x.
"""
import json
import math
import os
import platform

import torch

torch.set_default_dtype(torch.float64)
ROWS, FEATURES = 7, 5


def inputs():
    x = torch.tensor([[math.sin(0.7 * i + 1.3 * j) * (1 + 0.5 * j) for j in range(FEATURES)] for i in range(ROWS)])
    dy = torch.tensor([[math.cos(0.4 * i - 0.9 * j) for j in range(FEATURES)] for i in range(ROWS)])
    return x, dy


def affine(layer):
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([0.5 + 0.25 * j for j in range(FEATURES)]))
        layer.bias.copy_(torch.tensor([0.1 * j - 0.2 for j in range(FEATURES)]))


def step(layer, x, dy):
    x = x.clone().requires_grad_(True)
    layer.zero_grad()
    y = layer(x)
    y.backward(dy)
    return {
        "y": y.detach().flatten().tolist(),
        "dx": x.grad.flatten().tolist(),
        "dweight": layer.weight.grad.tolist(),
        "dbias": layer.bias.grad.tolist(),
    }


def batch_norm():
    x, dy = inputs()
    bn = torch.nn.BatchNorm1d(FEATURES)
    affine(bn)
    bn.train()
    with torch.no_grad():
        for warm in (x, x * 0.5 + 1, x * 2 - 0.5):
            bn(warm)
    train = step(bn, x, dy)
    state = {
        "running_mean": bn.running_mean.tolist(),
        "running_var": bn.running_var.tolist(),
        "num_batches_tracked": int(bn.num_batches_tracked),
    }
    bn.eval()
    evaluation = step(bn, x, dy)
    return {"train": train, "state_after_train": state, "eval": evaluation}


def layer_norm():
    x, dy = inputs()
    ln = torch.nn.LayerNorm(FEATURES)
    affine(ln)
    return step(ln, x, dy)


out = {
    "made_by": f"tools/layer_fixtures.py, torch {torch.__version__}, Python {platform.python_version()}",
    "rows": ROWS,
    "features": FEATURES,
    "batch_norm": batch_norm(),
    "layer_norm": layer_norm(),
}
path = os.path.join(os.path.dirname(__file__), "..", "crates", "layers", "tests", "fixtures", "norms_f64.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote", os.path.normpath(path))
