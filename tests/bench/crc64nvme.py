"""CRC-64/NVME of a file with crcmod (Debian's python3-crcmod, its C extension), read in 1 MiB blocks.

The peer for streamfiles' CRC64NVME in tests/bench/hash.sh: no other tool here computes S3's default checksum.
Usage: python3 tests/bench/crc64nvme.py FILE
"""
import sys

import crcmod

crc = crcmod.Crc(0x1AD93D23594C93659, initCrc=0, rev=True, xorOut=0xFFFFFFFFFFFFFFFF)
with open(sys.argv[1], "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
        crc.update(block)
print(crc.hexdigest().lower(), sys.argv[1])
