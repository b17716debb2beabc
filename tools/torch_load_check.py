#!/usr/bin/env python3
"""PyTorch takes an ndnet weights file as the equivalent torch.nn.Sequential's state dict.

Rebuilds the model the file describes as the torch.nn.Sequential that `ndnet inspect --torch`
prints (each layer kind names its own PyTorch module in ndnet's registry), loads the file with
load_state_dict(strict=True) (Linear weights transposed: ndnet keeps inputs x outputs),
prepares the CSV's rows with the stored pipeline (numbers, Yes/No, one-hot, scalers), runs it in
eval mode and compares with the predictions the `predict` example wrote for the same rows. Not
part of CI; run:

    python3 -m venv .venv && .venv/bin/pip install torch safetensors numpy
    cargo build --release -p ndnet-cli
    cargo run --release --example housing -- --dropout 0.2 --batch-norm --out runs/bn
    cargo run --release --example predict -- --model runs/bn/weights.safetensors --data data/housing.csv --out runs/bn/pred.csv
    .venv/bin/python tools/torch_load_check.py runs/bn/weights.safetensors data/housing.csv runs/bn/pred.csv

The program is taken from $NDNET (default target/release/ndnet).
"""
import csv
import json
import os
import subprocess
import sys

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file

weights, data, predictions = sys.argv[1:4]
with safe_open(weights, "pt") as f:
    meta = json.loads(f.metadata()["ndnet.metadata"])
pipeline = meta["pipeline"]
ndnet = os.environ.get("NDNET", "target/release/ndnet")
expression = subprocess.run([ndnet, "inspect", "--torch", weights], check=True, capture_output=True, text=True).stdout
nn = torch.nn
model = eval(expression.strip())  # the program's own text, e.g. nn.Sequential(nn.Linear(10, 10), nn.ReLU(), ...)


state = load_file(weights)
for i, layer in enumerate(model):
    if isinstance(layer, torch.nn.Linear):
        state[f"{i}.weight"] = state[f"{i}.weight"].T.contiguous()
result = model.load_state_dict(state, strict=True)
print(f"load_state_dict(strict=True): {result}; {len(state)} tensors: {', '.join(sorted(state))}")
model.eval()


def value(cell, encoder):
    text = cell.strip()
    if encoder["kind"] in ("number", "yes_no"):
        low = text.lower()
        return [1.0 if low in ("yes", "true") else 0.0 if low in ("no", "false") else float(text)]
    return [1.0 if text == c else 0.0 for c in encoder["categories"]]


with open(data, newline="") as f:
    rows = list(csv.DictReader(f))
x = np.array([[v for e in pipeline["encoders"] for v in value(r[e["column"]], e)] for r in rows])
fs, ts = pipeline["feature_scaler"], pipeline["target_scaler"]
x = (x - np.array(fs["mean"]["data"])) / np.array(fs["scale"]["data"])
with torch.no_grad():
    out = model(torch.tensor(x, dtype=torch.float32)).double().numpy()
torch_pred = out[:, 0] * ts["scale"]["data"][0] + ts["mean"]["data"][0]

with open(predictions, newline="") as f:
    column = f"predicted_{pipeline['target']}"
    ndnet_pred = np.array([float(r[column]) for r in csv.DictReader(f)])
rel = np.abs(torch_pred - ndnet_pred) / np.maximum(np.abs(ndnet_pred), 1e-12)
# In the model's own (standardised) units, where the network's float32 rounding lives:
std_diff = np.abs(torch_pred - ndnet_pred) / ts["scale"]["data"][0]
print(f"{len(rows)} rows: largest relative difference {rel.max():.3e}, "
      f"largest difference in standardised output units {std_diff.max():.3e}")
sys.exit(0 if rel.max() <= 1e-6 else 1)
