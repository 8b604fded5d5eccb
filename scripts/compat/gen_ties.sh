#!/usr/bin/env bash
# gen_ties.sh -- which server owns a point that two servers share, in each
# real system, with the two servers configured in both orders.
#
#   ./gen_ties.sh        (after gen_libketama.sh and gen_libmemcached.sh,
#                         which build the drivers it reuses)
#
# Input: tests/data/compat/ties.keys.tsv (find_ties.py): an MD5 pair of
# addresses and a CRC-32 pair of nginx servers whose points collide, and keys
# that land on the collision. For order "ab" the servers are configured as
# (server_a, server_b), for "ba" as (server_b, server_a), all of weight 1:
#
#   libketama     server file "server_a<TAB>1" ... (ketama_driver lookup)
#   libmemcached  host/port of each address, weight 1 (memc_driver lookup)
#   twemproxy     "- 127.0.0.1:21301:1 <server_a>" and
#                 "- 127.0.0.1:21302:1 <server_b>": the addresses are the
#                 servers' *names* (hashed instead of the backend address),
#                 each name staying with its own memcached in both orders
#   nginx         "server <server_a>; server <server_b>;" with
#                 hash $arg_key consistent; each backend answers its name
#
# Output: tests/data/compat/ties.tsv, "profile order key server", server =
# the address / name / server string that got the key.
#
# With SKIP_LIBKETAMA=1 the libketama rows of the committed ties.tsv are kept.

source "$(dirname "$0")/common.sh"
need_cmd memcached nutcracker nginx python3

INPUT="$COMPAT_DATA/ties.keys.tsv"
OUT="$COMPAT_DATA/ties.tsv"
RUN="$COMPAT_BUILD/ties-run"
rm -rf "$RUN"
mkdir -p "$RUN"

KETAMA_DRIVER="$COMPAT_BUILD/libketama/ketama_driver"
MEMC_DRIVER="$COMPAT_BUILD/libmemcached/memc_driver"
[ -x "$MEMC_DRIVER" ] || die "$MEMC_DRIVER not built (run gen_libmemcached.sh first)"

field() { awk -F'\t' -v set="$1" -v col="$2" 'NR > 1 && $1 == set { print $col; exit }' "$INPUT"; }
MD5_A="$(field md5 2)"; MD5_B="$(field md5 3)"
CRC_A="$(field crc32 2)"; CRC_B="$(field crc32 3)"
awk -F'\t' 'NR > 1 && $1 == "md5" { print $5 }' "$INPUT" > "$RUN/md5-keys.txt"
awk -F'\t' 'NR > 1 && $1 == "crc32" { print $5 }' "$INPUT" > "$RUN/crc-keys.txt"

TW_BACKENDS=(127.0.0.1:21301 127.0.0.1:21302)
TW_PROXY=127.0.0.1:22131
TW_STATS=127.0.0.1:22133
NGINX_FRONT=127.0.0.1:18180

cleanup() {
    local f
    for f in "$RUN"/*.pid "$RUN"/nginx-*/nginx.pid; do
        [ -e "$f" ] && stop_pidfile "$f" QUIT
    done
}
trap cleanup EXIT

require_free "${TW_BACKENDS[@]}" "$TW_PROXY" "$TW_STATS" "$NGINX_FRONT" "$CRC_A" "$CRC_B"

rows="$RUN/rows.tsv"
: > "$rows"
# emit PROFILE ORDER < "key<TAB>server" lines (header skipped)
emit() { tail -n +2 | awk -F'\t' -v p="$1" -v o="$2" '{ print p "\t" o "\t" $1 "\t" $NF }' >> "$rows"; }

for order in ab ba; do
    if [ "$order" = ab ]; then first="$MD5_A"; second="$MD5_B"; else first="$MD5_B"; second="$MD5_A"; fi

    # libketama (fresh server file: it caches the ring by file mtime)
    if [ "${SKIP_LIBKETAMA:-0}" != 1 ]; then
        [ -x "$KETAMA_DRIVER" ] || die "$KETAMA_DRIVER not built (run gen_libketama.sh first)"
        printf '%s\t1\n%s\t1\n' "$first" "$second" > "$RUN/libketama-$order.servers"
        "$KETAMA_DRIVER" lookup "$RUN/libketama-$order.servers" "$RUN/md5-keys.txt" | emit libketama "$order"
    fi

    # libmemcached
    printf 'host\tport\tweight\n%s\t%s\t1\n%s\t%s\t1\n' \
        "${first%:*}" "${first##*:}" "${second%:*}" "${second##*:}" > "$RUN/libmemcached-$order.tsv"
    "$MEMC_DRIVER" lookup "$RUN/libmemcached-$order.tsv" "$RUN/md5-keys.txt" | emit libmemcached "$order"
done

# twemproxy: each name keeps its backend; only the configuration order changes.
for hp in "${TW_BACKENDS[@]}"; do
    memcached -d -u root -U 0 -m 16 -l "${hp%:*}" -p "${hp##*:}" -P "$RUN/memcached-$hp.pid"
done
for hp in "${TW_BACKENDS[@]}"; do wait_listening "$hp"; done
line_a="- ${TW_BACKENDS[0]}:1 $MD5_A"
line_b="- ${TW_BACKENDS[1]}:1 $MD5_B"
for order in ab ba; do
    if [ "$order" = ab ]; then lines="   $line_a"$'\n'"   $line_b"; else lines="   $line_b"$'\n'"   $line_a"; fi
    conf="$RUN/twemproxy-$order.yml"
    cat > "$conf" <<EOF
ties:
  listen: $TW_PROXY
  hash: md5
  distribution: ketama
  auto_eject_hosts: false
  preconnect: false
  timeout: 3000
  servers:
$lines
EOF
    nutcracker -t -c "$conf" >&2
    nutcracker -d -c "$conf" -o "$RUN/nutcracker-$order.log" -p "$RUN/nutcracker.pid" \
        -s "${TW_STATS##*:}" -a "${TW_STATS%:*}"
    wait_listening "$TW_PROXY"
    python3 "$COMPAT_SCRIPTS/twemproxy_probe.py" "$TW_PROXY" \
        "$MD5_A=${TW_BACKENDS[0]},$MD5_B=${TW_BACKENDS[1]}" "$RUN/md5-keys.txt" "$RUN/twemproxy-$order.tsv"
    emit twemproxy "$order" < "$RUN/twemproxy-$order.tsv"
    stop_pidfile "$RUN/nutcracker.pid"
done

# nginx
for order in ab ba; do
    if [ "$order" = ab ]; then first="$CRC_A"; second="$CRC_B"; else first="$CRC_B"; second="$CRC_A"; fi
    prefix="$RUN/nginx-$order"
    mkdir -p "$prefix"
    cat > "$prefix/nginx.conf" <<EOF
worker_processes 1;
daemon on;
pid nginx.pid;
error_log error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    upstream chash {
        hash \$arg_key consistent;
        server $first;
        server $second;
    }
    server { listen $NGINX_FRONT; location / { proxy_pass http://chash; proxy_next_upstream off; } }
    server { listen $CRC_A; return 200 "$CRC_A"; }
    server { listen $CRC_B; return 200 "$CRC_B"; }
}
EOF
    nginx -t -q -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log"
    nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log"
    wait_listening "$NGINX_FRONT"
    python3 "$COMPAT_SCRIPTS/nginx_probe.py" "$NGINX_FRONT" "$RUN/crc-keys.txt" "$RUN/nginx-$order.tsv"
    emit nginx "$order" < "$RUN/nginx-$order.tsv"
    stop_pidfile "$prefix/nginx.pid" QUIT
    if grep -E '\[(error|crit|alert|emerg)\]' "$prefix/error.log" >&2; then
        die "nginx logged errors (see above)"
    fi
done

{
    printf 'profile\torder\tkey\tserver\n'
    if [ "${SKIP_LIBKETAMA:-0}" = 1 ]; then
        awk -F'\t' 'NR > 1 && $1 == "libketama"' "$OUT"
    fi
    cat "$rows"
} > "$RUN/ties.tsv"
# One stable order: by profile as listed, then order, then key list order.
python3 - "$RUN/ties.tsv" "$OUT" <<'EOF'
import sys
lines = open(sys.argv[1]).read().splitlines()
rank = {p: i for i, p in enumerate(["libketama", "libmemcached", "twemproxy", "nginx"])}
rows = [l.split("\t") for l in lines[1:]]
rows.sort(key=lambda r: (rank[r[0]], r[1]))  # stable: keeps key order
with open(sys.argv[2], "w") as f:
    f.write(lines[0] + "\n")
    for r in rows:
        f.write("\t".join(r) + "\n")
EOF
log "wrote $(($(wc -l < "$OUT") - 1)) rows to $OUT"
