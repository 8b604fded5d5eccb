#!/usr/bin/env bash
# gen_groupcache.sh -- vectors from groupcache's consistenthash package as
# Debian ships it (golang-github-golang-groupcache-dev, source under
# /usr/share/gocode), built with Debian's golang-go in GOPATH mode.
#
#   ./gen_groupcache.sh
#
# Produces, for P in groupcache-peers50 (50 replicas, groupcache's HTTPPool
# default, peers named by URL) and groupcache-r3 (3 replicas):
#   P.continuum.tsv    the Map's own sorted points and owners (read by reflect)
#   edges/P.keys.tsv   edge keys chosen from that dump (edges_from_continuum.py)
#   P.tsv, P.edges.tsv key, key_hash, server for keys.txt (and the empty key
#                      first) and for the edge keys
#   (groupcache-r3 has 64 servers, 192 points: the edge search needs
#   about 2^32/points hashes per on-point key)
#   ties-groupcache.keys.tsv, ties-groupcache.tsv
#                      two servers sharing a point (50 replicas), both orders

source "$(dirname "$0")/common.sh"
need_cmd go gcc python3
GC_SRC=/usr/share/gocode/src/github.com/golang/groupcache/consistenthash
[ -f "$GC_SRC/consistenthash.go" ] || die "groupcache source missing (apt-get install golang-github-golang-groupcache-dev)"

B="$COMPAT_BUILD/groupcache"
mkdir -p "$B"
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$B/gocache" \
    go build -o "$B/groupcache_driver" "$COMPAT_SCRIPTS/groupcache_driver.go"
gcc -O2 -W -Wall -o "$COMPAT_BUILD/edge_search" "$COMPAT_SCRIPTS/edge_search.c" -lcrypto -lz
DRIVER="$B/groupcache_driver"
log "$(go version); groupcache $(dpkg-query -W -f='${Version}' golang-github-golang-groupcache-dev 2>/dev/null || echo '?'); sha256 $(sha256sum "$GC_SRC/consistenthash.go" | cut -c1-16)"

# keys.txt with the empty key in front.
{ printf '\n'; cat "$KEYS"; } > "$B/keys-and-empty.txt"
for spec in groupcache-peers50:50 groupcache-r3:3; do
    P="${spec%:*}" R="${spec#*:}"
    servers="$COMPAT_DATA/servers/$P.servers"
    "$DRIVER" points "$R" "$servers" > "$COMPAT_DATA/$P.continuum.tsv"
    python3 "$COMPAT_SCRIPTS/edges_from_continuum.py" "$COMPAT_BUILD/edge_search" crc32 "$P" \
        "$COMPAT_DATA/$P.continuum.tsv"
    "$DRIVER" lookup "$R" "$servers" "$B/keys-and-empty.txt" > "$COMPAT_DATA/$P.tsv"
    "$DRIVER" lookup "$R" "$servers" "$(edge_keys_file "$P")" > "$COMPAT_DATA/$P.edges.tsv"
    log "$P: $(($(wc -l < "$COMPAT_DATA/$P.tsv") - 1)) keys, $(($(wc -l < "$COMPAT_DATA/$P.continuum.tsv") - 1)) points"
done

python3 "$COMPAT_SCRIPTS/find_crc_ties.py" 50 "$COMPAT_DATA/ties-groupcache.keys.tsv"
T="$B/ties"
mkdir -p "$T"
tail -n +2 "$COMPAT_DATA/ties-groupcache.keys.tsv" | cut -f4 > "$T/keys.txt"
read -r a b _ < <(tail -n +2 "$COMPAT_DATA/ties-groupcache.keys.tsv" | head -1)
printf '%s\n%s\n' "$a" "$b" > "$T/ab"
printf '%s\n%s\n' "$b" "$a" > "$T/ba"
{
    printf 'order\tkey\tserver\n'
    for order in ab ba; do
        "$DRIVER" lookup 50 "$T/$order" "$T/keys.txt" | tail -n +2 | cut -f1,3 | sed "s/^/$order\t/"
    done
} > "$COMPAT_DATA/ties-groupcache.tsv"
