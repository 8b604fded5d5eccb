#!/usr/bin/env bash
# gen_libketama.sh -- vectors from the real libketama C library (last.fm,
# github.com/RJ/ketama, directory libketama/).
#
# libketama is not packaged by Debian, so its source is NOT vendored here:
# point LIBKETAMA_SRC at a checkout of RJ/ketama (the directory that
# contains libketama/ketama.c and libketama/ketama.h).  The vectors in
# tests/data/compat were made from ketama.c at commit
# 175733dcb5716c3d6ba44d9b27a02e144fb4bbe6 and ketama.h at commit
# d5c60be2b9e3c2b1abb96e0eeaeeb83cba8be1f2 (sha256 sums in VERSIONS.md;
# this script prints the sums of what it builds).
#
#   LIBKETAMA_SRC=/path/to/ketama ./gen_libketama.sh
#
# Build: as upstream's libketama/Makefile (gcc -fPIC -O3; -W -Wall but
# without -Werror, which modern gcc trips on).  If libketama/md5.c and
# md5.h are present they are used; otherwise ketama_md5_shim.{h,c}
# provides the same md5_* functions on OpenSSL (identical digests).
# Before producing vectors we run upstream's own regression check (the
# md5sum that libketama/test.sh expects from ketama_test over keys
# "0".."999999") so a bad build cannot produce vectors.
#
# Produces, for each profile P in libketama-lan5 libketama-upstream8:
#   P.tsv            key -> server for keys.txt   (key, key_hash, point, server)
#   P.edges.tsv      same columns for edges/P.keys.tsv
#   P.continuum.tsv  the sorted continuum        (index, point, server)
# and libketama-digests.tsv: MD5 digests of "<addr>-<k>" as 4 LE u32 points.

source "$(dirname "$0")/common.sh"
need_cmd gcc python3 md5sum sha256sum

: "${LIBKETAMA_SRC:?set LIBKETAMA_SRC to a checkout of RJ/ketama (see the header of this script)}"
SRC="$LIBKETAMA_SRC/libketama"
[ -f "$SRC/ketama.c" ] && [ -f "$SRC/ketama.h" ] || die "$SRC/ketama.c or ketama.h not found"

B="$COMPAT_BUILD/libketama"
rm -rf "$B"
mkdir -p "$B"
cp "$SRC/ketama.c" "$SRC/ketama.h" "$B/"
log "ketama.c sha256 $(sha256sum "$B/ketama.c" | cut -d' ' -f1)"
log "ketama.h sha256 $(sha256sum "$B/ketama.h" | cut -d' ' -f1)"

if [ -f "$SRC/md5.c" ] && [ -f "$SRC/md5.h" ]; then
    log "using upstream md5.c"
    cp "$SRC/md5.c" "$SRC/md5.h" "$B/"
    MD5_OBJ=md5.c
    MD5_LIBS=""
else
    log "upstream md5.c not present: using ketama_md5_shim.c (OpenSSL MD5)"
    cp "$COMPAT_SCRIPTS/ketama_md5_shim.h" "$B/md5.h"
    cp "$COMPAT_SCRIPTS/ketama_md5_shim.c" "$B/md5.c"
    MD5_OBJ=md5.c
    MD5_LIBS="-lcrypto"
fi

(
    cd "$B"
    gcc -fPIC -W -Wall -O3 -c "$MD5_OBJ" -o md5.o 2>/dev/null
    gcc -fPIC -W -Wall -O3 -c ketama.c -o ketama.o 2>build-warnings.txt
    gcc -shared -Wl,-soname,libketama.so.1 -o libketama.so.1 ketama.o md5.o -lm $MD5_LIBS
    gcc -W -Wall -O2 -I. -o ketama_driver "$COMPAT_SCRIPTS/ketama_driver.c" ./libketama.so.1 \
        -Wl,-rpath,"$B"
)
DRIVER="$B/ketama_driver"
log "built $DRIVER with $(gcc --version | head -1)"

# libketama caches the continuum in SysV shm keyed by ftok(file) and only
# rebuilds it when the file's mtime changes; always hand it a fresh copy
# (the driver removes its shm segments/semaphores when done).
fresh_copy() {
    local f
    f="$(mktemp "$B/servers.XXXXXX")"
    cp "$1" "$f"
    printf '%s\n' "$f"
}

# 1. upstream regression check (libketama/test.sh): ketama_test output over
#    RJ/ketama's ketama.servers must hash to this md5.  Our
#    libketama-upstream8.servers lists the same servers and weights.
EXPECTED_SELFTEST=5672b131391f5aa2b280936aec1eea74
s="$(fresh_copy "$COMPAT_DATA/servers/libketama-upstream8.servers")"
got="$("$DRIVER" selftest "$s" | md5sum | cut -d' ' -f1)"
rm -f "$s"
[ "$got" = "$EXPECTED_SELFTEST" ] || die "libketama self-test md5 $got != $EXPECTED_SELFTEST: bad build"
log "upstream self-test OK ($got)"

# 2. vectors
for P in libketama-lan5 libketama-upstream8; do
    servers="$COMPAT_DATA/servers/$P.servers"
    s="$(fresh_copy "$servers")"
    "$DRIVER" continuum "$s" > "$COMPAT_DATA/$P.continuum.tsv"
    rm -f "$s"
    s="$(fresh_copy "$servers")"
    "$DRIVER" lookup "$s" "$KEYS" > "$COMPAT_DATA/$P.tsv"
    rm -f "$s"
    s="$(fresh_copy "$servers")"
    "$DRIVER" lookup "$s" "$(edge_keys_file "$P")" > "$COMPAT_DATA/$P.edges.tsv"
    rm -f "$s"
    log "$P: $(($(wc -l < "$COMPAT_DATA/$P.tsv") - 1)) keys, $(($(wc -l < "$COMPAT_DATA/$P.continuum.tsv") - 1)) points"
done

# 3. golden digests: for every server of libketama-lan5, "<addr>-0" and
#    "<addr>-1" (the first two digests, i.e. the first 8 points).
mapfile -t ADDRS < <(grep -v '^#' "$COMPAT_DATA/servers/libketama-lan5.servers" | cut -f1)
inputs=()
for a in "${ADDRS[@]}"; do inputs+=("$a-0" "$a-1"); done
"$DRIVER" digest "${inputs[@]}" > "$COMPAT_DATA/libketama-digests.tsv"
log "wrote libketama-digests.tsv"
