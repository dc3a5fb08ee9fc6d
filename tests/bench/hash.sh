#!/usr/bin/env bash
# Hashing benchmark: streamfiles hash against sha256sum, openssl dgst, md5sum, and the three coreutils
# tools one after another, on 1 GiB and 4 GiB files from page cache; the S3 ETag (8 MiB parts) against md5sum, the
# least any tool computing it must do; CRC64NVME (S3's default checksum) against crcmod and the S3 ETag; peak RSS of
# each streamfiles run.
# Writes the "hash" section of docs/benchmarks.md.   Usage: bash tests/bench/hash.sh [--quick]
. "$(dirname "$0")/lib.sh"
bench_require hyperfine time
runs=${BENCH_RUNS:-3}; sizes="1024 4096"
if [ "${1:-}" = "--quick" ]; then runs=2; sizes="256"; fi
sf=$(bench_build_cli)
# crcmod is Debian's python3-crcmod, which a version manager's python3 earlier on PATH does not see.
py=python3
if [ -x /usr/bin/python3 ]; then py=/usr/bin/python3; fi
"$py" -c 'import crcmod' || { echo "hash.sh: needs python3-crcmod (apt-get install python3-crcmod)" >&2; exit 1; }
out=$BENCH_RESULTS/hash.md
{
  echo "## Hashing (tests/bench/hash.sh)"
  echo
  echo "Machine: $(bench_machine), load average at the start $(cut -d' ' -f1-3 /proc/loadavg). Files of random data read from page cache; hyperfine, $runs runs after a warm-up."
  echo "Ratios are time relative to the row marked as baseline in each table (below 1.00x is faster)."
  echo
} > "$out"

for mib in $sizes; do
  f=$BENCH_DIR/hash-$mib.bin
  bench_random_file "$f" "$mib"
  bytes=$((mib * 1024 * 1024))
  j=$BENCH_RESULTS/hash-$mib

  hyperfine -N --warmup 1 --runs "$runs" --export-json "$j-sha256.json" \
    "$sf hash --no-progress -a sha256 $f" "openssl dgst -sha256 $f" "sha256sum $f" >/dev/null
  hyperfine -N --warmup 1 --runs "$runs" --export-json "$j-md5.json" \
    "$sf hash --no-progress -a md5 $f" "md5sum $f" >/dev/null
  hyperfine --warmup 1 --runs "$runs" --export-json "$j-three.json" \
    "$sf hash --no-progress -a sha256,md5,sha1 $f" "sha256sum $f && md5sum $f && sha1sum $f" "$sf hash --no-progress -a md5 $f" >/dev/null
  hyperfine -N --warmup 1 --runs "$runs" --export-json "$j-s3etag.json" \
    "$sf hash --no-progress -a s3etag $f" "md5sum $f" >/dev/null
  hyperfine -N --warmup 1 --runs "$runs" --export-json "$j-crc64.json" \
    "$sf hash --no-progress -a crc64nvme $f" "$sf hash --no-progress -a crc32c $f" "$py $BENCH_ROOT/tests/bench/crc64nvme.py $f" \
    "$sf hash --no-progress -a s3etag $f" >/dev/null

  rss1=$(bench_peak_rss_kb "$sf" hash --no-progress -a sha256 "$f")
  rss3=$(bench_peak_rss_kb "$sf" hash --no-progress -a sha256,md5,sha1 "$f")
  rss_etag=$(bench_peak_rss_kb "$sf" hash --no-progress -a s3etag "$f")
  {
    echo "### $mib MiB file"
    echo
    echo "SHA256 (baseline: openssl dgst -sha256):"
    echo
    python3 "$BENCH_ROOT/tests/bench/hyperfine_table.py" "$bytes" 1 "$j-sha256.json"
    echo
    echo "MD5 (baseline: md5sum):"
    echo
    python3 "$BENCH_ROOT/tests/bench/hyperfine_table.py" "$bytes" 1 "$j-md5.json"
    echo
    echo "SHA256 + MD5 + SHA1 in one read (baseline: streamfiles with MD5 alone, the slowest single algorithm):"
    echo
    python3 "$BENCH_ROOT/tests/bench/hyperfine_table.py" "$bytes" 2 "$j-three.json"
    echo
    echo "S3 ETag of 8 MiB parts (baseline: md5sum, one MD5 of every byte, which any tool computing the ETag must match):"
    echo
    python3 "$BENCH_ROOT/tests/bench/hyperfine_table.py" "$bytes" 1 "$j-s3etag.json"
    echo
    echo "CRC64NVME, the checksum Amazon S3 keeps for objects uploaded without one, which downloads then check instead of"
    echo "the ETag (baseline: streamfiles S3 ETag, what a download checks when the store keeps no CRC; crcmod is the only"
    echo "other CRC-64/NVME here):"
    echo
    python3 "$BENCH_ROOT/tests/bench/hyperfine_table.py" "$bytes" 3 "$j-crc64.json"
    echo
    echo "Peak RSS of streamfiles: $((rss1 / 1024)) MiB with SHA256, $((rss3 / 1024)) MiB with SHA256+MD5+SHA1, $((rss_etag / 1024)) MiB with the S3 ETag."
    echo
  } >> "$out"
done
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)." >> "$out"
bench_write_section hash "$out"
cat "$out"
