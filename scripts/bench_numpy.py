#!/usr/bin/env python3
"""The speed benchmark's cases in numpy, the yardstick for `dln bench` and www/bench.html.

  python3 scripts/bench_numpy.py [SECONDS]     prints one JSON object, one entry per case

The cases, the data, the initialisation and the step are those of the numpy reference the
project is compared with (src/engine/bench.rs builds the same ones):

  rm8     8 one-hot items -> 16 hidden -> 36 features (the rm8 hierarchy)
  wide    100 -> 100 -> 100, 100 random examples
  deep    8 weight matrices of width 64, 64 one-hot items

Loss 1/2 sum ||Y - W_D..W_1 X||^2 (sum convention), plain backprop, learning rate 1e-3, weights
N(0, 1) * 0.1 / sqrt(fan-in). Timing follows src/engine/bench.rs: a warm-up that sizes batches to
about 5 ms, then batches for SECONDS (default 1); "best" is the fastest batch's rate and
"steps_per_second" the mean over the whole time. BLAS runs on one thread (as the Rust code does)
unless OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS) is set. Needs numpy (pip install numpy).
"""
import json
import os
import sys
import time

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402  (after the thread settings, which numpy reads on import)

RM8 = {
    "pine": "plant tree pine living green grow roots bark branches",
    "oak": "plant tree oak big living grow leaves roots bark branches",
    "rose": "plant flower rose pretty living red grow leaves roots petals",
    "daisy": "plant flower daisy pretty living yellow grow leaves roots petals",
    "robin": "animal bird robin living red grow move fly skin legs wings feathers",
    "canary": "animal bird canary pretty living yellow grow move fly sing skin legs wings feathers",
    "sunfish": "animal fish sunfish living yellow grow move swim skin scales gills",
    "salmon": "animal fish salmon big living red grow move swim skin scales gills",
}
FEATURES = ("plant animal tree flower bird fish pine oak rose daisy robin canary sunfish salmon pretty big "
            "living green red yellow grow move swim fly sing leaves roots skin legs bark branches petals "
            "wings feathers scales gills").split()
BATCH_SECONDS = 0.005


def rm8():
    Y = np.zeros((len(FEATURES), len(RM8)))
    for j, feats in enumerate(RM8.values()):
        for f in feats.split():
            Y[FEATURES.index(f), j] = 1.0
    return np.eye(len(RM8)), Y


def step(Ws, X, Y, eta):
    hs = [X]
    for W in Ws:
        hs.append(W @ hs[-1])
    delta = Y - hs[-1]
    for l in range(len(Ws) - 1, -1, -1):
        g = delta @ hs[l].T
        delta = Ws[l].T @ delta
        Ws[l] += eta * g


def rate(X, Y, dims, seconds):
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((o, i)) * 0.1 / np.sqrt(i) for i, o in zip(dims[:-1], dims[1:])]
    clock = time.perf_counter
    batch_seconds = min(BATCH_SECONDS, seconds / 10)
    batch, warm_start = 1, clock()
    while True:
        t0 = clock()
        for _ in range(batch):
            step(Ws, X, Y, 1e-3)
        t1 = clock()
        if t1 - warm_start >= seconds / 10:
            break
        if t1 - t0 < batch_seconds:
            batch *= 2
    steps, best = 0, 0.0
    start = t0 = clock()
    while steps < 5 or t0 - start < seconds:
        for _ in range(batch):
            step(Ws, X, Y, 1e-3)
        t1 = clock()
        steps += batch
        if t1 > t0:
            best = max(best, batch / (t1 - t0))
        t0 = t1
    return {"steps": steps, "seconds": round(t0 - start, 4), "steps_per_second": round(steps / (t0 - start), 1),
            "best": round(best, 1)}


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    rng = np.random.default_rng(1)
    X, Y = rm8()
    cases = {
        "rm8": (X, Y, [8, 16, 36]),
        "wide": (rng.standard_normal((100, 100)), rng.standard_normal((100, 100)), [100, 100, 100]),
        "deep": (np.eye(64), rng.standard_normal((64, 64)), [64] * 9),
    }
    out = {name: rate(*c, seconds) for name, c in cases.items()}
    out["numpy"] = np.__version__
    print(json.dumps(out))


if __name__ == "__main__":
    main()
