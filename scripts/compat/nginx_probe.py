#!/usr/bin/env python3
"""Ask a running nginx which upstream server it picks for each key.

Usage:
  nginx_probe.py FRONT_HOST:PORT KEYS_FILE OUT_TSV

For every key K (one per line of KEYS_FILE, UTF-8), sends

    GET /?key=K HTTP/1.1

on one keep-alive connection (requests pipelined in batches), with the
bytes of K written into the request line *verbatim*: no percent-encoding.
nginx's $arg_key is the raw argument text (it is not URL-decoded), so the
bytes nginx hashes are exactly the bytes of K.  Keys must therefore not
contain space, '&', '#', '%', '+' or control characters (gen_keys.py
guarantees this).  Empty keys are refused: nginx does not hash an empty
key, it falls back to round robin.

The backend behind the proxy answers with its upstream server string (see
tests/data/compat/servers/nginx-hash.conf); any status other than 200
aborts the run.

Writes OUT_TSV with the header "key<TAB>server".
"""

import socket
import sys

BATCH = 100
FORBIDDEN = set(b" &#%+\t\r\n") | set(range(0, 32)) | {127}


class HttpConn:
    def __init__(self, hostport):
        host, port = hostport.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.buf = b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by nginx")
        self.buf += chunk

    def read_response(self):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ")[1])
        headers = {}
        for line in lines[1:]:
            name, value = line.split(b":", 1)
            headers[name.strip().lower()] = value.strip()
        if b"content-length" not in headers:
            raise RuntimeError(f"no Content-Length in response: {head!r}")
        n = int(headers[b"content-length"])
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, body


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    front, keys_path, out_path = sys.argv[1:]
    with open(keys_path, "rb") as f:
        keys = [line.rstrip(b"\n") for line in f]
    for k in keys:
        if not k:
            sys.exit("empty key: nginx would use round robin, not the hash")
        bad = FORBIDDEN.intersection(k)
        if bad:
            sys.exit(f"key {k!r} contains bytes nginx would not pass through verbatim: {bad}")

    conn = HttpConn(front)
    answers = []
    for i in range(0, len(keys), BATCH):
        batch = keys[i:i + BATCH]
        conn.sock.sendall(b"".join(
            b"GET /?key=" + k + b" HTTP/1.1\r\nHost: compat\r\n\r\n" for k in batch))
        for k in batch:
            status, headers, body = conn.read_response()
            if status != 200:
                sys.exit(f"key {k!r}: HTTP {status} (upstream {headers.get(b'x-upstream-addr')!r})")
            answers.append(body)

    with open(out_path, "wb") as out:
        out.write(b"key\tserver\n")
        for k, server in zip(keys, answers):
            out.write(k + b"\t" + server + b"\n")
    counts = {}
    for s in answers:
        counts[s.decode()] = counts.get(s.decode(), 0) + 1
    print(f"{out_path}: {len(keys)} keys; per server: {counts}")


if __name__ == "__main__":
    main()
