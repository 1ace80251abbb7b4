#!/usr/bin/env bash
# makegen: runs one instance of task `unpack` of pipeline `diamond` (generated; do not edit).
#
# tasks/unpack.mk calls it once it has decided the instance must run (or is blocked):
#   bash tasks/unpack.sh run|blocked sample=VALUE
# with ROOT_DIR, OUTPUT_DIR, MAKEGEN_BUILD and the [vars] in the environment. Paths are
# computed here, at run time, from ROOT_DIR and OUTPUT_DIR.
set -euo pipefail
source "$MAKEGEN_BUILD/jobs/lib.sh"
makegen_init unpack 9c713856fc0bfaf4 86400 "$@"
_mg_key=${_mg_p_sample}
_mg_id="unpack[sample=${_mg_p_sample}]"
makegen_where
makegen_begin dir "unpacked/${_mg_p_sample}"

mapfile -t _mg_values_chunk <"$MAKEGEN_BUILD/params/chunk.txt"
_mg_in_0=()
for _mg_v_chunk in "${_mg_values_chunk[@]}"; do
  _mg_in_0+=("$OUTPUT_DIR/split/${_mg_p_sample}/${_mg_v_chunk}.txt")
done

makegen_command() {
cp "${_mg_in_0[@]}" "$_mg_out_0"/ && echo '{literal}' $HOME > "$_mg_scratch"/x
}

makegen_execute
makegen_publish
makegen_finish
