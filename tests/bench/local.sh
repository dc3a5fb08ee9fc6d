#!/usr/bin/env bash
# Local copy benchmark: `streamfiles send` (CRC32C checksum on, the default) against cp, rsync and rclone copy
# (with --checksum), same run: a 4 GiB random file, and a tree of 10,000 files of 64 KiB in 100 directories;
# sources in page cache, destinations removed and synced before every run; wall and CPU time (hyperfine) and
# peak RSS (GNU time) of every tool; copies checked byte-identical. Writes the "local" section of
# docs/benchmarks.md.   Usage: bash tests/bench/local.sh [--quick]
# The tree is copied twice: onto a fresh ext4 with a journal (mkfs.ext4 defaults, loop-mounted; needs root), and onto
# the file system of BENCH_DIR. Why: ext4 without a journal (this VM's root) skips every inode freed in the last
# minute when it allocates one, so right after the previous run's `rm -rf` each create scans thousands of them
# (ext4 recently_deleted(): 40 % of all samples of a tree copy here). That measures the deletion history, not the tool.
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

# The journaled ext4 for the tree (see the top): an 8 GiB sparse image, removed again at the end.
jfs=$BENCH_DIR/ext4-journal; jimg=$BENCH_DIR/ext4-journal.img; jloop=
cleanup_jfs() {
  if [ -n "$jloop" ]; then umount "$jfs" 2>/dev/null || true; losetup -d "$jloop" 2>/dev/null || true; fi
  rm -f "$jimg"
}
trap cleanup_jfs EXIT
if [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null && command -v losetup >/dev/null; then
  rm -f "$jimg"; truncate -s 8G "$jimg"; mkfs.ext4 -q -F "$jimg"; mkdir -p "$jfs"
  jloop=$(losetup --direct-io=on -f --show "$jimg" 2>/dev/null || losetup -f --show "$jimg" 2>/dev/null || true)
  if [ -z "$jloop" ] || ! mount "$jloop" "$jfs"; then
    echo "local.sh: could not mount a journaled ext4 image; the tree is copied onto $BENCH_DIR only" >&2
    [ -z "$jloop" ] || losetup -d "$jloop"; jloop=
  fi
fi
jdst=$jfs/dest
jprep="bash -c 'rm -rf $jdst/* && sync'"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

hyperfine -N --warmup 1 --runs "$runs" --prepare "$prep" --export-json "$j-large.json" \
  "$sf send --no-progress $f $dst/sf.bin" \
  "cp $f $dst/cp.bin" \
  "rsync --checksum $f $dst/rsync.bin" \
  "rclone copyto --checksum $f $dst/rclone.bin" \
  "$sf send --no-progress --checksum sha256 $f $dst/sf-sha256.bin" >/dev/null
tree_runs() {   # tree_runs DESTINATION PREPARE JSON
  hyperfine -N --warmup 1 --runs "$runs" --prepare "$2" --export-json "$3" \
    "$sf send --no-progress --recursive $tree $1/sf" \
    "cp -r $tree $1/cp" \
    "rsync -a --checksum $tree/ $1/rsync/" \
    "rclone copy --checksum $tree $1/rclone" >/dev/null
}
if [ -n "$jloop" ]; then
  mkdir -p "$jdst"
  tree_runs "$jdst" "$jprep" "$j-tree.json"
  tree_runs "$dst" "$prep" "$j-tree-rootfs.json"
  rm -rf "${jdst:?}"/* && sync
else
  tree_runs "$dst" "$prep" "$j-tree.json"
  rm -f "$j-tree-rootfs.json"
fi

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
  if [ -n "$jloop" ]; then
    echo "$files files of 64 KiB in $((files / 100)) directories (baseline: rsync), onto a fresh ext4 with a journal"
    echo "(mkfs.ext4 defaults, loop-mounted from an image on the same disk):"
  else
    echo "$files files of 64 KiB in $((files / 100)) directories (baseline: rsync), onto $(df --output=fstype "$dst" | tail -1) of $BENCH_DIR:"
  fi
  echo
  python3 "$BENCH_ROOT/tests/bench/hyperfine_table.py" "$((files * 65536))" 2 "$j-tree.json"
  echo
  if [ -f "$j-tree-rootfs.json" ]; then
    echo "The same tree onto the file system of $BENCH_DIR ($(df --output=fstype "$dst" | tail -1)$(grep -qs "^$(basename "$(df --output=source "$dst" | tail -1)")-" <(ls /proc/fs/jbd2 2>/dev/null) || echo ', no journal')), where"
    echo "every create first skips the inodes the previous run's rm -rf freed (see tests/bench/local.sh): not a target row."
    echo
    python3 "$BENCH_ROOT/tests/bench/hyperfine_table.py" "$((files * 65536))" 2 "$j-tree-rootfs.json"
    echo
  fi
  echo "CPU time of the same runs:"
  echo
  cpu_table "$j-large.json"
  cpu_table "$j-tree.json" | tail -n +3
  [ ! -f "$j-tree-rootfs.json" ] || cpu_table "$j-tree-rootfs.json" | tail -n +3
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
