#!/usr/bin/env python3
"""Choose edge keys for a ring from the real software's own continuum dump.

Usage: edges_from_continuum.py EDGE_SEARCH_BINARY md5|crc32 PROFILE CONTINUUM_TSV

Like find_edges.py, but the points come from the dump the library printed
(column "point"), not from model.py, so a profile needs no model to get
edge keys: 4 keys "edge:<PROFILE>:<i>" whose hash is a point exactly, 3
below the first point and 3 above the last.  Writes
tests/data/compat/edges/<PROFILE>.keys.tsv ("key<TAB>kind").  The answers
for these keys come from the real software like any other key.
"""

import hashlib
import os
import struct
import subprocess
import sys
import zlib

import profiles

WANT = {"on_point": 4, "before_first": 3, "after_last": 3}


def key_hash(name, key):
    if name == "md5":
        return struct.unpack("<I", hashlib.md5(key).digest()[:4])[0]
    return zlib.crc32(key)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    edge_search, hash_name, profile, dump = sys.argv[1:]
    with open(dump) as f:
        header = next(f).rstrip("\n").split("\t")
        column = header.index("point")
        points = sorted(int(line.split("\t")[column]) for line in f)
    prefix = f"edge:{profile}:".encode()
    found = {kind: [] for kind in WANT}
    res = subprocess.run(
        [edge_search, hash_name, prefix.decode(), str(WANT["on_point"])],
        input="\n".join(map(str, points)) + "\n", capture_output=True, text=True, check=True)
    on = set(points)
    for line in res.stdout.split():
        key = prefix + line.encode()
        assert key_hash(hash_name, key) in on, key
        found["on_point"].append(key)
    lo, hi = points[0], points[-1]
    i = 0
    while len(found["before_first"]) < 3 or len(found["after_last"]) < 3:
        key = prefix + str(i).encode()
        h = key_hash(hash_name, key)
        kind = "before_first" if h < lo else "after_last" if h > hi else None
        if kind and len(found[kind]) < WANT[kind]:
            found[kind].append(key)
        i += 1
    out = profiles.data_path("edges", f"{profile}.keys.tsv")
    with open(out, "wb") as f:
        f.write(b"key\tkind\n")
        for kind in WANT:
            for key in found[kind]:
                f.write(key + b"\t" + kind.encode() + b"\n")
    print(f"{out}: 10 edge keys (ring of {len(points)} points)")


if __name__ == "__main__":
    main()
