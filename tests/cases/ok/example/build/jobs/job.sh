#!/usr/bin/env bash
# makegen: the job wrapper of pipeline `reads-demo` (generated; do not edit).
#
#   bash BUILD/jobs/job.sh [--group N] BUILD MANIFEST [INDEX]
#
# Runs the instances at lines (INDEX-1)*N+1 .. INDEX*N of MANIFEST (from 1; N is 1 unless
# --group says otherwise), one after another, each as `make -f BUILD/tasks/<task>.mk
# NAME=VALUE...`. INDEX defaults to $SGE_TASK_ID, $SLURM_ARRAY_TASK_ID, or
# $MAKEGEN_TASK_ID. BUILD is an argument because schedulers run a spooled copy of this script.
# Make decides whether each instance runs, is blocked or is up to date; an instance that
# runs does so in this script's own shell, with the task script's functions loaded once
# for the element (a process started per instance is milliseconds per instance).
# One instance failing does not stop the others. Exit codes: 0 every instance done (or
# already up to date), 1 an instance failed, 2 an instance
# could not be run (bad manifest, index or configuration), 3 an instance is
# blocked (an input is missing or an upstream instance is not done), in that order.
# With MAKEGEN_RESULT set, it writes there how the element ended: ran, up-to-date, failed, blocked.
# Never 99 or 100: Grid Engine would requeue the job or hold its dependents for ever.
set -euo pipefail

makegen_job_fail() {
  printf 'makegen job.sh: %s\n' "$*" >&2
  exit 2
}

group=1
if [[ ${1:-} == --group ]]; then
  [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || makegen_job_fail "--group takes a whole number from 1, not '${2:-}'"
  group=$2
  shift 2
fi
[[ $# -ge 2 ]] || makegen_job_fail "usage: job.sh [--group N] BUILD MANIFEST [INDEX]"
build=$1
manifest=$2
index=${3:-}
if [[ -z $index ]]; then
  for candidate in "${SGE_TASK_ID:-}" "${SLURM_ARRAY_TASK_ID:-}" "${MAKEGEN_TASK_ID:-}"; do
    if [[ $candidate =~ ^[0-9]+$ ]]; then index=$candidate; break; fi
  done
fi
[[ $index =~ ^[1-9][0-9]*$ ]] || makegen_job_fail "no array index: give INDEX or run as an array job"
[[ -r $manifest ]] || makegen_job_fail "cannot read manifest $manifest"

# The job id as status shows it: <job><separator><index> for an array task, else <job>.
if [[ -n ${JOB_ID:-} && ${SGE_TASK_ID:-} =~ ^[0-9]+$ ]]; then
  export MAKEGEN_JOB_ID=${JOB_ID}.${SGE_TASK_ID}
elif [[ -n ${SLURM_ARRAY_JOB_ID:-} && ${SLURM_ARRAY_TASK_ID:-} =~ ^[0-9]+$ ]]; then
  export MAKEGEN_JOB_ID=${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}
elif [[ -n ${AZ_BATCH_JOB_ID:-} && ${AZ_BATCH_TASK_ID:-} =~ ^[0-9]+$ ]]; then
  export MAKEGEN_JOB_ID=${AZ_BATCH_JOB_ID}/${AZ_BATCH_TASK_ID}
elif [[ -n ${JOB_ID:-} ]]; then
  export MAKEGEN_JOB_ID=${JOB_ID}
elif [[ -n ${SLURM_JOB_ID:-} ]]; then
  export MAKEGEN_JOB_ID=${SLURM_JOB_ID}
elif [[ -n ${AZ_BATCH_JOB_ID:-} ]]; then
  export MAKEGEN_JOB_ID=${AZ_BATCH_JOB_ID}
fi

# Our own trace goes to a scratch file that each instance copies into its log; an instance
# says how it ended in the report file, make what it decided in the decision file. (No
# mktemp: a program; noclobber refuses a name that exists. Make writes the decision file
# by name, so its name holds no character Make treats specially.)
scratch=${TMPDIR:-/tmp}
[[ $scratch =~ ^[A-Za-z0-9_./-]+$ ]] || scratch=/tmp
scratch=$scratch/makegen-job.$$.$RANDOM$RANDOM
export MAKEGEN_WRAPPER_TRACE=$scratch.trace MAKEGEN_REPORT=$scratch.report
decision=$scratch.decision
_mg_prepared=() ended=()
# At the end, one program removes the scratch files, the element's temporary folders and the
# locks its instances let go: pairs (lock, success marker) in `ended`; a lock is let go
# when the success marker repeats it (one taken since by another attempt, and one left by
# a killed attempt, stay).
makegen_job_exit() {
  local n gone=()
  for ((n = 0; n < ${#ended[@]}; n += 2)); do
    if makegen_lets_go "${ended[n]}" "${ended[n + 1]}"; then gone+=("${ended[n]}"); fi
  done
  rm -rf "$MAKEGEN_WRAPPER_TRACE" "$MAKEGEN_REPORT" "$decision" "${_mg_prepared[@]}" "${gone[@]}"
}
trap makegen_job_exit EXIT
set -C
: >"$MAKEGEN_WRAPPER_TRACE" || makegen_job_fail "cannot create $MAKEGEN_WRAPPER_TRACE"
set +C
# Appending; job.sh reads it into each instance's log through a descriptor of its own, from
# where it stopped the last time (no reopening, no emptying per instance). A task script
# that make runs (before GNU make 4.0) empties it once it has copied it.
exec {trace_fd}>>"$MAKEGEN_WRAPPER_TRACE" {_mg_trace_rd}<"$MAKEGEN_WRAPPER_TRACE"
BASH_XTRACEFD=$trace_fd
PS4='+ job.sh: '
set -x

# makegen_job_words LINE: the words of a manifest line, in `words`. Split by the shell with
# globbing off (not `read <<<`: a here-string is a pipe, which `read` takes a byte per
# system call).
makegen_job_words() {
  set -f
  words=($1)
  set +f
}

# mapfile skips lines faster than a sed starts (75,000 lines in a few ms): no program here.
mapfile -t -s "$(((index - 1) * group))" -n "$group" lines <"$manifest"
[[ -n ${lines[0]:-} ]] || makegen_job_fail "$manifest has no line $(((index - 1) * group + 1))"
makegen_job_words "${lines[0]}"
task=${words[0]}
[[ -r $build/tasks/$task.mk && -r $build/tasks/$task.sh ]] \
  || makegen_job_fail "no task Makefile $build/tasks/$task.mk"

unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES MAKEGEN_DECIDE
# `makegen run --set NAME=VALUE` (and submit --set): settings at make's command-line precedence.
sets=()
if [[ -n ${MAKEGEN_SET:-} ]]; then mapfile -t sets <<<"$MAKEGEN_SET"; fi
set +x

# The task's functions, once for the element, when its first instance is to run or is
# blocked (an element with nothing to do reads neither). MAKEGEN_BUILD is what the task
# Makefile exports (each decision says it again).
loaded=
makegen_job_load() {
  loaded=1
  export MAKEGEN_BUILD=$build
  source "$build/jobs/lib.sh"
  source "$build/tasks/$task.sh"
  makegen_task_values
  _mg_defer_tmp=1
  # Inside a group an instance costs a few ms in all: no GNU time (peak RSS) per instance,
  # one renamer for the element's outputs.
  _mg_grouped=
  if ((group > 1)); then
    _mg_grouped=1
    makegen_renamer_start
  fi
}

# A signal to the job ends the instance that runs failed (at its next step, or when its
# command returns; lib.sh's makegen_catch_signals) and stops the job after it.
_mg_signal=
for signal in HUP INT TERM USR1 USR2 XCPU; do trap "_mg_signal=$signal" "$signal"; done

# makegen_job_count OUTCOME: count an instance by how it ended; false for no outcome.
makegen_job_count() {
  case $1 in
    ran) ran=$((ran + 1)) ;;
    up-to-date) ;;
    blocked) blocked=$((blocked + 1)) ;;
    failed) failed=$((failed + 1)) ;;
    *) return 1 ;;
  esac
}

# The trace (each instance's log) shows the make that decided it; the bookkeeping is not traced.
failed=0 refused=0 blocked=0 ran=0 queued= decides=
for ((n = 0; n < ${#lines[@]}; n++)); do
  [[ -z $_mg_signal ]] || break
  makegen_job_words "${lines[n]}"
  if [[ ${words[0]:-} != "$task" ]]; then
    printf 'makegen job.sh: line %s of %s is not of task %s: %s\n' "$(((index - 1) * group + n + 1))" \
      "$manifest" "$task" "${lines[n]}" >&2
    refused=$((refused + 1))
    continue
  fi
  # (The report file is written only by a make that cannot decide: once one has, not emptied.)
  : >"$decision"
  if [[ -z $decides ]]; then : >"$MAKEGEN_REPORT"; fi
  rc=0
  set -x
  MAKEGEN_DECIDE=$decision make -r -s -f "$build/tasks/$task.mk" "${words[@]:1}" "${sets[@]}" || rc=$?
  set +x
  mapfile -t decided <"$decision"
  mode=${decided[0]:-}
  if [[ -z $mode ]]; then
    # GNU make before 4.0 (no $(file)): the task script ran the instance, and says how it
    # ended in the report file.
    if [[ -z $decides && -s $MAKEGEN_REPORT ]]; then
      read -r report _ <"$MAKEGEN_REPORT" || report=
      if makegen_job_count "$report"; then continue; fi
    fi
    # Make ran nothing: the instance is up to date, or make refused (its message is above).
    if ((rc != 0)); then
      printf 'makegen job.sh: make -f %s %s exited with code %s; the instance did not run\n' \
        "$build/tasks/$task.mk" "${words[*]:1}" "$rc" >&2
      refused=$((refused + 1))
    fi
    continue
  fi
  decides=1
  # A signal while make decided: no attempt starts (it would end failed at its first step).
  [[ -z $_mg_signal ]] || break
  # The settings make used (config, site config, environment, --set), as the command sees them.
  if ((${#decided[@]} > 1)); then export "${decided[@]:1}"; fi
  if [[ -z $loaded ]]; then makegen_job_load; fi
  _mg_since=$decision
  # The instance's temporary folder goes when the job ends, with the others of the element.
  makegen_task_paths "${words[@]:1}"
  _mg_prepared+=("$_mg_tmp")
  if [[ $mode == blocked* ]]; then
    MAKEGEN_BLOCKED=${mode#blocked } _mg_mode=blocked
  else
    _mg_mode=run
  fi
  makegen_attempt
  # A success leaves its lock let go, for makegen_job_exit (a failure renamed it; an attempt
  # that found the instance done by another removed its own).
  if [[ $_mg_outcome == ran ]]; then ended+=("$_mg_lock" "$_mg_ok"); fi
  # (makegen_attempt always says how the attempt ended; nothing said, nothing is known to run.)
  if ! makegen_job_count "$_mg_outcome"; then
    printf 'makegen job.sh: %s %s could not start; the instance did not run\n' "$task" "${words[*]:1}" >&2
    refused=$((refused + 1))
  fi
  # The instances that follow have their folders made at once, by one mkdir (and their
  # destinations compared by one stat), once OUTPUT_DIR is known. A failure here only
  # leaves each to prepare itself.
  if [[ -z $queued ]] && ((n + 1 < ${#lines[@]})); then
    queued=1
    for ((k = n + 1; k < ${#lines[@]}; k++)); do
      makegen_job_words "${lines[k]}"
      if [[ ${words[0]:-} == "$task" ]]; then makegen_task_paths "${words[@]:1}" && makegen_queue; fi
    done
    MAKEGEN_TEST_FAULT= makegen_prepare 2>/dev/null || true
  fi
done
if [[ -n $_mg_signal ]]; then
  printf 'makegen job.sh: stopped by SIG%s after %s instance(s) of %s\n' "$_mg_signal" "$n" "${#lines[@]}" >&2
  failed=$((failed + 1))
fi
outcome=up-to-date code=0
if ((failed)); then
  outcome=failed code=1
elif ((refused)); then
  outcome= code=2
elif ((blocked)); then
  outcome=blocked code=3
elif ((ran)); then
  outcome=ran
fi
if [[ -n ${MAKEGEN_RESULT:-} && -n $outcome ]]; then printf '%s\n' "$outcome" >"$MAKEGEN_RESULT"; fi
exit "$code"
