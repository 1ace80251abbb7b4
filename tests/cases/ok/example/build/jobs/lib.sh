# makegen: functions shared by the task scripts of pipeline `reads-demo` (generated; do not edit).
# Sourced by BUILD/tasks/<task>.sh, which tasks/<task>.mk runs once it has decided that an
# instance must run (or is blocked). Marker files live in $OUTPUT_DIR/.makegen/state/<task>/:
#   <key>.started   written when an attempt starts (time, host, pid, job)
#   <key>.ok-<hash>  written after the outputs are published (the recipe hash is in the name)
#   <key>.failed    written when an attempt fails (exit code, reason)
#   <key>.blocked   written when the instance cannot start (missing input, upstream not done)
# Every marker is written to a temporary name and renamed, so none is ever half-written.
#   =lock/<key>/      held while an attempt runs (mkdir is atomic, also on NFS); its
#                       holder file says whose: host, pid, job, since when

# The time now, UTC, in _mg_now (a builtin: no process per marker).
makegen_now() { TZ=UTC printf -v _mg_now '%(%Y-%m-%dT%H:%M:%SZ)T' -1; }

# makegen_init TASK HASH LIMIT MODE NAME=VALUE...: the instance's params become _mg_p_NAME.
# LIMIT is how long (s) an attempt of the task can be alive: its time limit and a grace.
makegen_init() {
  _mg_task=$1 _mg_hash=$2 _mg_limit=$3 _mg_mode=$4
  shift 4
  local arg
  for arg in "$@"; do
    printf -v "_mg_p_${arg%%=*}" '%s' "${arg#*=}"
  done
  _mg_state=$OUTPUT_DIR/.makegen/state/$_mg_task
  _mg_logdir=$OUTPUT_DIR/.makegen/logs/$_mg_task
  _mg_job=${MAKEGEN_JOB_ID:-}
  _mg_host=${HOSTNAME:-$(uname -n)}
  _mg_held= _mg_step= _mg_local= _mg_stages=() _mg_published=()
}

# makegen_where: the instance's log, temporary directory and lock, once _mg_key is known.
makegen_where() {
  _mg_log=$_mg_logdir/$_mg_key.log
  # <key>=<host>=<pid>: `makegen clean --tmp` tells from the name whose it is (`=` is in no
  # value and no host name).
  _mg_tmp=$OUTPUT_DIR/.makegen/tmp/$_mg_task/$_mg_key=$_mg_host=$$
  _mg_scratch=$_mg_tmp/scratch
  _mg_lock=$_mg_state/=lock/$_mg_key
  _mg_ok=$_mg_state/$_mg_key.ok-$_mg_hash
}

# makegen_step ID WHAT: makegen's own code enters a step; WHAT names it when it fails. ID is
# where the tests inject a fault: MAKEGEN_TEST_FAULT=ID fails the step, =kill:ID kills the
# task script there. Nothing else sets it; unset, the step costs one test.
makegen_step() {
  _mg_step=$2
  if [[ -n ${MAKEGEN_TEST_FAULT:-} ]]; then makegen_test_fault "$1"; fi
}

makegen_test_fault() {
  case $MAKEGEN_TEST_FAULT in
    "$1") printf 'makegen: test fault at step %s\n' "$1" >&2; return 1 ;;
    "kill:$1") kill -KILL $$ ;;
  esac
}

# makegen_begin KIND REL...: take the instance's lock, make the temporary directory, say where
# each output (KIND file or dir, REL its path under OUTPUT_DIR) is written, record the start.
# Every program started here costs a node milliseconds per instance, so the folders are
# made by one mkdir and files are only removed when they exist.
makegen_begin() {
  if [[ $_mg_mode == blocked ]]; then
    mkdir -p "$_mg_state" "$_mg_logdir"
    makegen_wrapper_trace
    makegen_blocked "${MAKEGEN_BLOCKED:-blocked}"
  fi
  # From here on a failure in makegen's own code ends the attempt failed, with a message
  # naming the step: under set -e alone it would exit without a word, no end recorded.
  makegen_guard
  trap 'makegen_cleanup' EXIT
  trap 'makegen_signal 129 HUP' HUP
  trap 'makegen_signal 130 INT' INT
  trap 'makegen_signal 143 TERM' TERM
  trap 'makegen_signal 138 USR1' USR1
  trap 'makegen_signal 140 USR2' USR2
  trap 'makegen_signal 152 XCPU' XCPU
  # Failed until the end says otherwise: job.sh must never take an attempt that ran (or was
  # killed running) for one that never started.
  makegen_report failed 1
  makegen_step setup "making the folders of $_mg_id under $OUTPUT_DIR"
  if [[ -e $_mg_tmp ]]; then rm -rf "$_mg_tmp"; fi
  local i name dirs=()
  _mg_kinds=() _mg_rels=()
  while (($# >= 2)); do
    _mg_kinds+=("$1") _mg_rels+=("$2")
    shift 2
  done
  for i in "${!_mg_rels[@]}"; do
    name=_mg_out_$i
    printf -v "$name" '%s' "$_mg_tmp/out/${_mg_rels[i]}"
    if [[ ${_mg_kinds[i]} == dir ]]; then dirs+=("${!name}"); else dirs+=("${!name%/*}"); fi
  done
  mkdir -p "$_mg_state/=lock" "$_mg_logdir" "$_mg_tmp/lock" "$_mg_tmp/out" "$_mg_scratch" "$_mg_tmp/lists" \
    "${dirs[@]}"
  makegen_lock
  makegen_wrapper_trace
  makegen_step markers "removing the markers of the last attempt of $_mg_id"
  makegen_remove_markers '.ok-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]' '.failed' '.blocked'
  makegen_destinations
  makegen_now
  _mg_started=$_mg_now
  makegen_marker started "$_mg_state/$_mg_key.started" "started=$_mg_started" "host=$_mg_host" "pid=$$" "job=$_mg_job"
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
      # A suffix without a wildcard names its file whether or not it is there: no `rm`
      # (a program per instance) for a marker that does not exist.
      [[ -e $file || -L $file ]] || continue
      if [[ $file != *.tmp.* || ${file##*.tmp.} =~ ^[0-9]+$ ]]; then old+=("$file"); fi
    done
  done
  shopt -u nullglob
  if ((${#old[@]})); then rm -f "${old[@]}"; fi
}

# makegen_guard: from here on a failure in makegen's own code ends the attempt failed, with a
# message naming the step (set -E: also inside functions).
makegen_guard() {
  set -E
  trap 'makegen_fault $? "$BASH_COMMAND"' ERR
}

# makegen_lock: hold the instance's lock, so that two attempts never run the command at once.
# The lock is a folder renamed into place with its holder file in it: a rename is atomic (also
# on NFS) and fails onto a folder that is not empty, and a lock never exists without saying
# whose it is. Once held, an attempt that succeeded while this one waited (or between make's
# decision and the lock) leaves nothing to do.
makegen_lock() {
  makegen_step lock "taking the lock $_mg_lock"
  makegen_holder_file
  if ! mv -T "$_mg_tmp/lock" "$_mg_lock" 2>/dev/null; then makegen_lock_wait; fi
  _mg_held=1
  # The scratch folder was made just before the lock was asked for, and nothing has touched
  # it since (the lock's rename changed the temporary directory's own mtime).
  if [[ -e $_mg_ok && $_mg_ok -nt $_mg_scratch ]]; then
    printf '==== makegen: %s was done by another attempt while this one waited\n' "$_mg_id" >>"$_mg_log"
    makegen_report up-to-date
    exit 0
  fi
}

# makegen_holder_file: this attempt's lock-to-be, $_mg_tmp/lock/holder, as of now.
makegen_holder_file() {
  local epoch
  makegen_now
  printf -v epoch '%(%s)T' -1
  printf 'host=%s\npid=%s\njob=%s\nsince=%s\nepoch=%s\n' "$_mg_host" "$$" "$_mg_job" "$_mg_now" \
    "$epoch" >"$_mg_tmp/lock/holder"
}

# makegen_lock_wait: another attempt holds the lock. Poll (nothing else works across NFS
# clients) until it lets go, take over a lock whose holder is gone, give up after the limit.
makegen_lock_wait() {
  local start now pauses=(0.1 0.2 0.5 1 2 5) n=0
  printf -v start '%(%s)T' -1
  makegen_holder
  printf '==== makegen: %s waits for the attempt holding %s (%s)\n' "$_mg_id" "$_mg_lock" \
    "${_mg_holder_says:-no holder recorded}" >>"$_mg_log"
  while true; do
    makegen_holder_file
    if mv -T "$_mg_tmp/lock" "$_mg_lock" 2>/dev/null; then return 0; fi
    if [[ ! -d $_mg_lock ]]; then
      # No lock in the way: it was just let go, or the rename cannot be made at all.
      makegen_holder_file
      mv -T "$_mg_tmp/lock" "$_mg_lock"
      return 0
    fi
    makegen_holder
    if makegen_holder_gone "$start"; then
      makegen_take_over
      continue
    fi
    printf -v now '%(%s)T' -1
    if ((now - start > _mg_limit)); then
      makegen_step lock "waiting for the lock $_mg_lock"
      makegen_fail 1 "another attempt has held $_mg_lock for longer than the time limit (${_mg_limit}s): ${_mg_holder_says:-no holder recorded}"
    fi
    sleep "${pauses[n]}"
    if ((n < ${#pauses[@]} - 1)); then n=$((n + 1)); fi
  done
}

# makegen_holder: read the lock's holder file into _mg_holder_{host,pid,epoch,text}.
makegen_holder() {
  local line
  _mg_holder_host= _mg_holder_pid= _mg_holder_epoch= _mg_holder_text= _mg_holder_says=
  if [[ -r $_mg_lock/holder ]]; then
    while IFS= read -r line; do
      _mg_holder_text+=$line$'\n'
      case $line in
        host=*) _mg_holder_host=${line#host=} ;;
        pid=*) _mg_holder_pid=${line#pid=} ;;
        epoch=*) _mg_holder_epoch=${line#epoch=} ;;
      esac
    done <"$_mg_lock/holder" 2>/dev/null || true
  fi
  if [[ -n $_mg_holder_host ]]; then _mg_holder_says="host $_mg_holder_host, pid $_mg_holder_pid"; fi
}

# makegen_holder_gone WAITED_SINCE: whether the holder has ended. On this host: its process
# is gone (or a zombie, or no longer a task script). Elsewhere: its lock is older than the
# limit. A lock that says nothing: this attempt has waited longer than the limit for it.
makegen_holder_gone() {
  local now since=${_mg_holder_epoch:-$1}
  printf -v now '%(%s)T' -1
  if [[ -n $_mg_holder_pid && $_mg_holder_host == "$_mg_host" ]]; then
    makegen_pid_gone "$_mg_holder_pid"
  else
    ((now - since > _mg_limit))
  fi
}

makegen_pid_gone() {
  local stat args=()
  kill -0 "$1" 2>/dev/null || return 0
  read -r stat <"/proc/$1/stat" 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat%% *} == [ZX] ]] && return 0
  mapfile -d '' args <"/proc/$1/cmdline" 2>/dev/null || return 1
  [[ " ${args[*]} " != *"/tasks/$_mg_task.sh "* ]]
}

# makegen_take_over: remove a lock whose holder is gone (the caller then makes its own).
# Of several waiters only the one that makes the folder takeover/ in it goes on, and only
# while the holder file is still the one judged gone, so a fresh lock is never taken.
makegen_take_over() {
  local judged=$_mg_holder_text
  mkdir "$_mg_lock/takeover" 2>/dev/null || return 0
  makegen_holder
  if [[ $_mg_holder_text != "$judged" ]]; then
    rmdir "$_mg_lock/takeover" 2>/dev/null || true
    return 0
  fi
  rm -rf "$_mg_lock"
  printf '==== makegen: %s takes over %s from %s, which is gone\n' "$_mg_id" "$_mg_lock" \
    "${_mg_holder_says:-an attempt that recorded nothing}" >>"$_mg_log"
}

# makegen_destinations: write each output on the filesystem of its destination: where the
# folder it goes into (or the nearest one that exists yet) is on another filesystem than the
# temporary directory (a symlink to scratch space), the output is staged in a folder there,
# so that publishing it is a rename, never a copy.
makegen_destinations() {
  makegen_step destinations "comparing the filesystems of the outputs of $_mg_id"
  local i folder folders=()
  for i in "${!_mg_rels[@]}"; do
    folder=$OUTPUT_DIR/${_mg_rels[i]}
    folder=${folder%/*}
    while [[ ! -d $folder && $folder == */* ]]; do folder=${folder%/*}; done
    folders+=("${folder:-/}")
  done
  if ((${#folders[@]} == 0)); then return 0; fi
  # One program for every output (st_dev: no builtin gives it); not in the ERR trap's reach
  # inside $(...), where it would record the failure from a subshell.
  local devices=() text
  text=$(trap - ERR; stat -L -c %d -- "$_mg_tmp" "${folders[@]}")
  mapfile -t devices <<<"$text"
  for i in "${!_mg_rels[@]}"; do
    if [[ ${devices[i + 1]} != "${devices[0]}" ]]; then makegen_stage "$i" "${folders[i]}"; fi
  done
}

# makegen_stage I FOLDER: output I is written in a staging folder in FOLDER, its destination's.
makegen_stage() {
  local i=$1 stage=$2/.makegen-stage.$_mg_task=$_mg_key=$_mg_host=$$ rel=${_mg_rels[$1]}
  makegen_step stage "making the staging folder $stage for output $rel"
  if [[ ! -d $stage ]]; then
    printf '%s\n' "$stage" >>"$_mg_tmp/staged"
    _mg_stages+=("$stage")
  fi
  # One folder per output: two outputs may share a name and the nearest folder that exists.
  if [[ ${_mg_kinds[i]} == dir ]]; then mkdir -p "$stage/$i/${rel##*/}"; else mkdir -p "$stage/$i"; fi
  printf -v "_mg_out_$i" '%s' "$stage/$i/${rel##*/}"
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

# makegen_marker WHAT PATH LINE...: write the WHAT marker atomically; on failure remove its
# temporary file and return 1 (callers that cannot go on leave it to the ERR trap).
makegen_marker() {
  local what=$1 path=$2 tmp=$2.tmp.$$
  shift 2
  if makegen_step "marker.$what" "writing the $what marker $path" && printf '%s\n' "$@" >"$tmp" \
    && makegen_step "marker.$what.rename" "writing the $what marker $path" && mv -f "$tmp" "$path"; then
    return 0
  fi
  if [[ -e $tmp ]]; then rm -f "$tmp"; fi
  return 1
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
  makegen_marker blocked "$_mg_state/$_mg_key.blocked" "finished=$_mg_now" "host=$_mg_host" \
    "job=$_mg_job" "reason=$reason"
  makegen_now
  printf '==== makegen: %s blocked %s: %s\n' "$_mg_id" "$_mg_now" "$reason" >>"$_mg_log"
  printf 'makegen: %s is blocked: %s\n' "$_mg_id" "$reason" >&2
  makegen_report blocked
  exit 3
}

# makegen_fault CODE COMMAND: the ERR trap, when a command of makegen's own code fails.
makegen_fault() {
  trap - ERR
  makegen_fail "$1" "${_mg_step:-a step of makegen} failed: \`$2\` exited with code $1"
}

# makegen_fail CODE REASON: record a failed attempt and stop. Nothing in here may stop it
# half-way: every step is checked, none is left to set -e.
makegen_fail() {
  local code=$1 reason=$2 marker=$_mg_state/$_mg_key.failed unrecorded=
  trap - ERR HUP INT TERM USR1 USR2 XCPU
  set +e
  makegen_withdraw
  # The partial outputs go first: on a full disk they hold the space the marker needs.
  makegen_remove_tmp
  if [[ -z $_mg_held ]]; then
    unrecorded="another attempt may hold $_mg_lock, so nothing was recorded under $_mg_state"
  else
    makegen_now
    if ! makegen_marker failed "$marker" "started=${_mg_started:-}" "finished=$_mg_now" "exit=$code" \
      "host=$_mg_host" "job=$_mg_job" "reason=$reason" 2>/dev/null; then
      # No room even for the marker: the start marker, renamed, still says it failed.
      if mv -f "$_mg_state/$_mg_key.started" "$marker" 2>/dev/null; then
        unrecorded="cannot write $marker; the start marker was renamed to it, without the reason"
      else
        unrecorded="cannot write $marker: status will not know that this attempt failed"
      fi
    fi
  fi
  makegen_now
  printf '==== makegen: %s failed %s: %s\n' "$_mg_id" "$_mg_now" "$reason" >>"$_mg_log" 2>/dev/null
  printf 'makegen: %s failed: %s (log: %s)\n' "$_mg_id" "$reason" "$_mg_log" >&2
  if [[ -n $unrecorded ]]; then printf 'makegen: %s: %s\n' "$_mg_id" "$unrecorded" >&2; fi
  if [[ -r $_mg_log ]]; then tail -n 20 "$_mg_log" | sed 's/^/  | /' >&2; fi
  makegen_report failed "$code"
  exit 1
}

makegen_signal() {
  makegen_fail "$1" "killed by SIG$2"
}

# makegen_remove_tmp: the temporary directory and the staging folders, where they exist.
makegen_remove_tmp() {
  local gone=()
  if [[ -n ${_mg_tmp:-} && -e $_mg_tmp ]]; then gone+=("$_mg_tmp"); fi
  gone+=("${_mg_stages[@]}")
  if ((${#gone[@]})); then rm -rf "${gone[@]}"; fi
  _mg_stages=()
}

# makegen_cleanup: at exit, the temporary files go and the lock is let go, by one program.
# makegen_node_scratch: {scratch}, a folder on the node's own disk, removed at the end.
makegen_node_scratch() {
  _mg_local=${TMPDIR:-/tmp}/makegen-scratch.$_mg_task.$_mg_key.$$
  mkdir -p "$_mg_local"
}

makegen_cleanup() {
  trap - ERR
  set +e
  local gone=("${_mg_stages[@]}")
  if [[ -n ${_mg_local:-} ]]; then gone+=("$_mg_local"); fi
  if [[ -n ${_mg_tmp:-} && -e $_mg_tmp ]]; then gone+=("$_mg_tmp"); fi
  if [[ -n $_mg_held ]]; then gone+=("$_mg_lock"); fi
  if ((${#gone[@]})); then rm -rf "${gone[@]}"; fi
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
  makegen_step command "running the command of $_mg_id"
  # The command's exit code is its own, not a failure of makegen's code: no ERR trap. (Not
  # `( ... ) || rc=$?`: on the left of || bash ignores set -e inside the command.)
  trap - ERR
  set +e
  (
    set -euo pipefail
    cd "$ROOT_DIR" || exit 1
    unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES MAKE_TERMOUT MAKE_TERMERR MAKEFILES \
      MAKEGEN_REPORT MAKEGEN_RESULT MAKEGEN_WRAPPER_TRACE MAKEGEN_BLOCKED MAKEGEN_TEST_FAULT \
      MAKEGEN_SET MAKEGEN_FORCE
    exec </dev/null >>"$_mg_log" 2>&1
    # Linux lets the arguments of one exec take a quarter of the stack limit: raise the soft
    # limit (to 256 MiB, within the hard one) so that `cat {inputs}` over a big gather fits.
    # (The soft limit read from /proc by a builtin: $(ulimit -s) would start a process.)
    _mg_stack=unlimited
    while read -r _mg_a _mg_b _mg_c _mg_soft _; do
      if [[ "$_mg_a $_mg_b $_mg_c" == "Max stack size" ]]; then _mg_stack=$_mg_soft; break; fi
    done </proc/self/limits 2>/dev/null || _mg_stack=
    if [[ -z $_mg_stack ]]; then
      _mg_stack=$(ulimit -s)
    elif [[ $_mg_stack != unlimited ]]; then
      _mg_stack=$((_mg_stack / 1024))
    fi
    if [[ $_mg_stack != unlimited ]] && ((_mg_stack < 262144)); then
      ulimit -s 262144 2>/dev/null || ulimit -s "$(ulimit -H -s)" 2>/dev/null || true
    fi
    unset _mg_stack _mg_a _mg_b _mg_c _mg_soft
    PS4='+ '
    set -x
    if declare -F makegen_user_cleanup >/dev/null; then trap 'set +e; makegen_user_cleanup' EXIT; fi
    if declare -F makegen_user_setup >/dev/null; then
      makegen_user_setup
      : >"$_mg_tmp/setup.done"
    fi
    makegen_command
  )
  rc=$?
  set -e
  makegen_guard
  if ((rc != 0)); then
    if declare -F makegen_user_setup >/dev/null && [[ ! -e $_mg_tmp/setup.done ]]; then
      makegen_fail "$rc" "the setup exited with code $rc (the command did not run)"
    fi
    makegen_fail "$rc" "the command exited with code $rc"
  fi
}

# makegen_publish: check every declared output and every destination, then rename each into
# place. A publish that cannot complete publishes nothing: what is in the way is found before
# the first rename, and a rename that fails takes back the ones before it.
makegen_publish() {
  makegen_step publish.check "checking the outputs of $_mg_id"
  local i kind rel src dest missing=() blocked=() sources=()
  for i in "${!_mg_rels[@]}"; do
    kind=${_mg_kinds[i]} rel=${_mg_rels[i]}
    src=_mg_out_$i
    src=${!src}
    dest=$OUTPUT_DIR/$rel
    if [[ $kind == dir && ! -d $src ]] || [[ $kind == file && ! -f $src ]]; then
      missing+=("$rel")
    elif [[ $kind == file && -d $dest && ! -L $dest ]]; then
      blocked+=("a folder is where file output $dest goes")
    elif [[ $kind == dir && -e $dest && ! -d $dest ]]; then
      blocked+=("a file is where folder output $dest goes")
    elif [[ -e ${dest%/*} && ! -d ${dest%/*} ]]; then
      blocked+=("a file is where the folder ${dest%/*} of output $rel goes")
    fi
    sources+=("$src")
  done
  if ((${#missing[@]})); then
    makegen_fail 1 "declared output(s) not written: ${missing[*]}"
  fi
  if ((${#blocked[@]})); then
    local text
    printf -v text '%s; ' "${blocked[@]}"
    makegen_fail 1 "cannot publish, nothing was published: ${text%; }"
  fi
  if ((${#sources[@]} == 0)); then return 0; fi
  # A fresh mtime on every output: downstream instances compare against it, and a tool
  # that copies with `cp -p` must not make a new output look old.
  touch -c "${sources[@]}"
  makegen_step publish.folders "making the folders the outputs of $_mg_id go into"
  local absent=()
  for i in "${!_mg_rels[@]}"; do
    dest=$OUTPUT_DIR/${_mg_rels[i]}
    if [[ ! -d ${dest%/*} ]]; then absent+=("${dest%/*}"); fi
  done
  if ((${#absent[@]})); then mkdir -p "${absent[@]}"; fi
  for i in "${!_mg_rels[@]}"; do
    kind=${_mg_kinds[i]} rel=${_mg_rels[i]} src=${sources[i]}
    dest=$OUTPUT_DIR/$rel
    makegen_step "publish.$i" "publishing $dest"
    if [[ $kind == dir && -e $dest ]]; then
      # Aside first, then the new one in: a reader sees the old or the new, never a mix.
      mv -T "$dest" "$_mg_tmp/replaced.$i"
    fi
    mv -fT "$src" "$dest"
    _mg_published+=("$i")
  done
}

# makegen_withdraw: after a failure during the publish, take back what it had published
# (each back into the temporary directory, each replaced folder back in its place).
makegen_withdraw() {
  local i src dest
  for i in "${_mg_published[@]}"; do
    src=_mg_out_$i
    src=${!src}
    dest=$OUTPUT_DIR/${_mg_rels[i]}
    mv -fT "$dest" "$src" 2>/dev/null
    if [[ -e $_mg_tmp/replaced.$i ]]; then mv -T "$_mg_tmp/replaced.$i" "$dest" 2>/dev/null; fi
  done
  if ((${#_mg_published[@]})); then
    printf 'makegen: %s: took back the output(s) already published\n' "$_mg_id" >&2
  fi
  _mg_published=()
}

makegen_finish() {
  makegen_now
  # The end markers repeat the start, so status reads one file per finished instance.
  makegen_marker ok "$_mg_ok" "started=$_mg_started" "finished=$_mg_now" "exit=0" \
    "host=$_mg_host" "job=$_mg_job"
  # Done: nothing from here on (a signal, a log line that cannot be written) makes it a failure.
  trap - ERR HUP INT TERM USR1 USR2 XCPU
  set +e
  _mg_published=()
  makegen_now
  printf '==== makegen: %s done %s\n' "$_mg_id" "$_mg_now" >>"$_mg_log"
  printf 'makegen: ran %s\n' "$_mg_id"
  makegen_report ran
}
