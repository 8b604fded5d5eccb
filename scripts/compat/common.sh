# common.sh -- shared helpers for the compat vector generators.
# Sourced by gen_*.sh; not meant to be run directly.

set -euo pipefail

COMPAT_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
COMPAT_DATA="$(cd "$COMPAT_SCRIPTS/../../tests/data/compat" && pwd)"
# Where helper binaries are built and servers keep their pid/log files.
# Nothing here is committed.
COMPAT_BUILD="${COMPAT_BUILD:-/tmp/routekit-compat-build}"
mkdir -p "$COMPAT_BUILD"

KEYS="$COMPAT_DATA/keys.txt"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

need_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || die "'$c' not found; run install_deps.sh first"
    done
}

# Edge-key list of a profile (first column of edges/<profile>.keys.tsv,
# header dropped) written to a file; prints the file name.
edge_keys_file() {
    local profile="$1" out="$COMPAT_BUILD/$1.edge-keys.txt"
    [ -f "$COMPAT_DATA/edges/$profile.keys.tsv" ] || die "missing edges/$profile.keys.tsv (run find_edges.py)"
    tail -n +2 "$COMPAT_DATA/edges/$profile.keys.tsv" | cut -f1 > "$out"
    printf '%s\n' "$out"
}

# port_busy HOST PORT: true if something accepts connections there.
port_busy() {
    python3 - "$1" "$2" <<'EOF'
import socket, sys
s = socket.socket()
s.settimeout(0.5)
sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)
EOF
}

require_free() {
    local hp
    for hp in "$@"; do
        if port_busy "${hp%:*}" "${hp##*:}"; then
            die "$hp is already in use. Stop whatever listens there (on a stock Debian install the
packaged services auto-start: 'systemctl stop memcached nginx nutcracker') and re-run."
        fi
    done
}

wait_listening() {
    local hp="$1" i
    for i in $(seq 1 100); do
        port_busy "${hp%:*}" "${hp##*:}" && return 0
        sleep 0.1
    done
    die "nothing listening on $hp after 10s"
}

# stop_pidfile FILE [SIGNAL]: signal the process named in FILE and wait for
# it to exit.  Only ever touches the pid we started.
stop_pidfile() {
    local f="$1" sig="${2:-TERM}" pid i
    [ -f "$f" ] || return 0
    pid="$(cat "$f")"
    if kill -0 "$pid" 2>/dev/null; then
        kill "-$sig" "$pid" 2>/dev/null || true
        for i in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            # a daemon re-parented to a non-reaping init stays a zombie: treat as gone
            [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = "Z" ] && break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && [ "$(ps -o stat= -p "$pid" | cut -c1)" != "Z" ] \
            && log "warning: pid $pid from $f still running"
    fi
    rm -f "$f"
}
