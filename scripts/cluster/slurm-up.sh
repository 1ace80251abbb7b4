#!/usr/bin/env bash
# Install (if needed), configure and start a single-node SLURM on this machine: munged,
# slurmctld and slurmd, all from a private config in $MAKEGEN_SLURM_DIR (not /etc/slurm).
# Waits until the node is idle and a trivial job has run. Idempotent: on a running
# cluster whose configuration is unchanged it only checks; when the configuration
# changed (e.g. another MaxArraySize) it restarts slurmctld and slurmd.
#
# Run as root. Environment:
#   MAKEGEN_SLURM_MAX_ARRAY_SIZE  MaxArraySize (array indices 0..N-1); default 1001,
#                                 the SLURM default, re-applied on every run.
# Clients then need SLURM_CONF=/var/tmp/makegen-slurm/slurm.conf (see env.sh).
set -euo pipefail

LOG_TAG=slurm-up
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"

# Fixed scratch directory: config, state, spool, pid files, logs, job completion log.
D=/var/tmp/makegen-slurm
export SLURM_CONF=$D/slurm.conf
MAX_ARRAY_SIZE=${MAKEGEN_SLURM_MAX_ARRAY_SIZE:-1001}
MUNGE_MARK=$D/run/munged.started-by-makegen
START_MS=$(now_ms)

require_root
[[ $MAX_ARRAY_SIZE =~ ^[0-9]+$ ]] && (( MAX_ARRAY_SIZE >= 1 && MAX_ARRAY_SIZE <= 4000001 )) \
    || die "MAKEGEN_SLURM_MAX_ARRAY_SIZE must be a whole number in 1..4000001, got '$MAX_ARRAY_SIZE'"
HOST=$(hostname -s)
[ -n "$HOST" ] || die "hostname is empty"

# --- 1. packages ----------------------------------------------------------------------
PKGS=(slurmctld slurmd slurm-client munge)
missing=()
for p in "${PKGS[@]}"; do pkg_installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    with_policy_rc_d apt_install --no-install-recommends -- "${missing[@]}"
else
    log "slurm and munge packages already installed"
fi
for b in /usr/sbin/slurmctld /usr/sbin/slurmd /usr/sbin/munged; do
    [ -x "$b" ] || die "$b missing after install"
done
for b in sbatch squeue sinfo scontrol munge unmunge; do
    command -v "$b" >/dev/null || die "$b not on PATH after install"
done

install -d -m 0755 "$D" "$D/state" "$D/spool" "$D/log" "$D/run"

# --- 2. munged (must run as the munge user) ---------------------------------------------
munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
if munge_ok; then
    log "munged already running and answering"
else
    [ -s /etc/munge/munge.key ] || die "/etc/munge/munge.key missing (reinstall munge, or create it with mungekey -c)"
    install -d -o munge -g munge -m 0755 /run/munge
    if mpid=$(pid_of_daemon /run/munge/munged.pid munged); then
        die "munged (pid $mpid) runs but does not answer 'munge -n | unmunge'; see /var/log/munge/munged.log"
    fi
    log "starting munged as user munge"
    runuser -u munge -- /usr/sbin/munged \
        || die "munged failed to start; see /var/log/munge/munged.log"
    wait_for 10 munge_ok || die "munged does not answer 'munge -n | unmunge' after 10 s; see /var/log/munge/munged.log"
    cat /run/munge/munged.pid > "$MUNGE_MARK" 2>/dev/null || touch "$MUNGE_MARK"
    log "munged up (pid $(cat "$MUNGE_MARK"))"
fi

# --- 3. slurm.conf ----------------------------------------------------------------------
node_line=$(slurmd -C 2>/dev/null | awk '/^NodeName=/ {print; exit}')
[[ $node_line == NodeName=* ]] || die "'slurmd -C' printed no NodeName= line"
node_name=${node_line%% *}; node_name=${node_name#NodeName=}
[ "$node_name" = "$HOST" ] || log "warning: slurmd -C names the node '$node_name', hostname -s is '$HOST'"

cat > "$SLURM_CONF.new" <<EOF
# Written by makegen scripts/cluster/slurm-up.sh: a single-node test cluster.
# Clients need SLURM_CONF=$SLURM_CONF. Do not edit: the next run rewrites it.
ClusterName=makegen
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
MailProg=/bin/true
MpiDefault=none
SwitchType=switch/none
# No cgroups here: processes are tracked by parent pid, nothing is confined.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without a default a job with no --mem takes the whole node's memory.
DefMemPerCPU=1024
# Reject impossible requests at submission instead of leaving them pending for ever.
EnforcePartLimits=ALL
ReturnToService=2
MaxArraySize=$MAX_ARRAY_SIZE
# Finished jobs stay visible to 'scontrol show job' / 'squeue -t all' this long (s).
MinJobAge=300
SlurmctldTimeout=120
SlurmdTimeout=300
InactiveLimit=0
KillWait=5
Waittime=0
# No slurmdbd: sacct does not work; the job completion log keeps one line a job.
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$D/jobcomp.txt
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=main Nodes=$node_name Default=YES MaxTime=INFINITE State=UP
EOF
conf_changed=0
if [ -f "$SLURM_CONF" ] && cmp -s "$SLURM_CONF" "$SLURM_CONF.new"; then
    rm -f "$SLURM_CONF.new"
    log "$SLURM_CONF unchanged"
else
    mv "$SLURM_CONF.new" "$SLURM_CONF"
    conf_changed=1
    log "wrote $SLURM_CONF (MaxArraySize=$MAX_ARRAY_SIZE)"
fi

# --- 4. slurmctld and slurmd ------------------------------------------------------------
ctld_pid() { pid_of_daemon "$D/run/slurmctld.pid" slurmctld; }
slurmd_pid() { pid_of_daemon "$D/run/slurmd.pid" slurmd; }
running_max_array() {
    timeout 10 scontrol show config 2>/dev/null | awk '$1 == "MaxArraySize" {print $3}'
}

if ctld_pid >/dev/null || slurmd_pid >/dev/null; then
    reason=""
    if [ "$conf_changed" -eq 1 ]; then
        reason="slurm.conf changed"
    elif ctld_pid >/dev/null && [ "$(running_max_array)" != "$MAX_ARRAY_SIZE" ]; then
        reason="running MaxArraySize is '$(running_max_array)', wanted $MAX_ARRAY_SIZE"
    fi
    if [ -n "$reason" ]; then
        log "$reason: restarting slurmctld and slurmd"
        "$HERE/slurm-down.sh" --keep-munge
    fi
fi

# Daemons of another SLURM (e.g. the packaged services on /etc/slurm) would hold the ports.
for name in slurmctld slurmd; do
    pidfile=$D/run/$name.pid
    if ! pid_of_daemon "$pidfile" "$name" >/dev/null; then
        other=$(live_pids "$name" | tr '\n' ' ')
        [ -z "$other" ] || die "a $name not started by this script runs (pids: $other); stop it first"
        [ ! -e "$pidfile" ] || { log "removing stale $pidfile"; rm -f "$pidfile"; }
    fi
done

if pid=$(ctld_pid); then
    log "slurmctld already running (pid $pid)"
else
    log "starting slurmctld"
    /usr/sbin/slurmctld || die "slurmctld failed to start; see $D/log/slurmctld.log"
fi
if ! wait_for 30 timeout 5 scontrol ping; then
    tail -n 20 "$D/log/slurmctld.log" >&2 || true
    die "slurmctld does not answer 'scontrol ping' after 30 s; see $D/log/slurmctld.log"
fi
if pid=$(slurmd_pid); then
    log "slurmd already running (pid $pid)"
else
    log "starting slurmd"
    /usr/sbin/slurmd || die "slurmd failed to start; see $D/log/slurmd.log"
fi

# --- 5. wait for the node ---------------------------------------------------------------
node_state() { timeout 5 sinfo -h -n "$node_name" -o %T 2>/dev/null | head -n1; }
node_ready() { [[ $(node_state) =~ ^(idle|mixed|allocated)$ ]]; }
if ! wait_for 10 node_ready; then
    state=$(node_state)
    if [[ $state =~ ^(down|drain|drained|draining|fail) ]]; then
        log "node $node_name is '$state': resuming it"
        scontrol update NodeName="$node_name" State=RESUME >&2 || true
    fi
    if ! wait_for 20 node_ready; then
        sinfo -R >&2 || true
        tail -n 20 "$D/log/slurmd.log" >&2 || true
        die "node $node_name is '$(node_state)', not idle, 30 s after starting slurmd; see $D/log/"
    fi
fi
log "node $node_name is $(node_state)"

# --- 6. probe: a trivial job must run ---------------------------------------------------
PROBE_TIMEOUT=30
probe=$(cd / && sbatch --parsable -J makegen_probe -o /dev/null -e /dev/null --wrap=true) \
    || die "sbatch of the probe job failed"
probe=${probe%%;*}
log "probe job $probe submitted; waiting up to ${PROBE_TIMEOUT}s for it to complete"
job_state() { timeout 5 scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -n1; }
job_done() { [[ $(job_state "$1") =~ JobState=(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED) ]]; }
if ! wait_for "$PROBE_TIMEOUT" job_done "$probe"; then
    scontrol show job "$probe" >&2 || true
    scancel "$probe" 2>/dev/null || true
    die "probe job $probe did not finish within ${PROBE_TIMEOUT}s; see $D/log/"
fi
[ "$(job_state "$probe")" = JobState=COMPLETED ] || {
    scontrol show job "$probe" >&2 || true
    die "probe job $probe ended $(job_state "$probe"); see $D/log/slurmd.log"
}
log "probe job $probe completed"
log "SLURM is up on $node_name in $(( ($(now_ms) - START_MS) / 1000 )) s" \
    "(SLURM_CONF=$SLURM_CONF, MaxArraySize=$(running_max_array))"
