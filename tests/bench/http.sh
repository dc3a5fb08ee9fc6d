#!/usr/bin/env bash
# HTTP download benchmark: a 4 GiB file from a local nginx (sendfile, page cache) fetched by streamfiles
# single-stream (one range in flight) and with parallel ranges, against curl and wget, all in one run;
# wall time (hyperfine) and peak RSS (GNU time). Writes the "http" section of docs/benchmarks.md.
# Usage: bash tests/bench/http.sh [--quick]     (--quick: 512 MiB, 2 runs)
# Its own directory: other benchmark scripts publish their CLI build into the shared default at the same time.
BENCH_DIR=${BENCH_DIR:-/tmp/streamfiles-bench-http}
. "$(dirname "$0")/lib.sh"
bench_require hyperfine time nginx-light curl wget
runs=3; mib=4096
if [ "${1:-}" = "--quick" ]; then runs=2; mib=512; fi
sf=$(bench_build_cli)

www=$BENCH_DIR/www
mkdir -p "$www"
src=$www/http-$mib.bin
bench_random_file "$src" "$mib"
dst=$BENCH_DIR/http-download.bin
port=${BENCH_HTTP_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}

# A private nginx on 127.0.0.1: no access log, sendfile, the file from page cache.
conf=$BENCH_DIR/nginx.conf
cat > "$conf" <<EOF
worker_processes 1;
pid $BENCH_DIR/nginx.pid;
error_log $BENCH_DIR/nginx-error.log;
daemon on;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path $BENCH_DIR/nginx-tmp;
  proxy_temp_path $BENCH_DIR/nginx-tmp;
  fastcgi_temp_path $BENCH_DIR/nginx-tmp;
  uwsgi_temp_path $BENCH_DIR/nginx-tmp;
  scgi_temp_path $BENCH_DIR/nginx-tmp;
  server {
    listen 127.0.0.1:$port;
    root $www;
  }
}
EOF
mkdir -p "$BENCH_DIR/nginx-tmp"
nginx -c "$conf"
trap 'kill "$(cat "$BENCH_DIR/nginx.pid")" 2>/dev/null || true; rm -f "$dst" "$dst.partial"' EXIT
url=http://127.0.0.1:$port/http-$mib.bin
curl -sSf -o /dev/null -r 0-0 "$url"

expected=$(sha256sum "$src" | cut -d' ' -f1)
check() { [ "$(sha256sum "$dst" | cut -d' ' -f1)" = "$expected" ] || { echo "http.sh: $1 produced a wrong file" >&2; exit 1; }; }

single="$sf receive --no-progress --force --concurrency 1 $url $dst"
parallel="$sf receive --no-progress --force --concurrency 4 $url $dst"
curl_cmd="curl -sS -o $dst $url"
wget_cmd="wget -q -O $dst $url"
for cmd in "$single" "$parallel" "$curl_cmd" "$wget_cmd"; do
  $cmd >/dev/null
  check "${cmd%% *}"
done

j=$BENCH_RESULTS/http-$mib.json
load_start=$(cut -d' ' -f1 /proc/loadavg)
# Every run starts without the previous download and with its dirty pages written back (not timed): otherwise each
# tool pays, inside its timed run, for truncating or replacing the last tool's 4 GiB file and for its writeback.
hyperfine -N --warmup 1 --runs "$runs" --prepare "bash -c 'rm -f $dst $dst.partial && sync'" --export-json "$j" \
  --command-name "curl (single stream, baseline)" "$curl_cmd" \
  --command-name "wget (single stream)" "$wget_cmd" \
  --command-name "streamfiles receive --concurrency 1" "$single" \
  --command-name "streamfiles receive --concurrency 4" "$parallel" >/dev/null

rss_single=$(bench_peak_rss_kb $single)
rss_parallel=$(bench_peak_rss_kb $parallel)
rss_curl=$(bench_peak_rss_kb $curl_cmd)
rss_wget=$(bench_peak_rss_kb $wget_cmd)
load_end=$(cut -d' ' -f1 /proc/loadavg)

out=$BENCH_RESULTS/http.md
{
  echo "## HTTP download (tests/bench/http.sh)"
  echo
  echo "Machine: $(bench_machine). A $mib MiB file of random data served by nginx on 127.0.0.1 (sendfile, from page cache),"
  echo "written to a local file (page cache) by each tool; hyperfine, $runs runs after a warm-up; each tool's output checked with sha256sum."
  echo "streamfiles hashes what it receives (CRC32C, the default) and writes \`.partial\` then renames; --concurrency 1 keeps one"
  echo "8 MiB range in flight on one connection (the single-stream case), --concurrency 4 runs four ranged GETs at once."
  echo "Ratios are time relative to curl (below 1.00x is faster). Load average (1 min) $load_start at the start, $load_end at the end:"
  echo "with other work on the machine the spread grows; compare rows of one run, not runs of different days."
  echo
  python3 "$BENCH_ROOT/tests/bench/hyperfine_table.py" "$((mib * 1024 * 1024))" 0 "$j"
  echo
  echo "Peak RSS: streamfiles $((rss_single / 1024)) MiB (--concurrency 1), $((rss_parallel / 1024)) MiB (--concurrency 4); curl $((rss_curl / 1024)) MiB; wget $((rss_wget / 1024)) MiB."
  echo
  python3 - "$j" "$rss_single" "$rss_parallel" <<'PY'
import json, sys
r = [x["mean"] for x in json.load(open(sys.argv[1]))["results"]]
single, parallel = r[2] / r[0], r[3] / r[0]
rss = max(int(sys.argv[2]), int(sys.argv[3])) / 1024
met = lambda ok: "met" if ok else "NOT met"
print(f"Targets: single stream within 1.1x of curl: {single:.2f}x ({met(single <= 1.1)}); parallel ranges at least as fast as curl: "
      f"{parallel:.2f}x ({met(parallel <= 1.0)}); peak RSS under 100 MB: {rss:.0f} MiB ({met(rss * 1.048576 < 100)}).")
PY
  echo
} > "$out"
bench_write_section http "$out"
cat "$out"
