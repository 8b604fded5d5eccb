#!/usr/bin/env python3
"""Ask a running nginx (ip_hash behind the realip module) which upstream
server it picks for each client address.

Usage: ip_probe.py FRONT_HOST:PORT ADDRESSES_FILE OUT_TSV

For an address A, sends "GET / HTTP/1.1" with "X-Real-IP: A" on one
keep-alive connection; nginx's realip module (trusted from loopback, see
servers/nginx-pick.conf) makes A the request's client address, which is
what ip_hash hashes.  For "bind:127.x.y.z" the probe instead opens a new
connection from source address 127.x.y.z and sends no header, so the
address nginx hashes is the connection's own.  Writes "address<TAB>server".
"""

import socket
import sys

from nginx_probe import HttpConn

BATCH = 100


def ask(conn, requests):
    conn.sock.sendall(b"".join(requests))
    answers = []
    for _ in requests:
        status, _, body = conn.read_response()
        if status != 200:
            sys.exit(f"HTTP {status}")
        answers.append(body.decode())
    return answers


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    front, path, out_path = sys.argv[1:]
    with open(path) as f:
        addresses = [line.strip() for line in f if line.strip()]
    host, port = front.rsplit(":", 1)
    answers = {}
    headed = [a for a in addresses if not a.startswith("bind:")]
    conn = HttpConn(front)
    for i in range(0, len(headed), BATCH):
        batch = headed[i:i + BATCH]
        requests = [f"GET / HTTP/1.1\r\nHost: compat\r\nX-Real-IP: {a}\r\n\r\n".encode()
                    for a in batch]
        answers.update(zip(batch, ask(conn, requests)))
    for a in addresses:
        if a.startswith("bind:"):
            sock = socket.socket()
            sock.bind((a[5:], 0))
            sock.connect((host, int(port)))
            bound = HttpConn.__new__(HttpConn)
            bound.sock, bound.buf = sock, b""
            answers[a] = ask(bound, [b"GET / HTTP/1.1\r\nHost: compat\r\nConnection: close\r\n\r\n"])[0]
            sock.close()
    with open(out_path, "w") as out:
        out.write("address\tserver\n")
        for a in addresses:
            out.write(f"{a}\t{answers[a]}\n")
    print(f"{out_path}: {len(addresses)} addresses")


if __name__ == "__main__":
    main()
