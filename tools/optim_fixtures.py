#!/usr/bin/env python3
"""Reference trajectories for ndnet-optim, produced by the real frameworks.

Writes crates/optim/tests/fixtures/optim_f64.json and optim_f32.json, replayed by
crates/optim/tests/fixtures.rs. CI does not need any of this; to regenerate:

    python3 -m venv .venv && .venv/bin/pip install torch tensorflow-cpu keras jax optax
    KERAS_BACKEND=tensorflow .venv/bin/python tools/optim_fixtures.py

The problem: two tensors, w (2 x 3) and b (3,), and for 1,000 steps the gradient
    g = 0.5 * (theta - c) + noise(t, i)
where c and the noise are exactly representable in float32 (so Rust and Python compute
bit-identical gradients from identical parameters): c_i = 0.25 * (i % 5) - 0.5 and
noise(t, i) = (h(t, i) >> 8) / 2**24 - 0.5 with an integer hash h, i the flat index.
"""
import json
import os
import platform
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

STEPS = 1000
RECORD = list(range(1, 11)) + list(range(20, STEPS + 1, 10))
SHAPES = {"w": (2, 3), "b": (3,)}
INIT = {"w": [0.75, -1.5, 2.0, 0.125, -0.25, 1.0], "b": [0.5, -2.0, 3.0]}
N = 9


def noise(t, i):
    h = (t * 2654435761 + i * 40503 + 1) % 2**32
    h = (h * 2246822519) % 2**32
    h ^= h >> 13
    return (h >> 8) / 2**24 - 0.5


CENTER = np.array([0.25 * (i % 5) - 0.5 for i in range(N)])


def grad_np(theta_flat, t, dtype):
    """The gradient, in the given dtype, with the same operation order as the Rust test."""
    th = np.asarray(theta_flat, dtype=dtype)
    c = CENTER.astype(dtype)
    n = np.array([noise(t, i) for i in range(N)], dtype=dtype)
    return dtype(0.5) * (th - c) + n


def split(flat):
    return {"w": np.asarray(flat[:6]).reshape(2, 3), "b": np.asarray(flat[6:])}


def flat_init(dtype):
    return np.array(INIT["w"] + INIT["b"], dtype=dtype)


# ---------------------------------------------------------------- PyTorch
def run_torch(make_opt, dtype, lr_schedule=None):
    import torch
    tdt = {np.float64: torch.float64, np.float32: torch.float32}[dtype]
    init = split(flat_init(dtype))
    params = [torch.tensor(init["w"], dtype=tdt, requires_grad=True),
              torch.tensor(init["b"], dtype=tdt, requires_grad=True)]
    opt = make_opt(params)
    out = []
    for t in range(1, STEPS + 1):
        with torch.no_grad():
            flat = torch.cat([p.reshape(-1) for p in params]).numpy()
            g = split(grad_np(flat, t, dtype))
            params[0].grad = torch.tensor(g["w"], dtype=tdt)
            params[1].grad = torch.tensor(g["b"], dtype=tdt)
        opt.step()
        if t in RECORD:
            out.append([float(v) for v in torch.cat([p.detach().reshape(-1) for p in params]).numpy()])
    return out


# ---------------------------------------------------------------- Keras 3
def run_keras(make_opt, dtype):
    import keras
    keras.config.set_floatx({np.float64: "float64", np.float32: "float32"}[dtype])
    init = split(flat_init(dtype))
    vs = [keras.Variable(init["w"], dtype=keras.config.floatx()), keras.Variable(init["b"], dtype=keras.config.floatx())]
    opt = make_opt(keras)
    out = []
    for t in range(1, STEPS + 1):
        flat = np.concatenate([np.asarray(v.numpy()).reshape(-1) for v in vs])
        g = split(grad_np(flat, t, dtype))
        opt.apply_gradients([(g["w"], vs[0]), (g["b"], vs[1])])
        if t in RECORD:
            out.append([float(x) for x in np.concatenate([np.asarray(v.numpy()).reshape(-1) for v in vs])])
    keras.config.set_floatx("float32")
    return out


# ---------------------------------------------------------------- TF1
def run_tf1(make_opt, dtype):
    import tensorflow as tf
    tdt = {np.float64: tf.float64, np.float32: tf.float32}[dtype]
    init = split(flat_init(dtype))
    vs = [tf.Variable(init["w"], dtype=tdt), tf.Variable(init["b"], dtype=tdt)]
    opt = make_opt(tf)
    out = []
    for t in range(1, STEPS + 1):
        flat = np.concatenate([v.numpy().reshape(-1) for v in vs])
        g = split(grad_np(flat, t, dtype))
        opt.apply_gradients([(tf.constant(g["w"], dtype=tdt), vs[0]), (tf.constant(g["b"], dtype=tdt), vs[1])])
        if t in RECORD:
            out.append([float(x) for x in np.concatenate([v.numpy().reshape(-1) for v in vs])])
    return out


# ---------------------------------------------------------------- optax
def run_optax(make_opt, dtype):
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import optax
    init = split(flat_init(dtype))
    params = {"b": jnp.asarray(init["b"], dtype=dtype), "w": jnp.asarray(init["w"], dtype=dtype)}
    opt = make_opt(optax)
    state = opt.init(params)
    out = []
    for t in range(1, STEPS + 1):
        flat = np.concatenate([np.asarray(params["w"]).reshape(-1), np.asarray(params["b"])])
        g = split(grad_np(flat, t, dtype))
        grads = {"b": jnp.asarray(g["b"], dtype=dtype), "w": jnp.asarray(g["w"], dtype=dtype)}
        updates, state = opt.update(grads, state, params)
        params = optax.apply_updates(params, updates)
        if t in RECORD:
            out.append([float(x) for x in np.concatenate([np.asarray(params["w"]).reshape(-1), np.asarray(params["b"])])])
    return out


def cases():
    """(name, ndnet config, runner) for every flavour. Config keys are read by fixtures.rs."""
    lr = 0.01
    c = []
    # PyTorch RMSprop
    for name, kw, cfg in [
        ("plain", {}, {}),
        ("centered", {"centered": True}, {"centered": True}),
        ("momentum", {"momentum": 0.9}, {"momentum": 0.9}),
        ("weight_decay", {"weight_decay": 0.1}, {"weight_decay": 0.1}),
        ("centered_momentum", {"centered": True, "momentum": 0.5}, {"centered": True, "momentum": 0.5}),
    ]:
        c.append((f"torch_rmsprop_{name}", {"optimizer": "rmsprop", "preset": "pytorch", "lr": lr, **cfg},
                  lambda dt, kw=kw: run_torch(lambda p: __import__("torch").optim.RMSprop(p, lr=lr, **kw), dt)))
    # Keras 3 RMSprop
    for name, kw, cfg in [
        ("plain", {}, {}),
        ("centered", {"centered": True}, {"centered": True}),
        ("momentum", {"momentum": 0.9}, {"momentum": 0.9}),
        ("weight_decay", {"weight_decay": 0.1}, {"weight_decay": 0.1}),
    ]:
        c.append((f"keras_rmsprop_{name}", {"optimizer": "rmsprop", "preset": "keras", "lr": lr, **cfg},
                  lambda dt, kw=kw: run_keras(lambda k: k.optimizers.RMSprop(learning_rate=lr, **kw), dt)))
    # TF1 RMSPropOptimizer
    for name, kw, cfg in [
        ("plain", {}, {}),
        ("centered_momentum", {"centered": True, "momentum": 0.9}, {"centered": True, "momentum": 0.9}),
    ]:
        c.append((f"tf1_rmsprop_{name}", {"optimizer": "rmsprop", "preset": "tf1", "lr": lr, **cfg},
                  lambda dt, kw=kw: run_tf1(lambda tf: tf.compat.v1.train.RMSPropOptimizer(lr, **kw), dt)))
    # optax rmsprop
    for name, kw, cfg in [
        ("plain", {}, {}),
        ("centered", {"centered": True}, {"centered": True}),
        ("momentum", {"momentum": 0.9}, {"momentum": 0.9}),
    ]:
        c.append((f"optax_rmsprop_{name}", {"optimizer": "rmsprop", "preset": "optax", "lr": lr, **cfg},
                  lambda dt, kw=kw: run_optax(lambda o: o.rmsprop(lr, **kw), dt)))
    # PyTorch SGD
    for name, kw in [
        ("plain", {}),
        ("momentum", {"momentum": 0.9}),
        ("dampening", {"momentum": 0.9, "dampening": 0.3}),
        ("nesterov", {"momentum": 0.9, "nesterov": True}),
        ("weight_decay", {"momentum": 0.5, "weight_decay": 0.01}),
        ("maximize", {"maximize": True}),
    ]:
        c.append((f"torch_sgd_{name}", {"optimizer": "sgd", "preset": "pytorch", "lr": lr, **kw},
                  lambda dt, kw=kw: run_torch(lambda p: __import__("torch").optim.SGD(p, lr=lr, **kw), dt)))
    # Keras SGD
    for name, kw in [("momentum", {"momentum": 0.9}), ("nesterov", {"momentum": 0.9, "nesterov": True})]:
        c.append((f"keras_sgd_{name}", {"optimizer": "sgd", "preset": "keras", "lr": lr, **kw},
                  lambda dt, kw=kw: run_keras(lambda k: k.optimizers.SGD(learning_rate=lr, **kw), dt)))
    # PyTorch Adam and AdamW (each class with its own defaults; AdamW's weight decay is 0.01)
    for name, cls, kw in [
        ("adam_plain", "Adam", {}),
        ("adam_amsgrad", "Adam", {"amsgrad": True}),
        ("adam_weight_decay", "Adam", {"weight_decay": 0.1}),
        ("adam_maximize", "Adam", {"maximize": True}),
        ("adamw", "AdamW", {}),
        ("adamw_amsgrad", "AdamW", {"amsgrad": True, "weight_decay": 0.05}),
    ]:
        cfg = {"optimizer": "adam", "preset": "pytorch", "adamw": cls == "AdamW", "lr": lr, **kw}
        c.append((f"torch_{name}", cfg,
                  lambda dt, cls=cls, kw=kw: run_torch(lambda p: getattr(__import__("torch").optim, cls)(p, lr=lr, **kw), dt)))
    # Keras 3 Adam and AdamW (AdamW's weight decay is 0.004, decoupled like every Keras decay)
    for name, cls, kw in [
        ("adam_plain", "Adam", {}),
        ("adam_amsgrad", "Adam", {"amsgrad": True}),
        ("adamw", "AdamW", {}),
        ("adamw_amsgrad", "AdamW", {"amsgrad": True, "weight_decay": 0.05}),
    ]:
        cfg = {"optimizer": "adam", "preset": "keras", "adamw": cls == "AdamW", "lr": lr, **kw}
        c.append((f"keras_{name}", cfg,
                  lambda dt, cls=cls, kw=kw: run_keras(lambda k: getattr(k.optimizers, cls)(learning_rate=lr, **kw), dt)))
    # optax adam, adamw, amsgrad (optax's maximum is over the bias-corrected second moment)
    for name, fn, kw, cfg_kw in [
        ("adam_plain", "adam", {}, {}),
        ("adam_eps_root", "adam", {"eps_root": 1e-8}, {"eps_root": 1e-8}),
        ("adamw", "adamw", {}, {"adamw": True}),
        ("adamw_weight_decay", "adamw", {"weight_decay": 0.05}, {"adamw": True, "weight_decay": 0.05}),
        ("amsgrad", "amsgrad", {}, {"amsgrad": True}),
    ]:
        cfg = {"optimizer": "adam", "preset": "optax", "lr": lr, **cfg_kw}
        c.append((f"optax_{name}", cfg, lambda dt, fn=fn, kw=kw: run_optax(lambda o: getattr(o, fn)(lr, **kw), dt)))
    return c


def machine():
    """The CPU that made the fixtures: XLA's CPU code (optax) depends on it in the last bits."""
    info = {"machine": platform.machine(), "cpu": "", "flags": []}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and not info["cpu"]:
                    info["cpu"] = value.strip()
                if key.strip() == "flags" and not info["flags"]:
                    wanted = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512bw", "avx512vl",
                              "avx512_bf16", "avx512_fp16", "amx_tile")
                    info["flags"] = [f for f in value.split() if f in wanted]
    except OSError:
        pass
    return info


def torch_schedules():
    """Learning rates PyTorch's schedulers give at epochs 0..STEPS (as ticks), base 0.1."""
    import torch
    out = {}
    specs = {
        "step": ({"schedule": "step", "step_size": 30, "gamma": 0.5},
                 lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=30, gamma=0.5)),
        "exponential": ({"schedule": "exponential", "gamma": 0.995},
                        lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.995)),
        "cosine": ({"schedule": "cosine", "t_max": 250, "eta_min": 0.001},
                   lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=250, eta_min=0.001)),
    }
    for name, (cfg, make) in specs.items():
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=0.1)
        sched = make(opt)
        lrs = []
        for _ in range(STEPS):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        out[name] = {"config": cfg, "lrs": lrs}
    # ReduceLROnPlateau on a metric that falls, then flattens with noise.
    metrics = [max(1, 100 - t) + (((t * 2654435761) % 2**32) >> 28) / 16 for t in range(STEPS)]
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=5, cooldown=2, min_lr=1e-4)
    lrs = []
    for m in metrics:
        sched.step(m)
        lrs.append(opt.param_groups[0]["lr"])
    out["plateau"] = {"config": {"schedule": "plateau", "factor": 0.5, "patience": 5, "cooldown": 2, "min_lr": 1e-4},
                      "metrics": metrics, "lrs": lrs}
    return out


FRAMEWORK_OF = {"torch": "torch", "keras": "keras", "tf1": "tensorflow", "optax": "optax"}


def worker(framework, tag):
    """Runs one framework's cases in this process (torch and TF/JAX clash over LLVM in one)."""
    dtype = {"f64": np.float64, "f32": np.float32}[tag]
    mod = __import__(FRAMEWORK_OF[framework])
    result = {"version": mod.__version__, "cases": []}
    if framework == "keras":
        result["backend"] = mod.backend.backend()
    for name, cfg, run in cases():
        if name.split("_")[0] == framework:
            print(tag, name, file=sys.stderr, flush=True)
            result["cases"].append({"name": name, "config": cfg, "trajectory": run(dtype)})
    if framework == "torch" and tag == "f64":
        result["schedules"] = torch_schedules()
    json.dump(result, sys.stdout, separators=(",", ":"))


def main():
    import subprocess
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "optim", "tests", "fixtures")
    os.makedirs(root, exist_ok=True)
    for tag in ["f64", "f32"]:
        doc = {"generator": "tools/optim_fixtures.py", "versions": {"python": platform.python_version(),
               "numpy": np.__version__}, "dtype": tag, "steps": STEPS, "record_steps": RECORD,
               "init": INIT, "machine": machine(), "cases": []}
        for fw in ["torch", "keras", "tf1", "optax"]:
            out = subprocess.run([sys.executable, __file__, "--worker", fw, tag], check=True,
                                 stdout=subprocess.PIPE).stdout
            part = json.loads(out)
            doc["versions"][FRAMEWORK_OF[fw]] = part["version"]
            if "backend" in part:
                doc["versions"]["keras_backend"] = part["backend"]
            doc["cases"] += part["cases"]
            if "schedules" in part:
                doc["schedules"] = part["schedules"]
        with open(os.path.join(root, f"optim_{tag}.json"), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
        print("wrote", tag, doc["versions"], file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3])
    else:
        main()
