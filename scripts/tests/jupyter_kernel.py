"""The CoReg Jupyter kernel tested through real Jupyter clients (jupyter_client, nbclient,
jupyter_console). Run by scripts/tests/jupyter.sh, which makes the virtual environment, installs
the kernelspecs into a temporary prefix and sets JUPYTER_PATH; prints `ok NAME` / `FAIL NAME: why`
and a summary line `jupyter: N passed, M failed`.
"""
import copy
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

import nbformat
from jupyter_client.manager import KernelManager
from jupyter_client.session import Session
from nbclient import NotebookClient

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("COREG_BIN", os.path.join(ROOT, ".build/release/coreg"))
passed, failed = 0, 0


def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok", name, flush=True)
    else:
        failed += 1
        print("FAIL %s: %s" % (name, why), flush=True)


def run_cell(kc, code, timeout=60, **kw):
    """Executes code; returns (reply content, iopub messages of this request up to idle)."""
    msg_id = kc.execute(code, **kw)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    msgs = []
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
        msgs.append(m)
    return reply["content"], msgs


def of_type(msgs, t):
    return [m["content"] for m in msgs if m["msg_type"] == t]


def stdout(msgs):
    return "".join(c["text"] for c in of_type(msgs, "stream") if c["name"] == "stdout")


def start(name):
    km = KernelManager(kernel_name=name)
    km.start_kernel(cwd=ROOT)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    return km, kc


def test_execute(kc):
    r, msgs = run_cell(kc, 'print("hello", 1 + 1)\nlet keep = 42\nkeep * 2')
    check("execute-ok", r["status"] == "ok", r)
    check("execute-stdout", stdout(msgs) == "hello 2\n", repr(stdout(msgs)))
    res = of_type(msgs, "execute_result")
    check("execute-result", len(res) == 1 and res[0]["data"]["text/plain"] == "84", res)
    inputs = of_type(msgs, "execute_input")
    check("execute-input", len(inputs) == 1 and inputs[0]["code"].startswith("print"), inputs)
    n1 = r["execution_count"]
    r2, msgs2 = run_cell(kc, "keep")
    check("execution-count", r2["execution_count"] == n1 + 1 and of_type(msgs2, "execute_result")[0]["execution_count"] == n1 + 1,
          (n1, r2["execution_count"]))
    r3, msgs3 = run_cell(kc, "keep + 1", silent=True)
    check("silent", r3["status"] == "ok" and not of_type(msgs3, "execute_result") and not of_type(msgs3, "execute_input"), msgs3)
    r4, _ = run_cell(kc, "keep", store_history=False)
    check("store-history-false", r4["execution_count"] == n1 + 1, r4["execution_count"])
    t = run_cell(kc, "tensor([[1.0, 2.0], [3.0, 4.0]])")[1]
    data = of_type(t, "execute_result")[0]["data"]
    check("tensor-html", "text/html" in data and "3." in data["text/plain"], data)


def test_plot(kc):
    r, msgs = run_cell(kc, 'let fig = plot.line([1.0, 3.0, 2.0], title: "a line")\nprint("drawn")')
    d = of_type(msgs, "display_data")
    check("plot-display", r["status"] == "ok" and len(d) == 1 and "<svg" in d[0]["data"]["image/svg+xml"]
          and "text/plain" in d[0]["data"], d)
    r, msgs = run_cell(kc, "fig")
    res = of_type(msgs, "execute_result")
    check("plot-value", len(res) == 1 and "image/svg+xml" in res[0]["data"], res)


def test_error(kc):
    r, msgs = run_cell(kc, "let a = 1\nlet b = a + nope")
    errs = of_type(msgs, "error")
    tb = "\n".join(errs[0]["traceback"]) if errs else ""
    check("error-reply", r["status"] == "error" and r["ename"] in ("StaticError", "RuntimeError"), r)
    check("error-located", len(errs) == 1 and "In[%d]:2:" % r["execution_count"] in tb and "nope" in errs[0]["evalue"], tb)
    r, msgs = run_cell(kc, "fn boom(x) { return x / [1] }\nboom(2)")
    tb = "\n".join(of_type(msgs, "error")[0]["traceback"])
    check("error-traceback", r["status"] == "error" and "stack traceback" in tb and "boom" in tb, tb)
    r, msgs = run_cell(kc, "let = )")
    check("error-syntax", r["status"] == "error" and r["ename"] == "SyntaxError", r)
    r, _ = run_cell(kc, "keep")
    check("error-keeps-state", r["status"] == "ok", r)


def test_complete_inspect(kc):
    code = "data.lo"
    kc.complete(code, len(code))
    c = kc.get_shell_msg(timeout=10)["content"]
    full = [code[: c["cursor_start"]] + m for m in c["matches"]]
    check("complete-member", "data.loader" in full and c["cursor_end"] == len(code), c)
    code = "let kept_value = 1\nke"
    run_cell(kc, "let kept_value = 1")
    kc.complete(code, len(code))
    c = kc.get_shell_msg(timeout=10)["content"]
    check("complete-global", "kept_value" in c["matches"] and "keep" in c["matches"] and c["cursor_start"] == len(code) - 2, c)
    kc.inspect("data.loader(x)", 7)
    c = kc.get_shell_msg(timeout=10)["content"]
    check("inspect-member", c["found"] and "loader" in c["data"]["text/plain"], c)
    kc.inspect("no_such_thing", 3)
    c = kc.get_shell_msg(timeout=10)["content"]
    check("inspect-missing", c["status"] == "ok" and not c["found"], c)


def is_complete(kc, code):
    kc.is_complete(code)
    return kc.get_shell_msg(timeout=10)["content"]


def test_is_complete(kc):
    c = is_complete(kc, "fn f(x) {")
    check("is-complete-open", c["status"] == "incomplete" and "indent" in c, c)
    check("is-complete-done", is_complete(kc, "let z = 1")["status"] == "complete")
    check("is-complete-invalid", is_complete(kc, "let = )")["status"] == "invalid")


def test_history_comm(kc):
    kc.history(hist_access_type="tail", n=3)
    h = kc.get_shell_msg(timeout=10)["content"]
    check("history", h["status"] == "ok" and len(h["history"]) == 3 and all(len(e) == 3 for e in h["history"]), h)
    kc.comm_info()
    c = kc.get_shell_msg(timeout=10)["content"]
    check("comm-info", c["status"] == "ok" and c["comms"] == {}, c)
    kc.kernel_info()
    k = kc.get_shell_msg(timeout=10)["content"]
    li = k["language_info"]
    check("kernel-info", k["protocol_version"] >= "5.3" and li["name"] == "coreg" and li["file_extension"] == ".coreg"
          and li["mimetype"] and li["pygments_lexer"], k)


def test_progress(kc):
    r, msgs = run_cell(kc, "for i in 0..<30 {\n    sys.progress(\"steps\", i + 1, 30)\n    let t0 = sys.seconds()\n    while sys.seconds() - t0 < 0.02 { }\n}")
    shows = [m for m in msgs if m["msg_type"] in ("display_data", "update_display_data")]
    ids = {m["content"]["transient"]["display_id"] for m in shows}
    updates = of_type(msgs, "update_display_data")
    check("progress-in-place", r["status"] == "ok" and len(of_type(msgs, "display_data")) == 1 and len(ids) == 1
          and 1 <= len(updates) < 30 and "30/30" in updates[-1]["data"]["text/plain"], [m["msg_type"] for m in msgs][:10])


def test_interrupt(km, kc, name):
    run_cell(kc, "let before = 7")
    msg_id = kc.execute("var s = 0\nwhile true { s += 1 }")
    time.sleep(1.0)
    t0 = time.time()
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=10)
    dt = time.time() - t0
    c = reply["content"]
    check("interrupt-%s" % name, reply["parent_header"]["msg_id"] == msg_id and c["status"] == "error"
          and c["ename"] == "KeyboardInterrupt" and dt < 2.0, (c.get("ename"), dt))
    r, msgs = run_cell(kc, "before")
    check("interrupt-%s-keeps" % name, r["status"] == "ok" and of_type(msgs, "execute_result")[0]["data"]["text/plain"] == "7", r)
    # an interrupt while idle does not stop the next cell
    km.interrupt_kernel()
    time.sleep(0.3)
    r, _ = run_cell(kc, "var t = 0\nfor i in 0..<1000 { t += i }\nt")
    check("interrupt-%s-idle" % name, r["status"] == "ok", r)


def test_bad_signature(kc):
    bad = Session(key=b"not-the-key", username="mallory")
    msg = bad.msg("execute_request", {"code": "let hacked = 1", "silent": False, "store_history": True,
                                      "user_expressions": {}, "allow_stdin": False})
    bad.send(kc.shell_channel.socket, msg)
    time.sleep(1.0)
    got = []
    while True:
        try:
            got.append(kc.get_shell_msg(timeout=0.2))
        except Exception:
            break
    r, msgs = run_cell(kc, "hacked")
    check("bad-signature-ignored", not got and r["status"] == "error", (got, r.get("status")))
    r, _ = run_cell(kc, "1 + 1")
    check("bad-signature-still-serving", r["status"] == "ok", r)


def test_restart(km, kc):
    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=60)
    r, msgs = run_cell(kc, "before")
    check("restart-fresh", r["status"] == "error" and r["execution_count"] == 1, r)


def output_summary(cell):
    """What a cell showed, for comparing two runs: stream text by name, result text, error, figure types."""
    s = {"stdout": "", "stderr": "", "result": None, "figures": [], "error": None}
    for o in cell.get("outputs", []):
        t = o["output_type"]
        if t == "stream":
            s[o["name"]] += o["text"]
        elif t == "execute_result":
            s["result"] = o["data"].get("text/plain")
        elif t == "display_data":
            if o.get("metadata", {}).get("coreg", {}).get("progress"):
                continue
            s["figures"].append(sorted(o["data"].keys()))
        elif t == "error":
            s["error"] = (o["ename"], o["evalue"])
    return s


def test_notebooks(tmp):
    for src in sorted(glob.glob(os.path.join(ROOT, "scripts/notebooks/*.coreg"))):
        base = os.path.splitext(os.path.basename(src))[0]
        out = os.path.join(tmp, base + ".ipynb")
        p = subprocess.run([BIN, "notebook", src, "--to", "ipynb", "-o", out], cwd=ROOT, capture_output=True, text=True)
        if p.returncode != 0:
            check("notebook-%s-export" % base, False, p.stderr[-500:])
            continue
        rendered = nbformat.read(out, as_version=4)
        check("notebook-%s-kernelspec" % base, rendered.metadata.get("kernelspec", {}).get("name") == "coreg", rendered.metadata)
        fresh = copy.deepcopy(rendered)
        for c in fresh.cells:
            if c.cell_type == "code":
                c.outputs = []
                c.execution_count = None
        NotebookClient(fresh, timeout=600, kernel_name="coreg", resources={"metadata": {"path": ROOT}}).execute()
        code_a = [c for c in rendered.cells if c.cell_type == "code"]
        code_b = [c for c in fresh.cells if c.cell_type == "code"]
        diffs = []
        for i, (a, b) in enumerate(zip(code_a, code_b)):
            sa, sb = output_summary(a), output_summary(b)
            if sa != sb:
                diffs.append((i, sa, sb))
        check("notebook-%s-same-outputs" % base, len(code_a) == len(code_b) and not diffs, str(diffs)[:1500])


def test_console():
    """jupyter console (prompt_toolkit) on the installed kernelspec, under a pseudo-terminal: Enter
    after an open brace continues the cell (is_complete), and Ctrl-C stops a running cell."""
    import re
    import pexpect
    ansi = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
    jupyter = os.path.join(os.path.dirname(sys.executable), "jupyter")
    child = pexpect.spawn(jupyter, ["console", "--kernel", "coreg", "--no-confirm-exit"], cwd=ROOT, encoding="utf-8", timeout=60,
                          env=dict(os.environ, TERM="xterm"), dimensions=(40, 120))
    seen = [""]

    def wait_for(pattern, timeout=30):
        """Reads until the screen text (escape codes removed) since the last match holds pattern."""
        end = time.time() + timeout
        while time.time() < end:
            m = re.search(pattern, ansi.sub("", seen[0]))
            if m:
                seen[0] = ""
                return m
            try:
                seen[0] += child.read_nonblocking(4096, timeout=0.2)
            except pexpect.TIMEOUT:
                pass
        raise AssertionError("no %r in %r" % (pattern, ansi.sub("", seen[0])[-600:]))

    try:
        wait_for(r"In \[1\]: ")
        child.send("fn twice(x) {\r")
        wait_for(r"\.\.\.: ")
        child.send("return x * 2\r}\r")
        time.sleep(0.5)
        child.send("twice(21)\r")
        wait_for(r"Out\[2\]: 42")
        check("console-multiline", True)
        child.send("var n = 0\r")
        wait_for(r"In \[4\]: ")
        child.send("while true { n += 1 }\r")
        # the console relays Ctrl-C only once it is waiting for the cell (a busy machine can take a
        # while to get there): press it once a second until the cell reports the interrupt
        for _ in range(10):
            time.sleep(1.0)
            child.sendintr()
            try:
                wait_for(r"KeyboardInterrupt: the cell was interrupted", timeout=0.5)
                break
            except AssertionError:
                pass
        else:
            raise AssertionError("Ctrl-C did not interrupt the cell: %r" % ansi.sub("", seen[0])[-600:])
        child.send("twice(n > 0 ? 5 : 0)\r")
        wait_for(r"Out\[\d+\]: 10")
        check("console-interrupt", True)
        child.send(":quit\r")
        child.expect(pexpect.EOF, timeout=30)
        check("console-quit", True)
    except (AssertionError, pexpect.ExceptionPexpect) as e:
        check("console", False, str(e))
    finally:
        child.close(force=True)


def guarded(name, fn, *args):
    """Runs one test function; an exception (a client timeout, a dead kernel) is a failure, not a crash."""
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001
        check(name, False, "%s: %s" % (type(e).__name__, e))
        return None


def main():
    tmp = tempfile.mkdtemp()
    for name in ("coreg", "coreg-message"):
        started = guarded("start-" + name, start, name)
        if started is None:
            continue
        km, kc = started
        guarded("interrupt-" + name, test_interrupt, km, kc, name)
        if name == "coreg":
            for t in (test_execute, test_plot, test_error, test_complete_inspect, test_is_complete, test_history_comm,
                      test_progress, test_bad_signature):
                guarded(t.__name__, t, kc)
            guarded("restart", test_restart, km, kc)
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    guarded("notebooks", test_notebooks, tmp)
    guarded("console", test_console)
    print("jupyter: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
