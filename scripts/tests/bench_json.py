#!/usr/bin/env python3
"""Checks the JSON lines of one `coreg bench … --json` run against the schema the benchmarks
promise (docs/performance.md): every line an object with `bench`, `threads`, `isa`, `cpu` and the
kind's own fields, numbers where numbers belong, and derived rates that agree with their inputs.

    coreg bench gemm --m 64 --n 48 --k 32 --json | scripts/tests/bench_json.py gemm
"""
import json, sys

kind = sys.argv[1]
lines = [l for l in sys.stdin.read().splitlines() if l.startswith("{")]
if not lines:
    sys.exit(f"bench {kind}: no JSON lines")
COMMON = {"bench": str, "isa": str, "cpu": str}
FIELDS = {
    "gemm": {"m": int, "n": int, "k": int, "threads": int, "median_s": float, "gflops": float},
    "conv": {"model": str, "layer": str, "batch": int, "threads": int, "forward_ms": float, "backward_ms": float,
             "forward_gflops": float, "backward_gflops": float},
    "train": {"model": str, "batch": int, "input": str, "threads": int, "train_images_per_s": float,
              "infer_images_per_s": float},
    "loader": {"data": str, "batch": int, "threads": int},
    "interp": {},
}
for l in lines:
    o = json.loads(l)
    for name, t in {**COMMON, **FIELDS[kind]}.items():
        if name not in o:
            sys.exit(f"bench {kind}: missing '{name}' in {l}")
        v = o[name]
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) if t in (int, float) else isinstance(v, t)
        if t is int and ok and int(v) != v:
            ok = False
        if not ok:
            sys.exit(f"bench {kind}: '{name}' should be {t.__name__}, got {v!r}")
    if o["isa"] not in ("generic", "avx2", "avx512"):
        sys.exit(f"bench {kind}: unknown isa {o['isa']!r}")
    if kind == "gemm":
        want = 2.0 * o["m"] * o["n"] * o["k"] / o["median_s"] / 1e9
        if abs(o["gflops"] - want) > 1e-6 * want:
            sys.exit(f"bench gemm: gflops {o['gflops']} is not 2·m·n·k / median_s ({want})")
    if kind == "train" and not (o["train_images_per_s"] > 0 and o["infer_images_per_s"] > 0):
        sys.exit(f"bench train: rates must be positive: {l}")
    if kind.startswith("interp") and not o["bench"].startswith("interp_"):
        sys.exit(f"bench interp: unexpected bench name {o['bench']!r}")
    if not kind.startswith("interp") and o["bench"] != kind:
        sys.exit(f"bench {kind}: bench is {o['bench']!r}")
print(f"bench {kind}: {len(lines)} line(s) ok")
