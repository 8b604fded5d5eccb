#!/usr/bin/env bash
# gen_libmemcached_unweighted.sh -- vectors from the system libmemcached
# for ketama *without* weighting: MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED set,
# then MEMCACHED_BEHAVIOR_DISTRIBUTION = MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA,
# which turns weighting off and keeps the MD5 hashes (memc_driver.c with
# MEMC_DISTRIBUTION=ketama).  No memcached server is needed.
#
#   ./gen_libmemcached_unweighted.sh
#
# Produces (P = libmemcached-unweighted-loop6):
#   P.continuum.tsv        the library's sorted continuum (100 points a server)
#   edges/P.keys.tsv       edge keys chosen from that dump (edges_from_continuum.py)
#   P.tsv, P.edges.tsv     key -> server for keys.txt and the edge keys
#   P.trap.tsv             weighting before and after adding a server of weight 2
#   ties-unweighted.keys.tsv, ties-unweighted.tsv
#                          two servers sharing a point, who gets its keys in
#                          both orders (find_unweighted_ties.py)

source "$(dirname "$0")/common.sh"
need_cmd gcc pkg-config python3
pkg-config --exists libmemcached || die "libmemcached development files missing (apt-get install libmemcached-dev)"

B="$COMPAT_BUILD/libmemcached"
mkdir -p "$B"
gcc -W -Wall -Werror -O2 -o "$B/memc_driver" "$COMPAT_SCRIPTS/memc_driver.c" \
    $(pkg-config --cflags --libs libmemcached)
gcc -O2 -W -Wall -o "$COMPAT_BUILD/edge_search" "$COMPAT_SCRIPTS/edge_search.c" -lcrypto -lz
export MEMC_DISTRIBUTION=ketama
DRIVER="$B/memc_driver"
P=libmemcached-unweighted-loop6
servers="$COMPAT_DATA/servers/$P.servers.tsv"
"$DRIVER" info "$servers" >&2
"$DRIVER" continuum "$servers" > "$COMPAT_DATA/$P.continuum.tsv"
python3 "$COMPAT_SCRIPTS/edges_from_continuum.py" "$COMPAT_BUILD/edge_search" md5 "$P" \
    "$COMPAT_DATA/$P.continuum.tsv"
"$DRIVER" lookup "$servers" "$KEYS" > "$COMPAT_DATA/$P.tsv"
"$DRIVER" lookup "$servers" "$(edge_keys_file "$P")" > "$COMPAT_DATA/$P.edges.tsv"
"$DRIVER" trap "$servers" > "$COMPAT_DATA/$P.trap.tsv"

python3 "$COMPAT_SCRIPTS/find_unweighted_ties.py" "$COMPAT_DATA/ties-unweighted.keys.tsv"
T="$COMPAT_BUILD/ties-unweighted"
mkdir -p "$T"
tail -n +2 "$COMPAT_DATA/ties-unweighted.keys.tsv" | cut -f4 > "$T/keys.txt"
read -r a b _ < <(tail -n +2 "$COMPAT_DATA/ties-unweighted.keys.tsv" | head -1)
printf 'host\tport\tweight\n%s\t%s\t0\n%s\t%s\t0\n' "${a%:*}" "${a##*:}" "${b%:*}" "${b##*:}" > "$T/ab.tsv"
printf 'host\tport\tweight\n%s\t%s\t0\n%s\t%s\t0\n' "${b%:*}" "${b##*:}" "${a%:*}" "${a##*:}" > "$T/ba.tsv"
{
    printf 'order\tkey\tserver\n'
    for order in ab ba; do
        "$DRIVER" lookup "$T/$order.tsv" "$T/keys.txt" | tail -n +2 | cut -f1,4 | sed "s/^/$order\t/"
    done
} > "$COMPAT_DATA/ties-unweighted.tsv"
log "$P: $(($(wc -l < "$COMPAT_DATA/$P.tsv") - 1)) keys, $(($(wc -l < "$COMPAT_DATA/$P.continuum.tsv") - 1)) points"
