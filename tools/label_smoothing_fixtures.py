#!/usr/bin/env python3
"""Reference values and gradients of cross-entropy with label smoothing, from PyTorch.

Writes crates/layers/tests/fixtures/label_smoothing_f64.json, replayed by
crates/layers/tests/label_smoothing.rs. CI does not need any of this; to regenerate:

    python3 -m venv .venv && .venv/bin/pip install torch
    .venv/bin/python tools/label_smoothing_fixtures.py

Several logits: `torch.nn.CrossEntropyLoss(label_smoothing=eps)`. One logit (two classes): the
two-class softmax on logits `[0, z]` with the same loss, whose gradient for `z` is what ndnet's
one-logit form must give. Logits are closed-form (no RNG): z[i, j] = 3 sin(0.7 i + 1.3 j + 0.1).
"""
import json
import math
import os
import platform

import torch

torch.set_default_dtype(torch.float64)
ROWS = 7
OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "layers", "tests", "fixtures", "label_smoothing_f64.json")


def logits(cols):
    return torch.tensor([[3 * math.sin(0.7 * i + 1.3 * j + 0.1) for j in range(cols)] for i in range(ROWS)])


def case(cols, eps):
    classes = max(cols, 2)
    y = torch.tensor([(2 * i + 1) % classes for i in range(ROWS)])
    z = logits(cols).requires_grad_(True)
    full = z if cols > 1 else torch.cat([torch.zeros(ROWS, 1), z], dim=1)
    loss = torch.nn.CrossEntropyLoss(label_smoothing=eps)(full, y)
    loss.backward()
    return {"eps": eps, "z": z.detach().tolist(), "y": [[float(v)] for v in y.tolist()], "loss": loss.item(),
            "grad": z.grad.tolist()}


def main():
    cases = [case(cols, eps) for cols in (1, 3, 5) for eps in (0.0, 0.1, 0.25)]
    out = {"generator": f"tools/label_smoothing_fixtures.py; torch {torch.__version__}, Python {platform.python_version()}",
           "cases": cases}
    with open(OUT, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"wrote {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
