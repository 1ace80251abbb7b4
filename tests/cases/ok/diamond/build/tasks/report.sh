#!/usr/bin/env bash
# makegen: one instance of task `report` of pipeline `diamond` (generated; do not edit).
#
# tasks/report.mk runs it once it has decided the instance must run (or is blocked):
#   bash tasks/report.sh run|blocked
# with ROOT_DIR, OUTPUT_DIR, MAKEGEN_BUILD and the [vars] in the environment. Paths are
# computed here, at run time, from ROOT_DIR and OUTPUT_DIR. jobs/job.sh sources it
# instead, for its functions, and runs each instance of its element in its own shell.

# makegen_task_paths NAME=VALUE...: the instance's key, id, log, lock and outputs.
makegen_task_paths() {
  makegen_init "$@"
  _mg_key=_
  _mg_id="report"
  makegen_where
  makegen_outputs file "report.txt"
}

# makegen_task_values: what every instance of the task shares: the values of the params it
# gathers over, its cores by attempt, the folders of makegen's own its temporary directory
# needs (once per process).
makegen_task_values() {
  makegen_task report dc42157c46e93c05 86400 0
  _mg_cores_by_attempt=(1)
  _mg_has_setup= _mg_has_cleanup=
  _mg_own_dirs=(.makegen/lists)
  mapfile -t _mg_values_sample <"$MAKEGEN_BUILD/params/sample.txt"
  :
}

# makegen_task_attempt: the steps of an attempt (makegen_attempt runs them, once
# makegen_task_paths has run and _mg_mode is set).
makegen_task_attempt() {
  makegen_begin
  _mg_in_0=()
  for _mg_v_sample in "${_mg_values_sample[@]}"; do
    _mg_in_0+=("$OUTPUT_DIR/first/${_mg_v_sample}.txt")
  done
  makegen_listfile inputs "${_mg_in_0[@]}"
  makegen_listfile inputs.all "${_mg_in_0[@]}"
  makegen_execute
  makegen_publish
  makegen_finish
}

makegen_command() {
cat "$_mg_own/lists/inputs.txt" "$_mg_own/lists/inputs.all.txt" > "$_mg_out_0"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  source "$MAKEGEN_BUILD/jobs/lib.sh"
  makegen_catch_signals
  makegen_task_values
  # Failed until the end says otherwise: job.sh must never take an attempt that ran (or was
  # killed running) for one that never started.
  makegen_report failed 1
  _mg_mode=$1
  shift
  makegen_task_paths "$@"
  makegen_attempt
  makegen_report "$_mg_outcome" "$_mg_code"
  case $_mg_outcome in
    ran)
      # Alone (run by its task Makefile): let go of the lock at once. (Not one taken since
      # by another attempt: that one is newer than the success marker.)
      if [[ -e $_mg_lock ]] && makegen_lock_released; then rm -f "$_mg_lock"; fi ;;
    up-to-date) ;;
    blocked) exit 3 ;;
    *) exit 1 ;;
  esac
fi
