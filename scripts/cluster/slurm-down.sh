#!/usr/bin/env bash
# Stop the single-node SLURM started by slurm-up.sh: slurmd, slurmctld, and munged if
# slurm-up.sh started it. Bounded: a daemon that does not stop gets SIGTERM, then
# SIGKILL (by pid, from its pid file). Safe to run when nothing is running.
#   --keep-munge   leave munged running (used by slurm-up.sh for a restart)
# Job state (pending jobs) is kept in /var/tmp/makegen-slurm/state for the next start.
set -euo pipefail

LOG_TAG=slurm-down
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"

D=/var/tmp/makegen-slurm
export SLURM_CONF=$D/slurm.conf
MUNGE_MARK=$D/run/munged.started-by-makegen
START_MS=$(now_ms)

keep_munge=0
for a in "$@"; do
    case $a in
        --keep-munge) keep_munge=1 ;;
        *) die "unknown argument '$a' (usage: slurm-down.sh [--keep-munge])" ;;
    esac
done
require_root

ctld=$(pid_of_daemon "$D/run/slurmctld.pid" slurmctld || true)
slurmd=$(pid_of_daemon "$D/run/slurmd.pid" slurmd || true)

if [ -n "$ctld" ]; then
    # shuts down slurmctld and every slurmd it knows
    log "stopping slurmctld (pid $ctld) and slurmd${slurmd:+ (pid $slurmd)}: scontrol shutdown"
    timeout 10 scontrol shutdown >&2 || {
        log "scontrol shutdown failed: sending SIGTERM"
        kill -TERM "$ctld" ${slurmd:+"$slurmd"} 2>/dev/null || true
    }
elif [ -n "$slurmd" ]; then
    log "slurmctld not running: sending SIGTERM to slurmd (pid $slurmd)"
    kill -TERM "$slurmd" 2>/dev/null || true
else
    log "slurmctld and slurmd not running"
fi
if [ -n "$slurmd" ]; then
    # a slurmd that missed the shutdown message gets SIGTERM after 10 s
    stop_pid "$slurmd" slurmd 10
    log "slurmd stopped"
fi
if [ -n "$ctld" ]; then
    stop_pid "$ctld" slurmctld 20
    log "slurmctld stopped"
fi
rm -f "$D/run/slurmctld.pid" "$D/run/slurmd.pid"

if [ "$keep_munge" -eq 0 ] && [ -e "$MUNGE_MARK" ]; then
    if mpid=$(pid_of_daemon /run/munge/munged.pid munged); then
        log "stopping munged (pid $mpid), started by slurm-up.sh"
        kill -TERM "$mpid" 2>/dev/null || true
        stop_pid "$mpid" munged 10
        log "munged stopped"
    else
        log "munged (started by slurm-up.sh) no longer running"
    fi
    rm -f "$MUNGE_MARK"
elif [ "$keep_munge" -eq 0 ]; then
    log "munged was not started by slurm-up.sh: leaving it alone"
fi

left=$(live_pids slurmctld slurmd | tr '\n' ' ')
if [ -n "$left" ]; then
    die "SLURM daemons without a pid file in $D/run still run (pids: $left); stop them by hand"
fi
log "SLURM stopped in $(( ($(now_ms) - START_MS) / 1000 )) s"
