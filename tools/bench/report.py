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
    }
    for key, label in extra.items():
        f = results / f"{key}.json"
        if f.exists():
            t = json.loads(f.read_text())["median"]["point_estimate"] / 1e6
            print(f"| {label} | {t:.3f} ms | {t / hand_epoch:.2f}× hand-fused |")
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

    sweeps = {f.stem[len("sweep_jobs_") :]: float(f.read_text()) for f in sorted(results.glob("sweep_jobs_*.txt"))}
    if "1" in sweeps and len(sweeps) > 1:
        jobs, t = max(((int(k), v) for k, v in sweeps.items()), key=lambda kv: kv[0])
        print("\n| sweep (compare_optimizers, 120 runs, median of 3) | wall time | speed-up |")
        print("| --- | ---: | ---: |")
        print(f"| --jobs 1 | {sweeps['1']:.2f} s | 1 |")
        print(f"| --jobs {jobs} | {t:.2f} s | {sweeps['1'] / t:.2f}× |")


if __name__ == "__main__":
    main()
