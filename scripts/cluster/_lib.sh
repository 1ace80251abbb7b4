# shellcheck shell=bash
# Helpers shared by the sge-*/slurm-* scripts in this folder. Sourced, never run.
# The caller sets LOG_TAG (e.g. "sge-up") before sourcing.

LOG_TAG=${LOG_TAG:-cluster}

log() { printf '[%s %s] %s\n' "$LOG_TAG" "$(date +%T)" "$*" >&2; }
die() { printf '[%s %s] ERROR: %s\n' "$LOG_TAG" "$(date +%T)" "$*" >&2; exit 1; }

require_root() {
    [ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages and starts daemons)"
}

# now_ms: wall clock in milliseconds (for timings and deadlines).
now_ms() { date +%s%3N; }

# at_exit 'SHELL CODE': run the code when the script exits (in order of registration).
_AT_EXIT=()
at_exit() { _AT_EXIT+=("$1"); }
_run_at_exit() {
    local c
    for c in "${_AT_EXIT[@]}"; do eval "$c" || true; done
}
trap _run_at_exit EXIT

# make_tmpdir: create a private temporary directory, removed at exit; sets TMPD.
make_tmpdir() {
    TMPD=$(mktemp -d "${TMPDIR:-/tmp}/makegen-cluster.XXXXXX")
    at_exit "rm -rf '$TMPD'"
}

# wait_for TIMEOUT_S CMD...: run CMD every 0.2 s until it succeeds; 1 on timeout.
wait_for() {
    local timeout_s=$1; shift
    local deadline=$(( $(now_ms) + timeout_s * 1000 ))
    while :; do
        if "$@" >/dev/null 2>&1; then return 0; fi
        (( $(now_ms) < deadline )) || return 1
        sleep 0.2
    done
}

# pid_of_daemon PIDFILE NAME: print the pid in PIDFILE if that process is alive and
# its command name is NAME; otherwise print nothing and return 1 (stale/missing file,
# or a dead daemon not yet reaped: this machine's PID 1 reaps orphans late).
pid_of_daemon() {
    local pidfile=$1 name=$2 pid comm
    [ -r "$pidfile" ] || return 1
    pid=$(tr -dc '0-9' < "$pidfile")
    [ -n "$pid" ] || return 1
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
    [ "$comm" = "$name" ] || return 1
    pid_gone "$pid" && return 1   # a zombie is not running
    printf '%s\n' "$pid"
}

# live_pids NAME...: pids of running (non-zombie) processes whose command name is
# exactly one of NAME (used to detect daemons, never to pick processes to kill).
live_pids() {
    local names=" $* "
    ps -eo pid=,stat=,comm= | awk -v names="$names" \
        'index(names, " " $3 " ") && $2 !~ /^Z/ {print $1}'
}

# pid_gone PID: true once PID no longer exists (or is a zombie).
pid_gone() {
    local state
    state=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 0
    [ -z "$state" ] || [ "$state" = Z ]
}

# stop_pid PID NAME GRACE_S: wait up to GRACE_S for PID to exit by itself, then
# SIGTERM, then SIGKILL. Only ever signals that one pid.
stop_pid() {
    local pid=$1 name=$2 grace=$3
    if wait_for "$grace" pid_gone "$pid"; then return 0; fi
    log "$name (pid $pid) still running after ${grace}s: sending SIGTERM"
    kill -TERM "$pid" 2>/dev/null || true
    if wait_for 10 pid_gone "$pid"; then return 0; fi
    log "$name (pid $pid) ignored SIGTERM for 10s: sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_for 5 pid_gone "$pid" || die "could not stop $name (pid $pid)"
}

# pkg_installed PKG: true if dpkg has PKG fully installed.
pkg_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# apt_install [apt-get install options...] -- PKG...: install the packages, running
# `apt-get update` first only when a package is unknown to apt's lists, and once more
# if the install fails (stale lists). Unreachable third-party sources are tolerated.
apt_install() {
    local opts=() pkgs=() updated=0
    while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    pkgs=("$@")
    export DEBIAN_FRONTEND=noninteractive
    local have
    have=$(apt-cache policy "${pkgs[@]}" 2>/dev/null \
        | awk '$1 == "Candidate:" && $2 != "(none)"' | wc -l)
    if [ "$have" -ne ${#pkgs[@]} ]; then
        log "apt lists do not know all of ${pkgs[*]}: running apt-get update"
        apt_update
        updated=1
    fi
    log "apt-get install ${opts[*]:+${opts[*]} }${pkgs[*]}"
    if ! apt-get install -y -q "${opts[@]}" "${pkgs[@]}" >&2; then
        [ "$updated" -eq 0 ] || die "apt-get install ${pkgs[*]} failed"
        log "apt-get install failed: running apt-get update and retrying once"
        apt_update
        apt-get install -y -q "${opts[@]}" "${pkgs[@]}" >&2 \
            || die "apt-get install ${pkgs[*]} failed"
    fi
}

apt_update() {
    # Third-party sources may be unreachable offline; apt-get still refreshes the
    # Debian lists. Fail later (at install) if the packages are really unavailable.
    apt-get update -q >&2 || log "apt-get update reported errors (continuing)"
}

# with_policy_rc_d CMD...: run CMD with /usr/sbin/policy-rc.d forbidding service
# starts (exit 101), so package postinst scripts never start daemons. An existing
# policy-rc.d is left as it is; one we create is removed afterwards.
with_policy_rc_d() {
    local f=/usr/sbin/policy-rc.d rc=0
    if [ -e "$f" ]; then
        "$@" || rc=$?
        return "$rc"
    fi
    log "creating temporary $f (exit 101) so the packages do not start daemons"
    printf '#!/bin/sh\n# temporary, created by makegen scripts/cluster\nexit 101\n' > "$f"
    chmod 755 "$f"
    # die() exits the shell: the exit hook removes the file on that path too.
    at_exit "rm -f $f"
    "$@" || rc=$?
    rm -f "$f"
    log "removed temporary $f"
    return "$rc"
}
