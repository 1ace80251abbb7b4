#!/usr/bin/env bash
# makegen: runs one instance of task `split` of pipeline `diamond` (generated; do not edit).
#
# tasks/split.mk calls it once it has decided the instance must run (or is blocked):
#   bash tasks/split.sh run|blocked sample=VALUE chunk=VALUE
# with ROOT_DIR, OUTPUT_DIR, MAKEGEN_BUILD and the [vars] in the environment. Paths are
# computed here, at run time, from ROOT_DIR and OUTPUT_DIR.
set -euo pipefail
source "$MAKEGEN_BUILD/jobs/lib.sh"
makegen_init split 01f49c1d3b80a04b 5700 "$@"
_mg_key=${_mg_p_sample},${_mg_p_chunk}
_mg_id="split[sample=${_mg_p_sample},chunk=${_mg_p_chunk}]"
makegen_where
makegen_begin file "split/${_mg_p_sample}/${_mg_p_chunk}.txt"

_mg_in_0=()
_mg_in_0+=("$ROOT_DIR/data/${_mg_p_sample}.txt")
_mg_in_1=()
_mg_path="${REF-}"; [[ $_mg_path == /* ]] || _mg_path=$ROOT_DIR/$_mg_path; _mg_in_1+=("$_mg_path")

makegen_command() {
bash tools/split.sh "${_mg_in_0[@]}" "${_mg_p_chunk}" ${LEVEL} > "$_mg_out_0"
}

makegen_execute
makegen_publish
makegen_finish
