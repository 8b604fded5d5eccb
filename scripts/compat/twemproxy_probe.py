#!/usr/bin/env python3
"""Find out where twemproxy (nutcracker) puts each key, by asking memcached.

Usage:
  twemproxy_probe.py PROXY_HOST:PORT BACKENDS KEYS_FILE OUT_TSV

BACKENDS is a comma-separated list of  label=connect_host:port  pairs, one
per server line of the nutcracker pool, where *label* is how the server is
written in the pool ("host:port", e.g. "localhost:21215") and
connect_host:port is where its memcached really listens.

Procedure (memcached ASCII protocol, pipelined):
  1. "flush_all" on every backend directly;
  2. "set <key> 0 0 <n>" through the proxy for every key, value = the key
     itself; every reply must be STORED;
  3. "get <key>" for every key on every backend directly; the backends that
     return the key (with the right value) hold it.
Every key must be held by exactly one backend, otherwise we abort.

Writes OUT_TSV with the header "key<TAB>server", server = the label.
"""

import socket
import sys

BATCH = 200  # commands per pipelined round trip


class Conn:
    def __init__(self, hostport):
        host, port = hostport.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def readline(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def readexact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def close(self):
        self.sock.close()


def flush(hostport):
    c = Conn(hostport)
    c.send(b"flush_all\r\n")
    line = c.readline()
    if line != b"OK":
        raise RuntimeError(f"flush_all on {hostport}: {line!r}")
    c.close()


def set_all(proxy, keys):
    c = Conn(proxy)
    for i in range(0, len(keys), BATCH):
        batch = keys[i:i + BATCH]
        c.send(b"".join(b"set %s 0 0 %d\r\n%s\r\n" % (k, len(k), k) for k in batch))
        for k in batch:
            line = c.readline()
            if line != b"STORED":
                raise RuntimeError(f"set {k!r} via proxy: {line!r}")
    c.close()


def held_keys(hostport, keys):
    """Return the set of keys (bytes) that this memcached holds."""
    c = Conn(hostport)
    held = set()
    for i in range(0, len(keys), BATCH):
        batch = keys[i:i + BATCH]
        c.send(b"".join(b"get %s\r\n" % k for k in batch))
        for k in batch:
            line = c.readline()
            if line.startswith(b"VALUE "):
                _, rkey, _flags, nbytes = line.split(b" ")[:4]
                data = c.readexact(int(nbytes) + 2)[:-2]
                if rkey != k or data != k:
                    raise RuntimeError(f"{hostport}: unexpected item {rkey!r}={data!r} for {k!r}")
                held.add(k)
                line = c.readline()
            if line != b"END":
                raise RuntimeError(f"{hostport}: get {k!r}: {line!r}")
    c.close()
    return held


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    proxy, backends_arg, keys_path, out_path = sys.argv[1:]
    backends = []
    for item in backends_arg.split(","):
        label, hostport = item.split("=", 1)
        backends.append((label, hostport))

    with open(keys_path, "rb") as f:
        keys = [line.rstrip(b"\n") for line in f]
    if len(set(keys)) != len(keys):
        sys.exit("duplicate keys in " + keys_path)

    for _, hp in backends:
        flush(hp)
    set_all(proxy, keys)

    owner = {}
    for label, hp in backends:
        for k in held_keys(hp, keys):
            if k in owner:
                sys.exit(f"key {k!r} found on both {owner[k]} and {label}")
            owner[k] = label
    missing = [k for k in keys if k not in owner]
    if missing:
        sys.exit(f"{len(missing)} keys not found on any backend, e.g. {missing[:3]!r}")

    with open(out_path, "wb") as out:
        out.write(b"key\tserver\n")
        for k in keys:
            out.write(k + b"\t" + owner[k].encode() + b"\n")
    counts = {}
    for k in keys:
        counts[owner[k]] = counts.get(owner[k], 0) + 1
    print(f"{out_path}: {len(keys)} keys; per server: {counts}")


if __name__ == "__main__":
    main()
