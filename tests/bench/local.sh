#!/usr/bin/env bash
# Local copy benchmark: `streamfiles send` (CRC32C checksum on, the default) against cp, rsync and rclone copy
# (with --checksum), same run: a 4 GiB random file, and a tree of 10,000 files of 64 KiB in 100 directories;
# sources in page cache, destinations removed and synced before every run; wall and CPU time (hyperfine) and
# peak RSS (GNU time) of every tool; copies checked byte-identical. Writes the "local" section of
# docs/benchmarks.md.   Usage: bash tests/bench/local.sh [--quick]
. "$(dirname "$0")/lib.sh"
bench_require hyperfine time rsync rclone
runs=5; mib=4096; files=10000
if [ "${1:-}" = "--quick" ]; then runs=2; mib=512; files=2000; fi
sf=$(bench_build_cli)
out=$BENCH_RESULTS/local.md
bytes=$((mib * 1024 * 1024))
f=$BENCH_DIR/local-$mib.bin
small=$BENCH_DIR/local-1024.bin
tree=$BENCH_DIR/local-tree-$files
dst=$BENCH_DIR/local-dest
j=$BENCH_RESULTS/local
export RCLONE_CONFIG=/dev/null   # no config file needed for local paths; keeps its notice quiet
bench_random_file "$f" "$mib"
bench_random_file "$small" 1024
if [ ! -d "$tree" ] || [ "$(find "$tree" -type f | wc -l)" -ne "$files" ]; then
  rm -rf "$tree"
  python3 - "$tree" "$files" <<'PY'
import os, sys
root, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    d = os.path.join(root, "dir%03d" % (i // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "file%05d.bin" % i), "wb") as out:
        out.write(os.urandom(64 * 1024))
PY
fi
find "$tree" -type f -exec cat {} + > /dev/null   # into the page cache
mkdir -p "$dst"
prep="bash -c 'rm -rf $dst/* && sync'"   # -N runs commands without a shell: give the glob one
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

hyperfine -N --warmup 1 --runs "$runs" --prepare "$prep" --export-json "$j-large.json" \
  "$sf send --no-progress $f $dst/sf.bin" \
  "cp $f $dst/cp.bin" \
  "rsync --checksum $f $dst/rsync.bin" \
  "rclone copyto --checksum $f $dst/rclone.bin" \
  "$sf send --no-progress --checksum sha256 $f $dst/sf-sha256.bin" >/dev/null
hyperfine -N --warmup 1 --runs "$runs" --prepare "$prep" --export-json "$j-tree.json" \
  "$sf send --no-progress --recursive $tree $dst/sf" \
  "cp -r $tree $dst/cp" \
  "rsync -a --checksum $tree/ $dst/rsync/" \
  "rclone copy --checksum $tree $dst/rclone" >/dev/null

# Every copy byte-identical, and peak memory of each tool.
rm -rf "${dst:?}"/* && sync
rss() { bench_peak_rss_kb "$@"; }
rss_sf_large=$(rss "$sf" send --no-progress "$f" "$dst/sf.bin"); cmp "$f" "$dst/sf.bin"
rss_sf_1g=$(rss "$sf" send --no-progress "$small" "$dst/sf-1g.bin"); cmp "$small" "$dst/sf-1g.bin"
rss_cp_large=$(rss cp "$f" "$dst/cp.bin")
rss_rsync_large=$(rss rsync --checksum "$f" "$dst/rsync.bin")
rss_rclone_large=$(rss rclone copyto --checksum "$f" "$dst/rclone.bin"); cmp "$f" "$dst/rclone.bin"
rm -rf "${dst:?}"/* && sync
rss_sf_tree=$(rss "$sf" send --no-progress --recursive "$tree" "$dst/sf"); diff -r "$tree" "$dst/sf"
rss_cp_tree=$(rss cp -r "$tree" "$dst/cp")
rss_rsync_tree=$(rss rsync -a --checksum "$tree/" "$dst/rsync/")
rss_rclone_tree=$(rss rclone copy --checksum "$tree" "$dst/rclone"); diff -r "$tree" "$dst/rclone"
rm -rf "${dst:?}"/* && sync

cpu_table() {
  python3 - "$@" <<'PY'
import json, sys
print("| command | wall (s) | ± (s) | user + sys (s) |")
print("|---|---:|---:|---:|")
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"| `{r['command']}` | {r['mean']:.3f} | {r['stddev'] or 0:.3f} | {r['user'] + r['system']:.3f} |")
PY
}
ratio() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(f\"{r[0]['mean']/r[int(sys.argv[2])]['mean']:.2f}\")" "$1" "$2"; }
large_cp=$(ratio "$j-large.json" 1)
tree_rsync=$(ratio "$j-tree.json" 2); tree_rclone=$(ratio "$j-tree.json" 3)
yes_no() { python3 -c "import sys; print('met' if float(sys.argv[1]) <= float(sys.argv[2]) else 'NOT met')" "$1" "$2"; }
{
  echo "## Local copies (tests/bench/local.sh)"
  echo
  echo "Machine: $(bench_machine), load average at the start $load_before, at the end $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Sources in page cache; before every run the destination is removed and \`sync\` flushes what the last run"
  echo "wrote (not timed). hyperfine, $runs runs after a warm-up. streamfiles computes CRC32C of every byte it reads"
  echo "(its default), rsync and rclone run with \`--checksum\`; every copy was checked byte-identical (cmp, diff -r)."
  echo
  echo "One $mib MiB file (baseline: cp):"
  echo
  python3 "$BENCH_ROOT/tests/bench/hyperfine_table.py" "$bytes" 1 "$j-large.json"
  echo
  echo "$files files of 64 KiB in $((files / 100)) directories (baseline: rsync):"
  echo
  python3 "$BENCH_ROOT/tests/bench/hyperfine_table.py" "$((files * 65536))" 2 "$j-tree.json"
  echo
  echo "CPU time of the same runs:"
  echo
  cpu_table "$j-large.json"
  cpu_table "$j-tree.json" | tail -n +3
  echo
  echo "Peak RSS (MiB): streamfiles $((rss_sf_large / 1024)) for $mib MiB, $((rss_sf_1g / 1024)) for 1024 MiB, $((rss_sf_tree / 1024)) for the tree;"
  echo "cp $((rss_cp_large / 1024)) / $((rss_cp_tree / 1024)), rsync $((rss_rsync_large / 1024)) / $((rss_rsync_tree / 1024)), rclone $((rss_rclone_large / 1024)) / $((rss_rclone_tree / 1024)) (large file / tree)."
  echo
  echo "Targets: large file within 1.25x of cp: ${large_cp}x ($(yes_no "$large_cp" 1.25)); tree faster than rsync"
  echo "(${tree_rsync}x, $(yes_no "$tree_rsync" 0.999)) and rclone (${tree_rclone}x, $(yes_no "$tree_rclone" 0.999)); peak RSS under 100 MiB"
  echo "and independent of the file size: $( [ "$rss_sf_large" -lt 102400 ] && [ "$rss_sf_tree" -lt 102400 ] && echo met || echo 'NOT met') ($((rss_sf_1g / 1024)) MiB for 1 GiB, $((rss_sf_large / 1024)) MiB for $mib MiB)."
  echo
} > "$out"
bench_write_section local "$out"
cat "$out"
