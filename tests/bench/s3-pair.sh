#!/usr/bin/env bash
# Paired S3 downloads: one 1 GiB object (uploaded by the aws cli, 8 MiB parts) downloaded in turns by streamfiles
# at several settings and by rclone, round after round, recording for each run the wall time, the client's CPU
# (user and sys), its peak RSS, and the CPU the test server's processes (Ceph mon, OSD, RGW) used meanwhile.
# On two cores the client and the server share the CPU, so the server's share explains wall times that the
# client's CPU alone does not. s3.sh compares every peer; this script is for the download's settings.
# Writes the "s3-pair" section of docs/benchmarks.md.   Usage: bash tests/bench/s3-pair.sh [ROUNDS] (default 5)
#   env: S3_PAIR_MIB (1024) object size in MiB.
. "$(dirname "$0")/lib.sh"
bench_require time rclone awscli
rounds=${1:-5}; mib=${S3_PAIR_MIB:-1024}
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)

bench_s3_server

# The native AOT build when a C toolchain can link it (the leaner client), else the ReadyToRun one.
sf=$(bench_build_cli_native)
build="native AOT"
if [ -z "$sf" ]; then sf=$(bench_build_cli); build="ReadyToRun"; fi

# The server's processes: those of tests/s3-server (found by name, as a server started elsewhere has other pids).
server_pids=$(pgrep -x 'ceph-mon|ceph-osd|radosgw' | tr '\n' ' ')
[ -n "$server_pids" ] || { echo "s3-pair.sh: no ceph-mon, ceph-osd or radosgw process here to account the server's CPU" >&2; exit 1; }
tick=$(getconf CLK_TCK)
server_ticks() {
  local total=0 pid utime stime
  for pid in $server_pids; do
    read -r utime stime < <(cut -d' ' -f14,15 "/proc/$pid/stat")
    total=$((total + utime + stime))
  done
  echo "$total"
}

f=$BENCH_DIR/s3-$mib.bin
bench_random_file "$f" "$mib"
key=pair-$$/object.bin
/usr/bin/aws --endpoint-url "$endpoint" s3 cp --only-show-errors "$f" "s3://$bucket/$key"
download=$BENCH_DIR/s3-pair.bin
results=$BENCH_RESULTS/s3-pair.tsv
rm -f "$results"

# run NAME CMD...: one download, appended as NAME wall user sys rss server-cpu.
run() {
  local name=$1; shift
  rm -f "$download"
  sync
  local before after
  before=$(server_ticks)
  /usr/bin/time -f '%e %U %S %M' -o "$BENCH_DIR/s3-pair-time.txt" "$@" > "$BENCH_DIR/s3-pair-out.txt" 2>&1 || {
    echo "s3-pair.sh: $name failed:" >&2; cat "$BENCH_DIR/s3-pair-out.txt" >&2; exit 1; }
  after=$(server_ticks)
  cmp -s "$f" "$download" || { echo "s3-pair.sh: $name downloaded different bytes" >&2; exit 1; }
  read -r wall user sys rss < <(tail -1 "$BENCH_DIR/s3-pair-time.txt")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$wall" "$user" "$sys" "$rss" "$(echo "scale=2; ($after - $before) / $tick" | bc)" >> "$results"
}

sf_get() { run "$1" "$sf" receive --no-progress --force --endpoint-url "$endpoint" "${@:2}" "s3://$bucket/$key" "$download"; }
configs=(sf8 sf4 sf16 sf256 sfsha256 sfcrc64 rclone rclone8)
for round in $(seq "$rounds"); do
  # Each round starts one later in the list, so no setting always follows the same one.
  for i in "${!configs[@]}"; do
    config=${configs[$(( (i + round) % ${#configs[@]} ))]}
    case $config in
      sf8) sf_get "streamfiles (default)" ;;
      sf4) sf_get "streamfiles --concurrency 4" --concurrency 4 ;;
      sf16) sf_get "streamfiles --concurrency 16" --concurrency 16 ;;
      # rclone's layout for this object: 4 ranges of 256 MiB, one per stream.
      sf256) sf_get "streamfiles --part-size 256MiB --concurrency 4" --part-size 256MiB --concurrency 4 ;;
      # An ordered checksum (the hasher follows the download from the .partial), and S3's default checksum.
      sfsha256) sf_get "streamfiles --checksum sha256" --checksum sha256 ;;
      sfcrc64) sf_get "streamfiles --checksum crc64nvme" --checksum crc64nvme ;;
      rclone) run "rclone (default)" rclone copyto "$rclone_remote/$key" "$download" ;;
      rclone8) run "rclone --multi-thread-streams 8" rclone --multi-thread-streams 8 copyto "$rclone_remote/$key" "$download" ;;
    esac
  done
done
/usr/bin/aws --endpoint-url "$endpoint" s3 rm --quiet "s3://$bucket/$key" >/dev/null 2>&1 || true
rm -f "$download"

out=$BENCH_RESULTS/s3-pair.md
{
  echo "## Paired S3 downloads (tests/bench/s3-pair.sh)"
  echo
  echo "Machine: $(bench_machine). Server: the local single-node Ceph RGW of tests/s3-server on the same two cores."
  echo "One $mib MiB object (uploaded by the aws cli, 8 MiB parts) downloaded in turns, $rounds rounds, each setting once per"
  echo "round; medians. streamfiles is its $build build. Server CPU is what the Ceph processes (mon, OSD, RGW) used"
  echo "during each download (user+sys from /proc), and machine CPU is the client's and the server's together."
  echo "Load average when the run started: $load_at_start (1, 5, 15 min)."
  echo "Versions: $("$sf" --version 2>/dev/null | head -1 | sed 's/^/streamfiles /'), $(rclone version | head -1)."
  echo
  python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, wall, user, sys_, rss, server = line.rstrip("\n").split("\t")
    runs.setdefault(name, []).append((float(wall), float(user), float(sys_), int(rss), float(server)))
med = lambda v, i: statistics.median(r[i] for r in v)
base = runs.get("rclone (default)")
print("| Tool, setting | Wall (s) | Wall range (s) | Client CPU (s) | user | sys | Server CPU (s) | Machine CPU (s) | Peak RSS (MiB) | Wall vs rclone | Client CPU vs rclone |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for name, v in sorted(runs.items(), key=lambda item: (not item[0].startswith("streamfiles"), item[0] != "streamfiles (default)", item[0] != "rclone (default)", item[0])):
    wall, user, sys_, server = med(v, 0), med(v, 1), med(v, 2), med(v, 4)
    cpu = statistics.median(r[1] + r[2] for r in v)
    machine = statistics.median(r[1] + r[2] + r[4] for r in v)
    vs_wall = f"{wall / med(base, 0):.2f}x" if base else ""
    vs_cpu = f"{cpu / statistics.median(r[1] + r[2] for r in base):.2f}x" if base else ""
    print(f"| {name} | {wall:.2f} | {min(r[0] for r in v):.2f}-{max(r[0] for r in v):.2f} | {cpu:.2f} | {user:.2f} | {sys_:.2f} | {server:.2f} | {machine:.2f} | {max(r[3] for r in v) / 1024:.0f} | {vs_wall} | {vs_cpu} |")
PY
  echo
} > "$out"
bench_write_section s3-pair "$out"
cat "$out"
