#!/usr/bin/env bash
# Stop the single-node Grid Engine started by sge-up.sh: execd (and its jobs), then
# qmaster. Bounded: a daemon that does not stop gets SIGTERM, then SIGKILL (by pid).
# Stale pid files are removed. Safe to run when nothing is running.
set -euo pipefail

LOG_TAG=sge-down
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"

export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
SPOOL=/var/spool/gridengine
START_MS=$(now_ms)
require_root
HOST=$(hostname)
# execd's spool dir is named after the name its address resolves to (maybe not $HOST)
EXECD_PIDFILES=("$SPOOL/execd/$HOST/execd.pid" "$SPOOL"/execd/*/execd.pid)
QMASTER_PIDFILES=("$SPOOL/qmaster/qmaster.pid" /run/gridengine/qmaster.pid)

if ! command -v qconf >/dev/null; then
    log "gridengine is not installed: nothing to stop"
    exit 0
fi

qmaster_up() { timeout 15 qconf -sh >/dev/null 2>&1; }

# execd: ask qmaster to shut it down (killing its jobs), else signal it by pid
epid=""
for f in "${EXECD_PIDFILES[@]}"; do
    epid=$(pid_of_daemon "$f" sge_execd) && break
done
if [ -n "$epid" ]; then
    if qmaster_up; then
        log "stopping sge_execd on $HOST (pid $epid): qconf -kej $HOST"
        timeout 15 qconf -kej "$HOST" >&2 || log "qconf -kej failed; will signal pid $epid"
    else
        log "qmaster unreachable: sending SIGTERM to sge_execd (pid $epid)"
        kill -TERM "$epid" 2>/dev/null || true
    fi
    stop_pid "$epid" sge_execd 20
    log "sge_execd stopped"
else
    log "sge_execd not running"
fi
rm -f "${EXECD_PIDFILES[@]}"

# qmaster
qpid=""
for f in "${QMASTER_PIDFILES[@]}"; do
    qpid=$(pid_of_daemon "$f" sge_qmaster) && break
done
if [ -n "$qpid" ]; then
    log "stopping sge_qmaster (pid $qpid): qconf -km"
    timeout 15 qconf -km >&2 || { log "qconf -km failed: sending SIGTERM"; kill -TERM "$qpid" 2>/dev/null || true; }
    stop_pid "$qpid" sge_qmaster 30
    log "sge_qmaster stopped"
else
    log "sge_qmaster not running"
fi
rm -f "${QMASTER_PIDFILES[@]}"

# daemons started some other way (no pid file we know): report, do not guess-kill
left=$(live_pids sge_qmaster sge_execd | tr '\n' ' ')
if [ -n "$left" ]; then
    die "Grid Engine daemons without a known pid file still run (pids: $left); stop them by hand"
fi
log "Grid Engine stopped in $(( ($(now_ms) - START_MS) / 1000 )) s"
