#!/usr/bin/env bash
# makegen: runs one instance of task `trim` of pipeline `reads-demo` (generated; do not edit).
#
# tasks/trim.mk calls it once it has decided the instance must run (or is blocked):
#   bash tasks/trim.sh run|blocked sample=VALUE lane=VALUE
# with ROOT_DIR, OUTPUT_DIR, MAKEGEN_BUILD and the [vars] in the environment. Paths are
# computed here, at run time, from ROOT_DIR and OUTPUT_DIR.
set -euo pipefail
source "$MAKEGEN_BUILD/jobs/lib.sh"
makegen_init trim 663e769c0c6df889 600 "$@"
_mg_key=${_mg_p_sample},${_mg_p_lane}
_mg_id="trim[sample=${_mg_p_sample},lane=${_mg_p_lane}]"
makegen_where
makegen_begin file "trimmed/${_mg_p_sample}_${_mg_p_lane}.fq"

_mg_in_0=()
_mg_in_0+=("$ROOT_DIR/data/reads/${_mg_p_sample}_${_mg_p_lane}.fq")

makegen_command() {
scripts/trim.py --min-qual ${MIN_QUAL} --min-len ${MIN_LEN} -o "$_mg_out_0" "${_mg_in_0[@]}"
}

makegen_execute
makegen_publish
makegen_finish
