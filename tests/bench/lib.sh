# Shared by the benchmark scripts: tools, test files, peak RSS and writing results into docs/benchmarks.md.
# Source it: . "$(dirname "$0")/lib.sh"
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/streamfiles-bench}
BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
mkdir -p "$BENCH_DIR" "$BENCH_RESULTS"

# Installs Debian packages that are missing (the benchmarks need hyperfine and GNU time).
bench_require() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Publishes the CLI in Release and prints the path of the streamfiles executable.
bench_build_cli() {
  # As README.md installs it: for this machine's runtime, so with ReadyToRun code.
  dotnet publish "$BENCH_ROOT/src/StreamFiles.Cli" -c Release --use-current-runtime -o "$BENCH_DIR/cli" -nologo -v quiet >/dev/null
  echo "$BENCH_DIR/cli/streamfiles"
}

# Publishes the native AOT build of the CLI (README.md: -p:NativeAot=true, for this machine's CPU) and prints the path of
# its executable, or nothing when there is no C toolchain (clang or gcc) to link it with.
bench_build_cli_native() {
  command -v clang >/dev/null || command -v gcc >/dev/null || return 0
  dotnet publish "$BENCH_ROOT/src/StreamFiles.Cli" -c Release --use-current-runtime -p:NativeAot=true -o "$BENCH_DIR/cli-native" -nologo -v quiet >/dev/null
  echo "$BENCH_DIR/cli-native/streamfiles"
}

# bench_random_file PATH SIZE_MIB: incompressible data, made once and reused between runs.
bench_random_file() {
  local path=$1 mib=$2
  if [ ! -f "$path" ] || [ "$(stat -c %s "$path")" -ne $((mib * 1024 * 1024)) ]; then
    # head closes the pipe when it has enough: openssl's SIGPIPE is expected, the size is checked instead.
    { openssl enc -aes-128-ctr -nosalt -pass pass:streamfiles -in /dev/zero 2>/dev/null || true; } | head -c $((mib * 1024 * 1024)) > "$path"
    [ "$(stat -c %s "$path")" -eq $((mib * 1024 * 1024)) ] || { echo "could not make $path" >&2; exit 1; }
  fi
  cat "$path" > /dev/null   # into the page cache
}

# bench_peak_rss_kb CMD...: peak resident set size of the whole process, in KiB.
bench_peak_rss_kb() {
  /usr/bin/time -f '%M' -o "$BENCH_DIR/rss.txt" "$@" > /dev/null 2>&1
  cat "$BENCH_DIR/rss.txt"
}

# bench_write_section NAME MARKDOWN_FILE: replaces <!-- NAME:begin --> … <!-- NAME:end --> in docs/benchmarks.md.
bench_write_section() {
  python3 "$BENCH_ROOT/tests/bench/write_section.py" "$BENCH_ROOT/docs/benchmarks.md" "$1" "$2"
}

bench_machine() {
  echo "$(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr), $(date -u +%Y-%m-%d)"
}

# bench_s3_server: the S3 server of the STREAMFILES_TEST_S3_* variables, or the local Ceph RGW of tests/s3-server,
# started now and stopped when the script exits. Sets endpoint, bucket and rclone_remote, and the AWS_* variables
# the peers read (the machine's own profiles and CA bundle left out).
bench_s3_server() {
  started_server=
  if [ -z "${STREAMFILES_TEST_S3_ENDPOINT:-}" ]; then
    eval "$(bash "$BENCH_ROOT/tests/s3-server/start.sh" --install)"
    started_server=1
  fi
  trap '[ -z "$started_server" ] || bash "$BENCH_ROOT/tests/s3-server/stop.sh"' EXIT
  endpoint=$STREAMFILES_TEST_S3_ENDPOINT
  bucket=${STREAMFILES_TEST_S3_BUCKET:-streamfiles-test}
  export AWS_ACCESS_KEY_ID=${STREAMFILES_TEST_S3_ACCESS_KEY:-test} AWS_SECRET_ACCESS_KEY=${STREAMFILES_TEST_S3_SECRET_KEY:-test}
  export AWS_DEFAULT_REGION=${STREAMFILES_TEST_S3_REGION:-us-east-1} AWS_REGION=${STREAMFILES_TEST_S3_REGION:-us-east-1}
  export AWS_EC2_METADATA_DISABLED=true RCLONE_CONFIG=/dev/null AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
  unset AWS_CA_BUNDLE
  rclone_remote=":s3,provider=Ceph,endpoint='$endpoint',access_key_id='$AWS_ACCESS_KEY_ID',secret_access_key='$AWS_SECRET_ACCESS_KEY',region='$AWS_REGION':$bucket"
}

# bench_s3_gc: when the server is tests/s3-server's local RGW, collect the garbage of deleted objects now. RGW frees
# their space only after its gc period, and a run that writes and deletes many 4 GiB objects can fill the OSD's 16 GB
# file before that (the next upload then times out). Does nothing for any other server.
bench_s3_gc() {
  local conf=${S3_SERVER_DIR:-/tmp/streamfiles-s3-server}/cluster/ceph.conf
  [ -f "$conf" ] && command -v radosgw-admin >/dev/null || return 0
  case $endpoint in http://127.0.0.1:*|http://localhost:*) ;; *) return 0 ;; esac
  CEPH_CONF=$conf radosgw-admin gc process --include-all >/dev/null 2>&1 || true
}
