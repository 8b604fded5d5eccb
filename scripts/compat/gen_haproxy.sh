#!/usr/bin/env bash
# gen_haproxy.sh -- vectors from Debian's haproxy (2.6): which server a
# backend picks for a key, for `hash-type consistent` and `hash-type
# map-based` with each hash function, with and without `avalanche`.
#
#   ./gen_haproxy.sh
#
# One haproxy process: a frontend on 127.0.0.1:18391 routes by the
# X-Backend request header to one backend per hashing setup, each with
# `balance hdr(X-Key)` over the servers of servers/haproxy.servers.tsv
# (name, explicit `id` or `-`, weight), all pointing at an echo frontend on
# 127.0.0.1:18390; the backend names its pick in an X-Srv response header.
# Produces:
#   haproxy-consistent.tsv  key, then the server per hash function
#   haproxy-map-based.tsv   key, then the server per hash function
#   haproxy-down.tsv        key, then the server with web-b and web-f
#                           `disabled`, consistent and map-based (sdbm)
#   haproxy-url-param.tsv   `balance url_param key` (bare consistent and
#                           map-based), the keys that need no URL escaping
#   haproxy-source.tsv      client address (haproxy-addresses.txt), then the
#                           server with `balance source`, bare and with sdbm
#   haproxy-ties.tsv        two servers whose ids differ by 2^20 (every
#                           point shared), in both orders
#   servers/haproxy.ids.tsv the ids and weights haproxy assigned
#                           (`show servers state`)
# Keys: the empty key, then keys.txt.

source "$(dirname "$0")/common.sh"
need_cmd haproxy python3 socat
require_free 127.0.0.1:18390 127.0.0.1:18391

B="$COMPAT_BUILD/haproxy"
mkdir -p "$B"
log "$(haproxy -v | head -1)"

SERVERS="$COMPAT_DATA/servers/haproxy.servers.tsv"
server_lines() {
    tail -n +2 "$SERVERS" | while IFS=$'\t' read -r name id weight; do
        printf '    server %s 127.0.0.1:18390 weight %s%s\n' "$name" "$weight" \
            "$([ "$id" = - ] || printf ' id %s' "$id")"
    done
}

CONSISTENT="sdbm djb2 wt6 crc32 sdbm-avalanche crc32-avalanche"
MAP="sdbm djb2 wt6 crc32 sdbm-avalanche crc32-avalanche"
{
    cat <<CFG
global
    stats socket $B/admin.sock mode 600 level admin
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend echo
    bind 127.0.0.1:18390
    http-request return status 200 content-type text/plain string ok
frontend probe
    bind 127.0.0.1:18391
    use_backend %[req.hdr(X-Backend)]
CFG
    for kind in consistent map-based; do
        for fn in $CONSISTENT; do
            printf 'backend %s-%s\n    balance hdr(X-Key)\n' "$kind" "$fn"
            printf '    hash-type %s %s\n' "$kind" "${fn/-/ }"
            printf '    http-response set-header X-Srv %%[srv_name]\n'
            server_lines
        done
    done
    # balance source: the client address (connections from 127.0.0.0/8).
    for kind in consistent map-based; do
        for fn in "" " sdbm"; do
            printf 'backend source-%s%s\n    balance source\n    hash-type %s%s\n' \
                "$kind" "${fn/ /-}" "$kind" "$fn"
            printf '    http-response set-header X-Srv %%[srv_name]\n'
            server_lines
        done
    done
    # balance url_param key: the key in the query string.
    for kind in consistent map-based; do
        printf 'backend url-param-%s\n    balance url_param key\n    hash-type %s\n' "$kind" "$kind"
        printf '    http-response set-header X-Srv %%[srv_name]\n'
        server_lines
    done
    # Two servers in maintenance (`disabled`): out of the ring or the map.
    for kind in consistent map-based; do
        printf 'backend down-%s\n    balance hdr(X-Key)\n    hash-type %s\n' "$kind" "$kind"
        printf '    http-response set-header X-Srv %%[srv_name]\n'
        server_lines | sed -E '/ (web-b|web-f) /s/$/ disabled/'
    done
    for order in ab ba; do
        printf 'backend ties-%s\n    balance hdr(X-Key)\n    hash-type consistent\n' "$order"
        printf '    http-response set-header X-Srv %%[srv_name]\n'
        if [ "$order" = ab ]; then
            printf '    server tie-a 127.0.0.1:18390 id 1\n    server tie-b 127.0.0.1:18390 id 1048577\n'
        else
            printf '    server tie-b 127.0.0.1:18390 id 1048577\n    server tie-a 127.0.0.1:18390 id 1\n'
        fi
    done
} > "$B/haproxy.cfg"

haproxy -c -q -f "$B/haproxy.cfg"
trap 'stop_pidfile "$B/haproxy.pid"' EXIT
haproxy -D -p "$B/haproxy.pid" -f "$B/haproxy.cfg"
wait_listening 127.0.0.1:18391

{ printf '\n'; cat "$KEYS"; } > "$B/keys-and-empty.txt"
backends() { local k="$1" fn; shift; for fn in "$@"; do printf '%s-%s ' "$k" "$fn"; done; }
# shellcheck disable=SC2046
python3 "$COMPAT_SCRIPTS/haproxy_probe.py" 18391 "$B/keys-and-empty.txt" $(backends consistent $CONSISTENT) \
    | sed '1s/consistent-//g' > "$COMPAT_DATA/haproxy-consistent.tsv"
# shellcheck disable=SC2046
python3 "$COMPAT_SCRIPTS/haproxy_probe.py" 18391 "$B/keys-and-empty.txt" $(backends map-based $MAP) \
    | sed '1s/map-based-//g' > "$COMPAT_DATA/haproxy-map-based.tsv"
python3 "$COMPAT_SCRIPTS/haproxy_probe.py" 18391 "$B/keys-and-empty.txt" down-consistent down-map-based \
    | sed '1s/down-//g' > "$COMPAT_DATA/haproxy-down.tsv"
python3 "$COMPAT_SCRIPTS/haproxy_probe.py" --url 18391 "$B/keys-and-empty.txt" \
    url-param-consistent url-param-map-based | sed '1s/url-param-//g' > "$COMPAT_DATA/haproxy-url-param.tsv"
# 2000 loopback client addresses, deterministic, spread over 127.0.0.0/8.
python3 - > "$COMPAT_DATA/haproxy-addresses.txt" <<'PY'
x = 12345
for i in range(2000):
    x = (x * 1103515245 + 12345) % 2**31
    print(f"127.{x >> 16 & 255}.{x >> 8 & 255}.{(x & 255) or 1}")
PY
python3 "$COMPAT_SCRIPTS/haproxy_probe.py" --source 18391 "$COMPAT_DATA/haproxy-addresses.txt" \
    source-consistent source-consistent-sdbm source-map-based source-map-based-sdbm \
    | sed '1s/source-//g' > "$COMPAT_DATA/haproxy-source.tsv"
head -n 200 "$B/keys-and-empty.txt" > "$B/tie-keys.txt"
python3 "$COMPAT_SCRIPTS/haproxy_probe.py" 18391 "$B/tie-keys.txt" ties-ab ties-ba \
    | sed '1s/ties-//g' > "$COMPAT_DATA/haproxy-ties.tsv"

# The ids and weights haproxy itself assigned (columns 4, 3 and 8 of
# `show servers state`: srv_name, srv_id, srv_uweight), for one backend.
{
    printf 'name\tid\tweight\n'
    echo "show servers state consistent-sdbm" | socat - "UNIX-CONNECT:$B/admin.sock" \
        | awk 'NF > 10 && $1 !~ /^#/ { printf "%s\t%s\t%s\n", $4, $3, $8 }'
} > "$COMPAT_DATA/servers/haproxy.ids.tsv"
log "wrote haproxy-{consistent,map-based,down,url-param,source,ties}.tsv and servers/haproxy.ids.tsv"
