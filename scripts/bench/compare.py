#!/usr/bin/env python3
"""Side-by-side benchmarks: CoReg vs numpy (OpenBLAS) for GEMM and vs PyTorch CPU (when
importable) for training and inference throughput, run alternately in one session so machine
noise hits both. Prints a Markdown table with medians and ratios (CoReg / reference).

    scripts/bench/compare.sh [--threads 1,2] [--rounds 3] [--only gemm|train] [--raw FILE]

--raw FILE appends every measurement, both sides, as one JSON object per line (with the commit,
the date, the thread count, the CPU and the kernel path), the artefact docs/bench/ keeps next to
each table.
"""
import argparse, datetime, json, os, platform, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COREG = os.path.join(ROOT, ".build", "release", "coreg")
GEMM_SHAPES = [(256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048),
               (131072, 576, 64), (32768, 1152, 128), (8192, 2304, 256)]
TRAIN_CASES = [("cnn_small", "1x28x28", 30), ("cnn_small", "3x32x32", 30), ("preact_resnet18", "3x32x32", 3)]


def env_for(threads):
    e = dict(os.environ)
    e.pop("OPENBLAS_CORETYPE", None)
    e.pop("OPENBLAS_L2_SIZE", None)
    e["OPENBLAS_NUM_THREADS"] = str(threads)
    e["OMP_NUM_THREADS"] = str(threads)
    e["COREG_THREADS"] = str(threads)
    return e


RAW = None          # the --raw file, when given
META = {}


def run_json(cmd, env, side="coreg"):
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    rows = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    if RAW:
        with open(RAW, "a") as f:
            for r in rows:
                f.write(json.dumps(dict(r, side=side, **META), sort_keys=True) + "\n")
    return rows


NUMPY_SNIPPET = """
import os, sys, time, numpy as np
m, k, n, reps = (int(x) for x in sys.argv[1:5])
rng = np.random.default_rng(1)
a = rng.random((m, k), dtype=np.float32) - 0.5; b = rng.random((k, n), dtype=np.float32) - 0.5
c = np.empty((m, n), dtype=np.float32); np.matmul(a, b, out=c)
ts = []
for _ in range(reps):
    t0 = time.perf_counter(); np.matmul(a, b, out=c); ts.append(time.perf_counter() - t0)
ts.sort(); med = ts[len(ts) // 2]
print('{"bench": "gemm", "m": %d, "n": %d, "k": %d, "threads": %s, "median_s": %f, "gflops": %f}'
      % (m, n, k, os.environ.get("OPENBLAS_NUM_THREADS", "0"), med, 2.0 * m * n * k / med / 1e9))
"""


def gemm_rows(threads, rounds, repeats_min):
    rows = []
    for (m, k, n) in GEMM_SHAPES:
        ours, ref = [], []
        # At least ~20 GFLOP of timed work per measurement: a few repeats of a 256³ product
        # (0.2 ms each on 2 threads) mostly time the second core waking up, on both sides.
        repeats = max(repeats_min, -(-20_000_000_000 // (2 * m * n * k)))
        for _ in range(rounds):
            ours += [r["gflops"] for r in run_json([COREG, "bench", "gemm", "--m", str(m), "--n", str(n), "--k", str(k),
                                                      "--threads", str(threads), "--repeats", str(repeats), "--json"], env_for(threads))]
            ref += [r["gflops"] for r in run_json([sys.executable, "-c", NUMPY_SNIPPET, str(m), str(k), str(n), str(repeats)],
                                                   env_for(threads), side="numpy")]
        a, b = statistics.median(ours), statistics.median(ref)
        rows.append(f"| gemm {m}×{k}×{n} | {threads} | {a:.1f} GFLOP/s | {b:.1f} GFLOP/s | {a / b:.2f} |")
        print(rows[-1], flush=True)
    return rows


def torch_available():
    return subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode == 0


def train_rows(threads, rounds):
    rows = []
    have_torch = torch_available()
    for model, inp, steps in TRAIN_CASES:
        ours_t, ours_i, ref_t, ref_i = [], [], [], []
        for _ in range(rounds):
            for r in run_json([COREG, "bench", "train", "--model", model, "--input", inp, "--threads", str(threads),
                               "--steps", str(steps), "--json"], env_for(threads)):
                ours_t.append(r["train_images_per_s"]); ours_i.append(r["infer_images_per_s"])
            if have_torch:
                for r in run_json([sys.executable, os.path.join(ROOT, "scripts", "bench", "torch_bench.py"), "--model", model,
                                   "--input", inp, "--threads", str(threads), "--steps", str(steps)], env_for(threads),
                                  side="torch"):
                    ref_t.append(r["train_images_per_s"]); ref_i.append(r["infer_images_per_s"])
        for kind, a, b in (("train", ours_t, ref_t), ("infer", ours_i, ref_i)):
            am = statistics.median(a)
            if b:
                bm = statistics.median(b)
                rows.append(f"| {model} {inp} {kind} | {threads} | {am:.0f} img/s | {bm:.0f} img/s | {am / bm:.2f} |")
            else:
                rows.append(f"| {model} {inp} {kind} | {threads} | {am:.0f} img/s | (torch not importable) | — |")
            print(rows[-1], flush=True)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=5, help="minimum timed repeats per GEMM measurement (more for small shapes)")
    ap.add_argument("--only", choices=["gemm", "train"])
    ap.add_argument("--raw", help="append every measurement as JSON lines to this file")
    ap.add_argument("--coreg", help="the coreg binary (default .build/release/coreg)")
    a = ap.parse_args()
    global RAW, COREG
    RAW = a.raw
    if a.coreg:
        COREG = os.path.abspath(a.coreg)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
    META.update(commit=commit + ("+dirty" if dirty else ""), date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                host_cpus=os.cpu_count(), machine=platform.machine())
    if not os.path.exists(COREG):
        sys.exit(f"{COREG} is missing: run `swift build -c release` first")
    print("| benchmark | threads | CoReg | reference | ratio |")
    print("|---|---|---|---|---|", flush=True)
    for t in (int(x) for x in a.threads.split(",")):
        if a.only in (None, "gemm"):
            gemm_rows(t, a.rounds, a.repeats)
        if a.only in (None, "train"):
            train_rows(t, a.rounds)


if __name__ == "__main__":
    main()
