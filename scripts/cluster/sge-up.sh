#!/usr/bin/env bash
# Install (if needed), configure and start a single-node Son of Grid Engine on this
# machine, then wait until a trivial job runs. Idempotent: on a running cluster it only
# re-applies the configuration (and changes nothing when it already matches).
#
# Run as root. Environment:
#   MAKEGEN_SGE_MAX_AJ_TASKS  global max_aj_tasks (largest array job); default 75000,
#                             the Grid Engine default, re-applied on every run.
# Clients then need SGE_ROOT=/var/lib/gridengine SGE_CELL=default (see env.sh).
set -euo pipefail

LOG_TAG=sge-up
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=_lib.sh
. "$HERE/_lib.sh"

export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
COMMON=$SGE_ROOT/$SGE_CELL/common
SPOOL=/var/spool/gridengine
QMASTER_PIDFILES=("$SPOOL/qmaster/qmaster.pid" /run/gridengine/qmaster.pid)
MAX_AJ_TASKS=${MAKEGEN_SGE_MAX_AJ_TASKS:-75000}
START_MS=$(now_ms)

require_root
[[ $MAX_AJ_TASKS =~ ^[0-9]+$ ]] || die "MAKEGEN_SGE_MAX_AJ_TASKS must be a whole number, got '$MAX_AJ_TASKS'"
HOST=$(hostname)
[ -n "$HOST" ] || die "hostname is empty"
# execd names its spool dir after the name its own address resolves to, which need not
# be $HOST (here: .../execd/localhost/execd.pid), so look in every host dir.
EXECD_PIDFILES=("$SPOOL/execd/$HOST/execd.pid" "$SPOOL"/execd/*/execd.pid)

# --- 1. host name must resolve --------------------------------------------------------
if ! getent hosts "$HOST" >/dev/null; then
    log "host name '$HOST' does not resolve: adding '127.0.0.1 $HOST' to /etc/hosts"
    printf '127.0.0.1 %s\n' "$HOST" >> /etc/hosts
fi

# --- 2. packages ----------------------------------------------------------------------
PKGS=(gridengine-common gridengine-client gridengine-master gridengine-exec)
missing=()
for p in "${PKGS[@]}"; do pkg_installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    debconf-set-selections <<EOF
gridengine-common shared/gridengineconfig boolean true
gridengine-common shared/gridenginecell string $SGE_CELL
gridengine-common shared/gridenginemaster string $HOST
EOF
    with_policy_rc_d apt_install -- "${missing[@]}"
else
    log "gridengine packages already installed"
fi
[ -x /usr/sbin/sge_qmaster ] && [ -x /usr/sbin/sge_execd ] && command -v qconf >/dev/null \
    || die "gridengine binaries missing after install (/usr/sbin/sge_qmaster, sge_execd, qconf)"
[ -f "$COMMON/bootstrap" ] \
    || die "$COMMON/bootstrap missing: the gridengine-master postinst did not create the cell (dpkg-reconfigure gridengine-master?)"

# --- 3. files read by qmaster at start: act_qmaster, host_aliases -----------------------
restart_needed=0
qmaster_started=0
admin_user=$(awk '$1 == "admin_user" {print $2}' "$COMMON/bootstrap")
admin_user=${admin_user:-sgeadmin}

write_owned() { # FILE CONTENT: replace FILE if its content differs; 0 if changed
    local f=$1 content=$2
    if [ -f "$f" ] && [ "$(cat "$f")" = "$content" ]; then return 1; fi
    printf '%s\n' "$content" > "$f"
    chown "$admin_user:" "$f" 2>/dev/null || true
    chmod 644 "$f"
    return 0
}

if write_owned "$COMMON/act_qmaster" "$HOST"; then
    log "wrote $COMMON/act_qmaster ($HOST)"
    restart_needed=1
fi

# The client's address reverse-resolves to another name (here 127.0.0.1 -> localhost):
# without an alias qmaster refuses every client with "commlib error: access denied".
aliases=("$HOST")
host_ip=$(getent ahostsv4 "$HOST" | awk 'NR == 1 {print $1}')
rev_name=$( [ -n "$host_ip" ] && getent hosts "$host_ip" | awk 'NR == 1 {print $2}' || true)
for n in "$rev_name" localhost; do
    if [ -n "$n" ] && [ "$n" != "$HOST" ] && [[ " ${aliases[*]} " != *" $n "* ]]; then
        aliases+=("$n")
    fi
done
if write_owned "$COMMON/host_aliases" "${aliases[*]}"; then
    log "wrote $COMMON/host_aliases: ${aliases[*]}"
    restart_needed=1
fi

# --- 4. qmaster ------------------------------------------------------------------------
qmaster_pid() {
    local f
    for f in "${QMASTER_PIDFILES[@]}"; do pid_of_daemon "$f" sge_qmaster && return 0; done
    live_pids sge_qmaster | head -n1 | grep . || return 1
}
execd_pid() {
    for f in "${EXECD_PIDFILES[@]}"; do pid_of_daemon "$f" sge_execd && return 0; done
    live_pids sge_execd | head -n1 | grep . || return 1
}

if [ "$restart_needed" -eq 1 ] && qmaster_pid >/dev/null; then
    log "host files changed while qmaster runs: restarting Grid Engine"
    "$HERE/sge-down.sh"
fi

if pid=$(qmaster_pid); then
    log "sge_qmaster already running (pid $pid)"
else
    for f in "${QMASTER_PIDFILES[@]}"; do
        [ -e "$f" ] && { log "removing stale $f"; rm -f "$f"; }
    done
    log "starting /usr/sbin/sge_qmaster"
    qmaster_started=1
    /usr/sbin/sge_qmaster || die "sge_qmaster failed to start; see $SPOOL/qmaster/messages"
fi
if ! wait_for 30 qconf -sh; then
    qconf -sh >&2 || true
    die "qmaster does not answer 'qconf -sh' after 30 s; see $SPOOL/qmaster/messages"
fi
log "qmaster answers"

# --- 5. configuration ------------------------------------------------------------------
make_tmpdir

# sge_norm FILE: one "key value" line per entry, continuations joined, blanks squeezed.
sge_norm() {
    awk '{
        line = $0
        while (line ~ /\\[ \t]*$/) {
            sub(/\\[ \t]*$/, "", line)
            if ((getline nxt) <= 0) break
            line = line " " nxt
        }
        if (line ~ /^[ \t]*(#|$)/) next
        gsub(/[ \t]+/, " ", line); sub(/^ /, "", line); sub(/ $/, "", line)
        print line
    }' "$@"
}

# sge_set "key value"...: rewrite those keys of the normalised config on stdin.
sge_set() {
    awk -v spec="$(printf '%s\n' "$@")" '
        BEGIN {
            n = split(spec, L, "\n")
            for (i = 1; i <= n; i++) {
                if (L[i] == "") continue
                k = L[i]; sub(/ .*/, "", k)
                v = L[i]; sub(/^[^ ]+ /, "", v)
                want[k] = v; order[++m] = k
            }
        }
        $1 in want { print $1 " " want[$1]; seen[$1] = 1; next }
        { print }
        END { for (i = 1; i <= m; i++) if (!(order[i] in seen)) print order[i] " " want[order[i]] }'
}

# apply NAME CURRENT_FILE DESIRED_FILE CMD...: run CMD if the two differ (normalised).
apply() {
    local name=$1 cur=$2 want=$3; shift 3
    if [ -f "$cur" ] && [ "$(sge_norm "$cur")" = "$(sge_norm "$want")" ]; then
        log "$name: already as wanted"
        return 0
    fi
    log "$name: applying ($*)"
    local out
    if ! out=$("$@" 2>&1); then
        printf '%s\n' "$out" >&2
        die "$name: '$*' failed"
    fi
    [ -z "$out" ] || log "  $out"
}

# global configuration (the file name must be the configuration name: "global")
qconf -sconf global > "$TMPD/global.cur" || die "qconf -sconf global failed"
reporting=$(sge_norm "$TMPD/global.cur" | awk '$1 == "reporting_params" {sub(/^[^ ]+ /, ""); print}')
reporting=${reporting:-accounting=true reporting=false joblog=false sharelog=00:00:00}
if [[ " $reporting " == *" flush_time="* ]]; then
    reporting=$(sed -E 's/(^| )flush_time=[^ ]*/\1flush_time=00:00:01/' <<< "$reporting")
else
    reporting="$reporting flush_time=00:00:01"
fi
sge_norm "$TMPD/global.cur" | sge_set \
    "min_uid 0" \
    "min_gid 0" \
    "load_report_time 00:00:10" \
    "reporting_params $reporting" \
    "max_aj_tasks $MAX_AJ_TASKS" > "$TMPD/global"
apply "global config (min_uid/min_gid 0, max_aj_tasks $MAX_AJ_TASKS)" \
    "$TMPD/global.cur" "$TMPD/global" qconf -Mconf "$TMPD/global"

# scheduler configuration: schedule every second, no load adjustments
qconf -ssconf > "$TMPD/sconf.cur" || die "qconf -ssconf failed"
sge_norm "$TMPD/sconf.cur" | sge_set \
    "schedule_interval 0:0:1" \
    "flush_submit_sec 1" \
    "flush_finish_sec 1" \
    "job_load_adjustments NONE" > "$TMPD/sconf"
apply "scheduler config" "$TMPD/sconf.cur" "$TMPD/sconf" qconf -Msconf "$TMPD/sconf"

# hosts: admin, submit, exec
if ! qconf -sh 2>/dev/null | grep -qxF "$HOST"; then
    log "adding admin host $HOST"; qconf -ah "$HOST" >&2
fi
if ! qconf -ss 2>/dev/null | grep -qxF "$HOST"; then
    log "adding submit host $HOST"; qconf -as "$HOST" >&2
fi
if ! qconf -sel 2>/dev/null | grep -qxF "$HOST"; then
    cat > "$TMPD/exechost" <<EOF
hostname              $HOST
load_scaling          NONE
complex_values        NONE
user_lists            NONE
xuser_lists           NONE
projects              NONE
xprojects             NONE
usage_scaling         NONE
report_variables      NONE
EOF
    log "adding exec host $HOST"; qconf -Ae "$TMPD/exechost" >&2
else
    log "exec host $HOST: already there"
fi

# host group @allhosts
cat > "$TMPD/allhosts" <<EOF
group_name @allhosts
hostlist $HOST
EOF
if qconf -shgrp @allhosts > "$TMPD/allhosts.cur" 2>/dev/null; then
    apply "host group @allhosts" "$TMPD/allhosts.cur" "$TMPD/allhosts" qconf -Mhgrp "$TMPD/allhosts"
else
    apply "host group @allhosts" /nonexistent "$TMPD/allhosts" qconf -Ahgrp "$TMPD/allhosts"
fi

# parallel environment smp (all slots of one host)
cat > "$TMPD/smp" <<'EOF'
pe_name            smp
slots              999
user_lists         NONE
xuser_lists        NONE
start_proc_args    NONE
stop_proc_args     NONE
allocation_rule    $pe_slots
control_slaves     FALSE
job_is_first_task  TRUE
urgency_slots      min
accounting_summary FALSE
qsort_args         NONE
EOF
if qconf -sp smp > "$TMPD/smp.cur" 2>/dev/null; then
    apply "parallel environment smp" "$TMPD/smp.cur" "$TMPD/smp" qconf -Mp "$TMPD/smp"
else
    apply "parallel environment smp" /nonexistent "$TMPD/smp" qconf -Ap "$TMPD/smp"
fi

# queue all.q: 2 slots, bash, no load thresholds
SLOTS=2
cat > "$TMPD/all.q" <<EOF
qname                 all.q
hostlist              @allhosts
seq_no                0
load_thresholds       NONE
suspend_thresholds    NONE
nsuspend              1
suspend_interval      00:05:00
priority              0
min_cpu_interval      00:05:00
processors            UNDEFINED
qtype                 BATCH INTERACTIVE
ckpt_list             NONE
pe_list               smp
rerun                 FALSE
slots                 $SLOTS
tmpdir                /tmp
shell                 /bin/bash
prolog                NONE
epilog                NONE
shell_start_mode      posix_compliant
starter_method        NONE
suspend_method        NONE
resume_method         NONE
terminate_method      NONE
notify                00:00:60
owner_list            NONE
user_lists            NONE
xuser_lists           NONE
subordinate_list      NONE
complex_values        NONE
projects              NONE
xprojects             NONE
calendar              NONE
initial_state         default
s_rt                  INFINITY
h_rt                  INFINITY
s_cpu                 INFINITY
h_cpu                 INFINITY
s_fsize               INFINITY
h_fsize               INFINITY
s_data                INFINITY
h_data                INFINITY
s_stack               INFINITY
h_stack               INFINITY
s_core                INFINITY
h_core                INFINITY
s_rss                 INFINITY
h_rss                 INFINITY
s_vmem                INFINITY
h_vmem                INFINITY
EOF
if qconf -sq all.q > "$TMPD/all.q.cur" 2>/dev/null; then
    apply "queue all.q" "$TMPD/all.q.cur" "$TMPD/all.q" qconf -Mq "$TMPD/all.q"
else
    apply "queue all.q" /nonexistent "$TMPD/all.q" qconf -Aq "$TMPD/all.q"
fi

# --- 6. execd ---------------------------------------------------------------------------
# queue instance state: "ok" when fine; u = execd not heard from, E = error, d = disabled
qi_state() {
    qstat -f -q "all.q@$HOST" 2>/dev/null | awk -v qi="all.q@$HOST" '$1 == qi {print ($6 == "" ? "ok" : $6)}'
}
qi_known() { local s; s=$(qi_state); [ -n "$s" ] && [[ $s != *u* ]]; }

start_execd() {
    for f in "${EXECD_PIDFILES[@]}"; do
        [ -e "$f" ] && { log "removing stale $f"; rm -f "$f"; }
    done
    log "starting /usr/sbin/sge_execd"
    /usr/sbin/sge_execd || die "sge_execd failed to start; see $SPOOL/execd/*/messages"
}

if pid=$(execd_pid); then
    log "sge_execd already running (pid $pid)"
    # An execd that outlived its qmaster reconnects to a new one only after ~25 s:
    # restart it instead (qconf -ke keeps running jobs; the new execd adopts them).
    if [ "$qmaster_started" -eq 1 ] && ! wait_for 5 qi_known; then
        log "sge_execd does not report to the new qmaster: restarting it (qconf -ke $HOST)"
        qconf -ke "$HOST" >&2 || kill -TERM "$pid" 2>/dev/null || true
        stop_pid "$pid" sge_execd 15
        start_execd
    fi
else
    start_execd
fi

if ! wait_for 30 qi_known; then
    qstat -f >&2 || true
    die "queue instance all.q@$HOST still unknown 30 s after starting execd; see $SPOOL/execd/*/messages"
fi
state=$(qi_state)
if [[ $state == *E* ]]; then
    log "queue instance all.q@$HOST is in error state: clearing (qmod -cq)"
    qmod -cq "all.q@$HOST" >&2
fi
if [[ $state == *d* ]]; then
    log "queue instance all.q@$HOST is disabled: enabling (qmod -e)"
    qmod -e "all.q@$HOST" >&2
fi
log "execd reports; all.q@$HOST state: $(qi_state)"

# --- 7. probe: a trivial job must run ---------------------------------------------------
PROBE_TIMEOUT=60
probe=$(cd / && qsub -terse -b y -shell no -N makegen_probe -o /dev/null -e /dev/null /bin/true) \
    || die "qsub of the probe job failed"
probe=${probe%%.*}
log "probe job $probe submitted; waiting up to ${PROBE_TIMEOUT}s for it to run"
job_gone() { ! qstat -j "$1" >/dev/null 2>&1; }
if ! wait_for "$PROBE_TIMEOUT" job_gone "$probe"; then
    qstat -f >&2 || true
    qstat -j "$probe" >&2 || true
    qdel "$probe" >/dev/null 2>&1 || true
    die "probe job $probe did not run within ${PROBE_TIMEOUT}s (see qstat output above and $SPOOL/qmaster/messages)"
fi
probe_ok() { qacct -j "$1" 2>/dev/null | awk '$1 == "exit_status" && $2 == 0 {ok = 1} END {exit !ok}'; }
if ! wait_for 15 probe_ok "$probe"; then
    qacct -j "$probe" >&2 || true
    die "probe job $probe left the queue but qacct shows no successful run"
fi
log "probe job $probe ran (exit 0)"
log "Grid Engine is up on $HOST in $(( ($(now_ms) - START_MS) / 1000 )) s" \
    "(SGE_ROOT=$SGE_ROOT SGE_CELL=$SGE_CELL, max_aj_tasks $MAX_AJ_TASKS)"
