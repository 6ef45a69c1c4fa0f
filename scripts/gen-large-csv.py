"""Write a large CSV of numeric features for the data and scaler benchmarks.

Usage: python3 scripts/gen-large-csv.py OUT.csv [SIZE_GB]

The columns mix magnitudes on purpose: a large offset with a small spread, values near
1e-13, a constant column, and Gaussian features. Needs numpy and pandas. The output is
about SIZE_GB gigabytes (default 1) and is never committed.
"""

import sys

import numpy as np
import pandas as pd

out = sys.argv[1]
target = float(sys.argv[2]) * 1e9 if len(sys.argv) > 2 else 1e9
rng = np.random.default_rng(2026)
chunk = 500_000
written = 0
first = True
with open(out, "w", newline="") as handle:
    while written < target:
        frame = pd.DataFrame(
            {
                "id": np.arange(chunk) + (0 if first else written),
                "timestamp_ms": 1.7e12 + rng.uniform(0, 10, chunk),
                "signal": rng.uniform(1e-13, 6e-13, chunk),
                "warmup_ratio": np.full(chunk, 2.675),
                "f1": rng.normal(0, 1, chunk),
                "f2": rng.normal(100, 15, chunk),
                "f3": rng.normal(-5e6, 3, chunk),
                "label": rng.choice(["cat", "dog", "bird"], chunk, p=[0.5, 0.3, 0.2]),
            }
        )
        text = frame.to_csv(index=False, header=first)
        handle.write(text)
        written += len(text.encode())
        first = False
print(f"wrote {written} bytes to {out}")
