#!/usr/bin/env bash
# gen_libmemcached.sh -- vectors from the system libmemcached (Debian
# package libmemcached-dev / libmemcached11, "libmemcached-awesome") with
# MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED.  No memcached server is needed: the
# placement is computed by the client library alone.
#
#   ./gen_libmemcached.sh
#
# Produces, for each profile P in libmemcached-lan5 libmemcached-loop6:
#   P.tsv            key -> server for keys.txt (key, key_hash, server_index, server)
#   P.edges.tsv      same columns for edges/P.keys.tsv
#   P.continuum.tsv  the sorted continuum (index, point, server_index, server)
# Server lists: tests/data/compat/servers/P.servers.tsv (insertion order).

source "$(dirname "$0")/common.sh"
need_cmd gcc pkg-config
pkg-config --exists libmemcached || die "libmemcached development files missing (apt-get install libmemcached-dev)"

B="$COMPAT_BUILD/libmemcached"
mkdir -p "$B"
gcc -W -Wall -Werror -O2 -o "$B/memc_driver" "$COMPAT_SCRIPTS/memc_driver.c" \
    $(pkg-config --cflags --libs libmemcached)
DRIVER="$B/memc_driver"
log "libmemcached $(pkg-config --modversion libmemcached); package $(dpkg-query -W -f='${Version}' libmemcached-dev 2>/dev/null || echo '?')"

for P in libmemcached-lan5 libmemcached-loop6; do
    servers="$COMPAT_DATA/servers/$P.servers.tsv"
    "$DRIVER" info "$servers" >&2
    "$DRIVER" continuum "$servers" > "$COMPAT_DATA/$P.continuum.tsv"
    "$DRIVER" lookup "$servers" "$KEYS" > "$COMPAT_DATA/$P.tsv"
    "$DRIVER" lookup "$servers" "$(edge_keys_file "$P")" > "$COMPAT_DATA/$P.edges.tsv"
    log "$P: $(($(wc -l < "$COMPAT_DATA/$P.tsv") - 1)) keys, $(($(wc -l < "$COMPAT_DATA/$P.continuum.tsv") - 1)) points"
done
