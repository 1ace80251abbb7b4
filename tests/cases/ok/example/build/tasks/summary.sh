#!/usr/bin/env bash
# makegen: runs one instance of task `summary` of pipeline `reads-demo` (generated; do not edit).
#
# tasks/summary.mk calls it once it has decided the instance must run (or is blocked):
#   bash tasks/summary.sh run|blocked
# with ROOT_DIR, OUTPUT_DIR, MAKEGEN_BUILD and the [vars] in the environment. Paths are
# computed here, at run time, from ROOT_DIR and OUTPUT_DIR.
set -euo pipefail
source "$MAKEGEN_BUILD/jobs/lib.sh"
makegen_init summary 19052119622d6013 600 "$@"
_mg_key=_
_mg_id="summary"
makegen_where
makegen_begin file "summary/samples.tsv" file "summary/report.md"

mapfile -t _mg_values_sample <"$MAKEGEN_BUILD/params/sample.txt"
_mg_in_0=()
for _mg_v_sample in "${_mg_values_sample[@]}"; do
  _mg_in_0+=("$OUTPUT_DIR/counts/${_mg_v_sample}/${_mg_v_sample}.stats.tsv")
done
_mg_in_1=()
for _mg_v_sample in "${_mg_values_sample[@]}"; do
  _mg_in_1+=("$OUTPUT_DIR/counts/${_mg_v_sample}/${_mg_v_sample}.contigs.tsv")
done
makegen_listfile inputs.stats "${_mg_in_0[@]}"
makegen_listfile inputs.contigs "${_mg_in_1[@]}"

makegen_command() {
scripts/summarize.py --stats-list "$_mg_tmp/lists/inputs.stats.txt" --contigs-list "$_mg_tmp/lists/inputs.contigs.txt" --table "$_mg_out_0" --report "$_mg_out_1"
}

makegen_execute
makegen_publish
makegen_finish
