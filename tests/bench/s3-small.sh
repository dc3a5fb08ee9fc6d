#!/usr/bin/env bash
# Many small files to S3: a directory of small files uploaded to a new prefix, then uploaded again to the same prefix
# with the unchanged files skipped, by streamfiles, rclone, the aws cli (/usr/bin/aws, Debian's) and s3cmd, against
# the local Ceph RGW (tests/s3-server) in one run: wall time, client CPU seconds (user+sys) and peak RSS of each.
# Here the cost per file (requests, and the client's work around each) matters, not bandwidth.
# Writes the "s3-small" section of docs/benchmarks.md.   Usage: bash tests/bench/s3-small.sh [ROUNDS] (default 3)
#   env: S3_SMALL_FILES (300) files, S3_SMALL_KIB (10) KiB each.
. "$(dirname "$0")/lib.sh"
bench_require time rclone awscli s3cmd
rounds=${1:-3}; files=${S3_SMALL_FILES:-300}; kib=${S3_SMALL_KIB:-10}
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)

bench_s3_server
host=${endpoint#*://}
s3cmd_flags=(--config=/dev/null "--access_key=$AWS_ACCESS_KEY_ID" "--secret_key=$AWS_SECRET_ACCESS_KEY" "--host=$host" "--host-bucket=$host" "--region=$AWS_REGION" --no-progress --no-ssl --quiet)
sf=$(bench_build_cli_native)
build="native AOT"
if [ -z "$sf" ]; then sf=$(bench_build_cli); build="ReadyToRun"; fi

# The files: in a directory and one below it, each of its own random bytes, made once.
tree=$BENCH_DIR/small-$files-$kib
if [ ! -d "$tree" ] || [ "$(find "$tree" -type f | wc -l)" -ne "$files" ]; then
  rm -rf "$tree"; mkdir -p "$tree/sub"
  for i in $(seq "$files"); do
    dir=$tree; [ $((i % 4)) -ne 0 ] || dir=$tree/sub
    head -c $((kib * 1024)) /dev/urandom > "$dir/f$i.bin"
  done
fi
prefix=small-$$
results=$BENCH_RESULTS/s3-small.tsv
rm -f "$results"

# measure SCENARIO NAME CMD...: one timed run (GNU time), appended as SCENARIO NAME wall user sys rss.
measure() {
  local scenario=$1 name=$2; shift 2
  /usr/bin/time -f '%e %U %S %M' -o "$BENCH_DIR/s3-small-time.txt" "$@" > "$BENCH_DIR/s3-small-out.txt" 2>&1 || {
    echo "s3-small.sh: $name ($scenario) failed:" >&2; tail -5 "$BENCH_DIR/s3-small-out.txt" >&2; exit 1; }
  read -r wall user sys rss < <(tail -1 "$BENCH_DIR/s3-small-time.txt")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$name" "$wall" "$user" "$sys" "$rss" >> "$results"
}

# count KEYPREFIX: how many objects are under it (each upload is checked to have made all of them).
count() { /usr/bin/aws --endpoint-url "$endpoint" s3 ls --recursive "s3://$bucket/$1" | wc -l; }

upload() {
  local tool=$1 scenario=$2 to=$3
  case $tool in
    streamfiles)
      if [ "$scenario" = new ]; then measure "$scenario" streamfiles "$sf" send -r --no-progress --endpoint-url "$endpoint" "$tree/" "s3://$bucket/$to/"
      else measure "$scenario" "streamfiles --skip-unchanged" "$sf" send -r --skip-unchanged --no-progress --endpoint-url "$endpoint" "$tree/" "s3://$bucket/$to/"; fi ;;
    rclone) measure "$scenario" "rclone copy" rclone copy "$tree/" "$rclone_remote/$to/" ;;
    aws)
      if [ "$scenario" = new ]; then measure "$scenario" "aws s3 cp --recursive" /usr/bin/aws --endpoint-url "$endpoint" s3 cp --recursive --only-show-errors "$tree/" "s3://$bucket/$to/"
      else measure "$scenario" "aws s3 sync" /usr/bin/aws --endpoint-url "$endpoint" s3 sync --only-show-errors "$tree/" "s3://$bucket/$to/"; fi ;;
    s3cmd)
      if [ "$scenario" = new ]; then measure "$scenario" "s3cmd put --recursive" s3cmd "${s3cmd_flags[@]}" put --recursive "$tree/" "s3://$bucket/$to/"
      else measure "$scenario" "s3cmd sync" s3cmd "${s3cmd_flags[@]}" sync "$tree/" "s3://$bucket/$to/"; fi ;;
  esac
}

for round in $(seq "$rounds"); do
  # The tools take turns in a different order each round.
  order="streamfiles rclone aws s3cmd"; [ $((round % 2)) -eq 1 ] || order="s3cmd aws rclone streamfiles"
  for tool in $order; do
    to=$prefix/$round-$tool
    upload "$tool" new "$to"
    n=$(count "$to/")
    [ "$n" -eq "$files" ] || { echo "s3-small.sh: $tool made $n objects under $to/, not $files" >&2; exit 1; }
    upload "$tool" again "$to"
  done
done
/usr/bin/aws --endpoint-url "$endpoint" s3 rm --quiet --recursive "s3://$bucket/$prefix/" >/dev/null 2>&1 || true

out=$BENCH_RESULTS/s3-small.md
{
  echo "## Many small files to S3 (tests/bench/s3-small.sh)"
  echo
  echo "Machine: $(bench_machine). Server: the local single-node Ceph RGW of tests/s3-server on the same two cores."
  echo "$files files of $kib KiB (a quarter of them in a subdirectory) uploaded to a new prefix (\"new\"), then to the same"
  echo "prefix again with the unchanged files skipped (\"again\"); $rounds rounds, the tools in turns; medians. streamfiles is"
  echo "its $build build at default settings. Load average when the run started: $load_at_start (1, 5, 15 min)."
  echo "Versions: $("$sf" --version 2>/dev/null | head -1 | sed 's/^/streamfiles /'), $(rclone version | head -1), $(/usr/bin/aws --version 2>&1 | cut -d' ' -f1), $(s3cmd --version)."
  echo
  python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    scenario, name, wall, user, sys_, rss = line.rstrip("\n").split("\t")
    runs.setdefault((scenario, name), []).append((float(wall), float(user) + float(sys_), int(rss)))
print("| Scenario | Tool | Wall (s) | Wall range (s) | Client CPU (s) | Peak RSS (MiB) | Wall vs best peer | CPU vs best peer |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for scenario in ("new", "again"):
    rows = {name: v for (s, name), v in runs.items() if s == scenario}
    med = {name: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v)) for name, v in rows.items()}
    peers = [m for name, m in med.items() if not name.startswith("streamfiles")]
    best_wall = min(m[0] for m in peers); best_cpu = min(m[1] for m in peers)
    for name, v in sorted(rows.items(), key=lambda item: (not item[0].startswith("streamfiles"), med[item[0]][0])):
        wall, cpu = med[name]
        print(f"| {scenario} | {name} | {wall:.2f} | {min(r[0] for r in v):.2f}-{max(r[0] for r in v):.2f} | {cpu:.2f} | {max(r[2] for r in v) / 1024:.0f} | {wall / best_wall:.2f}x | {cpu / best_cpu:.2f}x |")
PY
  echo
} > "$out"
bench_write_section s3-small "$out"
cat "$out"
