#!/usr/bin/env bash
# install_deps.sh -- install everything the compat generators need on
# Debian 12 (bookworm).  Run as root.  The vectors were produced with the
# package versions listed in tests/data/compat/VERSIONS.md; a newer point
# release may be installed on your machine -- compare with VERSIONS.md.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
    build-essential pkg-config python3 \
    libssl-dev zlib1g-dev \
    libmemcached-dev \
    memcached nutcracker nginx haproxy socat

# Where an init system runs, Debian starts memcached (127.0.0.1:11211) and
# nginx (*:80) right after installing them.  The generators need those
# ports on loopback and refuse to start while they are taken; we do not stop
# services behind your back -- see README.md.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    echo "note: if memcached/nginx/nutcracker services are running, stop them before gen_all.sh:" >&2
    echo "      systemctl stop memcached nginx nutcracker" >&2
fi

dpkg-query -W -f='${Package}\t${Version}\n' \
    libmemcached-dev libmemcached11 memcached nutcracker nginx nginx-common libssl-dev zlib1g-dev gcc
