# makegen: functions shared by the task scripts of pipeline `diamond` (generated; do not edit).
# Sourced by BUILD/tasks/<task>.sh when tasks/<task>.mk runs it for one instance, and by
# BUILD/jobs/job.sh, which runs the instances of an array element in its own shell once
# make has decided each one. Marker files live in $OUTPUT_DIR/.makegen/state/<task>/:
#   <key>.started   the instance's lock and its start marker: made with O_EXCL (bash's
#                     noclobber, atomic also on NFS v3 and later) while an attempt runs; it
#                     says whose (host, pid, job, since when, attempt).
#   <key>.ok-<hash>  made whole by one O_EXCL write after the outputs are published (the
#                     recipe hash is in the name); it repeats the lock's text, which lets the
#                     lock go, and job.sh (or the task script, alone) removes the lock afterwards.
#   <key>.failed    the lock renamed, when the attempt fails (exit code, reason).
#   <key>.blocked   written when the instance cannot start (missing input, upstream not done)
# No marker is ever half-written where a reader looks for it.
#
# Every program started here costs a node milliseconds per instance (about 1.5 ms each on
# a small VM), so the code below uses builtins wherever one exists: a run that publishes one
# output starts one program (the output's rename), plus one mkdir, one stat and one rm per
# array element.

# makegen_clock: the time now in seconds since the epoch, to the microsecond, in _mg_clock.
# Bash 5 has it in a variable; bash 4.4 (RHEL 8) only to the second, by printf.
if [[ -n ${EPOCHREALTIME:-} ]]; then
  makegen_clock() { _mg_clock=$EPOCHREALTIME; }
else
  makegen_clock() { printf -v _mg_clock '%(%s)T.000000' -1; }
fi

# The time now, UTC, in _mg_now (a builtin: no process per marker).
# (TZ is UTC in makegen's own shell, set once below: a TZ given per call would make the C
# library read the zone files twice a call.)
makegen_now() { printf -v _mg_now '%(%Y-%m-%dT%H:%M:%SZ)T' -1; }

# makegen_task TASK HASH LIMIT RETRIES: what is the same for every instance of the task (once
# per process). LIMIT is how long (s) an attempt of the task can be alive: its time limit
# and a grace.
makegen_task() {
  _mg_task=$1 _mg_hash=$2 _mg_limit=$3 _mg_retries=$4 _mg_job=${MAKEGEN_JOB_ID:-}
  _mg_host=${HOSTNAME:-$(uname -n)}
}

# makegen_init NAME=VALUE...: the instance's params become _mg_p_NAME.
makegen_init() {
  local arg
  for arg in "$@"; do
    printf -v "_mg_p_${arg%%=*}" '%s' "${arg#*=}"
  done
  _mg_state=$OUTPUT_DIR/.makegen/state/$_mg_task _mg_logdir=$OUTPUT_DIR/.makegen/logs/$_mg_task \
    _mg_held= _mg_step= _mg_local= _mg_removes_tmp= _mg_attempt=1 _mg_usage=() _mg_stages=() \
    _mg_published=() _mg_kinds=() _mg_rels=() _mg_outcome= _mg_code=0 _mg_guarded= _mg_rss=
}

# makegen_where: the instance's log, temporary directory and lock, once _mg_key is known.
makegen_where() {
  _mg_log=$_mg_logdir/$_mg_key.log
  # <key>=<host>=<pid>: `makegen clean --tmp` tells from the name whose it is (`=` is in no
  # value and no host name). $$ is the script's pid, also in a subshell of job.sh.
  _mg_tmp=$OUTPUT_DIR/.makegen/tmp/$_mg_task/$_mg_key=$_mg_host=$$
  _mg_own=$_mg_tmp/.makegen
  _mg_scratch=$_mg_own/tmp
  _mg_lock=$_mg_state/$_mg_key.started
  _mg_ok=$_mg_state/$_mg_key.ok-$_mg_hash
}

# makegen_outputs KIND REL...: the outputs (KIND file or dir, REL the path under OUTPUT_DIR),
# each written at _mg_out_I in the temporary directory until it is published: there under
# its own name, or in a folder of its own (in makegen's) when another output has that name.
makegen_outputs() {
  local i=0 base names=/
  while (($# >= 2)); do
    _mg_kinds+=("$1") _mg_rels+=("$2")
    base=${2##*/}
    if [[ $names == */"$base"/* || $base == .makegen ]]; then
      printf -v "_mg_out_$i" '%s' "$_mg_own/out.$i/$base"
    else
      printf -v "_mg_out_$i" '%s' "$_mg_tmp/$base"
    fi
    names+=$base/
    i=$((i + 1))
    shift 2
  done
}

# makegen_step ID WHAT: makegen's own code enters a step; WHAT names it when it fails. A
# signal caught since (makegen_catch_signals) ends the attempt failed here. ID is where the
# tests inject a fault: MAKEGEN_TEST_FAULT=ID fails the step, =kill:ID kills the process
# there, =signal:ID sends it a TERM just after the step's own check (a signal that comes
# between two checks). Nothing else sets it; unset, the step costs two tests.
makegen_step() {
  _mg_step=$2
  [[ -z $_mg_signal ]] || makegen_signaled || return 1
  if [[ -n ${MAKEGEN_TEST_FAULT:-} ]]; then makegen_test_fault "$1"; fi
}
if [[ -z ${MAKEGEN_TEST_FAULT:-} ]]; then
  makegen_step() {
    _mg_step=$2
    [[ -z $_mg_signal ]] || makegen_signaled
  }
fi

# makegen_catch_signals: a signal to the process is noted in _mg_signal, and acted on where
# it is safe: an attempt ends failed at its next step (or when its command returns), and
# job.sh runs no instance after it. (A trap that ended the attempt at once could stop the
# bookkeeping half-way.) job.sh sets the same traps before it reads this file.
_mg_signal=${_mg_signal:-}
makegen_catch_signals() {
  local signal
  for signal in HUP INT TERM USR1 USR2 XCPU; do trap "_mg_signal=$signal" "$signal"; done
}

# makegen_signaled: once a signal is caught, an attempt past its start ends failed ("killed
# by SIG..." and the code a shell gives a process the signal killed); elsewhere it goes on.
makegen_signaled() {
  [[ -n $_mg_guarded ]] || return 0
  local code
  case $_mg_signal in
    HUP) code=129 ;;
    INT) code=130 ;;
    TERM) code=143 ;;
    USR1) code=138 ;;
    USR2) code=140 ;;
    XCPU) code=152 ;;
    *) code=143 ;;
  esac
  makegen_fail "$code" "killed by SIG$_mg_signal"
}

makegen_test_fault() {
  case $MAKEGEN_TEST_FAULT in
    "$1") printf 'makegen: test fault at step %s\n' "$1" >&2; return 1 ;;
    "kill:$1") kill -KILL "$BASHPID" ;;
    "signal:$1") kill -TERM "$BASHPID" ;;
  esac
}

# -- the folders of an array element's instances, made at once ---------------------------------
#
# makegen_queue (once makegen_where and makegen_outputs have run): the current instance's
# folders join those makegen_prepare makes with one mkdir, and its outputs' destinations
# those it compares with one stat. job.sh queues the instances of its element that follow
# the first one to run; an instance that was not prepared prepares itself.
declare -gA _mg_ready=() _mg_stage_at=()
_mg_q_dirs=() _mg_q_keys=() _mg_q_tmps=() _mg_q_dests=() _mg_prepared=()

makegen_queue() {
  local i folder
  _mg_q_keys+=("$_mg_key") _mg_q_tmps+=("$_mg_tmp")
  makegen_tmp_folders
  _mg_q_dirs+=("${_mg_folders[@]}")
  for i in "${!_mg_rels[@]}"; do
    # The folder an output goes into, or the nearest one that exists yet: its filesystem is
    # the one a folder made there later will be on.
    folder=$OUTPUT_DIR/${_mg_rels[i]}
    folder=${folder%/*}
    while [[ ! -d $folder && $folder == */* ]]; do folder=${folder%/*}; done
    _mg_q_dests+=("$_mg_key" "$i" "${folder:-/}")
  done
}

# makegen_tmp_folders: the folders of the instance's temporary directory, in _mg_folders: the
# directory, makegen's own folders that the task needs ({tmp}, list files, ...; alone, also
# one for what measures the command's peak memory: makegen_command_shell), and those the
# outputs are written into (a folder output itself).
makegen_tmp_folders() {
  local i out
  _mg_folders=("$_mg_tmp")
  # (Not ${list[@]/#/$_mg_tmp/}: bash 5.2 would put the matched text for a `&` in the path.)
  for out in "${_mg_own_dirs[@]}"; do _mg_folders+=("$_mg_tmp/$out"); done
  if [[ -z ${_mg_grouped:-} ]]; then _mg_folders+=("$_mg_own"); fi
  for i in "${!_mg_rels[@]}"; do
    out=_mg_out_$i
    out=${!out}
    if [[ ${_mg_kinds[i]} == dir ]]; then
      _mg_folders+=("$out")
    elif [[ ${out%/*} != "$_mg_tmp" ]]; then
      _mg_folders+=("${out%/*}")
    fi
  done
}

# makegen_prepare: make the queued folders (and the state and log folders), and find the
# outputs whose destination is on another filesystem than the temporary directory (a
# symlink to scratch space): those are staged in a folder there, so that publishing is
# always a rename, never a copy.
makegen_prepare() {
  # (job.sh calls it where set -e does not act: every step is checked.)
  makegen_step setup "making the folders of $_mg_id under $OUTPUT_DIR" || return 1
  mkdir -p "$_mg_state" "$_mg_logdir" "${_mg_q_dirs[@]}" || return 1
  local n folders=() devices=() text last= which=() other=
  if ((${#_mg_q_dests[@]})); then
    makegen_step destinations "comparing the filesystems of the outputs of $_mg_id" || return 1
    # Each folder once (the instances of an element mostly write into the same few, one
    # after another); `which` says which folder each output goes into.
    for ((n = 2; n < ${#_mg_q_dests[@]}; n += 3)); do
      if [[ ${_mg_q_dests[n]} != "$last" ]]; then
        last=${_mg_q_dests[n]}
        folders+=("$last")
      fi
      which+=($((${#folders[@]} - 1)))
    done
    # One program for every folder (st_dev: no builtin gives it); not in the ERR trap's reach
    # inside $(...), where it would record the failure from a subshell.
    text=$(trap - ERR; stat -L -c %d -- "$OUTPUT_DIR/.makegen/tmp" "${folders[@]}") || return 1
    mapfile -t devices <<<"$text"
    for ((n = 1; n < ${#devices[@]}; n++)); do
      if [[ ${devices[n]} != "${devices[0]}" ]]; then other=1; fi
    done
    # Mostly none is on another filesystem than the temporary directory: nothing to stage.
    if [[ -n $other ]]; then
      for ((n = 0; n < ${#which[@]}; n++)); do
        if [[ ${devices[which[n] + 1]} != "${devices[0]}" ]]; then
          _mg_stage_at[${_mg_q_dests[3 * n]}]+="${_mg_q_dests[3 * n + 1]}"$'\t'"${folders[which[n]]}"$'\n'
        fi
      done
    fi
  fi
  for text in "${_mg_q_keys[@]}"; do _mg_ready[$text]=1; done
  _mg_prepared+=("${_mg_q_tmps[@]}")
  _mg_q_dirs=() _mg_q_keys=() _mg_q_tmps=() _mg_q_dests=()
}

# -- one attempt ----------------------------------------------------------------------------

# makegen_begin: take the instance's lock, record the start, stage the outputs whose folder
# is on another filesystem. In blocked mode, record that it is blocked and stop.
makegen_begin() {
  if [[ $_mg_mode == blocked ]]; then
    if [[ -z ${_mg_ready[$_mg_key]:-} ]]; then mkdir -p "$_mg_state" "$_mg_logdir"; fi
    makegen_wrapper_trace
    makegen_blocked "${MAKEGEN_BLOCKED:-blocked}"
    return 1
  fi
  # From here until its command has succeeded, a signal ends the attempt failed.
  _mg_guarded=1
  if [[ -z ${_mg_ready[$_mg_key]:-} ]]; then makegen_folders; fi
  # What make's decision was made before: an ok marker newer than it was written by another
  # attempt meanwhile (job.sh names its decision file; alone, the folders just made).
  _mg_since=${_mg_since:-$_mg_tmp}
  # The attempt's number goes into the lock, so that a killed attempt is counted too.
  makegen_last_attempt
  makegen_lock
  # The folders job.sh made for the element's instances when it began may have gone since:
  # `clean --tmp` on another host judges a folder by its age until its lock is held.
  if [[ ! -d $_mg_tmp ]]; then makegen_folders; fi
  makegen_start_line "$_mg_started"
  makegen_wrapper_trace "$_mg_line"
  makegen_step markers "removing the markers of the last attempt of $_mg_id"
  makegen_remove_markers "$_mg_ok" "$_mg_state/$_mg_key.failed" "$_mg_state/$_mg_key.blocked"
  if [[ -n ${_mg_stage_at[$_mg_key]:-} ]]; then makegen_destinations; fi
}

# makegen_start_line TIME: the log's line for the start of an attempt, in _mg_line.
makegen_start_line() {
  printf -v _mg_line '==== makegen: %s started %s on %s, pid %s%s, attempt %s' "$_mg_id" "$1" \
    "$_mg_host" "$BASHPID" "${_mg_job:+, job $_mg_job}" "$_mg_attempt"
}

# makegen_folders: the instance makes its own folders (a leftover of an earlier attempt with
# the same pid goes first).
makegen_folders() {
  if [[ -e $_mg_tmp ]]; then rm -rf "$_mg_tmp"; fi
  _mg_stage_at[$_mg_key]=
  makegen_queue
  makegen_prepare
  # Alone, the task script removes its folder at the end; job.sh removes those of its
  # element at once when it ends.
  if [[ -z ${_mg_defer_tmp:-} ]]; then _mg_removes_tmp=1; fi
}

# makegen_last_attempt: this attempt's number, counted across submissions: one more than the
# attempt before it when that one failed or was killed (its lock is left), else 1 (a
# success starts again at 1). And the cores it asks for ({resources.cores}).
makegen_last_attempt() {
  local line marker markers=("$_mg_state/$_mg_key.failed")
  _mg_attempt=1
  # A lock still there and not let go: an attempt that was killed. (Mostly there is neither.)
  if [[ -e $_mg_lock ]] && ! makegen_lock_released; then markers+=("$_mg_lock"); fi
  for marker in "${markers[@]}"; do
    if [[ -r $marker ]]; then
      while IFS= read -r line; do
        if [[ $line == attempt=* && ${line#attempt=} =~ ^[0-9]+$ ]] && ((${line#attempt=} >= _mg_attempt)); then
          _mg_attempt=$((${line#attempt=} + 1))
        fi
      done <"$marker" || true
    fi
  done
  local last=$((${#_mg_cores_by_attempt[@]} - 1))
  _mg_cores=${_mg_cores_by_attempt[_mg_attempt - 1 > last ? last : _mg_attempt - 1]}
}

# makegen_remove_markers PATH...: remove those of this key's markers that exist, by their exact
# names: a glob would read the whole state folder (10^5 names) for every instance. The
# success markers of earlier recipes stay: neither make nor status counts them as done.
makegen_remove_markers() {
  local file old=()
  for file in "$@"; do
    if [[ -e $file || -L $file ]]; then old+=("$file"); fi
  done
  # (No `rm`, a program, for markers that are not there.)
  if ((${#old[@]})); then rm -f "${old[@]}"; fi
}

# makegen_attempt: one attempt of the instance, once makegen_task_paths has run and _mg_mode
# says run or blocked, in this shell: no process of its own (a subshell per instance costs
# a fork, and the page faults after it, in a group of thousands). How it ended is in
# _mg_outcome (ran, up-to-date, failed, blocked), the code of a failure in _mg_code.
makegen_attempt() {
  local errexit=
  if [[ $- == *e* ]]; then errexit=1; fi
  set +e
  _mg_outcome= _mg_code=0
  makegen_guard
  makegen_task_attempt
  trap - ERR
  set +E
  _mg_guarded=
  makegen_cleanup
  if [[ -n $errexit ]]; then set -e; fi
}

# makegen_guard: a failure in makegen's own code ends the attempt failed, with a message naming
# the step. Bash has no way out of nested functions but exit (which would end the job, with
# every instance after this one): the ERR trap (set -E: also inside functions) records the
# failure where it happened, then each function returns in turn, up to makegen_attempt.
# An end recorded on purpose (blocked, failed, done by another attempt) returns the same way.
makegen_guard() {
  set -E
  trap 'makegen_caught $? "$BASH_COMMAND" || return 1' ERR
}

# makegen_caught CODE COMMAND: the ERR trap. The first failure that ends nothing yet is a
# fault of makegen's own code; true (stop returning) once back in makegen_attempt.
makegen_caught() {
  if [[ -z $_mg_outcome ]]; then makegen_fault "$1" "$2"; fi
  [[ ${FUNCNAME[1]:-} == makegen_attempt ]]
}

# makegen_create PATH TEXT: make PATH, holding TEXT, only if it does not exist (O_EXCL).
makegen_create() {
  # (A name that is there is refused before the open, which would say so on stderr; a
  # redirection of stderr would cost a handful of system calls every time. Made by another
  # attempt between the two, or a full disk, bash says why.)
  if [[ -e $1 || -L $1 ]]; then return 1; fi
  local rc=0
  set -C
  printf '%s' "$2" >"$1" || rc=$?
  set +C
  return "$rc"
}

# makegen_lock: hold the instance's lock, so that two attempts never run the command at once.
# The lock is the start marker, made only if it does not exist; its text says whose it is.
# Once held, an attempt that succeeded while this one waited (or between make's decision
# and the lock) leaves nothing to do.
makegen_lock() {
  makegen_step lock "taking the lock $_mg_lock"
  makegen_holder_text
  if ! makegen_create "$_mg_lock" "$_mg_mine"; then
    # The lock of an attempt that has ended (a run before this one) is taken over at once.
    makegen_holder
    if ! { makegen_lock_released && makegen_take_over quietly; }; then makegen_lock_wait; fi
  fi
  _mg_held=1
  if [[ -e $_mg_ok && $_mg_ok -nt $_mg_since ]]; then
    printf '==== makegen: %s was done by another attempt while this one waited\n' "$_mg_id" >>"$_mg_log"
    _mg_outcome=up-to-date
    return 1
  fi
}

# makegen_holder_text: this attempt's lock text, as of now, in _mg_mine. pidstart (the
# process's start, in clock ticks since boot) tells this process from a later one that
# reuses its pid.
makegen_holder_text() {
  makegen_now
  _mg_started=$_mg_now
  # (Read once per process: job.sh runs every attempt of its element in its own.)
  if [[ ${_mg_pidstart_of:-} != "$BASHPID" ]]; then
    makegen_proc_stat "$BASHPID"
    _mg_pidstart=${_mg_fields[21]:-} _mg_pidstart_of=$BASHPID
  fi
  makegen_clock
  printf -v _mg_mine 'started=%s\nhost=%s\npid=%s\npidstart=%s\njob=%s\nepoch=%s\nattempt=%s\n' \
    "$_mg_now" "$_mg_host" "$BASHPID" "$_mg_pidstart" "$_mg_job" "${_mg_clock%%[.,]*}" "${_mg_attempt:-1}"
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
    makegen_holder_text
    if makegen_create "$_mg_lock" "$_mg_mine"; then return 0; fi
    if [[ ! -e $_mg_lock ]]; then
      # No lock in the way, yet it could not be made: it was just let go, or it cannot be
      # made at all (no room, no permission).
      makegen_holder_text
      if makegen_create "$_mg_lock" "$_mg_mine"; then return 0; fi
      if [[ ! -e $_mg_lock ]]; then makegen_fail 1 "cannot make the lock $_mg_lock"; fi
    fi
    makegen_holder
    if makegen_lock_released || makegen_holder_gone "$start"; then
      if makegen_take_over; then return 0; fi
      continue
    fi
    printf -v now '%(%s)T' -1
    if ((now - start > _mg_limit)); then
      makegen_step lock "waiting for the lock $_mg_lock"
      makegen_fail 1 "another attempt has held $_mg_lock for longer than the time limit (${_mg_limit}s): ${_mg_holder_says:-no holder recorded}"
    fi
    sleep "${pauses[n]}"
    [[ -z $_mg_signal ]] || makegen_signaled
    if ((n < ${#pauses[@]} - 1)); then n=$((n + 1)); fi
  done
}

# makegen_holder: read the lock's text into _mg_holder_{host,pid,pidstart,epoch,text}.
makegen_holder() {
  local line
  _mg_holder_host= _mg_holder_pid= _mg_holder_pidstart= _mg_holder_epoch= _mg_holder_text= _mg_holder_says=
  if [[ -r $_mg_lock ]]; then
    while IFS= read -r line; do
      _mg_holder_text+=$line$'\n'
      case $line in
        host=*) _mg_holder_host=${line#host=} ;;
        pid=*) _mg_holder_pid=${line#pid=} ;;
        pidstart=*) _mg_holder_pidstart=${line#pidstart=} ;;
        epoch=*) _mg_holder_epoch=${line#epoch=} ;;
      esac
    done 2>/dev/null <"$_mg_lock" || true
  fi
  if [[ -n $_mg_holder_host ]]; then _mg_holder_says="host $_mg_holder_host, pid $_mg_holder_pid"; fi
}

# makegen_lock_released: whether the attempt that holds the lock has ended: a failure renames
# the lock away; a success leaves it, and its marker repeats the lock's text.
makegen_lock_released() {
  makegen_lets_go "$_mg_lock" "$_mg_ok"
}

# makegen_lets_go LOCK OK: whether the success marker OK is the end of the attempt that made
# LOCK (it begins with the lock's text). By content, not by mtime: a filesystem that keeps
# whole seconds would make a lock and its success marker look as old as each other.
makegen_lets_go() {
  local lock= ok=
  IFS= read -r -d '' lock 2>/dev/null <"$1"
  IFS= read -r -d '' ok 2>/dev/null <"$2"
  [[ -n $lock && $ok == "$lock"* ]]
}

# makegen_holder_gone WAITED_SINCE: whether the holder has ended. On this host: its process
# is gone (or a zombie, or another process that reuses its pid). Elsewhere: its lock is
# older than the limit. A lock that says nothing: this attempt has waited longer than the
# limit for it.
makegen_holder_gone() {
  local now since=${_mg_holder_epoch:-$1}
  printf -v now '%(%s)T' -1
  if [[ -n $_mg_holder_pid && $_mg_holder_host == "$_mg_host" ]]; then
    makegen_pid_gone "$_mg_holder_pid" "$_mg_holder_pidstart"
  else
    ((now - since > _mg_limit))
  fi
}

makegen_pid_gone() {
  kill -0 "$1" 2>/dev/null || return 0
  makegen_proc_stat "$1"
  ((${#_mg_fields[@]})) || return 1
  [[ ${_mg_fields[2]} == [ZX] ]] && return 0
  [[ -n $2 && ${_mg_fields[21]:-} != "$2" ]]
}

# makegen_proc_stat PID: the fields of /proc/PID/stat in _mg_fields, field N of proc(5) at
# index N-1 (2 the state, 15 and 16 cutime and cstime, 21 the start; none when it cannot be
# read). One `read -a` of the file (not `read <<<`: a here-string is a pipe, read a byte per
# system call); the fields are where they are when the name, in parentheses, is one word:
# then the line has as many words as this shell's own. A name with spaces (or `) ` in it)
# is cut at the last `) `, slower.
makegen_proc_stat() {
  local text=
  _mg_fields=()
  if [[ $1 == "$BASHPID" ]]; then
    # (This shell's own line is always there: no stderr to silence, a handful of system
    # calls fewer. /proc/self, read by a builtin, is this shell.)
    read -r -a _mg_fields </proc/self/stat || true
  else
    read -r -a _mg_fields 2>/dev/null <"/proc/$1/stat" || true
  fi
  if [[ ${#_mg_fields[@]} == "$_mg_stat_words" && ${_mg_fields[1]} == '('*')' ]]; then
    return 0
  fi
  _mg_fields=()
  read -r text 2>/dev/null <"/proc/$1/stat" || true
  if [[ $text == *') '* ]]; then
    text=${text##*) }
    # Only letters, digits and `-` after the name: nothing a glob would expand.
    if [[ $text != *[^A-Za-z0-9\ -]* ]]; then _mg_fields=(- - $text); fi
  fi
}
# The number of words in this shell's own stat line (its name, bash, is one word).
read -r -a _mg_fields 2>/dev/null <"/proc/$$/stat" || true
_mg_stat_words=${#_mg_fields[@]}

# makegen_take_over: replace a lock whose holder is gone by this attempt's (one rename over
# it: the lock never goes missing). Of several waiters only the one that makes the token
# <key>.takeover goes on, and only while the lock is still the one judged gone, so a fresh
# lock is never taken. A token whose maker died is removed once older than the limit.
makegen_take_over() {
  local judged=$_mg_holder_text token=$_mg_lock.takeover now epoch quietly=${1:-}
  printf -v now '%(%s)T' -1
  if ! makegen_create "$token" "epoch=$now"$'\n'; then
    read -r epoch 2>/dev/null <"$token" || epoch=
    epoch=${epoch#epoch=}
    if [[ $epoch =~ ^[0-9]+$ ]] && ((now - epoch > _mg_limit)); then rm -f "$token"; fi
    return 1
  fi
  makegen_holder
  if [[ $_mg_holder_text != "$judged" ]]; then
    rm -f "$token"
    return 1
  fi
  makegen_holder_text
  # (Called as a condition, where neither set -e nor the ERR trap acts: each step checked.)
  if ! { printf '%s' "$_mg_mine" >"$_mg_lock.tmp.$BASHPID" && mv -f "$_mg_lock.tmp.$BASHPID" "$_mg_lock"; }; then
    rm -f "$_mg_lock.tmp.$BASHPID" "$token"
    return 1
  fi
  rm -f "$token"
  if [[ -z $quietly ]]; then
    printf '==== makegen: %s takes over %s from %s, which is gone\n' "$_mg_id" "$_mg_lock" \
      "${_mg_holder_says:-an attempt that recorded nothing}" >>"$_mg_log"
  fi
}

# makegen_destinations: the outputs makegen_prepare found on another filesystem than the
# temporary directory are written in a staging folder beside their destination.
makegen_destinations() {
  local entry rest=${_mg_stage_at[$_mg_key]:-}
  # (Not `read <<<`: a here-string is a pipe, read a byte per system call.)
  while [[ -n $rest ]]; do
    entry=${rest%%$'\n'*} rest=${rest#*$'\n'}
    if [[ -n $entry ]]; then makegen_stage "${entry%%$'\t'*}" "${entry#*$'\t'}"; fi
  done
}

# makegen_stage I FOLDER: output I is written in a staging folder in FOLDER, its destination's.
makegen_stage() {
  local i=$1 stage=${2%/}/.makegen-stage.$_mg_task=$_mg_key=$_mg_host=$$ rel=${_mg_rels[$1]}
  makegen_step stage "making the staging folder $stage for output $rel"
  if [[ ! -d $stage ]]; then
    mkdir -p "$_mg_own"
    printf '%s\n' "$stage" >>"$_mg_tmp/.makegen/staged"
    _mg_stages+=("$stage")
  fi
  # One folder per output: two outputs may share a name and the nearest folder that exists.
  if [[ ${_mg_kinds[i]} == dir ]]; then mkdir -p "$stage/$i/${rel##*/}"; else mkdir -p "$stage/$i"; fi
  printf -v "_mg_out_$i" '%s' "$stage/$i/${rel##*/}"
}

# makegen_wrapper_trace [LINE...]: job.sh's own trace goes first into the instance log, then
# the LINEs, by one write.
makegen_wrapper_trace() {
  local lines=()
  if [[ -n ${_mg_trace_rd:-} ]]; then
    mapfile -t -u "$_mg_trace_rd" lines
  elif [[ -n ${MAKEGEN_WRAPPER_TRACE:-} && -s $MAKEGEN_WRAPPER_TRACE ]]; then
    mapfile -t lines <"$MAKEGEN_WRAPPER_TRACE"
    : >"$MAKEGEN_WRAPPER_TRACE"
  fi
  lines+=("$@")
  if ((${#lines[@]})); then printf '%s\n' "${lines[@]}" >>"$_mg_log"; fi
}

# makegen_marker WHAT PATH LINE...: write the WHAT marker atomically; on failure remove its
# temporary file and return 1 (callers that cannot go on leave it to the ERR trap).
makegen_marker() {
  local what=$1 path=$2 tmp=$2.tmp.$BASHPID
  shift 2
  if makegen_step "marker.$what" "writing the $what marker $path" && printf '%s\n' "$@" >"$tmp" \
    && makegen_step "marker.$what.rename" "writing the $what marker $path" && mv -f "$tmp" "$path"; then
    return 0
  fi
  if [[ -e $tmp ]]; then rm -f "$tmp"; fi
  return 1
}

# makegen_end_failed LINE...: end a failed attempt: the lines join the lock's text, and the
# lock is renamed to the failure marker (one rename: the end is recorded and the lock let
# go). When the lines cannot be written (a full disk), the rename still records the end.
makegen_end_failed() {
  local path=$_mg_state/$_mg_key.failed written=
  if makegen_step marker.failed "writing the failure marker $path" && printf '%s\n' "$@" >>"$_mg_lock"; then
    written=1
  fi
  makegen_step marker.failed.rename "writing the failure marker $path" || return 1
  mv -f "$_mg_lock" "$path" || return 1
  _mg_held=
  [[ -n $written ]]
}

# makegen_report OUTCOME [CODE]: how the attempt ended, for job.sh when make ran the task
# script (GNU make before 4.0).
makegen_report() {
  if [[ -n ${MAKEGEN_REPORT:-} ]]; then printf '%s\n' "$*" >"$MAKEGEN_REPORT"; fi
}

makegen_blocked() {
  local reason=$1
  # Whatever this instance made before was made from inputs that are not current any more:
  # its success no longer counts, so nothing downstream may use its outputs.
  makegen_remove_markers "$_mg_ok"
  makegen_now
  makegen_marker blocked "$_mg_state/$_mg_key.blocked" "finished=$_mg_now" "host=$_mg_host" \
    "job=$_mg_job" "reason=$reason"
  makegen_now
  printf '==== makegen: %s blocked %s: %s\n' "$_mg_id" "$_mg_now" "$reason" >>"$_mg_log"
  printf 'makegen: %s is blocked: %s\n' "$_mg_id" "$reason" >&2
  _mg_outcome=blocked
}

# makegen_fault CODE COMMAND: the ERR trap, when a command of makegen's own code fails.
makegen_fault() {
  trap - ERR
  makegen_fail "$1" "${_mg_step:-a step of makegen} failed: \`$2\` exited with code $1"
}

# makegen_fail CODE REASON: record a failed attempt and end it (false: the functions above
# return in turn, makegen_guard). Nothing in here may stop it half-way: every step is
# checked, none is left to the ERR trap. Once only: a failure while recording one (a step
# that cannot be written) ends the same attempt.
makegen_fail() {
  if [[ $_mg_outcome == failed ]]; then return 1; fi
  local code=$1 reason=$2 marker=$_mg_state/$_mg_key.failed unrecorded=
  _mg_outcome=failed _mg_code=$1 _mg_guarded=
  trap - ERR
  set +C
  makegen_withdraw
  # The partial outputs go first: on a full disk they hold the space the marker needs.
  makegen_remove_tmp
  if [[ -z $_mg_held ]]; then
    unrecorded="another attempt may hold $_mg_lock, so nothing was recorded under $_mg_state"
  else
    makegen_now
    if ! makegen_end_failed "finished=$_mg_now" "exit=$code" "attempt=${_mg_attempt:-1}" \
      "${_mg_usage[@]}" "reason=$reason" 2>/dev/null; then
      if [[ -z $_mg_held ]]; then
        unrecorded="cannot write the reason into $marker (no room?): it says failed, without why"
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
  makegen_guard
  return 1
}

# makegen_remove_tmp: the temporary directory and the staging folders, where they exist.
makegen_remove_tmp() {
  local gone=()
  if [[ -n ${_mg_tmp:-} && -e $_mg_tmp ]]; then gone+=("$_mg_tmp"); fi
  gone+=("${_mg_stages[@]}")
  if ((${#gone[@]})); then rm -rf "${gone[@]}"; fi
  _mg_stages=()
}

# makegen_node_scratch: {scratch}, a folder on the node's own disk, removed at the end.
makegen_node_scratch() {
  _mg_local=${TMPDIR:-/tmp}/makegen-scratch.$_mg_task.$_mg_key.$BASHPID
  mkdir -p "$_mg_local"
}

# makegen_cleanup: at exit, what the attempt leaves goes, by one program at most. A
# temporary directory that job.sh made for its element and that holds nothing that weighs
# (no scratch files, no replaced folder) is left to job.sh, which removes them all at once.
makegen_cleanup() {
  trap - ERR
  set +e
  local gone=("${_mg_stages[@]}") left=()
  if [[ -n ${_mg_local:-} ]]; then gone+=("$_mg_local"); fi
  if [[ -n ${_mg_tmp:-} && -e $_mg_tmp ]]; then
    if [[ -n ${_mg_removes_tmp:-} ]]; then
      gone+=("$_mg_tmp")
    elif ((${#_mg_own_dirs[@]})); then
      # ({tmp} and a replaced folder output live in makegen's own folders, which the task
      # has only when it needs one.)
      shopt -s nullglob dotglob
      left=("$_mg_scratch"/* "$_mg_own"/replaced.*)
      shopt -u nullglob dotglob
      if ((${#left[@]})); then gone+=("$_mg_tmp"); fi
    fi
  fi
  if [[ -n $_mg_held ]]; then gone+=("$_mg_lock"); fi
  if ((${#gone[@]})); then rm -rf "${gone[@]}"; fi
}

# makegen_listfile NAME PATH...: a file listing PATHs one a line, for {inputs:file}.
makegen_listfile() {
  local name=$1
  shift
  printf '%s\n' "$@" >"$_mg_own/lists/$name.txt"
}

# makegen_cpu_ms: the CPU time (user + system) of this shell's ended children, in ms, into
# _mg_cpu: cutime and cstime of /proc/self/stat, in clock ticks (read by a builtin).
makegen_cpu_ms() {
  makegen_proc_stat "$BASHPID"
  _mg_cpu=$(((${_mg_fields[15]:-0} + ${_mg_fields[16]:-0}) * 10))
}

# makegen_execute: run makegen_command with the spec's environment; trace it to the log. A
# command that fails is run again, from a fresh temporary directory, up to RETRIES times.
makegen_execute() {
  local rc=0 try=0 begun ended cpu0
  while true; do
    makegen_step command "running the command of $_mg_id"
    makegen_cpu_ms
    makegen_clock
    cpu0=$_mg_cpu begun=$_mg_clock
    # The command's exit code is its own, not a failure of makegen's code: no ERR trap. (Not
    # `( ... ) || rc=$?`: on the left of || bash ignores set -e inside the command.)
    trap - ERR
    makegen_command_shell
    rc=$?
    makegen_clock
    ended=$_mg_clock
    makegen_guard
    makegen_cpu_ms
    makegen_usage "$begun" "$ended" "$((_mg_cpu - cpu0))"
    # A signal while the command ran (it went to the command too, mostly) ends the attempt
    # failed; once the command has succeeded, the attempt publishes (milliseconds) first.
    if ((rc == 0)); then
      _mg_guarded=
      return 0
    fi
    [[ -z $_mg_signal ]] || makegen_signaled
    if [[ -n $_mg_has_setup && ! -e $_mg_own/setup.done ]]; then
      makegen_fail "$rc" "the setup exited with code $rc (the command did not run)"
    fi
    if ((try >= _mg_retries)); then makegen_fail "$rc" "the command exited with code $rc"; fi
    try=$((try + 1))
    makegen_retry "$rc"
  done
}

# makegen_usage BEGUN ENDED CPU_MS: the attempt's wall and CPU time as marker lines.
makegen_usage() {
  # (EPOCHREALTIME's decimal point is the locale's.)
  local wall=$((10#${2//[.,]/} - 10#${1//[.,]/})) cpu
  printf -v wall '%d.%03d' $((wall / 1000000)) $((wall % 1000000 / 1000))
  printf -v cpu '%d.%03d' $(($3 / 1000)) $(($3 % 1000))
  _mg_usage=("wall_s=$wall" "cpu_s=$cpu")
  if [[ $_mg_rss =~ ^[0-9]+$ ]]; then
    printf -v cpu '%d.%d' $((_mg_rss / 1024)) $((_mg_rss % 1024 * 10 / 1024))
    _mg_usage+=("max_rss_mb=$cpu")
  fi
}

# makegen_retry CODE: record the failed try in the log and run the command again, as the next
# attempt, from an empty temporary directory.
makegen_retry() {
  makegen_now
  printf '==== makegen: %s failed %s: the command exited with code %s (attempt %s); %s\n' "$_mg_id" \
    "$_mg_now" "$1" "$_mg_attempt" "retrying" >>"$_mg_log"
  _mg_attempt=$((_mg_attempt + 1))
  makegen_step retry "emptying the temporary directory of $_mg_id for another try"
  # Everything but makegen's own files (the list files, ...) goes, and the outputs staged
  # elsewhere; then the folders are made again.
  local i entry gone=("$_mg_scratch")
  shopt -s nullglob dotglob
  for entry in "$_mg_tmp"/* "$_mg_own"/out.*; do
    if [[ $entry != "$_mg_own" ]]; then gone+=("$entry"); fi
  done
  shopt -u nullglob dotglob
  for i in "${!_mg_rels[@]}"; do
    entry=_mg_out_$i
    if [[ -e ${!entry} ]]; then gone+=("${!entry}"); fi
  done
  rm -rf "${gone[@]}"
  makegen_tmp_folders
  mkdir -p "${_mg_folders[@]}"
  makegen_now
  makegen_start_line "$_mg_now"
  printf '%s\n' "$_mg_line" >>"$_mg_log"
}

# Linux lets the arguments of one exec take a quarter of the stack limit: the command's shell
# raises the soft limit (to 256 MiB, within the hard one) so that `cat {inputs}` over a big
# gather fits. Whether it is lower is found once per process, from /proc by a builtin
# ($(ulimit -s) would start a process).
makegen_stack_check() {
  local a b c soft rest stack=unlimited
  while read -r a b c soft rest; do
    if [[ "$a $b $c" == "Max stack size" ]]; then stack=$soft; break; fi
  done </proc/self/limits 2>/dev/null || stack=
  if [[ -z $stack ]]; then
    stack=$(ulimit -s)
  elif [[ $stack != unlimited ]]; then
    stack=$((stack / 1024))
  fi
  _mg_stack_low=
  if [[ $stack != unlimited ]] && ((stack < 262144)); then _mg_stack_low=1; fi
}
makegen_stack_check

# makegen's own programs (mv, mkdir, stat, rm, make) start faster in the C locale: no locale
# files to read. The command gets the locale it was given (makegen_command_run).
_mg_lc_all=${LC_ALL-} _mg_lc_all_set=${LC_ALL+1} _mg_tz=${TZ-} _mg_tz_set=${TZ+1}
export LC_ALL=C TZ=UTC

# makegen_command_shell: the command in a subshell of its own, where the spec's environment
# is set up: the root folder, the log as output, no input, a deep enough stack.
makegen_command_shell() {
  _mg_rss=
  if [[ -z ${_mg_grouped:-} && -x /usr/bin/time ]]; then
    # Peak RSS needs the command's own process under GNU time: a new bash that reads this
    # shell's variables and functions from a file (about two programs more, so not inside a
    # group, where an instance costs a few milliseconds in all).
    { declare -p "${!_mg_@}"
      declare -f makegen_command_run makegen_command makegen_user_setup makegen_user_cleanup
    } >"$_mg_own/command.sh" 2>/dev/null
    # (A signal since the copy above is not in it: the new bash would run the command.)
    if [[ -n $_mg_signal ]]; then return 1; fi
    local rc=0 line
    /usr/bin/time -f 'max_rss_kb=%M' -o "$_mg_own/usage" bash -c 'source "$1" 2>/dev/null; makegen_command_run' \
      makegen "$_mg_own/command.sh" || rc=$?
    while IFS= read -r line; do
      if [[ $line == max_rss_kb=* ]]; then _mg_rss=${line#max_rss_kb=}; fi
    done 2>/dev/null <"$_mg_own/usage" || true
    return "$rc"
  fi
  (makegen_command_run)
}

# makegen_command_run: the command, where it runs (a subshell, or a bash under GNU time).
makegen_command_run() {
  # A signal that came after the attempt's last check and before this shell began (which
  # has a copy of _mg_signal as it was then): the command does not start; the attempt ends
  # failed, killed by it. One that comes later reaches the command itself, or, sent to
  # job.sh alone, lets the command finish.
  if [[ -n ${_mg_signal:-} ]]; then exit 1; fi
  set -euo pipefail
  cd "$ROOT_DIR" || exit 1
  unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES MAKE_TERMOUT MAKE_TERMERR MAKEFILES \
    MAKEGEN_REPORT MAKEGEN_RESULT MAKEGEN_WRAPPER_TRACE MAKEGEN_BLOCKED MAKEGEN_TEST_FAULT \
    MAKEGEN_SET MAKEGEN_FORCE MAKEGEN_DECIDE
  exec </dev/null >>"$_mg_log" 2>&1
  if [[ -n $_mg_renamer ]]; then exec {_mg_renamer_in}>&- {_mg_renamer_out}<&-; fi
  if [[ -n ${_mg_trace_rd:-} ]]; then exec {_mg_trace_rd}<&-; fi
  if [[ -n $_mg_lc_all_set ]]; then export LC_ALL=$_mg_lc_all; else unset LC_ALL; fi
  if [[ -n $_mg_tz_set ]]; then export TZ=$_mg_tz; else unset TZ; fi
  # Its trace goes to the log (stderr), not to job.sh's trace file; unset, the file's
  # descriptor is closed here, so the command's programs do not inherit it.
  unset BASH_XTRACEFD
  if [[ -n $_mg_stack_low ]]; then
    ulimit -s 262144 2>/dev/null || ulimit -s "$(ulimit -H -s)" 2>/dev/null || true
  fi
  if [[ -n $_mg_has_cleanup ]]; then trap 'set +e; makegen_user_cleanup' EXIT; fi
  # The trace from here on: the log shows the task's own code.
  PS4='+ '
  if [[ -n $_mg_has_setup ]]; then
    set -x
    makegen_user_setup
    : >"$_mg_own/setup.done"
  else
    set -x
  fi
  makegen_command
}

# makegen_publish: check every declared output and every destination, then rename each into
# place. A publish that cannot complete publishes nothing: what is in the way is found before
# the first rename, and a rename that fails takes back the ones before it.
makegen_publish() {
  makegen_step publish.check "checking the outputs of $_mg_id"
  local i kind rel src dest folder missing=() blocked=() sources=() old=() absent=()
  for i in "${!_mg_rels[@]}"; do
    kind=${_mg_kinds[i]} rel=${_mg_rels[i]} src=_mg_out_$i
    src=${!src} dest=$OUTPUT_DIR/$rel
    folder=${dest%/*}
    if [[ $kind == file ]]; then
      if [[ ! -f $src ]]; then
        missing+=("$rel")
      elif [[ -d $dest && ! -L $dest ]]; then
        blocked+=("a folder is where file output $dest goes")
      fi
    elif [[ ! -d $src ]]; then
      missing+=("$rel")
    elif [[ -e $dest && ! -d $dest ]]; then
      blocked+=("a file is where folder output $dest goes")
    fi
    if [[ ! -d $folder ]]; then
      if [[ -e $folder ]]; then
        blocked+=("a file is where the folder $folder of output $rel goes")
      else
        absent+=("$folder")
      fi
    fi
    sources+=("$src")
    # A fresh mtime on every output: downstream instances compare against it, and a tool
    # that copies with `cp -p` must not make a new output look old. (Only those older than
    # the attempt: a `touch` is a program.)
    if [[ ! $src -nt $_mg_lock ]]; then old+=("$src"); fi
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
  if ((${#old[@]})); then touch -c "${old[@]}"; fi
  makegen_step publish.folders "making the folders the outputs of $_mg_id go into"
  if ((${#absent[@]})); then mkdir -p "${absent[@]}"; fi
  for i in "${!sources[@]}"; do
    dest=$OUTPUT_DIR/${_mg_rels[i]}
    makegen_step "publish.$i" "publishing $dest"
    if [[ ${_mg_kinds[i]} == dir && -e $dest ]]; then
      # Aside first, then the new one in: a reader sees the old or the new, never a mix.
      makegen_rename "$dest" "$_mg_own/replaced.$i"
    fi
    makegen_rename "${sources[i]}" "$dest"
    _mg_published+=("$i")
  done
}

# -- renaming ---------------------------------------------------------------------------------
#
# makegen_rename SRC DEST: rename SRC to DEST, replacing it (mv -fT). A job that runs many
# instances (a group) starts one renamer for all of them (makegen_renamer_start): a rename
# is then a line to it and its answer, some 30 us, where a `mv` is a program, over a
# millisecond. Whatever the renamer cannot do (an error, another filesystem) mv does, and
# says why.
_mg_renamer=
makegen_rename() {
  if [[ -n $_mg_renamer ]]; then
    local reply=
    # (A renamer gone would make the write raise SIGPIPE here: ignored while it lasts.)
    trap '' PIPE
    if printf '%s\0%s\0' "$1" "$2" >&"$_mg_renamer_in" 2>/dev/null \
      && read -r -u "$_mg_renamer_out" reply; then
      trap - PIPE
      if [[ $reply == 0 ]]; then return 0; fi
    else
      trap - PIPE
      _mg_renamer=
    fi
  fi
  mv -fT "$1" "$2"
}

# makegen_renamer_start: the renamer, when Perl is there: a coprocess that ends when its input
# closes, with the job. It ignores the signals a job gets, so that it answers until the job
# is done with it; rename(2) is mv -fT's.
makegen_renamer_start() {
  if [[ -n $_mg_renamer ]] || ! command -v perl >/dev/null; then return 0; fi
  local _mg_renamer_proc
  coproc _mg_renamer_proc {
    exec perl -e '$| = 1; $/ = "\0"; $SIG{$_} = "IGNORE" for qw(HUP INT TERM USR1 USR2 XCPU PIPE);
      while (defined(my $from = <STDIN>)) {
        my $to = <STDIN>; last unless defined $to; chop $from; chop $to;
        print rename($from, $to) ? "0\n" : "1 $!\n";
      }' 2>/dev/null
  }
  # Copies of its descriptors: bash closes its own when it reaps the coprocess (which a kill
  # would make it do), and a later redirection may then take their numbers. The command's
  # shell closes them (makegen_command_run).
  exec {_mg_renamer_in}>&"${_mg_renamer_proc[1]}" {_mg_renamer_out}<&"${_mg_renamer_proc[0]}"
  _mg_renamer=1
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
    if [[ -e $_mg_own/replaced.$i ]]; then mv -T "$_mg_own/replaced.$i" "$dest" 2>/dev/null; fi
  done
  if ((${#_mg_published[@]})); then
    printf 'makegen: %s: took back the output(s) already published\n' "$_mg_id" >&2
  fi
  _mg_published=()
}

makegen_finish() {
  makegen_now
  # The success marker is made by one write, only if it does not exist (no program): it
  # repeats the lock's text, so status reads one file. The lock stays, let go: an end marker
  # newer than it says so, and job.sh removes the element's let-go locks at once when it ends.
  local text
  printf -v text '%s\n' "finished=$_mg_now" "exit=0" "attempt=$_mg_attempt" "${_mg_usage[@]}"
  makegen_step marker.ok "writing the success marker $_mg_ok"
  if ! makegen_create "$_mg_ok" "$_mg_mine$text" \
    || ! makegen_step marker.ok.written "writing the success marker $_mg_ok"; then
    # A success is recorded whole or not at all: a full disk may have left it made but
    # empty, and make would take an empty one for done (the outputs are taken back).
    rm -f "$_mg_ok"
    makegen_fail 1 "$_mg_step failed: \`printf >$_mg_ok\` did not complete"
  fi
  _mg_held= _mg_published=() _mg_outcome=ran
  # Done: nothing from here on (a log line that cannot be written) makes it a failure.
  trap - ERR
  printf '==== makegen: %s done %s\n' "$_mg_id" "$_mg_now" >>"$_mg_log"
  printf 'makegen: ran %s\n' "$_mg_id"
}
