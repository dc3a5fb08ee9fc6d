#!/usr/bin/env bash
# S3 benchmark: uploads and downloads of 1 GiB and 4 GiB files against the local Ceph RGW (tests/s3-server) with
# streamfiles, rclone, the aws cli (/usr/bin/aws, Debian's) and s3cmd, in one run: wall time, client CPU seconds
# (user+sys) and peak RSS of each. Every tool downloads the same object (made by the aws cli: 8 MiB parts).
# streamfiles runs twice: as README.md installs it (ReadyToRun) and as its opt-in native AOT build (when a C toolchain
# is here to build it).
# Writes the "s3" section of docs/benchmarks.md.   Usage: bash tests/bench/s3.sh [--quick]
#   env: S3_BENCH_SIZES ("1024 4096" MiB), S3_BENCH_DIRECTIONS ("upload download"), S3_BENCH_APPEND=1 to add to the
#        previous run's measurements instead of starting over (more runs of one direction; medians cover them all),
#        S3_BENCH_RUNS_4G (1) runs of the 4 GiB file.
# Run it on a quiet machine: on two cores the client and the server share the CPU.
. "$(dirname "$0")/lib.sh"
bench_require time rclone awscli s3cmd
sizes=${S3_BENCH_SIZES:-1024 4096}; runs=3; directions=${S3_BENCH_DIRECTIONS:-upload download}
if [ "${1:-}" = "--quick" ]; then sizes="256"; runs=1; fi
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)

bench_s3_server
host=${endpoint#*://}
s3cmd_flags=(--config=/dev/null "--access_key=$AWS_ACCESS_KEY_ID" "--secret_key=$AWS_SECRET_ACCESS_KEY" "--host=$host" "--host-bucket=$host" "--region=$AWS_REGION" --no-progress --no-ssl)
sf=$(bench_build_cli)
sf_native=$(bench_build_cli_native)
prefix=bench-$$
download=$BENCH_DIR/s3-download.bin

# measure NAME DIRECTION MIB CMD...: one timed run (GNU time), appended to the results as a TSV line.
measure() {
  local name=$1 direction=$2 mib=$3; shift 3
  rm -f "$download"
  sync
  /usr/bin/time -f '%e %U %S %M' -o "$BENCH_DIR/s3-time.txt" "$@" > "$BENCH_DIR/s3-out.txt" 2>&1 || {
    echo "s3.sh: $name $direction failed:" >&2; cat "$BENCH_DIR/s3-out.txt" >&2; exit 1; }
  read -r wall user sys rss < <(tail -1 "$BENCH_DIR/s3-time.txt")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$direction" "$mib" "$wall" "$user" "$sys" "$rss" >> "$BENCH_RESULTS/s3.tsv"
}

remove() { /usr/bin/aws --endpoint-url "$endpoint" s3 rm --quiet --recursive "s3://$bucket/$prefix/" >/dev/null 2>&1 || true; bench_s3_gc; }

[ -n "${S3_BENCH_APPEND:-}" ] || rm -f "$BENCH_RESULTS/s3.tsv"
turn=0
for mib in $sizes; do
  f=$BENCH_DIR/s3-$mib.bin
  bench_random_file "$f" "$mib"
  # Three runs of 1 GiB, one of 4 GiB: the whole script stays near twenty minutes.
  size_runs=$runs; [ "$mib" -lt 4096 ] || size_runs=1
  [ "$mib" -lt 4096 ] || [ -z "${S3_BENCH_RUNS_4G:-}" ] || size_runs=$S3_BENCH_RUNS_4G
  for run in $(seq "$size_runs"); do
    # Uploads, each to a fresh key, removed again so the test server's disk never fills.
    # The tools take turns in a different order each run (the first one after an upload may meet a busier server).
    turn=$((turn + 1)); order="streamfiles native rclone aws s3cmd"; [ $((turn % 2)) -eq 1 ] || order="s3cmd aws rclone native streamfiles"
    [ -n "$sf_native" ] || order=${order/native /}
    if [[ " $directions " == *" upload "* ]]; then
      for tool in $order; do
        case $tool in
          streamfiles) measure streamfiles upload "$mib" "$sf" send --no-progress --force --endpoint-url "$endpoint" "$f" "s3://$bucket/$prefix/sf.bin" ;;
          native) measure "streamfiles (native AOT)" upload "$mib" "$sf_native" send --no-progress --force --endpoint-url "$endpoint" "$f" "s3://$bucket/$prefix/sf-native.bin" ;;
          rclone) measure rclone upload "$mib" rclone copyto "$f" "$rclone_remote/$prefix/rclone.bin" ;;
          aws) measure "aws s3 cp" upload "$mib" /usr/bin/aws --endpoint-url "$endpoint" s3 cp --only-show-errors "$f" "s3://$bucket/$prefix/aws.bin" ;;
          s3cmd) measure s3cmd upload "$mib" s3cmd "${s3cmd_flags[@]}" put "$f" "s3://$bucket/$prefix/s3cmd.bin" ;;
        esac
        remove
      done
    fi
    [[ " $directions " == *" download "* ]] || continue

    # Downloads of one object, uploaded by the aws cli (8 MiB parts, the layout most tools make).
    /usr/bin/aws --endpoint-url "$endpoint" s3 cp --only-show-errors "$f" "s3://$bucket/$prefix/object.bin"
    for tool in $order; do
      case $tool in
        streamfiles)
          measure streamfiles download "$mib" "$sf" receive --no-progress --force --endpoint-url "$endpoint" "s3://$bucket/$prefix/object.bin" "$download"
          cmp -s "$f" "$download" || { echo "s3.sh: streamfiles downloaded different bytes" >&2; exit 1; } ;;
        native)
          measure "streamfiles (native AOT)" download "$mib" "$sf_native" receive --no-progress --force --endpoint-url "$endpoint" "s3://$bucket/$prefix/object.bin" "$download"
          cmp -s "$f" "$download" || { echo "s3.sh: streamfiles (native AOT) downloaded different bytes" >&2; exit 1; } ;;
        rclone) measure rclone download "$mib" rclone copyto "$rclone_remote/$prefix/object.bin" "$download" ;;
        aws) measure "aws s3 cp" download "$mib" /usr/bin/aws --endpoint-url "$endpoint" s3 cp --only-show-errors "s3://$bucket/$prefix/object.bin" "$download" ;;
        s3cmd) measure s3cmd download "$mib" s3cmd "${s3cmd_flags[@]}" get --force "s3://$bucket/$prefix/object.bin" "$download" ;;
      esac
    done
    remove
  done
done
rm -f "$download"

out=$BENCH_RESULTS/s3.md
{
  echo "## S3 upload and download (tests/bench/s3.sh)"
  echo
  echo "Machine: $(bench_machine). Server: the local single-node Ceph RGW of tests/s3-server on the same two cores"
  echo "(client and server share the CPU, so client CPU is transfer time). Files of random data from page cache;"
  echo "downloads write to the local disk. Each tool with its default settings; each row is the median of its runs (below);"
  echo "the tools take turns in the opposite order every other run (streamfiles first, then last)."
  echo "streamfiles is published as README.md installs it (ReadyToRun); **streamfiles (native AOT)** is the same code"
  echo "published with -p:NativeAot=true for this machine's CPU (README.md), when a C toolchain is here to link it."
  echo "Load average when the run started: $load_at_start (1, 5, 15 min)."
  echo "Versions: $("$sf" --version 2>/dev/null | head -1 | sed 's/^/streamfiles /'), $(rclone version | head -1), $(/usr/bin/aws --version 2>&1 | cut -d' ' -f1), $(s3cmd --version)."
  echo
  python3 - "$BENCH_RESULTS/s3.tsv" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
groups = {}
for name, direction, mib, wall, user, sys_, rss in rows:
    groups.setdefault((direction, int(mib), name), []).append((float(wall), float(user) + float(sys_), int(rss)))
counts = {}
for (direction, mib, name), v in groups.items():
    counts.setdefault((direction, mib), set()).add(len(v))
print("Runs per row: " + "; ".join(f"{d} {m // 1024 if m >= 1024 else m} {'GiB' if m >= 1024 else 'MiB'}: {'/'.join(str(c) for c in sorted(n))}"
                                    for (d, m), n in sorted(counts.items(), key=lambda item: (item[0][0] != "upload", item[0][1]))) + ".")
print()
print("| Direction | Size | Tool | Wall (s) | MB/s | Client CPU (s) | CPU s per GiB | Peak RSS (MiB) | Wall vs best peer | CPU vs rclone |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
for direction in ("upload", "download"):
    for mib in sorted({k[1] for k in groups if k[0] == direction}):
        stats = {name: (statistics.median(w for w, _, _ in v), statistics.median(c for _, c, _ in v), max(r for _, _, r in v))
                 for (d, m, name), v in groups.items() if d == direction and m == mib}
        best_peer = min(s[0] for n, s in stats.items() if not n.startswith("streamfiles"))
        rclone_cpu = stats["rclone"][1] if "rclone" in stats else None
        for name in ("streamfiles", "streamfiles (native AOT)", "rclone", "aws s3 cp", "s3cmd"):
            if name not in stats:
                continue
            wall, cpu, rss = stats[name]
            mbps = mib * 1048576 / wall / 1e6
            ours = name.startswith("streamfiles")
            vs_peer = f"{wall / best_peer:.2f}x" if ours else ""
            vs_rclone = f"{cpu / rclone_cpu:.2f}x" if rclone_cpu else ""
            label = f"**{name}**" if ours else name
            print(f"| {direction} | {mib // 1024 if mib >= 1024 else mib} {'GiB' if mib >= 1024 else 'MiB'} | {label} | {wall:.2f} | {mbps:.0f} | {cpu:.2f} | {cpu / (mib / 1024):.2f} | {rss / 1024:.0f} | {vs_peer} | {vs_rclone} |")
PY
  echo
} > "$out"
bench_write_section s3 "$out"
cat "$out"
