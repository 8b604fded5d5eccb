#!/usr/bin/env python3
"""Independent reference models of the four placement algorithms.

This file re-implements, in plain Python and from the facts written down in
NOTES.md, how each deployed router places a key.  It is NOT used to produce
the vectors (those come from the real software, see gen_*.sh); it is used

* by ``find_edges.py`` to search for keys that land on interesting spots of
  each ring (exactly on a point, before the first point, after the last),
  which are then run through the real software like any other key; and
* by ``verify.py`` to check that these models reproduce every committed
  vector and continuum dump exactly, i.e. that NOTES.md is complete.

All arithmetic that the C code does in 32-bit ``float`` is emulated with
``f32()`` (round-to-nearest-even to binary32).  Python floats are binary64,
and every float operation below is applied to binary32 inputs and then
rounded once to binary32, which for + - * / gives exactly the IEEE binary32
result (binary64 has more than 2*24+2 significand bits, so the double
rounding is innocuous).
"""

import bisect
import hashlib
import math
import struct
import zlib


# --------------------------------------------------------------------------
# helpers

def f32(x):
    """Round a Python float (binary64) to the nearest binary32 value."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def md5_u32(data, alignment=0):
    """Bytes 4*alignment .. 4*alignment+3 of MD5(data) as a little-endian u32."""
    d = hashlib.md5(data).digest()
    return struct.unpack_from("<I", d, 4 * alignment)[0]


def md5_points(data):
    """The four little-endian u32 words of MD5(data)."""
    return list(struct.unpack("<4I", hashlib.md5(data).digest()))


def crc32(data):
    """Standard CRC-32 (IEEE 802.3, reflected, init/xorout 0xFFFFFFFF) = zlib's."""
    return zlib.crc32(data) & 0xFFFFFFFF


class Ring:
    """A sorted continuum: parallel lists of point values and owner labels."""

    def __init__(self, entries):
        # entries: list of (point, owner) ALREADY in the implementation's
        # final order.
        self.points = [p for p, _ in entries]
        self.owners = [o for _, o in entries]

    def __len__(self):
        return len(self.points)

    def first_at_or_after(self, h):
        """Owner of the first point >= h, wrapping to index 0 past the end.

        This is the lookup rule shared by libketama, libmemcached, twemproxy
        and nginx's consistent hash (each expressed differently in C)."""
        i = bisect.bisect_left(self.points, h)
        if i == len(self.points):
            i = 0
        return self.owners[i], self.points[i]


# --------------------------------------------------------------------------
# libketama (RJ/ketama, libketama/ketama.c)

def libketama_digests_per_server(weight, total_weight, nservers):
    """Number of MD5 digests ("ks") libketama takes for one server.

    C: float pct = (float)memory / (float)total;
       unsigned int ks = floorf(pct * 40.0 * (float)numservers);
    ``pct`` is a float; ``40.0`` is a double literal, so the product is
    computed in double and then converted to float for floorf()."""
    pct = f32(f32(weight) / f32(total_weight))
    prod = pct * 40.0 * float(f32(nservers))  # binary64, exact here
    return math.floor(f32(prod))


def libketama_ring(servers):
    """servers: list of (address, weight) in file order.  Owner = address."""
    total = sum(w for _, w in servers)
    n = len(servers)
    entries = []
    for addr, w in servers:
        ks = libketama_digests_per_server(w, total, n)
        for k in range(ks):
            for p in md5_points(f"{addr}-{k}".encode()):
                entries.append((p, addr))
    # qsort by point; glibc's qsort is a stable merge sort for arrays this
    # small, so equal points keep generation order.
    entries.sort(key=lambda e: e[0])
    return Ring(entries)


def libketama_hash(key):
    return md5_u32(key)


# --------------------------------------------------------------------------
# libmemcached (awesomized libmemcached 1.1.x, src/libmemcached/hosts.cc)
# and twemproxy (src/hashkit/nc_ketama.c).  Same construction; they differ
# only in how the per-server name is chosen and in tie ordering.

def weighted_ketama_hashes_per_server(weight, total_weight, nlive):
    """Number of MD5 digests (points / 4) per server, libmemcached & twemproxy.

    libmemcached: floor((float)(pct * 160 / 4 * (float)live + 0.0000000001F)) * 4
    twemproxy:    floorf((float)(pct * 160 / 4 * (float)live + 0.0000000001)) * 4
    with float pct = (float)weight / (float)total_weight.  Every step is a
    float operation (the int literals convert to float); the 1e-10 is far
    below half an ulp for any non-zero value, so it never changes anything
    except for an exact 0.  NOTE: this is double rounding (pct*160 is rounded
    to float, then *live is rounded again), unlike libketama."""
    pct = f32(f32(weight) / f32(total_weight))
    a = f32(pct * 160.0)
    b = f32(a / 4.0)
    c = f32(b * f32(nlive))
    d = f32(c + f32(1e-10))
    return math.floor(d)


def libmemcached_name(host, port):
    """Hash-input prefix for a server: "host" on port 11211 else "host:port"."""
    return host if port == 11211 else f"{host}:{port}"


def libmemcached_ring(servers):
    """servers: list of (host, port, weight) in insertion order.
    Owner = "host:port".  Points sorted by (value, server index)."""
    total = sum(w for _, _, w in servers)
    n = len(servers)
    entries = []
    for idx, (host, port, w) in enumerate(servers):
        nh = weighted_ketama_hashes_per_server(w, total, n)
        name = libmemcached_name(host, port)
        for k in range(nh):
            for p in md5_points(f"{name}-{k}".encode()):
                entries.append((p, idx, f"{host}:{port}"))
    entries.sort(key=lambda e: (e[0], e[1]))  # continuum_item_cmp: value, then index
    return Ring([(p, owner) for p, _, owner in entries])


def twemproxy_ring(servers):
    """servers: list of (host, port, weight, name_or_None) in config order.
    Owner = "host:port".  Name = explicit name, else host (port 11211) or
    host:port.  twemproxy sorts its servers by name (length first, then
    bytes) while validating the pool and keeps that order; points are
    generated in it and sorted by value only (ties: qsort order, which is
    generation order with glibc)."""
    total = sum(s[2] for s in servers)
    n = len(servers)
    named = [(name if name else libmemcached_name(host, port), host, port, w)
             for host, port, w, name in servers]
    named.sort(key=lambda s: (len(s[0].encode()), s[0].encode()))
    entries = []
    for label, host, port, w in named:
        nh = weighted_ketama_hashes_per_server(w, total, n)
        for k in range(nh):
            for p in md5_points(f"{label}-{k}".encode()):
                entries.append((p, f"{host}:{port}"))
    entries.sort(key=lambda e: e[0])
    return Ring(entries)


def md5_key_hash(key):
    """libmemcached MEMCACHED_HASH_MD5 / twemproxy hash: md5 key hash."""
    return md5_u32(key)


# --------------------------------------------------------------------------
# nginx ngx_http_upstream_hash_module

def nginx_split_server(server):
    """Split an upstream `server` argument the way init_chash does.

    "unix:" prefix -> host = rest, no port.  Otherwise scan from the end over
    ASCII digits; if a ':' is reached, host = before it, port = the digits;
    if a non-digit is reached first (or the string is all digits), host = the
    whole string, port = empty."""
    if len(server) >= 5 and server[:5].lower() == b"unix:":
        return server[5:], b""
    for j in range(len(server)):
        c = server[len(server) - j - 1:len(server) - j]
        if c == b":":
            return server[:len(server) - j - 1], server[len(server) - j:]
        if not (b"0" <= c <= b"9"):
            break
    return server, b""


def nginx_chash_ring(servers):
    """servers: list of (server_string_as_written, weight) in config order,
    one entry per *peer* (a name resolving to k addresses gives k peers with
    the same string).  Owner = the server string."""
    entries = []
    for server, w in servers:
        host, port = nginx_split_server(server.encode())
        base = host + b"\0" + port
        prev = 0
        for _ in range(160 * w):
            h = crc32(base + struct.pack("<I", prev))
            entries.append((h, server))
            prev = h
    entries.sort(key=lambda e: e[0])  # ngx_qsort == libc qsort
    # drop repeated hash values, keeping the first of each run
    dedup = []
    for e in entries:
        if not dedup or dedup[-1][0] != e[0]:
            dedup.append(e)
    return Ring(dedup)


def nginx_chash_lookup(ring, key):
    """hash = crc32(key); i = first point >= hash; server = points[i % n]."""
    return ring.first_at_or_after(crc32(key))[0]


def nginx_hash_lookup(servers, key):
    """Plain `hash $key;` (no `consistent`), first attempt with every peer up.

    h = (crc32(key) >> 16) & 0x7fff;  w = h % total_weight; then walk the
    peers in config order subtracting weights."""
    h = (crc32(key) >> 16) & 0x7FFF
    total = sum(w for _, w in servers)
    w = h % total
    for server, weight in servers:
        if w < weight:
            return server
        w -= weight
    raise AssertionError("unreachable")
