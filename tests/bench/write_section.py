"""Replaces one named section of docs/benchmarks.md, keeping the others (each script owns one)."""
import pathlib
import sys

doc, name, body_file = pathlib.Path(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])
begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
body = body_file.read_text().rstrip("\n")
text = doc.read_text() if doc.exists() else (
    "# Benchmarks\n\nEvery figure here comes from a script in tests/bench that runs StreamFiles and its peers on the\n"
    "same machine in the same run. Rerun one with `bash tests/bench/<name>.sh`; it rewrites its own section.\n")
block = f"{begin}\n{body}\n{end}"
if begin in text and end in text:
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    text = head + block + tail
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
doc.write_text(text)
