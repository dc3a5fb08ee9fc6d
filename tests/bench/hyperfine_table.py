"""Turns hyperfine JSON exports into a markdown table with throughput and ratios to a baseline command.

usage: hyperfine_table.py BYTES BASELINE_INDEX export.json [export.json ...]
Each export's first command is StreamFiles; ratios are mean time / baseline mean (lower is faster).
"""
import json
import sys

size = int(sys.argv[1])
baseline_index = int(sys.argv[2])
print("| command | mean (s) | ± (s) | throughput | time vs. baseline |")
print("|---|---:|---:|---:|---:|")
for path in sys.argv[3:]:
    results = json.load(open(path))["results"]
    base = results[baseline_index]["mean"]
    for r in results:
        gbps = size / r["mean"] / 1e9
        print(f"| `{r['command']}` | {r['mean']:.3f} | {r['stddev'] or 0:.3f} | {gbps:.2f} GB/s | {r['mean'] / base:.2f}x |")
