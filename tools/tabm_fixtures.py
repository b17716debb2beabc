#!/usr/bin/env python3
"""Reference forward and backward passes of TabM's layers and whole models, from the `tabm`
package (PyTorch), in f64.

Writes crates/tabular/tests/fixtures/tabm_f64.json, replayed by
crates/tabular/tests/tabm_fixtures.rs. CI does not need any of this; to regenerate:

    python3 -m venv .venv && .venv/bin/pip install -r tools/suite-requirements.txt
    .venv/bin/python tools/tabm_fixtures.py

Cases: `tabm.LinearBatchEnsemble` and `tabm.LinearEnsemble` on inputs that differ per member,
and two whole models made by `tabm.TabM.make` (arch_type "tabm" with piecewise-linear embeddings
and "tabm-mini" without), their parameters drawn away from the initialisation (so that every
gradient path is exercised), dropout 0. Each case stores ndnet's model description (`spec`),
the parameters under ndnet's names (`{layer}.{tensor}`; ndnet keeps a dense weight as
inputs × outputs, the transpose of PyTorch's), the input `x`, the upstream gradient `dy`, the
output `y` and the gradients of `x` and every parameter. Members' values are in ndnet's layout:
PyTorch's `(batch, k, d)` as `(batch, d·k)`, value j of member m in column j·k + m.
"""
import json
import math
import os
import platform

import torch

import rtdl_num_embeddings as rtdl
import tabm

torch.set_default_dtype(torch.float64)
torch.manual_seed(0)
ROWS = 6
OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "tabular", "tests", "fixtures", "tabm_f64.json")


def closed_form(rows, cols, a=0.61, b=1.7):
    return torch.tensor([[2 * math.sin(a * i + b * j + 0.3) for j in range(cols)] for i in range(rows)])


def to_ndnet(t):
    """(batch, k, d) → (batch, d·k), member-minor."""
    return t.permute(0, 2, 1).reshape(t.shape[0], -1)


def from_ndnet(t, k):
    """(batch, d·k), member-minor → (batch, k, d)."""
    return t.reshape(t.shape[0], -1, k).permute(0, 2, 1)


def perturb(module):
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn_like(p) * 0.3)


def finish(module, run, x, ndnet_params, spec, flat_out):
    """Runs `run(x)` forward and backward; returns the case with ndnet's names for every
    gradient of `module`."""
    x = x.clone().requires_grad_(True)
    out = flat_out(run(x))
    dy = closed_form(out.shape[0], out.shape[1], 0.43, -0.77)
    (out * dy).sum().backward()
    params, grads = {}, {}
    for name, (tensor, transpose) in ndnet_params.items():
        value, grad = tensor.detach(), tensor.grad
        if transpose:
            value, grad = value.T, grad.T
        params[name] = {"shape": list(value.shape), "value": value.flatten().tolist()}
        grads[name] = grad.flatten().tolist()
    assert len(grads) == len(list(module.parameters())), "every parameter is mapped"
    return {"spec": spec, "x": x.detach().tolist(), "dy": dy.tolist(), "y": out.detach().tolist(),
            "dx": x.grad.tolist(), "params": params, "grads": grads}


def batch_ensemble():
    k, n, o = 3, 4, 5
    m = tabm.LinearBatchEnsemble(n, o, k=k, scaling_init="normal")
    perturb(m)
    x = closed_form(ROWS, k * n)
    spec = {"inputs": k * n, "layers": [{"kind": "ensemble_dense", "members": k, "outputs": o, "adapters": "batch"}]}
    params = {"0.weight": (m.weight, True), "0.r": (m.r, False), "0.s": (m.s, False), "0.bias": (m.bias, False)}
    return finish(m, lambda x: m(from_ndnet(x, k)), x, params, spec, to_ndnet)


def linear_ensemble():
    k, n, o = 3, 4, 2
    m = tabm.LinearEnsemble(n, o, k=k)
    x = closed_form(ROWS, k * n)
    spec = {"inputs": k * n, "layers": [{"kind": "ensemble_head", "members": k, "outputs": o}]}
    params = {"0.weight": (m.weight, False), "0.bias": (m.bias, False)}
    return finish(m, lambda x: m(from_ndnet(x, k)), x, params, spec, to_ndnet)


def whole_tabm():
    """TabM ("tabm"), piecewise-linear embeddings (version B), 2 blocks, k = 4."""
    n_num, k, d_block, d_emb = 3, 4, 8, 5
    sample = torch.tensor(closed_form(50, n_num, 0.37, 0.9).numpy() * 1.3)
    bins = rtdl.compute_bins(sample, 6)
    emb = rtdl.PiecewiseLinearEmbeddings(bins, d_emb, activation=False, version="B")
    model = tabm.TabM.make(n_num_features=n_num, d_out=2, num_embeddings=emb, k=k, n_blocks=2, d_block=d_block,
                           dropout=0.0)
    perturb(model)
    model.train()
    d_in = n_num * d_emb
    layers = [{"kind": "piecewise_linear", "columns": list(range(n_num)), "edges": [b.tolist() for b in bins],
               "dim": d_emb, "relu": False},
              {"kind": "ensemble_view", "members": k}]
    params = {"0.linear0.weight": (emb.linear0.weight, False), "0.linear0.bias": (emb.linear0.bias, False),
              "0.linear.weight": (emb.linear.weight, False)}
    for i, block in enumerate(model.backbone.blocks):
        lin = block[0]
        idx = len(layers)
        layers += [{"kind": "ensemble_dense", "members": k, "outputs": d_block, "adapters": "batch"},
                   {"kind": "relu"}, {"kind": "dropout", "p": 0.0}]
        params |= {f"{idx}.weight": (lin.weight, True), f"{idx}.r": (lin.r, False), f"{idx}.s": (lin.s, False),
                   f"{idx}.bias": (lin.bias, False)}
    idx = len(layers)
    layers.append({"kind": "ensemble_head", "members": k, "outputs": 2})
    params |= {f"{idx}.weight": (model.output.weight, False), f"{idx}.bias": (model.output.bias, False)}
    x = closed_form(ROWS, n_num) * 1.5
    spec = {"inputs": n_num, "layers": layers}
    assert d_in == model.backbone.blocks[0][0].in_features
    return finish(model, lambda x: model(x_num=x), x, params, spec, to_ndnet)


def whole_mini():
    """TabM-mini without embeddings, 3 blocks, k = 5, two numerical columns."""
    n_num, k, d_block = 2, 5, 6
    model = tabm.TabM.make(n_num_features=n_num, d_out=1, k=k, n_blocks=3, d_block=d_block, dropout=0.0,
                           arch_type="tabm-mini")
    perturb(model)
    model.train()
    layers = [{"kind": "ensemble_view", "members": k}]
    params = {}
    for i, block in enumerate(model.backbone.blocks):
        lin = block[0]
        idx = len(layers)
        adapters = "input" if i == 0 else "shared"
        layers += [{"kind": "ensemble_dense", "members": k, "outputs": d_block, "adapters": adapters},
                   {"kind": "relu"}]
        params |= {f"{idx}.weight": (lin.weight, True), f"{idx}.bias": (lin.bias, False)}
        if i == 0:
            params[f"{idx}.r"] = (model.backbone.affine.weight, False)
    idx = len(layers)
    layers.append({"kind": "ensemble_head", "members": k, "outputs": 1})
    params |= {f"{idx}.weight": (model.output.weight, False), f"{idx}.bias": (model.output.bias, False)}
    x = closed_form(ROWS, n_num)
    spec = {"inputs": n_num, "layers": layers}
    return finish(model, lambda x: model(x_num=x), x, params, spec, to_ndnet)


def main():
    import importlib.metadata
    cases = {"batch_ensemble": batch_ensemble(), "linear_ensemble": linear_ensemble(), "tabm": whole_tabm(),
             "tabm_mini": whole_mini()}
    out = {"generator": f"tools/tabm_fixtures.py; torch {torch.__version__}, tabm {importlib.metadata.version('tabm')}, "
                        f"rtdl_num_embeddings {rtdl.__version__}, Python {platform.python_version()}",
           "cases": cases}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"wrote {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
