#!/usr/bin/env bash
# gen_nginx.sh -- vectors from a running nginx (Debian package nginx) for
# the upstream directives "hash $arg_key consistent;" and "hash $arg_key;".
#
#   ./gen_nginx.sh
#
# Runs nginx with tests/data/compat/servers/nginx-hash.conf (front ends on
# 127.0.0.1:18080 (consistent) and 127.0.0.1:18090 (plain), backends on
# 127.0.0.1:18081, :18082, :18085, 127.0.0.2:80 and 127.0.0.3:18084, all in
# the same nginx), requests /?key=<key> for every key (nginx_probe.py) and
# records which backend answered.  nginx is stopped on exit, also on
# failure.
#
# Produces:
#   nginx-chash.tsv, nginx-chash.edges.tsv   key, server  (hash ... consistent)
#   nginx-hash.tsv                           key, server  (plain hash)
# server = the upstream `server` argument exactly as written in the config.

source "$(dirname "$0")/common.sh"
need_cmd nginx python3

CONF="$COMPAT_DATA/servers/nginx-hash.conf"
RUN="$COMPAT_BUILD/nginx-run"
rm -rf "$RUN"
mkdir -p "$RUN"

cleanup() { stop_pidfile "$RUN/nginx.pid" QUIT; }
trap cleanup EXIT

require_free 127.0.0.1:18080 127.0.0.1:18090 127.0.0.1:18081 127.0.0.1:18082 \
    127.0.0.2:80 127.0.0.3:18084 127.0.0.1:18085

nginx -t -q -p "$RUN" -c "$CONF" -e "$RUN/error.log"
nginx -p "$RUN" -c "$CONF" -e "$RUN/error.log"
for hp in 127.0.0.1:18080 127.0.0.1:18090 127.0.0.2:80; do wait_listening "$hp"; done
log "$(nginx -v 2>&1) running $CONF"

python3 "$COMPAT_SCRIPTS/nginx_probe.py" 127.0.0.1:18080 "$KEYS" "$COMPAT_DATA/nginx-chash.tsv"
python3 "$COMPAT_SCRIPTS/nginx_probe.py" 127.0.0.1:18080 "$(edge_keys_file nginx-chash)" \
    "$COMPAT_DATA/nginx-chash.edges.tsv"
python3 "$COMPAT_SCRIPTS/nginx_probe.py" 127.0.0.1:18090 "$KEYS" "$COMPAT_DATA/nginx-hash.tsv"

if grep -E '\[(error|crit|alert|emerg)\]' "$RUN/error.log" >&2; then
    die "nginx logged errors (see above); vectors may include fallbacks"
fi
