"""`makegen log`: an instance's log (under OUTPUT_DIR, Layout.logs/<task>/<key>.log), by its id.

A log holds one section per attempt: the job wrapper's trace, a `==== makegen: ID started`
line, the command's trace and output, and a line saying how the attempt ended.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..contract.buildfile import Build
from ..contract.layout import Layout, instance_id, instance_key
from ..errors import MakegenError, did_you_mean

SECTION = "==== makegen: "


def parse_id(build: Build, ident: str) -> tuple[str, str]:
    """(task, key) of an id `task[p=v,...]` (or `task`), checked against the build."""
    match = re.fullmatch(r"([A-Za-z][A-Za-z0-9_-]*)(?:\[(.*)\])?", ident.strip())
    hint = "write the id as status shows it, e.g. map[sample=A] (quote it for the shell)"
    if match is None:
        raise MakegenError(f"{ident!r} is not an instance id", key="ID", hint=hint)
    name, inner = match.group(1), match.group(2)
    task = build.tasks.get(name)
    if task is None:
        raise MakegenError(f"no task `{name}` in this build{did_you_mean(name, build.tasks)}", key="ID",
                           hint="tasks: " + ", ".join(build.tasks))
    given = dict(part.partition("=")[::2] for part in inner.split(",")) if inner else {}
    if set(given) != set(task.foreach):
        example = instance_id(name, task.foreach, ["VALUE"] * len(task.foreach))
        raise MakegenError(f"{ident!r} does not name one instance of `{name}`", key="ID",
                           hint=f"give every param of its foreach: {example}")
    for param, value in given.items():
        if value not in build.param_values(param):
            values = build.param_values(param)
            raise MakegenError(f"`{value}` is not a value of {param}{did_you_mean(value, values)}",
                               key="ID", hint=hint)
    return name, instance_key([given[p] for p in task.foreach])


def is_wrapper_trace(line: str) -> bool:
    """A line of job.sh's own trace (`+ job.sh: ...`, `++ job.sh: ...` in a subshell)."""
    return line.lstrip("+").startswith(Layout.wrapper_trace.lstrip("+"))


def tail_lines(path: str, count: int, window: int = 8192) -> list[str]:
    """The last `count` lines of a log without the wrapper's trace (read from its last
    `window` bytes only; [] when it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - window))
            text = handle.read().decode(errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if not is_wrapper_trace(line)][-count:]


def log_path(output_dir: str, task: str, key: str) -> Path:
    return Path(output_dir) / Layout.logs / task / f"{key}.log"


def attempts(text: str) -> list[str]:
    """The log's attempts, oldest first; each starts with the wrapper's trace before it."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith(SECTION) and " started " in line]
    if not starts:
        return [text] if text else []
    cuts = []
    for start in starts:
        while start > 0 and is_wrapper_trace(lines[start - 1]):
            start -= 1
        cuts.append(start)
    cuts[0] = 0
    return ["".join(lines[a:b]) for a, b in zip(cuts, cuts[1:] + [len(lines)])]
