#!/usr/bin/env bash
# makegen: runs one instance of task `count` of pipeline `reads-demo` (generated; do not edit).
#
# tasks/count.mk calls it once it has decided the instance must run (or is blocked):
#   bash tasks/count.sh run|blocked sample=VALUE
# with ROOT_DIR, OUTPUT_DIR, MAKEGEN_BUILD and the [vars] in the environment. Paths are
# computed here, at run time, from ROOT_DIR and OUTPUT_DIR.
set -euo pipefail
source "$MAKEGEN_BUILD/jobs/lib.sh"
makegen_init count ee434edcb52454a1 600 "$@"
_mg_key=${_mg_p_sample}
_mg_id="count[sample=${_mg_p_sample}]"
makegen_where
makegen_begin dir "counts/${_mg_p_sample}"

mapfile -t _mg_values_lane <"$MAKEGEN_BUILD/params/lane.txt"
_mg_in_0=()
for _mg_v_lane in "${_mg_values_lane[@]}"; do
  _mg_in_0+=("$OUTPUT_DIR/aligned/${_mg_p_sample}_${_mg_v_lane}.tsv")
done
_mg_in_1=()
_mg_path="${REF-}"; [[ $_mg_path == /* ]] || _mg_path=$ROOT_DIR/$_mg_path; _mg_in_1+=("$_mg_path")

makegen_command() {
scripts/count.sh --sample "${_mg_p_sample}" --ref "${_mg_in_1[@]}" --bin ${BIN_SIZE} --prefix "$_mg_out_0"/"${_mg_p_sample}" "${_mg_in_0[@]}"
}

makegen_execute
makegen_publish
makegen_finish
