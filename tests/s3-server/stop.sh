#!/usr/bin/env bash
# Stops the server start.sh started, by the PIDs it recorded (no other process is touched), and deletes its OSD
# block file. radosgw and the OSD go before the monitor, which they need to shut down cleanly; whatever is still
# alive after 10 s is killed.
#   stop.sh [--quiet]
dir=${S3_SERVER_DIR:-/tmp/streamfiles-s3-server}
run=$dir/cluster/run
quiet=${1:-}
stop_group() {
  local pids=() name file pid
  for name in "$@"; do
    file=$run/$name.pid
    [[ -f $file ]] || continue
    pid=$(cat "$file"); rm -f "$file"
    kill "$pid" 2>/dev/null && pids+=("$pid")
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -9 "$pid" 2>/dev/null
      [[ $quiet == --quiet ]] || echo "s3-server: killed $pid after 10 s" >&2
    fi
  done
}
[[ -d $run ]] || exit 0
stop_group rgw.a rgw.sts
stop_group osd.0 mgr.x
stop_group mon.a
# The OSD's block file holds up to S3_SERVER_BLOCK_GB of the host's disk, and start.sh wipes it anyway: give the
# space back now (the logs stay for reading).
rm -f "$dir/cluster/data/osd.0/block"
exit 0
