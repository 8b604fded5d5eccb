#!/usr/bin/env python3
"""Two groupcache servers whose points collide, and keys on the shared point.

Usage: find_crc_ties.py REPLICAS OUT_TSV

groupcache's points are CRC-32 of "<i><name>" for i in 0..REPLICAS.
Searches the names "node-<n>" deterministically for two that share a point,
then 3 keys "tie-crc-<j>" whose hash falls in the arc of the two-server map
that ends at the shared point.  Writes "server_a server_b point key";
gen_groupcache.sh asks the real package, with the servers added in both
orders, who gets the keys.
"""

import sys
import zlib


def points(name, replicas):
    return [zlib.crc32(f"{i}{name}".encode()) for i in range(replicas)]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    replicas, out = int(sys.argv[1]), sys.argv[2]
    seen = {}
    pair = None
    for n in range(1_000_000):
        name = f"node-{n}"
        for point in points(name, replicas):
            other = seen.get(point)
            if other is not None and other != name:
                pair = (other, name, point)
                break
            seen.setdefault(point, name)
        if pair:
            break
    a, b, shared = pair
    ring = sorted(set(points(a, replicas) + points(b, replicas)))
    at = ring.index(shared)
    previous = ring[at - 1] if at > 0 else -1
    keys, j = [], 0
    while len(keys) < 3:
        key = f"tie-crc-{j}"
        h = zlib.crc32(key.encode())
        if previous < h <= shared or (at == 0 and h > ring[-1]):
            keys.append(key)
        j += 1
    with open(out, "w") as f:
        f.write("server_a\tserver_b\tpoint\tkey\n")
        for key in keys:
            f.write(f"{a}\t{b}\t{shared}\t{key}\n")
    print(f"{out}: {a} and {b} share {shared}; {len(keys)} keys")


if __name__ == "__main__":
    main()
