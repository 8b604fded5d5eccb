#!/usr/bin/env bash
# gen_twemproxy.sh -- vectors from a running twemproxy (Debian package
# nutcracker) with "distribution: ketama" and "hash: md5".
#
#   ./gen_twemproxy.sh
#
# Starts six memcached instances on loopback (127.0.0.1:11211,
# 127.0.0.2:11211, 127.0.0.1:21212, 127.0.0.3:21213, 127.0.0.1:21214,
# 127.0.0.1:21215), then for each pool config
# tests/data/compat/servers/P.yml (P in twemproxy-loop6,
# twemproxy-loop6-named) starts nutcracker on 127.0.0.1:22121, stores every
# key through it and asks each memcached directly which keys it holds
# (twemproxy_probe.py).  Everything it started is stopped on exit, also on
# failure.
#
# Produces P.tsv (keys.txt) and P.edges.tsv (edges/P.keys.tsv), columns
# key, server -- server written as in the pool ("host:port").

source "$(dirname "$0")/common.sh"
need_cmd memcached nutcracker python3

RUN="$COMPAT_BUILD/twemproxy-run"
rm -rf "$RUN"
mkdir -p "$RUN"

BACKENDS=(127.0.0.1:11211 127.0.0.2:11211 127.0.0.1:21212 127.0.0.3:21213 127.0.0.1:21214 127.0.0.1:21215)
PROXY=127.0.0.1:22121
STATS=127.0.0.1:22223

cleanup() {
    local f
    for f in "$RUN"/*.pid; do
        [ -e "$f" ] && stop_pidfile "$f"
    done
}
trap cleanup EXIT

require_free "${BACKENDS[@]}" "$PROXY" "$STATS"

for hp in "${BACKENDS[@]}"; do
    # -U 0: no UDP; -d: daemon; -P: pid file; running as root needs -u
    memcached -d -u root -U 0 -m 64 -l "${hp%:*}" -p "${hp##*:}" -P "$RUN/memcached-$hp.pid"
done
for hp in "${BACKENDS[@]}"; do wait_listening "$hp"; done
log "memcached $(memcached -V | cut -d' ' -f2) running on ${BACKENDS[*]}"

for P in twemproxy-loop6 twemproxy-loop6-named; do
    conf="$COMPAT_DATA/servers/$P.yml"
    nutcracker -t -c "$conf" >&2
    nutcracker -d -c "$conf" -o "$RUN/$P.log" -p "$RUN/nutcracker.pid" \
        -s "${STATS##*:}" -a "${STATS%:*}"
    wait_listening "$PROXY"
    log "$(nutcracker -V 2>&1 | head -1) running $conf"

    # label (as written in the pool) = where that memcached listens;
    # "localhost" is connected to as 127.0.0.1.
    map=""
    while read -r label; do
        map+="${map:+,}$label=${label/localhost/127.0.0.1}"
    done < <(sed -n 's/^ *- *\([^ :]*:[0-9]*\):[0-9]*.*$/\1/p' "$conf")

    python3 "$COMPAT_SCRIPTS/twemproxy_probe.py" "$PROXY" "$map" "$KEYS" "$COMPAT_DATA/$P.tsv"
    python3 "$COMPAT_SCRIPTS/twemproxy_probe.py" "$PROXY" "$map" "$(edge_keys_file "$P")" \
        "$COMPAT_DATA/$P.edges.tsv"

    stop_pidfile "$RUN/nutcracker.pid"
done
