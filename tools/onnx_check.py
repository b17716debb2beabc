#!/usr/bin/env python3
"""Runs an ONNX graph written by `ndnet export` with onnxruntime on the rows of a CSV and
compares every output with what `ndnet predict` wrote for the same rows.

    python tools/onnx_check.py model.onnx rows.csv ndnet_predictions.csv [--tolerance 1e-5]

Feeds each graph input from the CSV column of its name: a double input gets the cell as a
number (NaN for a missing marker: empty, NA, N/A, #N/A, NaN, -NaN, nan(ind), null, ?, -, None; an ISO date as its days since
1970-01-01 UTC), a string input the cell trimmed. Prints one JSON line: the rows, the largest relative difference per output
(|a - b| / max(|a|, |b|)), labels and sets that differ; exits 1 when a difference passes the
tolerance or a label or set differs. A set that differs only by a label whose probability is
within the tolerance of the set threshold (a calibration row itself sits exactly on it) is
counted as `sets_at_the_threshold`, not as a difference. Needs numpy and onnxruntime (and onnx, for the checker).
"""
import argparse
import csv
import datetime
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort

MISSING = {"", "na", "n/a", "#n/a", "nan", "-nan", "nan(ind)", "null", "?", "-"}
CASED_MISSING = {"None"}
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def column(rows, header, name):
    if name not in header:
        sys.exit(f"error: the CSV has no column `{name}`, an input of the graph")
    j = header.index(name)
    return [r[j].strip() for r in rows]


def number(cell):
    """A double input's cell: a number, NaN for a missing marker, or an ISO date or date-time as
    its days since 1970-01-01 UTC (how a date column enters the graph)."""
    if cell.lower() in MISSING or cell in CASED_MISSING:
        return np.nan
    try:
        return float(cell)
    except ValueError:
        when = datetime.datetime.fromisoformat(cell.replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        return (when - EPOCH).total_seconds() / 86400.0


def relative(a, b):
    """The largest relative difference; infinite when one side is NaN and the other is not (a
    NaN difference never exceeds a tolerance, so it must not pass as one)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if not a.size:
        return 0.0
    if np.any(np.isnan(a) != np.isnan(b)):
        return float("inf")
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), np.finfo(np.float64).tiny)
    diff = np.where(same, 0.0, np.abs(a - b) / scale)
    return float(np.max(diff))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("rows")
    ap.add_argument("predictions")
    ap.add_argument("--tolerance", type=float, default=1e-5)
    args = ap.parse_args()

    onnx.checker.check_model(onnx.load(args.model), full_check=True)
    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    with open(args.rows, newline="") as f:
        table = list(csv.reader(f))
    header, rows = table[0], table[1:]
    feeds = {}
    for i in session.get_inputs():
        cells = column(rows, header, i.name)
        if i.type == "tensor(double)":
            values = [number(c) for c in cells]
            feeds[i.name] = np.array(values, dtype=np.float64).reshape(-1, 1)
        else:
            feeds[i.name] = np.array(cells, dtype=object).reshape(-1, 1)
    names = [o.name for o in session.get_outputs()]
    outputs = dict(zip(names, session.run(names, feeds)))

    with open(args.predictions, newline="") as f:
        expected = list(csv.reader(f))
    eh, er = expected[0], expected[1:]
    want = lambda name: column(er, eh, name)
    meta = {p.key: p.value for p in onnx.load(args.model).metadata_props}
    labels = json.loads(meta.get("labels", "[]"))
    report = {"rows": len(rows), "max_relative_difference": {}, "differing_labels": 0, "differing_sets": 0}
    for name, value in outputs.items():
        if name == "probabilities":
            for k, label in enumerate(labels):
                col = f"probability_{label}"
                report["max_relative_difference"][col] = relative(value[:, k], [float(v) for v in want(col)])
        elif name == "prediction_set":
            threshold = float(meta["set_threshold"])
            probabilities = outputs["probabilities"]
            report["sets_at_the_threshold"] = 0
            for i, (row, theirs) in enumerate(zip(value, want("prediction_set"))):
                ours = {l for l, inside in zip(labels, row) if inside > 0.5}
                differ = ours ^ set(theirs.split("|"))
                at_threshold = all(
                    abs(1.0 - probabilities[i, labels.index(l)] - threshold) <= args.tolerance for l in differ
                )
                if differ and at_threshold:
                    report["sets_at_the_threshold"] += 1
                elif differ:
                    report["differing_sets"] += 1
        elif value.dtype == object:
            got = [v.decode() if isinstance(v, bytes) else str(v) for v in value.reshape(-1)]
            report["differing_labels"] = sum(a != b for a, b in zip(got, want(name)))
        else:
            report["max_relative_difference"][name] = relative(value.reshape(-1), [float(v) for v in want(name)])
    largest = max(report["max_relative_difference"].values(), default=0.0)
    report["largest"] = largest
    print(json.dumps(report))
    if largest > args.tolerance or report["differing_labels"] or report["differing_sets"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
