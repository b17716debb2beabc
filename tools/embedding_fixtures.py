#!/usr/bin/env python3
"""Reference forward and backward passes of the numerical embeddings, from the packages that
define them: rtdl_num_embeddings (PiecewiseLinearEmbeddings version B, PeriodicEmbeddings and its
lite variant; compute_bins with quantiles and with trees) and pytabkit (RealMLP's PBLD).

Writes crates/tabular/tests/fixtures/embeddings_f64.json, replayed by
crates/tabular/tests/embedding_fixtures.rs. CI does not need any of this; to regenerate:

    python3 -m venv .venv && .venv/bin/pip install -r tools/suite-requirements.txt
    .venv/bin/python tools/embedding_fixtures.py

Every case: an input of ROWS rows whose columns `columns` are embedded and the others passed
through (ndnet's layout: the embeddings flattened in column order, then the other columns), the
parameters (drawn here, then stored, so the Rust side sets the same ones), an upstream gradient
`dy`, and the reference's output, its gradient for the input and for every parameter, in f64.
"""
import json
import math
import os
import platform

import numpy as np
import torch

import rtdl_num_embeddings as rtdl

torch.set_default_dtype(torch.float64)
torch.manual_seed(0)
ROWS = 9
OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "tabular", "tests", "fixtures", "embeddings_f64.json")


def table(width):
    """Inputs from −3 to 3 (some beyond the bins), closed form so every run draws the same."""
    return torch.tensor([[3 * math.sin(0.61 * i + 1.7 * j + 0.3) for j in range(width)] for i in range(ROWS)])


def run(module, x, columns, extra_out=None):
    """ndnet's layout around the module's (N, n, d) output: flattened, then passed columns."""
    x = x.clone().requires_grad_(True)
    embedded = module(x[:, columns])
    flat = embedded.flatten(1) if embedded.ndim == 3 else embedded
    others = [j for j in range(x.shape[1]) if j not in columns]
    out = torch.cat([flat, x[:, others]], dim=1)
    dy = torch.tensor([[math.cos(0.43 * i - 0.77 * j) for j in range(out.shape[1])] for i in range(ROWS)])
    (out * dy).sum().backward()
    params = {name: p for name, p in module.named_parameters()}
    return {
        "x": x.detach().tolist(),
        "dy": dy.tolist(),
        "y": out.detach().tolist(),
        "dx": x.grad.tolist(),
        "params": {n: {"shape": list(p.shape), "value": p.detach().flatten().tolist()} for n, p in params.items()},
        "grads": {n: p.grad.flatten().tolist() for n, p in params.items()},
    }


def piecewise(columns, width, n_bins, relu):
    x = table(width)
    # Bins from a larger sample of the same columns, so the rows above fall in and outside them.
    sample = torch.tensor(np.random.default_rng(len(columns) + n_bins).normal(size=(200, len(columns))) * 1.5)
    bins = rtdl.compute_bins(sample, n_bins)
    if n_bins > 2:
        bins[-1] = bins[-1][[0, -1]]  # one column with a single bin
    module = rtdl.PiecewiseLinearEmbeddings(bins, 5, activation=relu, version="B")
    with torch.no_grad():
        module.linear.weight.normal_()  # version B starts at zero; check the piecewise part too
    case = run(module, x, columns)
    case["spec"] = {"kind": "piecewise_linear", "columns": columns, "edges": [b.tolist() for b in bins],
                    "dim": 5, "relu": relu}
    return case


def periodic(columns, width, lite, relu):
    x = table(width)
    module = rtdl.PeriodicEmbeddings(len(columns), 6, n_frequencies=4, frequency_init_scale=0.3, activation=relu,
                                     lite=lite)
    case = run(module, x, columns)
    case["spec"] = {"kind": "periodic", "columns": columns, "frequencies": 4, "sigma": 0.3, "dim": 6, "lite": lite,
                    "relu": relu}
    return case


class Pbld(torch.nn.Module):
    """pytabkit's PLREmbeddingsLayerCosBias with plr_use_densenet, as RealMLP-TD builds it:
    the same expressions on the same parameter shapes (its Layer class needs pytabkit's fitter
    machinery, so the forward is restated here line for line and checked against it below)."""

    def __init__(self, n, hidden, dim, sigma):
        super().__init__()
        self.weight_1 = torch.nn.Parameter(sigma * torch.randn(n, 1, hidden))
        self.bias_1 = torch.nn.Parameter(np.pi * (-1 + 2 * torch.rand(n, 1, hidden)))
        self.weight_2 = torch.nn.Parameter((-1 + 2 * torch.rand(n, hidden, dim - 1)) / np.sqrt(hidden))
        self.bias_2 = torch.nn.Parameter((-1 + 2 * torch.rand(n, 1, dim - 1)) / np.sqrt(hidden))

    def forward(self, x):
        x_orig = x
        x = x.transpose(-1, -2).unsqueeze(-1)
        x = 2 * torch.pi * x.matmul(self.weight_1)
        x = x + self.bias_1
        x = torch.cos(x)
        x = x.matmul(self.weight_2)
        x = x + self.bias_2
        x = x.transpose(-2, -3)
        x = x.reshape(*x.shape[:-2], x.shape[-2] * x.shape[-1])
        return torch.cat([x, x_orig], dim=-1)


def pytabkit_agrees(module, x):
    """The restated forward equals pytabkit's own layer on the same parameters."""
    from pytabkit.models.nn_models.base import Variable
    from pytabkit.models.nn_models.nn import PLREmbeddingsLayerCosBias
    layer = PLREmbeddingsLayerCosBias(None, Variable(module.weight_1.detach().clone()),
                                      Variable(module.bias_1.detach().clone()),
                                      Variable(module.weight_2.detach().clone()),
                                      Variable(module.bias_2.detach().clone()), plr_act_name="linear",
                                      plr_use_densenet=True)
    return torch.equal(layer.forward_cont(x), module(x))


def pbld(columns, width):
    x = table(width)
    module = Pbld(len(columns), 5, 4, 0.7)
    assert pytabkit_agrees(module, x[:, columns]), "the restated PBLD differs from pytabkit's"
    case = run(module, x, columns)
    case["spec"] = {"kind": "pbld", "columns": columns, "hidden": 5, "dim": 4, "sigma": 0.7}
    return case


def bins_cases():
    """compute_bins on columns with repeats, by quantiles and by trees (regression and classes);
    values are multiples of 1/8, exact in float32, as scikit-learn's trees read them."""
    rng = np.random.default_rng(5)
    x = np.round(rng.normal(size=(300, 2)) * 8) / 8
    x[:, 1] = np.round(np.abs(x[:, 1]))  # few distinct values
    y_reg = np.sin(2 * x[:, 0]) + 0.3 * x[:, 1] + rng.normal(size=300) * 0.1
    y_cls = ((x[:, 0] > 0.4) ^ (x[:, 1] > 1)).astype(np.int64)
    X = torch.tensor(x)
    tree = {"min_samples_leaf": 8, "min_impurity_decrease": 1e-4}
    return {
        "x": x.tolist(), "y_regression": y_reg.tolist(), "y_classes": y_cls.tolist(), "n_bins": 12,
        "tree": tree,
        "quantile": [b.tolist() for b in rtdl.compute_bins(X, 12)],
        "tree_regression": [b.tolist() for b in rtdl.compute_bins(X, 12, tree_kwargs=tree, y=torch.tensor(y_reg),
                                                                  regression=True)],
        "tree_classes": [b.tolist() for b in rtdl.compute_bins(X, 12, tree_kwargs=tree, y=torch.tensor(y_cls),
                                                               regression=False)],
    }


def main():
    import importlib.metadata
    import sklearn
    cases = {
        "piecewise_linear": piecewise([0, 2, 3], 5, 6, False),
        "piecewise_linear_relu": piecewise([1, 3], 4, 4, True),
        "piecewise_linear_two_edges": piecewise([0], 2, 2, False),
        "periodic": periodic([0, 2], 4, False, True),
        "periodic_no_relu": periodic([1], 3, False, False),
        "periodic_lite": periodic([0, 1, 3], 4, True, True),
        "pbld": pbld([1, 2], 4),
    }
    out = {
        "generator": f"tools/embedding_fixtures.py; torch {torch.__version__}, rtdl_num_embeddings "
                     f"{rtdl.__version__}, pytabkit {importlib.metadata.version('pytabkit')}, scikit-learn {sklearn.__version__}, "
                     f"Python {platform.python_version()}",
        "cases": cases,
        "bins": bins_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
    print(f"wrote {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
