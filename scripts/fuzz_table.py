#!/usr/bin/env python3
"""The campaign table of docs/fuzzing.md from libFuzzer logs: fuzz_table.py LOG... (one per target,
named campaign_TARGET.log or TARGET.log)."""
import os, re, sys

print("| target | executions | seconds | exec/s | coverage (cov / ft) | corpus kept | peak RSS | result |")
print("|---|---|---|---|---|---|---|---|")
for path in sys.argv[1:]:
    name = re.sub(r"^campaign_|\.log$", "", os.path.basename(path))
    text = open(path, errors="replace").read()
    def stat(key):
        m = re.findall(rf"^stat::{key}:\s*(\d+)", text, re.M)
        return int(m[-1]) if m else None
    done = re.findall(r"Done (\d+) runs in (\d+) second", text)
    last = re.findall(r"^#\d+\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)", text, re.M)
    cov, ft, corp = last[-1] if last else ("?", "?", "?")
    runs = stat("number_of_executed_units")
    secs = done[-1][1] if done else "?"
    bad = re.search(r"ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)[^\n]*", text)
    result = ("FAILED: " + bad.group(0)) if bad else ("clean" if done else "cut short")
    print(f"| `{name}` | {runs:,} | {secs} | {stat('average_exec_per_sec'):,} | {cov} / {ft} | {corp} | {stat('peak_rss_mb')} MB | {result} |")
