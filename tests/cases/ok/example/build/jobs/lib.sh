# makegen: functions shared by the task scripts of pipeline `reads-demo` (generated; do not edit).
# Sourced by BUILD/tasks/<task>.sh, which tasks/<task>.mk runs once it has decided that an
# instance must run (or is blocked). Marker files live in $OUTPUT_DIR/.makegen/state/<task>/:
#   <key>.started   written when an attempt starts (time, host, pid, job)
#   <key>.ok-<hash>  written after the outputs are published (the recipe hash is in the name)
#   <key>.failed    written when an attempt fails (exit code, reason)
#   <key>.blocked   written when the instance cannot start (missing input, upstream not done)
# Every marker is written to a temporary name and renamed, so none is ever half-written.

# The time now, UTC, in _mg_now (a builtin: no process per marker).
makegen_now() { TZ=UTC printf -v _mg_now '%(%Y-%m-%dT%H:%M:%SZ)T' -1; }

# makegen_init TASK HASH MODE NAME=VALUE...: the instance's params become _mg_p_NAME.
makegen_init() {
  _mg_task=$1 _mg_hash=$2 _mg_mode=$3
  shift 3
  local arg
  for arg in "$@"; do
    printf -v "_mg_p_${arg%%=*}" '%s' "${arg#*=}"
  done
  _mg_state=$OUTPUT_DIR/.makegen/state/$_mg_task
  _mg_logdir=$OUTPUT_DIR/.makegen/logs/$_mg_task
  _mg_job=${MAKEGEN_JOB_ID:-}
  _mg_host=${HOSTNAME:-$(uname -n)}
}

# makegen_where: the instance's log and temporary directory, once _mg_key is known.
makegen_where() {
  _mg_log=$_mg_logdir/$_mg_key.log
  # <key>=<host>=<pid>: `makegen clean --tmp` tells from the name whose it is (`=` is in no
  # value and no host name).
  _mg_tmp=$OUTPUT_DIR/.makegen/tmp/$_mg_task/$_mg_key=$_mg_host=$$
  _mg_scratch=$_mg_tmp/scratch
}

# makegen_begin DIR...: record the start and make the temporary directory with DIRs in it.
# Every program started here costs a node milliseconds per instance, so the folders are
# made by one mkdir and files are only removed when they exist.
makegen_begin() {
  if [[ $_mg_mode == blocked ]]; then
    mkdir -p "$_mg_state" "$_mg_logdir"
    makegen_wrapper_trace
    makegen_blocked "${MAKEGEN_BLOCKED:-blocked}"
  fi
  if [[ -e $_mg_tmp ]]; then rm -rf "$_mg_tmp"; fi
  trap 'makegen_cleanup' EXIT
  trap 'makegen_signal 129 HUP' HUP
  trap 'makegen_signal 130 INT' INT
  trap 'makegen_signal 143 TERM' TERM
  trap 'makegen_signal 138 USR1' USR1
  trap 'makegen_signal 140 USR2' USR2
  trap 'makegen_signal 152 XCPU' XCPU
  mkdir -p "$_mg_state" "$_mg_logdir" "$_mg_tmp/out" "$_mg_scratch" "$_mg_tmp/lists" "$@"
  makegen_wrapper_trace
  makegen_remove_markers '.ok-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]' '.failed' '.blocked'
  makegen_now
  _mg_started=$_mg_now
  makegen_marker "$_mg_state/$_mg_key.started" "started=$_mg_started" "host=$_mg_host" "pid=$$" "job=$_mg_job"
  printf '==== makegen: %s started %s on %s, pid %s%s\n' "$_mg_id" "$_mg_now" \
    "$_mg_host" "$$" "${_mg_job:+, job $_mg_job}" >>"$_mg_log"
}

# makegen_remove_markers SUFFIX...: remove this key's markers of those kinds (SUFFIX may
# hold a glob), with what is left of their atomic writes (<marker>.tmp.<pid>). Anchored:
# values may extend one another (A, A.failed2), and only this key's own markers match.
makegen_remove_markers() {
  local suffix file old=()
  shopt -s nullglob
  for suffix in "$@"; do
    for file in "$_mg_state/$_mg_key"$suffix "$_mg_state/$_mg_key"$suffix.tmp.*; do
      if [[ $file != *.tmp.* || ${file##*.tmp.} =~ ^[0-9]+$ ]]; then old+=("$file"); fi
    done
  done
  shopt -u nullglob
  if ((${#old[@]})); then rm -f "${old[@]}"; fi
}

# makegen_wrapper_trace: job.sh's own trace goes first into the instance log.
makegen_wrapper_trace() {
  if [[ -n ${MAKEGEN_WRAPPER_TRACE:-} && -s $MAKEGEN_WRAPPER_TRACE ]]; then
    local lines=()
    mapfile -t lines <"$MAKEGEN_WRAPPER_TRACE"
    printf '%s\n' "${lines[@]}" >>"$_mg_log"
    : >"$MAKEGEN_WRAPPER_TRACE"
  fi
}

# makegen_marker PATH LINE...: write a marker atomically.
makegen_marker() {
  local path=$1
  shift
  printf '%s\n' "$@" >"$path.tmp.$$"
  mv -f "$path.tmp.$$" "$path"
}

makegen_report() {
  if [[ -n ${MAKEGEN_REPORT:-} ]]; then printf '%s\n' "$*" >"$MAKEGEN_REPORT"; fi
}

makegen_blocked() {
  local reason=$1
  # Whatever this instance made before was made from inputs that are not current any more:
  # its success no longer counts, so nothing downstream may use its outputs.
  makegen_remove_markers '.ok-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
  makegen_now
  makegen_marker "$_mg_state/$_mg_key.blocked" "finished=$_mg_now" "host=$_mg_host" \
    "job=$_mg_job" "reason=$reason"
  makegen_now
  printf '==== makegen: %s blocked %s: %s\n' "$_mg_id" "$_mg_now" "$reason" >>"$_mg_log"
  printf 'makegen: %s is blocked: %s\n' "$_mg_id" "$reason" >&2
  makegen_report blocked
  exit 3
}

# makegen_fail CODE REASON: record a failed attempt and stop.
makegen_fail() {
  local code=$1 reason=$2
  trap - HUP INT TERM USR1 USR2 XCPU
  makegen_now
  makegen_marker "$_mg_state/$_mg_key.failed" "started=${_mg_started:-}" "finished=$_mg_now" "exit=$code" \
    "host=$_mg_host" "job=$_mg_job" "reason=$reason"
  makegen_now
  printf '==== makegen: %s failed %s: %s\n' "$_mg_id" "$_mg_now" "$reason" >>"$_mg_log"
  printf 'makegen: %s failed: %s (log: %s)\n' "$_mg_id" "$reason" "$_mg_log" >&2
  tail -n 20 "$_mg_log" | sed 's/^/  | /' >&2 || true
  makegen_report failed "$code"
  exit 1
}

makegen_signal() {
  makegen_fail "$1" "killed by SIG$2"
}

makegen_cleanup() {
  if [[ -n ${_mg_tmp:-} ]]; then rm -rf "$_mg_tmp"; fi
}

# makegen_listfile NAME PATH...: a file listing PATHs one a line, for {inputs:file}.
makegen_listfile() {
  local name=$1
  shift
  printf '%s\n' "$@" >"$_mg_tmp/lists/$name.txt"
}

# makegen_execute: run makegen_command with the spec's environment; trace it to the log.
makegen_execute() {
  local rc=0
  set +e
  (
    set -euo pipefail
    cd "$ROOT_DIR" || exit 1
    unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES MAKE_TERMOUT MAKE_TERMERR MAKEFILES \
      MAKEGEN_REPORT MAKEGEN_RESULT MAKEGEN_WRAPPER_TRACE MAKEGEN_BLOCKED
    exec </dev/null >>"$_mg_log" 2>&1
    # Linux lets the arguments of one exec take a quarter of the stack limit: raise the soft
    # limit (to 256 MiB, within the hard one) so that `cat {inputs}` over a big gather fits.
    _mg_stack=$(ulimit -s)
    if [[ $_mg_stack != unlimited ]] && ((_mg_stack < 262144)); then
      ulimit -s 262144 2>/dev/null || ulimit -s "$(ulimit -H -s)" 2>/dev/null || true
    fi
    unset _mg_stack
    PS4='+ '
    set -x
    makegen_command
  )
  rc=$?
  set -e
  if ((rc != 0)); then
    makegen_fail "$rc" "the command exited with code $rc"
  fi
}

# makegen_publish KIND REL TMP [KIND REL TMP ...]: check every declared output (KIND is
# file or dir, REL its path under OUTPUT_DIR, TMP where the command wrote it), then rename
# each into place.
makegen_publish() {
  local args=("$@") i kind rel src dest missing=() parents=() sources=()
  for ((i = 0; i < ${#args[@]}; i += 3)); do
    kind=${args[i]} rel=${args[i + 1]} src=${args[i + 2]}
    if [[ $kind == dir && ! -d $src ]] || [[ $kind == file && ! -f $src ]]; then
      missing+=("$rel")
    fi
    dest=$OUTPUT_DIR/$rel
    parents+=("${dest%/*}")
    sources+=("$src")
  done
  if ((${#missing[@]})); then
    makegen_fail 1 "declared output(s) not written: ${missing[*]}"
  fi
  if ((${#sources[@]})); then
    # A fresh mtime on every output: downstream instances compare against it, and a tool
    # that copies with `cp -p` must not make a new output look old.
    touch -c "${sources[@]}"
    local absent=() parent
    for parent in "${parents[@]}"; do
      if [[ ! -d $parent ]]; then absent+=("$parent"); fi
    done
    if ((${#absent[@]})); then mkdir -p "${absent[@]}"; fi
  fi
  for ((i = 0; i < ${#args[@]}; i += 3)); do
    kind=${args[i]} rel=${args[i + 1]} src=${args[i + 2]}
    if [[ $kind == dir && -e $OUTPUT_DIR/$rel ]]; then
      # Aside first, then the new one in: a reader sees the old or the new, never a mix.
      mv -T "$OUTPUT_DIR/$rel" "$_mg_tmp/replaced.$i"
    fi
    mv -fT "$src" "$OUTPUT_DIR/$rel"
  done
}

makegen_finish() {
  trap - HUP INT TERM USR1 USR2 XCPU
  makegen_now
  # The end markers repeat the start, so status reads one file per finished instance.
  makegen_marker "$_mg_state/$_mg_key.ok-$_mg_hash" "started=$_mg_started" "finished=$_mg_now" "exit=0" \
    "host=$_mg_host" "job=$_mg_job"
  makegen_now
  printf '==== makegen: %s done %s\n' "$_mg_id" "$_mg_now" >>"$_mg_log"
  printf 'makegen: ran %s\n' "$_mg_id"
  makegen_report ran
}
