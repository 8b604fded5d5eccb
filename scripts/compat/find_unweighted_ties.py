#!/usr/bin/env python3
"""Two servers whose unweighted libmemcached points collide, and keys on it.

Usage: find_unweighted_ties.py OUT_TSV

Unweighted ketama gives each server 100 points, the first little-endian
word of MD5("<name>-<k>") for k in 0..100 (one word per digest, not four).
Searches "10.<a>.<b>.7:11212" deterministically for two names sharing such
a point, then 3 keys "tie-unweighted-<i>" whose hash falls in the arc of
the two-server ring that ends at the shared point.  Writes
"server_a server_b point key"; gen_libmemcached_unweighted.sh asks the
real libmemcached, with the servers in both orders, who gets the keys.
"""

import bisect
import hashlib
import struct
import sys


def word0(data):
    return struct.unpack("<I", hashlib.md5(data).digest()[:4])[0]


def points(name):
    return [word0(f"{name}-{k}".encode()) for k in range(100)]


def pair():
    seen = {}
    for a in range(1, 256):
        for b in range(256):
            name = f"10.{a}.{b}.7:11212"
            for point in points(name):
                other = seen.get(point)
                if other is not None and other != name:
                    return other, name, point
                seen.setdefault(point, name)
    raise SystemExit("no pair found")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    a, b, shared = pair()
    ring = sorted(set(points(a) + points(b)))
    at = ring.index(shared)
    previous = ring[at - 1] if at > 0 else -1
    keys, i = [], 0
    while len(keys) < 3:
        key = f"tie-unweighted-{i}".encode()
        h = word0(key)
        if previous < h <= shared or (at == 0 and h > ring[-1]):
            keys.append(key)
        i += 1
    with open(sys.argv[1], "wb") as f:
        f.write(b"server_a\tserver_b\tpoint\tkey\n")
        for key in keys:
            f.write(f"{a}\t{b}\t{shared}\t".encode() + key + b"\n")
    print(f"{sys.argv[1]}: {a} and {b} share {shared}; {len(keys)} keys")


if __name__ == "__main__":
    main()
