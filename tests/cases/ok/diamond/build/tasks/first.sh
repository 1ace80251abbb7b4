#!/usr/bin/env bash
# makegen: runs one instance of task `first` of pipeline `diamond` (generated; do not edit).
#
# tasks/first.mk calls it once it has decided the instance must run (or is blocked):
#   bash tasks/first.sh run|blocked sample=VALUE
# with ROOT_DIR, OUTPUT_DIR, MAKEGEN_BUILD and the [vars] in the environment. Paths are
# computed here, at run time, from ROOT_DIR and OUTPUT_DIR.
set -euo pipefail
source "$MAKEGEN_BUILD/jobs/lib.sh"
makegen_init first ea77a9572d251384 86400 "$@"
_mg_key=${_mg_p_sample}
_mg_id="first[sample=${_mg_p_sample}]"
makegen_where
makegen_begin file "first/${_mg_p_sample}.txt" file "first/${_mg_p_sample}.log"

_mg_in_0=()
_mg_in_0+=("$OUTPUT_DIR/unpacked/${_mg_p_sample}/1.txt")
_mg_in_1=()
_mg_in_1+=("/etc/hostname")

makegen_command() {
cat "${_mg_in_0[@]}" > "$_mg_out_0"; echo 1 > "$_mg_out_1"
}

makegen_execute
makegen_publish
makegen_finish
