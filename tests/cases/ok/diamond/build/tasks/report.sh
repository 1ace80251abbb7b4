#!/usr/bin/env bash
# makegen: runs one instance of task `report` of pipeline `diamond` (generated; do not edit).
#
# tasks/report.mk calls it once it has decided the instance must run (or is blocked):
#   bash tasks/report.sh run|blocked
# with ROOT_DIR, OUTPUT_DIR, MAKEGEN_BUILD and the [vars] in the environment. Paths are
# computed here, at run time, from ROOT_DIR and OUTPUT_DIR.
set -euo pipefail
source "$MAKEGEN_BUILD/jobs/lib.sh"
makegen_init report dc42157c46e93c05 86400 "$@"
_mg_key=_
_mg_id="report"
makegen_where
makegen_begin file "report.txt"

mapfile -t _mg_values_sample <"$MAKEGEN_BUILD/params/sample.txt"
_mg_in_0=()
for _mg_v_sample in "${_mg_values_sample[@]}"; do
  _mg_in_0+=("$OUTPUT_DIR/first/${_mg_v_sample}.txt")
done
makegen_listfile inputs "${_mg_in_0[@]}"
makegen_listfile inputs.all "${_mg_in_0[@]}"

makegen_command() {
cat "$_mg_tmp/lists/inputs.txt" "$_mg_tmp/lists/inputs.all.txt" > "$_mg_out_0"
}

makegen_execute
makegen_publish
makegen_finish
