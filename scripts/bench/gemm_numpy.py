#!/usr/bin/env python3
"""numpy (OpenBLAS) float32 GEMM GFLOP/s for the shapes GEMMBench measures.

Threads follow OPENBLAS_NUM_THREADS, which must be set before numpy is imported, e.g.
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 python3 gemm_numpy.py
Shapes are M x K x N (C[M,N] = A[M,K] @ B[K,N]); pass e.g. `512x512x512` to choose others.
"""
import os
import sys
import time

import numpy as np

DEFAULT_SHAPES = [(256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048),
                  (131072, 576, 64), (32768, 1152, 128), (8192, 2304, 256)]


def bench(m, k, n, repeats):
    rng = np.random.default_rng(12345)
    a = rng.random((m, k), dtype=np.float32) - 0.5
    b = rng.random((k, n), dtype=np.float32) - 0.5
    c = np.empty((m, n), dtype=np.float32)
    np.matmul(a, b, out=c)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - t0)
    med = float(np.median(times))
    return med, 2.0 * m * n * k / med / 1e9


def main():
    args = sys.argv[1:]
    repeats = 9
    if args and args[0].startswith("--repeats="):
        repeats = int(args[0].split("=")[1])
        args = args[1:]
    shapes = [tuple(int(x) for x in s.split("x")) for s in args] or DEFAULT_SHAPES
    print(f"# numpy {np.__version__}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    for m, k, n in shapes:
        med, gf = bench(m, k, n, repeats)
        print(f"{m}x{k}x{n}\t{med * 1e3:.3f} ms\t{gf:.1f} GFLOP/s")


if __name__ == "__main__":
    main()
