import re, subprocess, sys, collections
data = sys.argv[1]
out = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "symbol", "-g", "none", "--stdio"],
                     capture_output=True, text=True).stdout
cats = collections.OrderedDict([
    ("augmentation and loading", r"augment|loader|crop|flip|cutout|dataset|rotate|shear|translate|posterize|solarize|equalize|contrast|brightness|sharpness"),
    ("GEMM micro-kernel", r"MicroKernel|microKernel"),
    ("GEMM packing and driver", r"gemmBlocked|gemmDispatch|packA|packB|edgeTile"),
    ("conv: im2col / col2im / gathers (forward and backward closures)", r"convForward|convBackward|im2col|col2im"),
    ("memmove / memset (copies, zero fills)", r"memmove|memset|memcpy"),
    ("pooling (max, adaptive avg)", r"maxPool2d|adaptiveAvgPool|avgPool"),
    ("batch norm (train) and fused BN+ReLU (eval)", r"batchNorm|channelAffine"),
    ("ReLU forward/backward", r"relu|Relu"),
    ("other elementwise, reductions, softmax, losses", r"binary|unary|logsumexp|softmax|exp|log|Reduc|sum|where|fill|Tensor|CoReg|Losses"),
    ("interpreter", r"Interpreter|Evaluator"),
    ("allocation (malloc, page faults, page clearing)", r"malloc|free|clear_page|page_fault|do_anonymous|mm_fault|BufferPool"),
    ("threads and kernel (scheduling, locks)", r"\[k\]|pthread|PoolState|ThreadPool|futex"),
])
tot = collections.Counter()
for line in out.splitlines():
    m = re.match(r"\s+([0-9.]+)%\s+(\S.*)", line)
    if not m: continue
    pct, sym = float(m.group(1)), m.group(2)
    for name, pat in cats.items():
        if re.search(pat, sym):
            tot[name] += pct; break
    else:
        tot["other"] += pct
print("| share of samples | family |\n|---|---|")
for name in list(cats) + ["other"]:
    print(f"| {tot[name]:.1f}% | {name} |")
