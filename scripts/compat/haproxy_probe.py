#!/usr/bin/env python3
"""haproxy_probe.py -- asks a running haproxy which server it picks per key.

    haproxy_probe.py PORT KEYS BACKEND...
    haproxy_probe.py --source PORT ADDRESSES BACKEND...

Sends, over one keep-alive connection, `GET / HTTP/1.1` with
`X-Backend: <backend>` (the frontend's use_backend) and `X-Key: <key>`
(what the backend balances on) for every key of KEYS (one a line, raw
bytes, an empty line is the empty key), in batches of pipelined requests.
The backend names the server it chose in the `X-Srv` response header.
Prints `key<TAB>server-for-backend-1<TAB>...` with a header line.

With --url, the key is also sent as `/?key=<key>` (for `balance url_param
key`), for the keys that need no escaping there (printable ASCII without
`#`, `&`, `%`) and are not empty.

With --source, ADDRESSES lists loopback IPv4 addresses (127.0.0.0/8, one a
line); for each, one connection bound to that source address sends one
request per backend (for `balance source`), and the first column is the
address.
"""
import socket
import sys

BATCH = 200


def ask(sock, reader, backend, keys, in_url=False):
    out = []
    for start in range(0, len(keys), BATCH):
        batch = keys[start:start + BATCH]
        sock.sendall(b"".join(
            b"GET /?key=" + (key if in_url else b"") + b" HTTP/1.1\r\nHost: probe\r\nX-Backend: "
            + backend.encode() + b"\r\nX-Key: " + key + b"\r\n\r\n" for key in batch))
        for _ in batch:
            status = reader.readline()
            if not status.startswith(b"HTTP/1.1 200"):
                sys.exit(f"unexpected status {status!r} from backend {backend}")
            server, length = None, 0
            while True:
                line = reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"x-srv":
                    server = value.strip().decode()
                elif name == b"content-length":
                    length = int(value)
            reader.read(length)
            if server is None:
                sys.exit(f"no X-Srv header from backend {backend}")
            out.append(server)
    return out


def by_source(port, addresses_file, backends):
    with open(addresses_file) as f:
        addresses = [line.strip() for line in f if line.strip()]
    sys.stdout.write("address\t" + "\t".join(backends) + "\n")
    for address in addresses:
        sock = socket.create_connection(("127.0.0.1", port), source_address=(address, 0))
        reader = sock.makefile("rb")
        picks = [ask(sock, reader, backend, [b""])[0] for backend in backends]
        sock.close()
        sys.stdout.write(address + "\t" + "\t".join(picks) + "\n")


def main():
    in_url = sys.argv[1] == "--url"
    if in_url:
        del sys.argv[1]
    if sys.argv[1] == "--source":
        by_source(int(sys.argv[2]), sys.argv[3], sys.argv[4:])
        return
    port, keys_file, backends = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    with open(keys_file, "rb") as f:
        keys = f.read().split(b"\n")
    if keys and keys[-1] == b"":
        keys.pop()
    for key in keys:
        if any(c in key for c in b"\r\n\t"):
            sys.exit(f"key {key!r} cannot be sent in a header")
    sock = socket.create_connection(("127.0.0.1", port))
    reader = sock.makefile("rb")
    if in_url:
        # Only keys that need no escaping in a request line's query.
        keys = [k for k in keys if k and all(33 <= c < 127 and c not in b"#&%" for c in k)]
    columns = [ask(sock, reader, backend, keys, in_url) for backend in backends]
    sys.stdout.buffer.write(b"key\t" + "\t".join(backends).encode() + b"\n")
    for i, key in enumerate(keys):
        sys.stdout.buffer.write(key + b"\t" + "\t".join(c[i] for c in columns).encode() + b"\n")


if __name__ == "__main__":
    main()
