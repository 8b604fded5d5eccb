#!/usr/bin/env python3
"""Find keys that hit the edges of a profile's ring.

Usage: find_edges.py EDGE_SEARCH_BINARY PROFILE [PROFILE...]
       find_edges.py EDGE_SEARCH_BINARY all

EDGE_SEARCH_BINARY is edge_search.c compiled (gen_all.sh builds it).

For each profile with a ring (every profile except nginx-hash), searches
the candidate keys  "edge:<profile>:<i>"  for i = 0, 1, 2, ... and keeps
the first ones of each kind:

  on_point      the key's hash equals a point of the ring exactly (tests
                that lookup picks the first point >= hash, not > hash)
  before_first  the key's hash is below the smallest point
  after_last    the key's hash is above the largest point (must wrap to
                the first point)

(No empty key: nginx 1.22 does not hash an empty key at all -- it falls
back to round robin, see NOTES.md -- so its answer is not a placement.)

The search uses model.py only to *choose* keys; the committed vectors for
these keys come from the real software like any other key.  The search is
deterministic, so re-running it rewrites identical files:
tests/data/compat/edges/<profile>.keys.tsv ("key<TAB>kind").

Finding an on_point key takes about 2^32 / (number of points) hashes; that
search runs in the small C helper edge_search.c (seconds instead of
minutes); the two cheap kinds are found here.
"""

import os
import subprocess
import sys

import profiles

WANT = {"on_point": 4, "before_first": 3, "after_last": 3}


def find(edge_search, profile):
    mp = profiles.ModelProfile(profile)
    ring = mp.ring
    lo, hi = ring.points[0], ring.points[-1]
    prefix = f"edge:{profile}:".encode()
    hash_name = "crc32" if mp.system == "nginx-chash" else "md5"

    found = {kind: [] for kind in WANT}
    res = subprocess.run(
        [edge_search, hash_name, prefix.decode(), str(WANT["on_point"])],
        input="\n".join(map(str, ring.points)) + "\n",
        capture_output=True, text=True, check=True)
    for line in res.stdout.split():
        key = prefix + line.encode()
        assert mp.key_hash(key) in set(ring.points), key  # double-check the helper
        found["on_point"].append(key)

    i = 0
    while len(found["before_first"]) < WANT["before_first"] or \
            len(found["after_last"]) < WANT["after_last"]:
        key = prefix + str(i).encode()
        h = mp.key_hash(key)
        kind = "before_first" if h < lo else "after_last" if h > hi else None
        if kind and len(found[kind]) < WANT[kind]:
            found[kind].append(key)
        i += 1
    rows = [(k, kind) for kind in WANT for k in found[kind]]
    out_dir = profiles.data_path("edges")
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, f"{profile}.keys.tsv")
    with open(out, "wb") as f:
        f.write(b"key\tkind\n")
        for k, kind in rows:
            f.write(k + b"\t" + kind.encode() + b"\n")
    print(f"{out}: {len(rows)} edge keys (ring of {len(ring)} points)")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    edge_search, names = sys.argv[1], sys.argv[2:]
    if names == ["all"]:
        names = [p for p, (system, _, _) in profiles.PROFILES.items() if system != "nginx-hash"]
    for p in names:
        find(edge_search, p)


if __name__ == "__main__":
    main()
