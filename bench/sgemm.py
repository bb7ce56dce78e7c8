#!/usr/bin/env python3
"""numpy's float32 matrix product (sgemm of the BLAS numpy links) in GFLOP/s, 2 M K N per product, for the shapes
given as MxKxN (A is M x K, B is K x N). Threads: the BLAS's own variable (OPENBLAS_NUM_THREADS), set before this
starts. Prints the BLAS library the process loaded, then one line per shape:
`sgemm MxKxN gflops=X` (median over 5 timed blocks of about --seconds / 5 each, after a warm-up).

    OPENBLAS_NUM_THREADS=2 python3 bench/sgemm.py [--seconds 1] 2048x2048x2048 2450x144x32 ...
"""
import argparse
import re
import sys
import time

import numpy as np


def blas_library():
    """The BLAS shared library mapped into this process (after a product), e.g. .../libscipy_openblas64_-....so."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if line.split()[-1].startswith("/")}
    except OSError:
        return "unknown (no /proc/self/maps)"
    paths = {p for p in paths if "blas" in p.rsplit("/", 1)[-1].lower()}
    return ", ".join(sorted(p for p in paths if p.startswith("/"))) or "unknown"


def rate(m, k, n, seconds):
    rng = np.random.default_rng(1)
    a = rng.random((m, k), dtype=np.float32)
    b = rng.random((k, n), dtype=np.float32)
    c = np.empty((m, n), dtype=np.float32)
    for _ in range(3):
        np.matmul(a, b, out=c)
    reps = 1
    while True:  # reps per block: about seconds / 5
        t0 = time.perf_counter()
        for _ in range(reps):
            np.matmul(a, b, out=c)
        dt = time.perf_counter() - t0
        if dt >= seconds / 5 or reps >= 1 << 20:
            break
        reps *= 2
    rates = [2.0 * m * k * n * reps / dt / 1e9]
    for _ in range(4):
        t0 = time.perf_counter()
        for _ in range(reps):
            np.matmul(a, b, out=c)
        rates.append(2.0 * m * k * n * reps / (time.perf_counter() - t0) / 1e9)
    return sorted(rates)[2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=1.0, help="time per shape")
    ap.add_argument("shapes", nargs="+", help="MxKxN")
    args = ap.parse_args()
    shapes = []
    for s in args.shapes:
        m = re.fullmatch(r"(\d+)x(\d+)x(\d+)", s)
        if not m:
            print(f"error: shape {s} is not MxKxN; fix it, e.g. 2048x2048x2048", file=sys.stderr)
            sys.exit(2)
        shapes.append(tuple(int(v) for v in m.groups()))
    results = [(s, rate(*s, args.seconds)) for s in shapes]
    print(f"blas {blas_library()} (numpy {np.__version__})")
    for (m, k, n), g in results:
        print(f"sgemm {m}x{k}x{n} gflops={g:.1f}")


if __name__ == "__main__":
    main()
