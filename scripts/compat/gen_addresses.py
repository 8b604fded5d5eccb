#!/usr/bin/env python3
"""The client addresses probed through nginx ip_hash.

Usage: gen_addresses.py OUT_FILE

Deterministic (a fixed LCG, no library randomness): 3000 IPv4 addresses
spread over the whole space, 1500 IPv6 addresses, then hand-picked edges:
0.0.0.0, 255.255.255.254 (not 255.255.255.255: nginx's address parser
returns INADDR_NONE for it, so realip refuses the header and nginx hashes
the connection's 127.0.0.1 instead), addresses that differ only in the last octet
(ip_hash ignores it), ::, ::1, the all-ones address, IPv4-mapped IPv6
(hashed as 16 bytes, not as IPv4), and 300 loopback addresses
"bind:127.<a>.<b>.<c>" that the probe uses as the real source address of
its connection instead of sending a header.
"""

import ipaddress
import sys


def lcg(state):
    while True:
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        yield state >> 16


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    rand = lcg(16)
    out = []
    for _ in range(3000):
        out.append(str(ipaddress.IPv4Address(next(rand) & 0xFFFFFFFF)))
    for _ in range(1500):
        value = (next(rand) << 80) ^ (next(rand) << 32) ^ next(rand)
        out.append(str(ipaddress.IPv6Address(value & ((1 << 128) - 1))))
    out += ["0.0.0.0", "255.255.255.254", "255.255.255.0", "10.1.2.3", "10.1.2.254", "10.1.3.3",
            "192.168.0.1", "192.168.0.2", "::", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "::ffff:10.1.2.3", "::ffff:192.168.0.1", "2001:db8::1", "2001:db8::2", "fe80::1"]
    for i in range(300):
        value = next(rand)
        out.append(f"bind:127.{value >> 16 & 255}.{value >> 8 & 255}.{1 + value % 254}")
    seen, unique = set(), []
    for a in out:
        if a not in seen:
            seen.add(a)
            unique.append(a)
    with open(sys.argv[1], "w") as f:
        f.write("\n".join(unique) + "\n")
    print(f"{sys.argv[1]}: {len(unique)} addresses")


if __name__ == "__main__":
    main()
