#!/usr/bin/env bash
# makegen: the job wrapper of pipeline `diamond` (generated; do not edit).
#
#   bash BUILD/jobs/job.sh BUILD MANIFEST [INDEX]
#
# Runs the instance at line INDEX of MANIFEST (from 1; default $SGE_TASK_ID, $SLURM_ARRAY_TASK_ID, or
# $MAKEGEN_TASK_ID) as `make -f BUILD/tasks/<task>.mk NAME=VALUE...`.
# BUILD is an argument because schedulers run a spooled copy of this script.
# Exit codes: 0 done (or already up to date), 1 the command failed,
# 2 the instance could not be run (bad manifest, index or configuration),
# 3 blocked (an input is missing or an upstream instance is not done).
# With MAKEGEN_RESULT set, it writes there how the instance ended: ran, up-to-date, failed, blocked.
# Never 99 or 100: Grid Engine would requeue the job or hold its dependents for ever.
set -euo pipefail

makegen_job_fail() {
  printf 'makegen job.sh: %s\n' "$*" >&2
  exit 2
}

[[ $# -ge 2 ]] || makegen_job_fail "usage: job.sh BUILD MANIFEST [INDEX]"
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

# Our own trace goes to a scratch file that the task script copies into the instance log;
# the task script says how the instance ended in the report file. (No mktemp: a program
# started per job is milliseconds per instance; noclobber refuses a name that exists.)
scratch=${TMPDIR:-/tmp}/makegen-job.$$.$RANDOM$RANDOM
export MAKEGEN_WRAPPER_TRACE=$scratch.trace MAKEGEN_REPORT=$scratch.report
trap 'rm -f "$MAKEGEN_WRAPPER_TRACE" "$MAKEGEN_REPORT"' EXIT
set -C
exec {trace_fd}>"$MAKEGEN_WRAPPER_TRACE" || makegen_job_fail "cannot create $MAKEGEN_WRAPPER_TRACE"
set +C
BASH_XTRACEFD=$trace_fd
PS4='+ job.sh: '
set -x

# mapfile skips lines faster than a sed starts (75,000 lines in a few ms): no program here.
mapfile -t -s "$((index - 1))" -n 1 lines <"$manifest"
[[ -n ${lines[0]:-} ]] || makegen_job_fail "$manifest has no line $index"
read -r -a words <<<"${lines[0]}"
task=${words[0]}
[[ -r $build/tasks/$task.mk ]] || makegen_job_fail "no task Makefile $build/tasks/$task.mk"

unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
rc=0
# `makegen run --set NAME=VALUE` (and submit --set): settings at make's command-line precedence.
sets=()
if [[ -n ${MAKEGEN_SET:-} ]]; then mapfile -t sets <<<"$MAKEGEN_SET"; fi
make -r -s -f "$build/tasks/$task.mk" "${words[@]:1}" "${sets[@]}" || rc=$?
set +x
report=
if [[ -s $MAKEGEN_REPORT ]]; then read -r report _ <"$MAKEGEN_REPORT"; fi
if [[ -z $report && $rc == 0 ]]; then report=up-to-date; fi
if [[ -n ${MAKEGEN_RESULT:-} && -n $report ]]; then printf '%s\n' "$report" >"$MAKEGEN_RESULT"; fi
case $report in
  ran | up-to-date) exit 0 ;;
  failed) exit 1 ;;
  blocked) exit 3 ;;
esac
# The task script says "failed" before it does anything that matters, so no report means
# it never got that far (make refused, or the script could not start): nothing ran.
makegen_job_fail "make -f $build/tasks/$task.mk ${words[*]:1} exited with code $rc before running the instance"
