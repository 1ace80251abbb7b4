#!/usr/bin/env bash
# makegen: one instance of task `align` of pipeline `reads-demo` (generated; do not edit).
#
# tasks/align.mk runs it once it has decided the instance must run (or is blocked):
#   bash tasks/align.sh run|blocked sample=VALUE lane=VALUE
# with ROOT_DIR, OUTPUT_DIR, MAKEGEN_BUILD and the [vars] in the environment. Paths are
# computed here, at run time, from ROOT_DIR and OUTPUT_DIR. jobs/job.sh sources it
# instead, for its functions, and runs each instance of its element in its own shell.

# makegen_task_paths NAME=VALUE...: the instance's key, id, log, lock and outputs.
makegen_task_paths() {
  makegen_init "$@"
  _mg_key=${_mg_p_sample},${_mg_p_lane}
  _mg_id="align[sample=${_mg_p_sample},lane=${_mg_p_lane}]"
  makegen_where
  makegen_outputs file "aligned/${_mg_p_sample}_${_mg_p_lane}.tsv"
}

# makegen_task_values: what every instance of the task shares: the values of the params it
# gathers over, its cores by attempt, the folders of makegen's own its temporary directory
# needs (once per process).
makegen_task_values() {
  makegen_task align 68ac71fc496e8fcc 900 0
  _mg_cores_by_attempt=(2)
  _mg_has_setup= _mg_has_cleanup=
  _mg_own_dirs=()
  :
}

# makegen_task_attempt: the steps of an attempt (makegen_attempt runs them, once
# makegen_task_paths has run and _mg_mode is set).
makegen_task_attempt() {
  makegen_begin
  _mg_in_0=()
  _mg_in_0+=("$OUTPUT_DIR/trimmed/${_mg_p_sample}_${_mg_p_lane}.fq")
  _mg_in_1=()
  _mg_path="${REF-}"; [[ $_mg_path == /* ]] || _mg_path=$ROOT_DIR/$_mg_path; _mg_in_1+=("$_mg_path")
  makegen_execute
  makegen_publish
  makegen_finish
}

makegen_command() {
scripts/align.py --threads ${THREADS} -k ${SEED_LEN} --max-mismatch ${MAX_MISMATCH} --read-group "${_mg_p_sample}"."${_mg_p_lane}" "${_mg_in_1[@]}" "${_mg_in_0[@]}" > "$_mg_out_0"
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
