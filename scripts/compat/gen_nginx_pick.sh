#!/usr/bin/env bash
# gen_nginx_pick.sh -- vectors from a running nginx (Debian package nginx)
# for plain "hash $arg_key;" and "ip_hash;", with weights, every server up
# and with two servers marked down.
#
#   ./gen_nginx_pick.sh
#
# Runs nginx with tests/data/compat/servers/nginx-pick.conf (front ends on
# 127.0.0.1:18190-18193, backends on 127.0.0.1:18081, :18082, :18085,
# :18086, 127.0.0.2:80 and 127.0.0.3:18084), stopped on exit.
#
# Produces:
#   nginx-pick-hash.tsv, nginx-pick-hash-down.tsv   key, server   (keys.txt)
#   addresses.txt                                   gen_addresses.py
#   nginx-pick-ip.tsv, nginx-pick-ip-down.tsv       address, server

source "$(dirname "$0")/common.sh"
need_cmd nginx python3

CONF="$COMPAT_DATA/servers/nginx-pick.conf"
RUN="$COMPAT_BUILD/nginx-pick-run"
rm -rf "$RUN"
mkdir -p "$RUN"

cleanup() { stop_pidfile "$RUN/nginx.pid" QUIT; }
trap cleanup EXIT

require_free 127.0.0.1:18190 127.0.0.1:18191 127.0.0.1:18192 127.0.0.1:18193 \
    127.0.0.1:18081 127.0.0.1:18082 127.0.0.2:80 127.0.0.3:18084 127.0.0.1:18085 127.0.0.1:18086

python3 "$COMPAT_SCRIPTS/gen_addresses.py" "$COMPAT_DATA/addresses.txt"
nginx -t -q -p "$RUN" -c "$CONF" -e "$RUN/error.log"
nginx -p "$RUN" -c "$CONF" -e "$RUN/error.log"
for hp in 127.0.0.1:18190 127.0.0.1:18193 127.0.0.2:80 127.0.0.1:18086; do wait_listening "$hp"; done
log "$(nginx -v 2>&1) running $CONF"

cd "$COMPAT_SCRIPTS"
python3 nginx_probe.py 127.0.0.1:18190 "$KEYS" "$COMPAT_DATA/nginx-pick-hash.tsv"
python3 nginx_probe.py 127.0.0.1:18191 "$KEYS" "$COMPAT_DATA/nginx-pick-hash-down.tsv"
python3 ip_probe.py 127.0.0.1:18192 "$COMPAT_DATA/addresses.txt" "$COMPAT_DATA/nginx-pick-ip.tsv"
python3 ip_probe.py 127.0.0.1:18193 "$COMPAT_DATA/addresses.txt" "$COMPAT_DATA/nginx-pick-ip-down.tsv"

if grep -E '\[(error|crit|alert|emerg)\]' "$RUN/error.log" >&2; then
    die "nginx logged errors (see above); vectors may include fallbacks"
fi
