#!/usr/bin/env python3
"""Find two servers whose points collide, and keys that land on the collision.

Usage: find_ties.py

The main vectors never hit two equal points (32-bit points rarely
collide), so they cannot tell which server a system gives a shared point.
This script searches, deterministically, for

* an MD5 pair: two addresses "10.<a>.<b>.7:11212" (port 11212, so every
  ketama system hashes the address exactly as written) whose ketama points
  of a two-server, equal-weight ring (40 digests each) share a value, and
  whose names are of *different lengths* with the shorter one sorting
  *after* the longer byte-wise -- so configuration order, byte order and
  twemproxy's (length, bytes) name order all disagree on one of the two;
* a CRC-32 pair: two nginx servers "127.0.0.1:<port>" (ports 20000-39999)
  whose 160-point chains share a value;

and, for each, 3 keys whose hash falls in the arc that ends at the shared
point (after the previous point of the two-server ring), so they are placed
by the tie. gen_ties.sh then asks the real software, with the two servers
in both orders, which server gets those keys.

Writes tests/data/compat/ties.keys.tsv: "set server_a server_b point key".
model.py is used only to choose the inputs; the answers come from the real
software.
"""

import os
import struct
import zlib

import model
import profiles

KEYS_PER_SET = 3


def md5_pair():
    seen = {}
    for a in range(1, 256):
        for b in range(256):
            name = f"10.{a}.{b}.7:11212"
            for k in range(40):
                for point in model.md5_points(f"{name}-{k}".encode()):
                    other = seen.get(point)
                    if other and other != name and len(other) < len(name) and other > name:
                        return other, name, point
                    seen.setdefault(point, name)
    raise SystemExit("no MD5 pair found")


def crc_pair():
    seen = {}
    for port in range(20000, 40000):
        server = f"127.0.0.1:{port}"
        base = b"127.0.0.1\0" + str(port).encode()
        prev = 0
        for _ in range(160):
            prev = model.crc32(base + struct.pack("<I", prev))
            other = seen.get(prev)
            if other and other != server:
                return other, server, prev
            seen.setdefault(prev, server)
    raise SystemExit("no CRC-32 pair found")


def keys_onto(ring, point, key_hash, prefix):
    """The first keys prefix<i> whose hash is in (previous point, point]."""
    at = ring.points.index(point)
    low = ring.points[at - 1]
    keys, i = [], 0
    while len(keys) < KEYS_PER_SET:
        key = f"{prefix}{i}".encode()
        if low < key_hash(key) <= point:
            keys.append(key.decode())
        i += 1
    return keys


def main():
    rows = []
    a, b, point = md5_pair()
    ring = model.libketama_ring([(a, 1), (b, 1)])
    for key in keys_onto(ring, point, model.md5_key_hash, "tie-md5-"):
        rows.append(("md5", a, b, point, key))
    a, b, point = crc_pair()
    ring = model.nginx_chash_ring([(a, 1), (b, 1)])
    for key in keys_onto(ring, point, model.crc32, "tie-crc-"):
        rows.append(("crc32", a, b, point, key))
    out = profiles.data_path("ties.keys.tsv")
    with open(out, "w") as f:
        f.write("set\tserver_a\tserver_b\tpoint\tkey\n")
        for row in rows:
            f.write("\t".join(map(str, row)) + "\n")
    print(f"{os.path.relpath(out)}: {len(rows)} keys")


if __name__ == "__main__":
    main()
