# Splits gen/*.txt ("=== name" sections) into golden/<name>.coreg files.
import glob, os
here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "golden")
for path in sorted(glob.glob(os.path.join(here, "*.txt"))):
    name, lines = None, []
    def flush():
        if name:
            open(os.path.join(out, name + ".coreg"), "w").write("\n".join(lines).rstrip("\n") + "\n")
    for line in open(path).read().split("\n"):
        if line.startswith("=== "):
            flush(); name, lines = line[4:].strip(), []
        else:
            lines.append(line)
    flush()
