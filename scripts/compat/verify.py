#!/usr/bin/env python3
"""Check every committed vector against the reference models in model.py.

Usage: verify.py

For each profile (see profiles.py):
  * P.tsv must list exactly the keys of keys.txt, in order, and
    P.edges.tsv exactly the keys of edges/P.keys.tsv;
  * the server of every row must equal the model's answer;
  * where the real software also printed the key hash (libketama,
    libmemcached) or the chosen point (libketama), those must match too;
  * where a continuum dump exists (libketama, libmemcached), it must equal
    the model's continuum point for point, owner for owner;
  * the edge keys must really be of their kind on the real continuum.
Cross-checks: twemproxy-loop6 must place every key exactly like
libmemcached-loop6 (same servers, same algorithm).

Prints a per-profile summary (points and keys per server) and exits 1 on
any mismatch.  Passing means NOTES.md + model.py describe the deployed
behaviour completely for these inputs.
"""

import sys
from collections import Counter

import profiles

failures = []


def fail(msg):
    failures.append(msg)
    print("  FAIL " + msg)


def read_tsv(path):
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    assert lines[-1] == b"", f"{path}: no final newline"
    header = lines[0].decode().split("\t")
    rows = [line.split(b"\t") for line in lines[1:-1]]
    for r in rows:
        assert len(r) == len(header), (path, r)
    return header, rows


def read_keys(path):
    with open(path, "rb") as f:
        return f.read().split(b"\n")[:-1]


def check_vectors(mp, path, expected_keys):
    header, rows = read_tsv(path)
    col = {name: i for i, name in enumerate(header)}
    keys = [r[0] for r in rows]
    if keys != expected_keys:
        fail(f"{path}: key column differs from the key list")
        return {}
    placed = {}
    bad = 0
    for r in rows:
        key, server = r[0], r[col["server"]].decode()
        placed[key] = server
        want = mp.lookup(key)
        if server != want:
            bad += 1
            if bad <= 5:
                fail(f"{path}: {key!r} -> {server}, model says {want}")
        if "key_hash" in col and int(r[col["key_hash"]]) != mp.key_hash(key):
            bad += 1
            fail(f"{path}: {key!r} key_hash {r[col['key_hash']]!r} != {mp.key_hash(key)}")
        if "point" in col and int(r[col["point"]]) != mp.ring.first_at_or_after(mp.key_hash(key))[1]:
            bad += 1
            fail(f"{path}: {key!r} point {r[col['point']]!r} differs from model")
    if bad:
        fail(f"{path}: {bad} mismatches in {len(rows)} rows")
    return placed


def check_continuum(mp, path):
    header, rows = read_tsv(path)
    col = {name: i for i, name in enumerate(header)}
    got = [(int(r[col["point"]]), r[col["server"]].decode()) for r in rows]
    want = list(zip(mp.ring.points, mp.ring.owners))
    if got != want:
        diff = next(i for i in range(min(len(got), len(want))) if got[i] != want[i]) \
            if len(got) == len(want) else "length"
        fail(f"{path}: continuum differs from model ({len(got)} vs {len(want)} points, first diff {diff})")
    return Counter(s for _, s in got)


def check_edges(mp, profile):
    header, rows = read_tsv(profiles.data_path("edges", f"{profile}.keys.tsv"))
    pts = mp.ring.points
    for key, kind in rows:
        kind = kind.decode()
        h = mp.key_hash(key)
        ok = {"on_point": h in set(pts), "before_first": h < pts[0], "after_last": h > pts[-1]}[kind]
        if not ok:
            fail(f"edges/{profile}.keys.tsv: {key!r} is not {kind}")
    return [r[0] for r in rows]


def check_ties():
    """ties.tsv: the server each real system gave keys on a shared point."""
    import model
    _, inputs = read_tsv(profiles.data_path("ties.keys.tsv"))
    pairs = {r[0].decode(): (r[1].decode(), r[2].decode(), int(r[3])) for r in inputs}
    _, rows = read_tsv(profiles.data_path("ties.tsv"))
    print(f"ties  [{len(rows)} rows]")
    for profile, order, key, server in rows:
        profile, order, server = profile.decode(), order.decode(), server.decode()
        a, b, point = pairs["crc32" if profile == "nginx" else "md5"]
        first, second = (a, b) if order == "ab" else (b, a)
        if profile == "libketama":
            ring = model.libketama_ring([(first, 1), (second, 1)])
        elif profile == "libmemcached":
            ring = model.libmemcached_ring([(s.rsplit(":", 1)[0], int(s.rsplit(":", 1)[1]), 1)
                                            for s in (first, second)])
        elif profile == "twemproxy":
            # The pair are the servers' names; the owner label is the name.
            ring = model.twemproxy_ring([(f"backend-{s}", 1, 1, s) for s in (first, second)])
            ring.owners = [o and next(s for s in (first, second) if o == f"backend-{s}:1")
                           for o in ring.owners]
        else:
            ring = model.nginx_chash_ring([(first, 1), (second, 1)])
        h = model.crc32(key) if profile == "nginx" else model.md5_key_hash(key)
        want, at = ring.first_at_or_after(h)
        if at != point:
            fail(f"ties.tsv: {key!r} does not land on the shared point {point} ({at})")
        if want != server:
            fail(f"ties.tsv: {profile} {order} {key!r} -> {server}, model says {want}")


def main():
    all_keys = read_keys(profiles.data_path("keys.txt"))
    placed = {}
    for profile, (system, _, _) in profiles.PROFILES.items():
        print(f"{profile}  [{system}]")
        mp = profiles.ModelProfile(profile)
        placed[profile] = check_vectors(mp, profiles.data_path(f"{profile}.tsv"), all_keys)
        if mp.ring is not None:
            edge_keys = check_edges(mp, profile)
            check_vectors(mp, profiles.data_path(f"{profile}.edges.tsv"), edge_keys)
            if system in ("libketama", "libmemcached"):
                real_points = check_continuum(mp, profiles.data_path(f"{profile}.continuum.tsv"))
                print(f"  continuum (real): {len(mp.ring)} points; per server: {dict(real_points)}")
            else:
                print(f"  continuum (model): {len(mp.ring)} points; per server: "
                      f"{dict(Counter(mp.ring.owners))}")
        print(f"  keys per server: {dict(Counter(placed[profile].values()))}")

    check_ties()

    a, b = placed["twemproxy-loop6"], placed["libmemcached-loop6"]
    if a != b:
        fail("twemproxy-loop6 and libmemcached-loop6 disagree on "
             f"{sum(1 for k in a if a[k] != b.get(k))} keys")
    else:
        print("cross-check: twemproxy-loop6 == libmemcached-loop6 for all keys")

    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)
    print("all vectors match the reference models")


if __name__ == "__main__":
    main()
