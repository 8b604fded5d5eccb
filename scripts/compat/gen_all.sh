#!/usr/bin/env bash
# gen_all.sh -- regenerate every compat vector set from real software, then
# check them against the reference models.
#
#   sudo ./install_deps.sh                       # once, Debian 12
#   LIBKETAMA_SRC=/path/to/RJ-ketama ./gen_all.sh
#
# Set SKIP_LIBKETAMA=1 to keep the committed libketama vectors when no
# RJ/ketama checkout is at hand.  Set COMPAT_BUILD to choose the scratch
# directory (default /tmp/routekit-compat-build).  Every server the scripts
# start is stopped again before they exit.
#
# Steps:
#   1. gen_keys.py         tests/data/compat/keys.txt (5000 keys)
#   2. find_edges.py       tests/data/compat/edges/*.keys.tsv (needs edge_search)
#   3. gen_libketama.sh    libketama-*.tsv           (real libketama)
#   4. gen_libmemcached.sh libmemcached-*.tsv        (system libmemcached)
#   5. gen_twemproxy.sh    twemproxy-*.tsv           (nutcracker + memcached)
#   6. gen_nginx.sh        nginx-*.tsv               (nginx)
#   7. find_ties.py        ties.keys.tsv (two servers sharing a point)
#      gen_ties.sh         ties.tsv                  (all four, both orders)
#   8. verify.py           all vectors == model.py

source "$(dirname "$0")/common.sh"
need_cmd gcc python3

python3 "$COMPAT_SCRIPTS/gen_keys.py"

gcc -O2 -W -Wall -o "$COMPAT_BUILD/edge_search" "$COMPAT_SCRIPTS/edge_search.c" -lcrypto -lz
python3 "$COMPAT_SCRIPTS/find_edges.py" "$COMPAT_BUILD/edge_search" all

if [ "${SKIP_LIBKETAMA:-0}" = 1 ]; then
    log "SKIP_LIBKETAMA=1: keeping the committed libketama vectors"
else
    "$COMPAT_SCRIPTS/gen_libketama.sh"
fi
"$COMPAT_SCRIPTS/gen_libmemcached.sh"
"$COMPAT_SCRIPTS/gen_twemproxy.sh"
"$COMPAT_SCRIPTS/gen_nginx.sh"
python3 "$COMPAT_SCRIPTS/find_ties.py"
"$COMPAT_SCRIPTS/gen_ties.sh"
"$COMPAT_SCRIPTS/gen_haproxy.sh"

python3 "$COMPAT_SCRIPTS/verify.py"
