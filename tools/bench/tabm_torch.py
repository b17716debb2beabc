"""One training epoch of the same TabM as benches/tabm_epoch.rs in PyTorch with the `tabm`
package (CPU): piecewise-linear embeddings (rtdl_num_embeddings, version B, 48 bins × 16),
2 blocks of 128, dropout 0.1, k = 8 and 32, a 20,000-row table of 8 numbers (the bench's
xorshift rows), batches of 256, AdamW (lr 0.002), the mean of the members' MSE.

    python tools/bench/tabm_torch.py [--threads N]   # default: PyTorch's own thread count

Prints one JSON line per k: the median seconds of an epoch over 5 epochs after one warm-up.
"""
import argparse
import json
import statistics
import time

import numpy as np
import rtdl_num_embeddings as rtdl
import tabm
import torch

MASK = (1 << 64) - 1


def table(rows):
    state, values = 12345, []
    for _ in range(rows * 8):
        state ^= (state << 13) & MASK
        state ^= state >> 7
        state ^= (state << 17) & MASK
        values.append((state >> 11) / float(1 << 53) * 4.0 - 2.0)
    x = np.round(np.array(values).reshape(rows, 8), 6)
    y = np.sin(x[:, 0]) + x[:, 1] * x[:, 2] + np.abs(x[:, 3])
    x = (x - x.mean(0)) / x.std(0)
    y = (y - y.mean()) / y.std()
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


def epoch_seconds(x, y, k):
    torch.manual_seed(0)
    bins = rtdl.compute_bins(x, 48)
    emb = rtdl.PiecewiseLinearEmbeddings(bins, 16, activation=False, version="B")
    model = tabm.TabM.make(n_num_features=8, d_out=1, num_embeddings=emb, k=k, n_blocks=2, d_block=128, dropout=0.1)
    opt = torch.optim.AdamW(model.parameters(), lr=0.002)
    model.train()

    def epoch():
        for idx in torch.randperm(len(x)).split(256):
            opt.zero_grad()
            out = model(x[idx]).squeeze(-1)  # (batch, k)
            loss = ((out - y[idx, None]) ** 2).mean()
            loss.backward()
            opt.step()

    epoch()
    seconds = []
    for _ in range(5):
        start = time.perf_counter()
        epoch()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int)
    a = parser.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    x, y = table(20000)
    for k in (8, 32):
        print(json.dumps({"k": k, "threads": torch.get_num_threads(), "seconds": epoch_seconds(x, y, k)}), flush=True)


if __name__ == "__main__":
    main()
