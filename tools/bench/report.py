"""Prints the ratio table from criterion's estimates and frameworks.py's JSON (see `run`)."""

import json
import os
import platform
import sys
from pathlib import Path


def criterion_ms(root, *path):
    """Criterion's median estimate for one benchmark, in milliseconds."""
    file = Path(root, *path, "new", "estimates.json")
    return json.loads(file.read_text())["median"]["point_estimate"] / 1e6


def main():
    criterion, results = sys.argv[1], Path(sys.argv[2])
    fw = json.loads((results / "frameworks.json").read_text())
    step = criterion_ms(criterion, "train_step", "ndnet")
    hand_step = criterion_ms(criterion, "train_step", "hand_fused")
    epoch = criterion_ms(criterion, "epoch", "ndnet_rmsprop", "20640")
    sgd = criterion_ms(criterion, "epoch", "ndnet_sgd", "20640")
    hand_epoch = criterion_ms(criterion, "epoch", "hand_fused", "20640")
    rows = {n: criterion_ms(criterion, "epoch", "ndnet_rmsprop", str(n)) for n in (2064, 20640, 206400)}
    hand_rows = {n: criterion_ms(criterion, "epoch", "hand_fused", str(n)) for n in (2064, 20640, 206400)}
    wide = {
        f.stem[len("wide_") :]: json.loads(f.read_text())["median"]["point_estimate"] / 1e6
        for f in sorted(results.glob("wide_*.json"))
    }
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}\n")

    print("| headline (10 → 10 → 1, batch 32, f32, RMSprop) | time | ratio |")
    print("| --- | ---: | ---: |")
    print(f"| ndnet train step | {step * 1e3:.2f} µs | {step / hand_step:.2f}× hand-fused |")
    print(f"| hand-fused train step | {hand_step * 1e3:.2f} µs | 1 |")
    print(f"| ndnet epoch, 20,640 rows | {epoch:.3f} ms | {epoch / hand_epoch:.2f}× hand-fused |")
    print(f"| ndnet epoch, SGD (PyTorch preset) | {sgd:.3f} ms | {sgd / hand_epoch:.2f}× hand-fused (RMSprop) |")
    print(f"| hand-fused epoch | {hand_epoch:.3f} ms | 1 |")
    extra = {
        "epoch_simd_baseline": "ndnet epoch, SIMD capped at the baseline (`NDNET_SIMD=baseline`)",
        "hand_fused_native": "hand-fused epoch built with `-C target-cpu=native`",
        "hand_fused_v3": "hand-fused epoch built with `-C target-cpu=x86-64-v3` (AVX2 + FMA)",
    }
    for key, label in extra.items():
        f = results / f"{key}.json"
        if f.exists():
            t = json.loads(f.read_text())["median"]["point_estimate"] / 1e6
            print(f"| {label} | {t:.3f} ms | {t / hand_epoch:.2f}× hand-fused |")
    builds = {"default build": hand_epoch}
    for key, label in (("hand_fused_native", "native"), ("hand_fused_v3", "x86-64-v3")):
        f = results / f"{key}.json"
        if f.exists():
            builds[label] = json.loads(f.read_text())["median"]["point_estimate"] / 1e6
    fastest = min(builds, key=builds.get)
    print(
        f"| ndnet epoch against the fastest hand-fused build ({fastest}) | {epoch:.3f} ms | "
        f"{epoch / builds[fastest]:.2f}× |"
    )
    names = {
        "jax_scan_epoch": "JAX, epoch in one `lax.scan`",
        "jax_jit_step_epoch": "JAX, `jit` per step",
        "numpy_epoch": "NumPy",
        "pytorch_1thread_epoch": "PyTorch eager, 1 thread",
        "pytorch_default_epoch": "PyTorch eager, default threads",
    }
    for key, label in names.items():
        if key in fw:
            print(f"| {label} | {fw[key] * 1e3:.3f} ms | {fw[key] * 1e3 / epoch:.1f}× ndnet |")
    print("\n| epoch time vs rows | ndnet | per 1,000 rows | hand-fused | per 1,000 rows |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for n, t in rows.items():
        h = hand_rows[n]
        print(f"| {n:,} rows | {t:.3f} ms | {t / n * 1e3:.4f} ms | {h:.3f} ms | {h / n * 1e3:.4f} ms |")
    first, last = 2064, 206400
    grow = lambda d: (d[last] / last) / (d[first] / first) - 1
    print(f"\nPer-row cost from {first:,} to {last:,} rows: ndnet {grow(rows):+.0%}, hand-fused {grow(hand_rows):+.0%}.")

    print("\n| wide step (256 → 512 → 512 → 1, batch 256) | time | ratio to PyTorch, 1 thread |")
    print("| --- | ---: | ---: |")
    base = fw.get("pytorch_1thread_wide")
    labels = {
        "1thread": "ndnet, 1 thread (NDNET_NUM_THREADS=1)",
        "default": "ndnet, default (large products on every core)",
        "blas_1thread": "ndnet `--features blas`, 1 thread",
        "blas": "ndnet `--features blas`",
    }
    for key, label in labels.items():
        if key in wide:
            ratio = f"{wide[key] / (base * 1e3):.2f}×" if base else "–"
            print(f"| {label} | {wide[key]:.3f} ms | {ratio} |")
    for key, label in {
        "pytorch_1thread_wide": "PyTorch, 1 thread",
        "pytorch_default_wide": "PyTorch, default threads",
        "jax_jit_wide": "JAX `jit`",
        "numpy_wide": "NumPy",
    }.items():
        if key in fw:
            ratio = f"{fw[key] / base:.2f}×" if base else "–"
            print(f"| {label} | {fw[key] * 1e3:.3f} ms | {ratio} |")

    wide_sections(criterion, fw, wide)

    sweeps = {f.stem[len("sweep_jobs_") :]: float(f.read_text()) for f in sorted(results.glob("sweep_jobs_*.txt"))}
    if "1" in sweeps and len(sweeps) > 1:
        jobs, t = max(((int(k), v) for k, v in sweeps.items()), key=lambda kv: kv[0])
        print("\n| sweep (compare_optimizers, 120 runs, median of 3) | wall time | speed-up |")
        print("| --- | ---: | ---: |")
        print(f"| --jobs 1 | {sweeps['1']:.2f} s | 1 |")
        print(f"| --jobs {jobs} | {t:.2f} s | {sweeps['1'] / t:.2f}× |")


def criterion_best_ms(root, *path):
    """The fastest sample of a bench (time per iteration), in milliseconds: for a peak, which is
    a maximum, where the median would count the host's stolen time against the machine."""
    sample = json.loads(Path(root, *path, "new", "sample.json").read_text())
    return min(t / n for t, n in zip(sample["times"], sample["iters"])) / 1e6


def criterion_throughput(root, *path):
    """The throughput (elements per iteration) a bench recorded beside its time."""
    file = Path(root, *path, "new", "benchmark.json")
    return json.loads(file.read_text())["throughput"]["Elements"]


def epoch_flops(widths, rows):
    """Floating-point operations of one epoch: forward, weight gradient and (past the first
    layer) input gradient, 2 per multiply-add; element-wise work not counted."""
    products = [a * b for a, b in zip(widths, widths[1:])]
    return 2 * rows * (2 * sum(products) + sum(products[1:]))


def wide_sections(criterion, fw, wide):
    """The FMA peak, the large products' share of it, the memory passes, and the wide shapes
    against PyTorch and JAX (present only when `run` ran those benches)."""
    if not Path(criterion, "peak", "fma").exists():
        return
    peak = {}
    for threads in sorted(p.name for p in Path(criterion, "peak", "fma").iterdir() if p.name.isdigit()):
        t = criterion_best_ms(criterion, "peak", "fma", threads) / 1e3
        peak[int(threads)] = criterion_throughput(criterion, "peak", "fma", threads) / t / 1e9
    most = max(peak)
    print("\n| FMA peak (12 independent vector FMA chains a thread, `benches/peak.rs`, fastest sample) | GFLOP/s |")
    print("| --- | ---: |")
    for threads, gflops in peak.items():
        print(f"| {threads} thread{'s' if threads > 1 else ''} | {gflops:.1f} |")

    print("\n| dense layer product, 256 × 512 × 512 (f32) | 1 thread | share of peak | "
          f"{most} threads | share of peak |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, label in (("forward", "forward + bias"), ("weight_gradient", "weight gradient + bias gradient"),
                        ("input_gradient", "input gradient")):
        cells = []
        for threads in (1, most):
            t = criterion_ms(criterion, "peak", name, str(threads)) / 1e3
            gflops = 2 * criterion_throughput(criterion, "peak", name, str(threads)) / t / 1e9
            cells.append(f"{t * 1e6:.0f} µs, {gflops:.1f} GFLOP/s | {gflops / peak[threads]:.0%}")
        print(f"| {label} | " + " | ".join(cells) + " |")

    if Path(criterion, "memory").exists():
        print("\n| rest of the step (`benches/peak.rs`, group memory) | time | GB/s | copy of the same bytes |")
        print("| --- | ---: | ---: | ---: |")
        for n, where in ((532481, "532,481 parameters (in L3)"), (4194304, "4,194,304 parameters (DRAM)")):
            copy = criterion_ms(criterion, "memory", "copy_7n", str(n))
            for opt, per in (("adam", 7), ("rmsprop", 5)):
                t = criterion_ms(criterion, "memory", opt, str(n))
                gbs = per * 4 * n / (t / 1e3) / 1e9
                ratio = f"{t / copy * 7 / per:.2f}× a copy's time per byte"
                print(f"| {opt.capitalize()} update, {where} | {t * 1e3:.0f} µs | {gbs:.0f} | {ratio} |")
        relu, copy = (criterion_ms(criterion, "memory", k) for k in ("relu_256x512", "copy_256x512"))
        print(f"| ReLU over a 256 × 512 activation | {relu * 1e3:.1f} µs | {8 * 256 * 512 / relu / 1e6:.0f} | "
              f"{relu / copy:.2f}× ({copy * 1e3:.1f} µs) |")
        gather = criterion_ms(criterion, "memory", "gather_256x13")
        print(f"| gather of a 256-row batch, 13 columns | {gather * 1e3:.1f} µs | "
              f"{8 * 256 * 13 / gather / 1e6:.1f} | (random rows: latency, not bandwidth) |")

    if not Path(criterion, "wide_epochs").exists():
        return
    print("\n| wide shape (f32, batch 256) | ndnet | PyTorch, default threads | PyTorch, 1 thread | JAX `jit` | "
          "ndnet / PyTorch | ndnet / JAX | ndnet GFLOP/s | share of peak |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    shapes = {"13_256_256_1": (13, 256, 256, 1), "13_512_512_512_1": (13, 512, 512, 512, 1)}
    rows = []
    for name, widths in shapes.items():
        t = criterion_ms(criterion, "wide_epochs", "ndnet", name)
        keys = [f"pytorch_default_epoch_{name}", f"pytorch_1thread_epoch_{name}", f"jax_jit_epoch_{name}"]
        label = " → ".join(map(str, widths)) + ", epoch of 20,640 rows, Adam"
        rows.append((label, t, [fw.get(k) for k in keys], epoch_flops(widths, 20_640)))
    if "default" in wide:
        keys = ["pytorch_default_wide", "pytorch_1thread_wide", "jax_jit_wide"]
        rows.append(("256 → 512 → 512 → 1, one step, RMSprop", wide["default"], [fw.get(k) for k in keys],
                     epoch_flops((256, 512, 512, 1), 256)))
    for label, t, (torch, torch1, jax), flops in rows:
        cell = lambda v: f"{v * 1e3:.1f} ms" if v else "–"
        ratio = lambda v: f"{t / (v * 1e3):.2f}×" if v else "–"
        gflops = flops / (t / 1e3) / 1e9
        print(f"| {label} | {t:.1f} ms | {cell(torch)} | {cell(torch1)} | {cell(jax)} | {ratio(torch)} | "
              f"{ratio(jax)} | {gflops:.0f} | {gflops / peak[most]:.0%} |")


if __name__ == "__main__":
    main()
