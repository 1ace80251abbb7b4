"""Every name under BUILD/ and OUTPUT_DIR/.makegen/, the exit codes, and the id formats.

Python code asks this module; templates receive `Layout` and these constants as values,
so no other file spells a path under the build folder or `.makegen/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

# graph.json's format: bumped whenever what it holds changes meaning.
GRAPH_FORMAT = 2


class Layout:
    """Relative paths in a build folder (BUILD) and in OUTPUT_DIR, for templates and code."""

    # BUILD/
    config = "config.mk"
    graph = "graph.json"
    index = ".makegen-files"  # the files of the build, for removing those a rebuild drops
    job_wrapper = "jobs/job.sh"
    job_lib = "jobs/lib.sh"
    tasks = "tasks"
    params = "params"
    manifests = "manifests"
    # OUTPUT_DIR/
    own = ".makegen"
    state = ".makegen/state"  # state/<task>/<key><marker suffix>
    logs = ".makegen/logs"  # logs/<task>/<key>.log
    tmp = ".makegen/tmp"  # tmp/<task>/<key>=<host>=<pid>/ while an attempt runs
    submit = ".makegen/submit"  # submit/<stamp>/: what one submission submitted
    # What one `makegen run` runs, while it runs (<stamp>.<pid>/): in BUILD, so the jobs' paths
    # hold the build folder's characters and no others; under OUTPUT_DIR if BUILD is read-only.
    run_in_build = ".makegen-run"
    run = ".makegen/run"
    job_logs = ".makegen/logs/jobs"  # the schedulers' own output files

    # Marker suffixes after <key>. The success marker carries the recipe hash in its name,
    # so Make checks "done with today's recipe" by a file's existence alone.
    started = ".started"
    ok = ".ok-"
    hash_length = 16  # hex digits of the recipe hash after `ok`
    failed = ".failed"
    blocked = ".blocked"
    # tmp/<task>/<key>=<host>=<pid>/ holds the outputs while the command writes them, each
    # under its own name (one that another output has, or that is `tmp_own`, in a folder of
    # its own), and makegen's own things in <tmp_own>/: {tmp}, the list files, the setup's
    # mark, ... (made only for a task that needs them: a folder is a file system's costliest
    # entry to make, and one is made per instance).
    tmp_own = ".makegen"
    # An output whose folder is on another filesystem than tmp/ is written in a folder
    # beside it, <folder>/.makegen-stage.<task>=<key>=<host>=<pid>/, so that publishing
    # it is a rename; tmp/<task>/<key>=<host>=<pid>/<staged> lists those folders.
    stage = ".makegen-stage."
    staged = tmp_own + "/staged"

    # job.sh's own trace lines start with this; they go first into the instance log.
    wrapper_trace = "+ job.sh: "


def task_makefile(task: str) -> str:
    return f"{Layout.tasks}/{task}.mk"


def task_script(task: str) -> str:
    return f"{Layout.tasks}/{task}.sh"


def manifest(phase: int, task: str) -> str:
    return f"{Layout.manifests}/phase-{phase}/{task}.txt"


def param_values(name: str) -> str:
    return f"{Layout.params}/{name}.txt"


def param_makefile(name: str) -> str:
    return f"{Layout.params}/{name}.mk"


class NodeExit:
    """Exit codes of the task script and jobs/job.sh on a node.

    Never 99 or 100: Grid Engine reserves them for "requeue" and "error state".
    """

    FAILED = 1  # the command failed
    MAKEGEN = 2  # the instance could not be run at all (bad manifest, index, configuration)
    BLOCKED = 3  # an input is missing or an upstream instance is not done


# The signals a node's job wrapper and task script catch (a scheduler's warning before a kill,
# a time or CPU limit, a user's qdel/scancel), with the exit code a shell gives a process
# each one kills on Linux (128 + its number), which the failure marker records.
NODE_SIGNALS: tuple[tuple[str, int], ...] = (
    ("HUP", 129), ("INT", 130), ("TERM", 143), ("USR1", 138), ("USR2", 140), ("XCPU", 152),
)


class CliExit:
    """Exit codes of makegen's commands (cli.md)."""

    OK = 0
    FAILED = 1  # a task or job failed
    USAGE = 2  # bad input: pipeline file, arguments, build folder
    BUG = 3  # a bug in makegen


class Outcome(str, Enum):
    """How one attempt through jobs/job.sh ended, as written to $MAKEGEN_RESULT."""

    RAN = "ran"
    UP_TO_DATE = "up-to-date"
    FAILED = "failed"
    BLOCKED = "blocked"


class InstanceState(str, Enum):
    """The states of the spec (cli.md), in the order status shows them."""

    DONE = "done"
    OUTDATED = "outdated"
    FAILED = "failed"
    RUNNING = "running"
    STALE = "stale"
    BLOCKED = "blocked"  # an upstream failed or is blocked, or an input is missing
    WAITING = "waiting"  # an upstream is not done yet, and nothing it needs failed
    PENDING = "pending"

    def __str__(self) -> str:
        return self.value

    @property
    def is_problem(self) -> bool:
        return self in (InstanceState.FAILED, InstanceState.STALE, InstanceState.BLOCKED)


def instance_key(values: Sequence[str]) -> str:
    """The spec's key: values joined by `,`, or `_` when the task has no foreach."""
    return ",".join(values) if values else "_"


def key_values(key: str, foreach: Sequence[str]) -> tuple[str, ...]:
    """The values of an instance key (values never hold `,`)."""
    return tuple(key.split(",")) if foreach else ()


def instance_id(task: str, foreach: Sequence[str], values: Sequence[str]) -> str:
    """The spec's id: `task[p=v,q=w]`, or `task` when it has no foreach."""
    if not foreach:
        return task
    return f"{task}[{','.join(f'{p}={v}' for p, v in zip(foreach, values))}]"
