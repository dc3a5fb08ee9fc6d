#!/usr/bin/env bash
# A real S3 server for the tests: single-node Ceph (one monitor, one bluestore OSD in a sparse file) and the
# RADOS Gateway, as plain processes, answering on http://127.0.0.1:7480 with access key "test", secret "test"
# and an empty bucket "streamfiles-test". See README.md beside this file.
#
#   start.sh [--install]   --install: apt-get the Debian packages first when they are missing (root): the server,
#                          and the peer clients the interop tests compare with (rclone, awscli, s3cmd)
#   env: S3_SERVER_DIR (default /tmp/streamfiles-s3-server), S3_SERVER_PORT (7480),
#        S3_SERVER_BUCKET (streamfiles-test), S3_SERVER_BLOCK_GB (sparse OSD file size, 16),
#        WITH_MGR=1 to also run ceph-mgr (RGW does not need it; it costs ~300 MB)
# Prints the variables the test suite reads (STREAMFILES_TEST_S3_*) on its last lines, ready for eval.
set -euo pipefail
dir=${S3_SERVER_DIR:-/tmp/streamfiles-s3-server}
port=${S3_SERVER_PORT:-7480}
sts_port=${S3_SERVER_STS_PORT:-7481}
bucket=${S3_SERVER_BUCKET:-streamfiles-test}
# The OSD's sparse block file grows with what is written and never shrinks (deleted objects free space
# inside it, not on the host's disk), so it is capped: enough for the 4 GiB benchmark objects.
block_gb=${S3_SERVER_BLOCK_GB:-16}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
started=$(date +%s%N)
say() { echo "s3-server: [$(( ($(date +%s%N) - started) / 1000000 )) ms] $*" >&2; }

if [[ "${1:-}" == "--install" ]]; then
  need=()
  for pkg in ceph-mon ceph-osd radosgw ceph-common curl python3 rclone awscli s3cmd; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
  if [[ -n "${WITH_MGR:-}" ]]; then dpkg -s ceph-mgr >/dev/null 2>&1 || need+=(ceph-mgr); fi
  if [[ ${#need[@]} -gt 0 ]]; then
    say "installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi
for tool in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph curl python3; do
  command -v "$tool" >/dev/null || { echo "s3-server: '$tool' is missing; run start.sh --install as root" >&2; exit 3; }
done

# A previous instance of this server goes first (by its recorded PIDs); its state is wiped below.
"$here/stop.sh" --quiet || true
cluster=$dir/cluster
rm -rf "$cluster"
mkdir -p "$cluster"/{run,log,data/mon.a,data/mgr.x,data/osd.0,data/rgw.a,data/rgw.sts}

fsid=$(cat /proc/sys/kernel/random/uuid)
export CEPH_CONF=$cluster/ceph.conf
cat > "$CEPH_CONF" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:3300,v1:127.0.0.1:6789]
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
run dir = $cluster/run
admin socket = $cluster/run/\$name.asok
pid file = $cluster/run/\$name.pid
log file = $cluster/log/\$name.log
mon data = $cluster/data/mon.\$id
mgr data = $cluster/data/mgr.\$id
osd data = $cluster/data/osd.\$id
crash dir = $cluster/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
mon allow pool delete = true
mon warn on insecure global id reclaim allowed = false
mon max pg per osd = 1000
# RGW's first start changes the osdmap about ten times; the default 1 s propose interval makes that slow.
paxos propose interval = 0.1
osd crush chooseleaf type = 0
mon data avail warn = 2
mon data avail crit = 1

[mon]
mon cluster log file = $cluster/log/cluster.log

[osd]
osd objectstore = bluestore
bluestore block create = true
bluestore block size = $((block_gb * 1024 * 1024 * 1024))
bluestore block db create = false
bluestore block wal create = false
bluestore fsck on mount = false
# keeps the OSD's caches from growing on a small machine that also runs the clients
osd memory target = 1073741824

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$port
rgw data = $cluster/data/rgw.a
rgw enable usage log = false
# Data of deleted objects and aborted uploads is reclaimed within about a minute, not after the default two hours:
# the suite and tests/bench/s3.sh delete what they upload, and the OSD file would otherwise fill with deleted data.
rgw gc obj min wait = 60
rgw gc processor period = 30
# without cephx the monitor cannot offer radosgw's default "secure" mode: it would retry EACCES forever
ms mon client mode = crc

# A second gateway on the same cluster (same users, buckets and roles) that also answers STS AssumeRole, for the tests
# of profiles that assume a role. It is separate because with STS on, this RGW (16.2) answers a wrong secret with
# AccessDenied instead of SignatureDoesNotMatch, and the signature tests need the latter. The key encrypts the
# session tokens it hands out and must be 16 characters.
[client.rgw.sts]
rgw frontends = beast endpoint=127.0.0.1:$sts_port
rgw data = $cluster/data/rgw.sts
rgw enable usage log = false
ms mon client mode = crc
rgw s3 auth use sts = true
rgw sts key = streamfilests16k
CONF

record() { echo "$2" > "$cluster/run/$1.pid"; }

monmaptool --create --fsid "$fsid" --addv a '[v2:127.0.0.1:3300,v1:127.0.0.1:6789]' "$cluster/monmap" >/dev/null
ceph-mon --mkfs -i a --monmap "$cluster/monmap"
ceph-mon -i a -f >>"$cluster/log/mon.a.stdout" 2>&1 &
record mon.a $!
for _ in $(seq 60); do ceph -s --connect-timeout 2 >/dev/null 2>&1 && break; sleep 0.5; done
ceph mon enable-msgr2 >/dev/null 2>&1 || true
say "monitor up"

if [[ -n "${WITH_MGR:-}" ]]; then
  ceph-mgr -i x -f >>"$cluster/log/mgr.x.stdout" 2>&1 &
  record mgr.x $!
fi

osd_uuid=$(cat /proc/sys/kernel/random/uuid)
osd_id=$(ceph osd new "$osd_uuid")
ceph-osd -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >>"$cluster/log/osd.mkfs.log" 2>&1
ceph-osd -i "$osd_id" -f >>"$cluster/log/osd.$osd_id.stdout" 2>&1 &
record "osd.$osd_id" $!
for _ in $(seq 120); do ceph osd stat 2>/dev/null | grep -q '1 up' && break; sleep 0.5; done
say "OSD up"

radosgw -n client.rgw.a -f >>"$cluster/log/rgw.a.stdout" 2>&1 &
record rgw.a $!
for _ in $(seq 240); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.5; done
curl -s -o /dev/null "http://127.0.0.1:$port/" || { echo "s3-server: radosgw did not answer; see $cluster/log/client.rgw.a.log" >&2; exit 1; }
# The STS gateway starts once the first has made RGW's pools, so the two do not race to create them.
radosgw -n client.rgw.sts -f >>"$cluster/log/rgw.sts.stdout" 2>&1 &
record rgw.sts $!
radosgw-admin user create --uid test --display-name test --access-key test --secret test >/dev/null
# Two roles the test user may assume (STS AssumeRole), for the tests of profiles with role_arn and source_profile:
# one may do everything on S3, the other only read, so a refused upload shows the role's keys signed it.
radosgw-admin caps add --uid test --caps "roles=*" >/dev/null
trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam:::user/test"]},"Action":["sts:AssumeRole"]}]}'
radosgw-admin role create --role-name streamfiles-test-role --assume-role-policy-doc "$trust" >/dev/null
radosgw-admin role-policy put --role-name streamfiles-test-role --policy-name s3-all \
  --policy-doc '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::*"]}]}' >/dev/null
radosgw-admin role create --role-name streamfiles-test-reader --assume-role-policy-doc "$trust" >/dev/null
radosgw-admin role-policy put --role-name streamfiles-test-reader --policy-name s3-read \
  --policy-doc '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":["arn:aws:s3:::*"]}]}' >/dev/null
for _ in $(seq 240); do curl -s -o /dev/null "http://127.0.0.1:$sts_port/" && break; sleep 0.5; done
curl -s -o /dev/null "http://127.0.0.1:$sts_port/" || { echo "s3-server: the STS radosgw did not answer; see $cluster/log/client.rgw.sts.log" >&2; exit 1; }
say "radosgw answering on 127.0.0.1:$port, with STS on 127.0.0.1:$sts_port"

# The bucket, with a signed request of our own: no S3 client needs to be installed for the tests.
python3 "$here/make_bucket.py" "http://127.0.0.1:$port" test test "$bucket"
say "bucket $bucket ready"

cat <<VARS
export STREAMFILES_TEST_S3_ENDPOINT=http://127.0.0.1:$port
export STREAMFILES_TEST_S3_ACCESS_KEY=test
export STREAMFILES_TEST_S3_SECRET_KEY=test
export STREAMFILES_TEST_S3_REGION=us-east-1
export STREAMFILES_TEST_S3_BUCKET=$bucket
export STREAMFILES_TEST_S3_STS_ENDPOINT=http://127.0.0.1:$sts_port
export STREAMFILES_TEST_S3_ROLE_ARN=arn:aws:iam:::role/streamfiles-test-role
export STREAMFILES_TEST_S3_READER_ROLE_ARN=arn:aws:iam:::role/streamfiles-test-reader
VARS
