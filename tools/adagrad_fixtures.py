#!/usr/bin/env python3
"""Reference trajectories of torch.optim.Adagrad, on the problem of tools/optim_fixtures.py.

Writes crates/optim/tests/fixtures/adagrad_f64.json and adagrad_f32.json, replayed by
crates/optim/tests/adagrad_fixtures.rs. The problem (two tensors, 1,000 steps of a θ-dependent
gradient whose noise is exact in float32), the recording steps and the runner are those of
tools/optim_fixtures.py, imported from it. Each case holds two trajectories: torch.optim.Adagrad's
own, and the same operations in torch with a correctly rounded square root (NumPy's): PyTorch's
vectorised `sqrt` is off by an ulp on some elements on some CPUs, and the second trajectory shows
that this is the only difference. CI does not need any of this; to regenerate:

    python3 -m venv .venv && .venv/bin/pip install torch numpy
    .venv/bin/python tools/adagrad_fixtures.py
"""
import json
import os
import platform
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from optim_fixtures import INIT, RECORD, STEPS, machine, run_torch  # noqa: E402

LR = 0.01
CASES = [
    ("plain", {}),
    ("lr_decay", {"lr_decay": 0.01}),
    ("weight_decay", {"weight_decay": 0.1}),
    ("initial_accumulator", {"initial_accumulator_value": 0.1}),
    ("maximize", {"maximize": True}),
]


def exact_sqrt_adagrad(params, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, maximize=False,
                       eps=1e-10):
    """torch's _single_tensor_adagrad, op for op, with NumPy's square root."""
    import torch
    sums = [torch.full_like(p, initial_accumulator_value) for p in params]
    steps = [0]

    class Step:
        def step(self):
            steps[0] += 1
            clr = lr / (1 + (steps[0] - 1) * lr_decay)
            with torch.no_grad():
                for p, s in zip(params, sums):
                    g = p.grad if not maximize else -p.grad
                    if weight_decay != 0:
                        g = g.add(p, alpha=weight_decay)
                    s.addcmul_(g, g, value=1)
                    std = torch.from_numpy(np.sqrt(s.numpy())).add_(eps)
                    p.addcdiv_(g, std, value=-clr)
    return Step()


def main():
    import torch
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "optim", "tests", "fixtures")
    for tag, dtype in [("f64", np.float64), ("f32", np.float32)]:
        doc = {"generator": "tools/adagrad_fixtures.py",
               "versions": {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__},
               "dtype": tag, "steps": STEPS, "record_steps": RECORD, "init": INIT, "machine": machine(), "cases": []}
        for name, kw in CASES:
            trajectory = run_torch(lambda p, kw=kw: torch.optim.Adagrad(p, lr=LR, **kw), dtype)
            exact = run_torch(lambda p, kw=kw: exact_sqrt_adagrad(p, LR, **kw), dtype)
            doc["cases"].append({"name": f"torch_adagrad_{name}", "config": {"lr": LR, **kw}, "trajectory": trajectory,
                                 "trajectory_exact_sqrt": exact})
        with open(os.path.join(root, f"adagrad_{tag}.json"), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
        print("wrote", tag, doc["versions"], file=sys.stderr)


if __name__ == "__main__":
    main()
