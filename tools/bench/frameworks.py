"""The headline epoch and the wide step in PyTorch, JAX and NumPy, timed the way ndnet's benches are.

Headline epoch: 10 -> 10 (ReLU) -> 1, MSE, RMSprop (lr 1e-3, rho 0.9, eps 1e-7), batch 32,
20,640 x 10 float32 rows, reshuffled (a fresh permutation and gather) every epoch.
Wide step: 256 -> 512 (ReLU) -> 512 (ReLU) -> 1, batch 256, one forward + MSE + backward +
RMSprop update.

Wide epochs: 13 -> 256 -> 256 -> 1 and 13 -> 512 -> 512 -> 512 -> 1 (ReLU), MSE, Adam (lr 1e-3,
PyTorch's defaults), batch 256, one epoch over 20,640 x 13 float32 rows reshuffled every epoch
(PyTorch: `randperm` + `index_select` in a plain loop; JAX: a jitted step, NumPy's permutation).

Each measurement runs in its own process (`python frameworks.py <name>`), so thread settings
and JIT caches never leak between them; `python frameworks.py all` runs every one and prints
JSON: {name: seconds}, the median of several repetitions after warm-up.
"""

import json
import os
import statistics
import subprocess
import sys
import time

ROWS, FEATURES, BATCH, LR, RHO, EPS = 20_640, 10, 32, 1e-3, 0.9, 1e-7
WIDE = (256, 512, 512, 1)
WIDE_BATCH = 256
WIDE_EPOCH_BATCH = 256
WIDE_EPOCHS = {"13_256_256_1": (13, 256, 256, 1), "13_512_512_512_1": (13, 512, 512, 512, 1)}


def data(rows, features, seed=2):
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, (rows, features)).astype(np.float32)
    y = (0.5 * x[:, :1] - 0.3 * x[:, 1:2] * x[:, 2:3] + np.maximum(x[:, 3:4], 0.0)).astype(np.float32)
    return x, y


def median_time(run, repeats, warmup=2):
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# ---------------------------------------------------------------- PyTorch


def torch_model(widths):
    import torch

    layers = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i + 2 < len(widths):
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def torch_bench(kind, threads):
    import torch

    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    loss_fn = torch.nn.MSELoss()
    if kind == "epoch":
        x, y = (torch.from_numpy(a) for a in data(ROWS, FEATURES))
        model = torch_model((10, 10, 1))
        opt = torch.optim.RMSprop(model.parameters(), lr=LR, alpha=RHO, eps=EPS)

        def epoch():
            perm = torch.randperm(ROWS)
            for start in range(0, ROWS, BATCH):
                idx = perm[start : start + BATCH]
                opt.zero_grad()
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                opt.step()

        return median_time(epoch, 5)
    x, y = (torch.from_numpy(a) for a in data(WIDE_BATCH, WIDE[0], seed=3))
    model = torch_model(WIDE)
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-4, alpha=RHO, eps=EPS)

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return median_time(step, 50, warmup=5)


def wide_epoch_data():
    import numpy as np

    rng = np.random.default_rng(5)
    x = rng.uniform(-2.0, 2.0, (ROWS, 13)).astype(np.float32)
    y = (0.5 * x[:, :1] - 0.3 * x[:, 1:2] * x[:, 2:3] + np.maximum(x[:, 3:4], 0.0)).astype(np.float32)
    return x, y


def torch_wide_epoch(widths, threads):
    import torch

    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    x, y = (torch.from_numpy(a) for a in wide_epoch_data())
    model = torch_model(widths)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()

    def epoch():
        perm = torch.randperm(ROWS)
        for start in range(0, ROWS, WIDE_EPOCH_BATCH):
            idx = perm[start : start + WIDE_EPOCH_BATCH]
            opt.zero_grad()
            loss_fn(model(x.index_select(0, idx)), y.index_select(0, idx)).backward()
            opt.step()

    return median_time(epoch, 5, warmup=1)


# ---------------------------------------------------------------- JAX


def jax_mse(params, x, y):
    """The MLP (ReLU between layers) and its mean squared error."""
    import jax.numpy as jnp

    h = x
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        if i + 1 < len(params):
            h = jnp.maximum(h, 0.0)
    return jnp.mean((h - y) ** 2)


def jax_setup(widths, seed=0):
    import jax
    import jax.numpy as jnp

    keys = jax.random.split(jax.random.PRNGKey(seed), len(widths) - 1)
    params = []
    for key, (a, b) in zip(keys, zip(widths, widths[1:])):
        limit = (6.0 / (a + b)) ** 0.5
        params.append((jax.random.uniform(key, (a, b), jnp.float32, -limit, limit), jnp.zeros(b, jnp.float32)))

    def step(carry, batch, lr):
        params, v = carry
        x, y = batch
        value, grads = jax.value_and_grad(jax_mse)(params, x, y)
        v = jax.tree_util.tree_map(lambda v, g: RHO * v + (1 - RHO) * g * g, v, grads)
        params = jax.tree_util.tree_map(lambda p, g, v: p - lr * g / jnp.sqrt(v + EPS), params, grads, v)
        return (params, v), value

    v = jax.tree_util.tree_map(jnp.zeros_like, params)
    return params, v, step


def jax_bench(kind):
    import jax
    import jax.numpy as jnp
    import numpy as np

    if kind in ("epoch_step", "epoch_scan"):
        x, y = data(ROWS, FEATURES)
        params, v, step = jax_setup((10, 10, 1))
        rng = np.random.default_rng(0)
        if kind == "epoch_step":
            jstep = jax.jit(lambda carry, xb, yb: step(carry, (xb, yb), LR))
            return jax_step_epochs(jstep, (params, v), x, y, BATCH, rng, warmup=2)

        # The whole epoch's 645 steps compiled into one lax.scan. The shuffle stays in NumPy:
        # jax.random.permutation sorts, which on CPU costs several times the epoch itself.
        batches = ROWS // BATCH
        run_epoch = jax.jit(lambda carry, xs, ys: jax.lax.scan(lambda c, b: step(c, b, LR), carry, (xs, ys)))
        state = {"carry": (params, v)}

        def epoch():
            perm = rng.permutation(ROWS)[: batches * BATCH]
            xs, ys = x[perm].reshape(batches, BATCH, FEATURES), y[perm].reshape(batches, BATCH, 1)
            carry, losses = run_epoch(state["carry"], xs, ys)
            jax.block_until_ready(losses)
            state["carry"] = carry

        return median_time(epoch, 20)
    x, y = (jnp.asarray(a) for a in data(WIDE_BATCH, WIDE[0], seed=3))
    params, v, step = jax_setup(WIDE)
    jstep = jax.jit(lambda carry: step(carry, (x, y), 1e-4))
    state = {"carry": (params, v)}

    def wide():
        carry, value = jstep(state["carry"])
        jax.block_until_ready(value)
        state["carry"] = carry

    return median_time(wide, 50, warmup=5)


def jax_wide_epoch(widths):
    import jax
    import jax.numpy as jnp
    import numpy as np

    params, _, _ = jax_setup(widths)
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 1e-3

    @jax.jit
    def step(carry, x, y):
        params, m, v, t = carry
        value, grads = jax.value_and_grad(jax_mse)(params, x, y)
        t = t + 1
        m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
        v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
        c1, c2 = 1 - b1**t, 1 - b2**t
        params = jax.tree_util.tree_map(lambda p, m, v: p - lr * (m / c1) / (jnp.sqrt(v / c2) + eps), params, m, v)
        return (params, m, v, t), value

    x, y = wide_epoch_data()
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    carry = (params, zeros, zeros, jnp.float32(0.0))
    return jax_step_epochs(step, carry, x, y, WIDE_EPOCH_BATCH, np.random.default_rng(0), warmup=1)


def jax_step_epochs(jstep, carry, x, y, batch, rng, warmup):
    """The median epoch of a jitted step over NumPy-shuffled batches, the state carried on."""
    import jax

    state = {"carry": carry}

    def epoch():
        perm = rng.permutation(ROWS)
        xs, ys = x[perm], y[perm]
        carry = state["carry"]
        for start in range(0, ROWS, batch):
            carry, _ = jstep(carry, xs[start : start + batch], ys[start : start + batch])
        jax.block_until_ready(carry)
        state["carry"] = carry

    return median_time(epoch, 5, warmup=warmup)


# ---------------------------------------------------------------- NumPy


def numpy_bench(kind):
    import numpy as np

    rng = np.random.default_rng(0)
    widths = (10, 10, 1) if kind == "epoch" else WIDE
    params = []
    for a, b in zip(widths, widths[1:]):
        limit = (6.0 / (a + b)) ** 0.5
        params.append([rng.uniform(-limit, limit, (a, b)).astype(np.float32), np.zeros(b, np.float32)])
    v = [[np.zeros_like(w), np.zeros_like(b)] for w, b in params]
    lr = np.float32(LR if kind == "epoch" else 1e-4)

    def step(x, y):
        acts = [x]
        for i, (w, b) in enumerate(params):
            h = acts[-1] @ w + b
            acts.append(np.maximum(h, 0.0) if i + 1 < len(params) else h)
        grad = (2.0 / y.size) * (acts[-1] - y)
        for i in reversed(range(len(params))):
            w, b = params[i]
            gw, gb = acts[i].T @ grad, grad.sum(axis=0)
            if i > 0:
                grad = (grad @ w.T) * (acts[i] > 0)
            for p, g, s in ((w, gw, v[i][0]), (b, gb, v[i][1])):
                s *= RHO
                s += (1 - RHO) * g * g
                p -= lr * g / np.sqrt(s + EPS)

    if kind == "epoch":
        x, y = data(ROWS, FEATURES)

        def epoch():
            perm = rng.permutation(ROWS)
            for start in range(0, ROWS, BATCH):
                idx = perm[start : start + BATCH]
                step(x[idx], y[idx])

        return median_time(epoch, 5)
    x, y = data(WIDE_BATCH, WIDE[0], seed=3)
    return median_time(lambda: step(x, y), 50, warmup=5)


# ---------------------------------------------------------------- driver

RUNS = {
    "pytorch_1thread_epoch": lambda: torch_bench("epoch", 1),
    "pytorch_default_epoch": lambda: torch_bench("epoch", None),
    "jax_jit_step_epoch": lambda: jax_bench("epoch_step"),
    "jax_scan_epoch": lambda: jax_bench("epoch_scan"),
    "numpy_epoch": lambda: numpy_bench("epoch"),
    "pytorch_1thread_wide": lambda: torch_bench("wide", 1),
    "pytorch_default_wide": lambda: torch_bench("wide", None),
    "jax_jit_wide": lambda: jax_bench("wide"),
    "numpy_wide": lambda: numpy_bench("wide"),
}
for _name, _widths in WIDE_EPOCHS.items():
    RUNS[f"pytorch_1thread_epoch_{_name}"] = lambda w=_widths: torch_wide_epoch(w, 1)
    RUNS[f"pytorch_default_epoch_{_name}"] = lambda w=_widths: torch_wide_epoch(w, None)
    RUNS[f"jax_jit_epoch_{_name}"] = lambda w=_widths: jax_wide_epoch(w)


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "all"
    if name != "all":
        print(json.dumps({name: RUNS[name]()}))
        return
    results = {}
    for run in RUNS:
        env = dict(os.environ)
        if "1thread" in run:
            # Pin every thread pool, not only intra-op: MKL/OpenMP read these at start-up.
            env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        out = subprocess.run([sys.executable, __file__, run], env=env, capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{run} failed:\n{out.stderr[-2000:]}", file=sys.stderr)
            continue
        results.update(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"  {run}: {results[run] * 1e3:.3f} ms", file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
