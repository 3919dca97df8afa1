#!/usr/bin/env python3
"""Records a REPL session under a pseudo-terminal and writes the screen text (escape sequences
removed) to docs/repl-session.txt.  Usage: scripts/capture_repl.py [path/to/coreg] [out.txt]"""
import os, pty, re, select, sys, time

coreg = sys.argv[1] if len(sys.argv) > 1 else ".build/release/coreg"
out_path = sys.argv[2] if len(sys.argv) > 2 else "docs/repl-session.txt"
steps = [
    ("let x = tensor([[1.0, 2.0], [3.0, 4.0]])\r", 0.3),
    ("x @ x.T\r", 0.3),
    ("x.mea\t(axis: 0)\r", 0.3),
    ("_ * 10\r", 0.3),
    ("fn mse(pred, target) {\r", 0.2),
    ("return ((pred - target) ** 2).mean()\r", 0.2),
    ("}\r", 0.3),
    ("mse(x, x + 0.5)\r", 0.3),
    ("?plot.hist\r", 0.3),
    ("plot.line({train: [1.0, 0.7, 0.5, 0.42, 0.38, 0.36], test: [1.1, 0.8, 0.66, 0.6, 0.58, 0.59]}, title: \"loss\")\r", 0.4),
    ("plot.bar([\"cat\", \"dog\", \"bird\"], [0.91, 0.78, 0.85], title: \"accuracy\")\r", 0.4),
    ("plot.images(rand(3, 1, 8, 8), captions: [\"a\", \"b\", \"c\"])\r", 0.4),
    ("undefined_thing + 1\r", 0.3),
    ("var i = 0; while true { i += 1 }\r", 0.8),
    ("\x03", 0.5),
    ("i > 0\r", 0.3),
    (":vars\r", 0.3),
    (":timeit mse(x, x)\r", 3.0),
    (":quit\r", 0.5),
]
pid, fd = pty.fork()
if pid == 0:
    env = dict(os.environ, TERM="xterm", NO_COLOR="1", COREG_HISTORY="")
    os.execve(coreg, [coreg], env)
buf = b""
def pump(t):
    global buf
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return
            if not data:
                return
            buf += data
pump(1.0)
for text, wait in steps:
    os.write(fd, text.encode())
    pump(wait)
pump(0.5)
os.waitpid(pid, 0)
s = buf.decode("utf-8", "replace")
s = re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]", "", s)
s = re.sub(r"\x1b[^\[]", "", s)
s = s.replace("\r", "").replace("\x07", "")
s = re.sub(r"[^\n]\x08", "", s)
open(out_path, "w").write(s)
print(s)
