"""Faults as a user meets them (the hardening issue's item 4), each repeated and counted:

  repl-ctrl-c     Ctrl-C at the REPL during a training epoch, under a pseudo-terminal: back at the
                  prompt with "Interrupted." and the session's variables intact
  kill-save       kill -9 at a random moment while a script writes checkpoints in a loop: the
                  checkpoint on disk always loads, whole (the last one written, or the one before)
  kill-resume     kill -9 at a random moment during a Co-Reg run, then resume=: the checkpoint
                  always loads, and after all the kills the run ends with the uninterrupted run's
                  numbers, epoch for epoch
  full-disk       results and checkpoints written to a full tmpfs: a clear error naming the file
                  and "No space left", exit 74, and the previous file byte for byte intact
  bad-file        every `load` given a missing file (exit 66), a directory (66) and a truncated
                  file (65): the error names the file (and for truncation, what was expected)

    scripts/faults/run.sh [N]        # N repetitions each (default 100); prints the table
"""
import glob
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("COREG_BIN", os.path.join(ROOT, ".build/release/coreg"))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 100
rng = random.Random(0)
rows = []


def run(args, timeout=120, **kw):
    return subprocess.run([BIN] + args, cwd=ROOT, capture_output=True, text=True, timeout=timeout, **kw)


def record(name, ok, total, note=""):
    rows.append((name, ok, total, note))
    print("%-12s %d/%d %s" % (name, ok, total, note), flush=True)


def repl_ctrl_c(tmp):
    import pexpect
    child = pexpect.spawn(BIN, [], cwd=ROOT, encoding="utf-8", timeout=30,
                          env=dict(os.environ, TERM="dumb", NO_COLOR="1", COREG_HISTORY=""))
    prompt = "coreg> "
    child.expect_exact(prompt)
    setup = [
        "let keep = 12345",
        "let d = data.load(\"embedded\")",
        "let net = nn.model(\"cnn_small\", 1, 28, 10, seed: 0)",
        "let opt = optim.sgd(net.parameters(), 0.01, momentum: 0.9)",
        "let loader = data.loader(d.train, batch: 64, shuffle: true, views: [\"weak\"], preset: \"fmnist\")",
        "var steps = 0",
        "fn train_forever() { while true { for b in loader { let loss = (net(b.x).log_softmax(axis: 1) * b.labels.one_hot(10)).sum() * -1.0 / 64; opt.zero_grad(); loss.backward(); opt.step(); steps += 1 } } }",
    ]
    for line in setup:
        child.sendline(line)
        child.expect_exact(prompt)
    ok = 0
    last_steps = 0
    for i in range(N):
        child.sendline("train_forever()")
        time.sleep(rng.uniform(0.3, 1.0))
        child.sendintr()
        try:
            child.expect_exact("Interrupted.", timeout=10)
            child.expect_exact(prompt, timeout=10)
            child.sendline("print(keep, steps)")
            child.expect(r"12345 (\d+)", timeout=10)
            steps = int(child.match.group(1))
            child.expect_exact(prompt, timeout=10)
            if steps > last_steps:
                ok += 1
            last_steps = steps
        except pexpect.ExceptionPexpect:
            child.close(force=True)
            record("repl-ctrl-c", ok, N, "the REPL stopped answering at try %d" % (i + 1))
            return
    child.sendline(":quit")
    child.expect(pexpect.EOF, timeout=10)
    record("repl-ctrl-c", ok, N, "training ran between interrupts (%d steps in all)" % last_steps)


SAVE_LOOP = """
arg dir = "out"
let net = nn.model("cnn_small", 1, 28, 10, seed: 0)
var k = 0
while true {
    k += 1
    io.save_checkpoint(dir + "/ck.safetensors", models = {net: net}, values = {k: k})
}
"""
LOAD_ONE = """
arg dir = "out"
let net = nn.model("cnn_small", 1, 28, 10, seed: 0)
let ck = io.load_checkpoint(dir + "/ck.safetensors", models = {net: net})
print("k", ck.values.k)
"""


def kill_save(tmp):
    d = os.path.join(tmp, "save")
    os.makedirs(d)
    open(os.path.join(d, "loop.coreg"), "w").write(SAVE_LOOP)
    open(os.path.join(d, "load.coreg"), "w").write(LOAD_ONE)
    ok, ks, torn = 0, [], 0
    for i in range(N):
        p = subprocess.Popen([BIN, "run", os.path.join(d, "loop.coreg"), "dir=" + d], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # the first kill comes after the first save; the others at random moments of the loop
        time.sleep(rng.uniform(1.5, 2.0) if i == 0 else rng.uniform(0.4, 1.2))
        p.send_signal(signal.SIGKILL)
        p.wait()
        r = run(["run", os.path.join(d, "load.coreg"), "dir=" + d])
        if r.returncode == 0 and r.stdout.startswith("k "):
            ok += 1
            ks.append(int(r.stdout.split()[1]))
        # a kill during a write leaves its temporary file (the checkpoint itself is never torn)
        for f in os.listdir(d):
            if f not in ("loop.coreg", "load.coreg", "ck.safetensors"):
                torn += 1
                os.remove(os.path.join(d, f))
    record("kill-save", ok, N, "the checkpoint loaded, whole, after every kill (saves reached before a kill: median %d); "
           "%d kills fell inside a write and left only a temporary file" % (sorted(ks)[len(ks) // 2] if ks else 0, torn))


def kill_resume(tmp):
    d = os.path.join(tmp, "resume")
    os.makedirs(d)
    sub = os.path.join(d, "s.npy")
    run(["run", "scripts/data/make_subset.coreg", "data=embedded", "n=200", "out=" + sub])
    E = N + 40   # enough epochs that the run is still going at the N-th kill
    base = ["run", "scripts/coreg.coreg", "data=embedded", "subset=" + sub, "epochs=%d" % E, "warmup=2", "batch=32",
            "queue=64", "dim=16", "start_cont=0", "threads=1", "eval_every=1"]
    straight = os.path.join(d, "straight")
    t0 = time.time()
    r = run(base + ["out=" + straight], timeout=900)
    per_epoch = (time.time() - t0) / E
    if r.returncode != 0:
        record("kill-resume", 0, N, "the uninterrupted run failed: " + r.stderr[-300:])
        return
    load_ck = os.path.join(d, "load_ck.coreg")
    open(load_ck, "w").write(LOAD_CK)
    cut = os.path.join(d, "cut")
    loads, kills = 0, 0
    started = False
    resumed_at = []
    while kills < N:
        args = base + ["out=" + cut] + (["resume=" + cut] if started else [])
        p = subprocess.Popen([BIN] + args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # start-up (the data, two networks) plus up to about two epochs: most kills land in an epoch,
        # some in the checkpoint write at its end
        time.sleep(rng.uniform(1.0, 1.0 + 2 * per_epoch))
        if p.poll() is not None:
            out = p.stdout.read()
            if p.returncode == 0:
                break   # the run finished before it could be killed again
            record("kill-resume", loads, kills, "a resumed run failed: " + out[-300:])
            return
        p.send_signal(signal.SIGKILL)
        p.wait()
        out = p.stdout.read()
        p.stdout.close()
        resumed_at.extend(int(x) for x in __import__("re").findall(r"at epoch (\d+)", out))
        kills += 1
        if os.path.exists(os.path.join(cut, "checkpoint.safetensors")):
            started = True
            loads += run(["run", load_ck, "dir=" + cut]).returncode == 0
        else:
            loads += 1 if not started else 0   # killed before its first checkpoint: it starts afresh
    if not os.path.exists(os.path.join(cut, "results.json")):
        r = run(base + ["out=" + cut, "resume=" + cut], timeout=900)
    a = json.load(open(os.path.join(straight, "log.json")))
    b = json.load(open(os.path.join(cut, "log.json")))
    strip = lambda rows: [{k: v for k, v in row.items() if k != "seconds"} for row in rows]

    def close(x, y):
        # rows from before a kill went through JSON once more: floats equal to 12 digits (as in
        # scripts/tests/coreg_resume.coreg); everything else exactly
        if isinstance(x, float) and isinstance(y, float):
            return abs(x - y) <= 1e-12 * max(1.0, abs(x))
        return x == y
    sa, sb = strip(a), strip(b)
    same = len(sa) == len(sb) and all(set(ra) == set(rb) and all(close(ra[k], rb[k]) for k in ra) for ra, rb in zip(sa, sb))
    if not same:
        for i in range(max(len(sa), len(sb))):
            ra = sa[i] if i < len(sa) else {}
            rb = sb[i] if i < len(sb) else {}
            keys = sorted(k for k in set(ra) | set(rb) if not close(ra.get(k), rb.get(k)))
            if keys:
                print("  kill-resume: first difference at row %d (epochs %s / %s): %s" %
                      (i, ra.get("epoch"), rb.get("epoch"), ", ".join("%s %r/%r" % (k, ra.get(k), rb.get(k)) for k in keys[:6])))
                break
        print("  kill-resume: resumed at epochs", resumed_at)
    record("kill-resume", loads if same else 0, kills,
           "killed %d times at random moments; every checkpoint loaded; %s" %
           (kills, "the resumed run's %d epochs equal the uninterrupted run's" % len(a) if same else "THE LOGS DIFFER"))


LOAD_CK = """
arg dir = "out"
let ck = io.load_checkpoint(dir + "/checkpoint.safetensors")
print("epoch", ck.values.epoch)
"""


def full_disk(tmp):
    mnt = os.path.join(tmp, "full")
    os.makedirs(mnt)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mnt], capture_output=True).returncode != 0:
        record("full-disk", 0, 0, "not run: mounting a tmpfs needs root")
        return
    try:
        script = os.path.join(tmp, "fill.coreg")
        open(script, "w").write("""
arg path = "x"
arg kind = "json"
arg n = 10
if kind == "json" { io.write_json(path, {values: [1.5] * n}) }
if kind == "checkpoint" { io.save_checkpoint(path, tensors = {w: randn(n)}, values = {n: n}) }
if kind == "text" { io.write_text(path, "x" * n) }
""")
        ok = 0
        kinds = ["json", "checkpoint", "text"]
        for i in range(N):
            kind = kinds[i % 3]
            path = os.path.join(mnt, "f%d.%s" % (i % 3, {"json": "json", "checkpoint": "safetensors", "text": "txt"}[kind]))
            small = run(["run", script, "path=" + path, "kind=" + kind, "n=%d" % (10 + i)])
            if small.returncode != 0:
                continue
            before = hashlib.sha256(open(path, "rb").read()).hexdigest()
            big = run(["run", script, "path=" + path, "kind=" + kind, "n=%d" % (400_000 if kind != "text" else 2_000_000)])
            after = hashlib.sha256(open(path, "rb").read()).hexdigest()
            tmpfiles = [f for f in os.listdir(mnt) if not f.startswith("f")]
            msg = big.stderr
            if (big.returncode == 74 and "No space left" in msg and os.path.basename(path) in msg and before == after
                    and not tmpfiles):
                ok += 1
            elif i < 3:
                print("full-disk %s: rc %d, %r, intact %s, left %s" % (kind, big.returncode, msg[-300:], before == after, tmpfiles))
        record("full-disk", ok, N, "JSON, checkpoint and text writes to a 512 KiB tmpfs")
    finally:
        subprocess.run(["umount", mnt])


def bad_files(tmp):
    d = os.path.join(tmp, "files")
    os.makedirs(d)
    make = os.path.join(d, "make.coreg")
    open(make, "w").write("""
arg dir = "x"
let x = randn(40, 7)
io.save_npy(dir + "/a.npy", x)
io.save_npz(dir + "/a.npz", {x: x, y: arange(40).int()})
io.save_safetensors(dir + "/a.safetensors", {x: x})
let net = nn.model("mlp", 1, 4, 3, seed: 0)
io.save_checkpoint(dir + "/a.ckpt", models = {net: net}, values = {epoch: 3})
io.write_json(dir + "/a.json", {a: [1, 2, 3], b: "text"})
io.write_text(dir + "/a.txt", "hello")
""")
    r = run(["run", make, "dir=" + d])
    assert r.returncode == 0, r.stderr
    loads = {
        "a.npy": 'io.load_npy(p)',
        "a.npz": 'io.load_npz(p)',
        "a.safetensors": 'io.load_safetensors(p)',
        "a.ckpt": 'io.load_checkpoint(p, models = {net: nn.model("mlp", 1, 4, 3, seed: 0)})',
        "a.json": 'io.read_json(p)',
        "data-npz": 'data.load("npz:" + p)',
    }
    ok, total, notes = 0, 0, []
    for name, expr in loads.items():
        src = "a.npz" if name == "data-npz" else name
        good = os.path.join(d, src)
        size = os.path.getsize(good)
        script = os.path.join(d, "load_%s.coreg" % name.replace(".", "_"))
        open(script, "w").write('arg p = "x"\nlet v = %s\nprint("loaded")\n' % expr)
        cases = [("missing", os.path.join(d, "none_" + src), 66), ("directory", d, 66)]
        # (a JSON file without its final newline is still whole)
        cuts = sorted(set([1, 8, size // 3, size // 2, size - (2 if src.endswith(".json") else 1)]))
        for c in cuts:
            t = os.path.join(d, "cut%d_%s" % (c, src))
            open(t, "wb").write(open(good, "rb").read()[:c])
            cases.append(("truncated at %d of %d bytes" % (c, size), t, 65))
        for what, path, want in cases:
            total += 1
            r = run(["run", script, "p=" + path])
            named = os.path.basename(path) in r.stderr
            located = (script.split("/")[-1] + ":2:") in r.stderr
            if r.returncode == want and named and located and "loaded" not in r.stdout:
                ok += 1
            else:
                notes.append("%s %s: rc %d (want %d) %r" % (name, what, r.returncode, want, r.stderr.strip().split("\n")[0][:160]))
    for n in notes[:12]:
        print("  bad-file:", n)
    record("bad-file", ok, total, "npy, npz, safetensors, checkpoint, JSON, npz dataset: missing, a directory, 5 truncations each")


def main():
    tmp = tempfile.mkdtemp()
    try:
        only = os.environ.get("FAULTS", "repl-ctrl-c,kill-save,kill-resume,full-disk,bad-file").split(",")
        for name, fn in [("repl-ctrl-c", repl_ctrl_c), ("kill-save", kill_save), ("kill-resume", kill_resume),
                         ("full-disk", full_disk), ("bad-file", bad_files)]:
            if name in only:
                fn(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n| fault | passed | note |\n|---|---|---|")
    for name, ok, total, note in rows:
        print("| %s | %d/%d | %s |" % (name, ok, total, note))
    sys.exit(0 if all(ok == total and total > 0 for _, ok, total, _ in rows) else 1)


if __name__ == "__main__":
    main()
