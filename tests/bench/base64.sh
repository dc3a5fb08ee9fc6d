#!/usr/bin/env bash
# Base64 benchmark: `streamfiles base64` against coreutils `base64 -w 0` (encode) and `base64 -d` (decode) on
# a 1 GiB random file from page cache, to a file and to /dev/null; wrapped text (76 columns) too; peak RSS
# of each streamfiles run; the outputs are checked to be byte-identical. Writes the "base64" section of
# docs/benchmarks.md.   Usage: bash tests/bench/base64.sh [--quick]
. "$(dirname "$0")/lib.sh"
bench_require hyperfine time
runs=5; mib=1024
if [ "${1:-}" = "--quick" ]; then runs=2; mib=128; fi
sf=$(bench_build_cli)
out=$BENCH_RESULTS/base64.md
bytes=$((mib * 1024 * 1024))
f=$BENCH_DIR/base64-$mib.bin
t=$BENCH_DIR/base64-$mib.b64
w=$BENCH_DIR/base64-$mib.w76.b64
bench_random_file "$f" "$mib"
[ -f "$t" ] && [ "$(stat -c %s "$t")" -eq $(( (bytes + 2) / 3 * 4 )) ] || base64 -w 0 "$f" > "$t"
[ -f "$w" ] || base64 -w 76 "$f" > "$w"
cat "$t" "$w" > /dev/null   # into the page cache
j=$BENCH_RESULTS/base64-$mib
o=$BENCH_DIR/base64-out
clean="rm -f $o.sf $o.cu $o.sf.partial"

# Both tools through the shell (coreutils needs the redirection); hyperfine subtracts the shell's start.
hyperfine --warmup 1 --runs "$runs" --prepare "$clean" --export-json "$j-encode.json" \
  "$sf base64 --no-progress $f $o.sf" "base64 -w 0 $f > $o.cu" >/dev/null
# --prepare also ran before the last coreutils run: make both outputs once more to compare them.
"$sf" base64 --no-progress "$f" "$o.sf"; base64 -w 0 "$f" > "$o.cu"
cmp "$o.sf" "$o.cu" || { echo "encoded outputs differ" >&2; exit 1; }
hyperfine --warmup 1 --runs "$runs" --prepare "$clean" --export-json "$j-decode.json" \
  "$sf base64 --no-progress -d $t $o.sf" "base64 -d $t > $o.cu" >/dev/null
"$sf" base64 --no-progress -d "$t" "$o.sf"
cmp "$o.sf" "$f" || { echo "decoded output differs" >&2; exit 1; }
eval "$clean"

hyperfine --warmup 1 --runs "$runs" --export-json "$j-encode-null.json" \
  "$sf base64 --no-progress $f - > /dev/null" "base64 -w 0 $f > /dev/null" >/dev/null
hyperfine --warmup 1 --runs "$runs" --export-json "$j-decode-null.json" \
  "$sf base64 --no-progress -d $t - > /dev/null" "base64 -d $t > /dev/null" >/dev/null
hyperfine --warmup 1 --runs "$runs" --export-json "$j-wrap-null.json" \
  "$sf base64 --no-progress -w 76 $f - > /dev/null" "base64 -w 76 $f > /dev/null" >/dev/null
hyperfine --warmup 1 --runs "$runs" --export-json "$j-unwrap-null.json" \
  "$sf base64 --no-progress -d $w - > /dev/null" "base64 -d $w > /dev/null" >/dev/null
[ "$("$sf" base64 -w 76 "$f" - | cmp - "$w" && echo same)" = same ] || { echo "wrapped output differs" >&2; exit 1; }

rss_encode=$(bench_peak_rss_kb "$sf" base64 --no-progress "$f" "$o.sf")
rss_decode=$(bench_peak_rss_kb "$sf" base64 --no-progress -d "$t" "$o.sf")
eval "$clean"

# Wall time on a busy machine swings with the other tenants; CPU time (user + sys) much less, so show both.
cpu_table() {
  python3 - "$@" <<'PY'
import json, sys
print("| command | wall (s) | user + sys (s) | CPU time vs. baseline |")
print("|---|---:|---:|---:|")
for path in sys.argv[1:]:
    results = json.load(open(path))["results"]
    base = results[1]["user"] + results[1]["system"]
    for r in results:
        cpu = r["user"] + r["system"]
        print(f"| `{r['command']}` | {r['mean']:.3f} | {cpu:.3f} | {cpu / base:.2f}x |")
PY
}
ratio() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(f\"{r[0]['mean']/r[1]['mean']:.2f}\")" "$1"; }
enc=$(ratio "$j-encode.json"); dec=$(ratio "$j-decode.json")
verdict() { python3 -c "import sys; print('met' if float(sys.argv[1]) <= 1.2 else 'NOT met')" "$1"; }
{
  echo "## Base64 (tests/bench/base64.sh)"
  echo
  echo "Machine: $(bench_machine), load average at the start $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "A $mib MiB random file and its base64 text read from page cache; hyperfine, $runs runs after a warm-up,"
  echo "outputs removed before each run (streamfiles writes OUTPUT.partial and renames it; coreutils writes"
  echo "through the shell's redirection). Every streamfiles output was checked byte-identical to coreutils'."
  echo "Throughput counts the binary bytes ($mib MiB). Baseline: coreutils (below 1.00x is faster)."
  echo
  echo "Encode to a file (\`base64 -w 0\`):"
  echo
  python3 "$BENCH_ROOT/tests/bench/hyperfine_table.py" "$bytes" 1 "$j-encode.json"
  echo
  echo "Decode to a file (\`base64 -d\`):"
  echo
  python3 "$BENCH_ROOT/tests/bench/hyperfine_table.py" "$bytes" 1 "$j-decode.json"
  echo
  echo "To /dev/null (conversion and reading only): encode, decode, encode wrapped at 76, decode 76-column text:"
  echo
  python3 "$BENCH_ROOT/tests/bench/hyperfine_table.py" "$bytes" 1 "$j-encode-null.json" "$j-decode-null.json" "$j-wrap-null.json" "$j-unwrap-null.json"
  echo
  echo "CPU time of the same runs (less sensitive to the machine's load than wall time):"
  echo
  cpu_table "$j-encode.json" "$j-decode.json" "$j-encode-null.json" "$j-decode-null.json" "$j-wrap-null.json" "$j-unwrap-null.json"
  echo
  echo "Peak RSS of streamfiles: $((rss_encode / 1024)) MiB encoding, $((rss_decode / 1024)) MiB decoding."
  echo
  echo "Targets: within 1.2x of coreutils to a file: encode ${enc}x ($(verdict "$enc")), decode ${dec}x ($(verdict "$dec"));"
  echo "peak RSS under 80 MiB: $( [ "$rss_encode" -lt 81920 ] && [ "$rss_decode" -lt 81920 ] && echo met || echo 'NOT met')."
  echo
} > "$out"
bench_write_section base64 "$out"
cat "$out"
