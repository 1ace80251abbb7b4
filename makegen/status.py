"""The state of every instance, from the output tree and the marker files alone.

Reads a build's graph.json and what the job scripts left under OUTPUT_DIR/.makegen/; never
asks a scheduler and never imports `emit`. Everything it reads from disk goes through a
`Disk`, so the logic runs on a fake filesystem in tests. The rules are the ones the task
Makefiles apply (what makes an instance out of date, what blocks it), applied to all
instances at once.
"""

from __future__ import annotations

import calendar
import itertools
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Protocol

from . import markers
from .buildinfo import BuildInfo, TaskInfo

STATES = ("done", "outdated", "failed", "running", "stale", "blocked", "pending")
# Schedulers kill a job at its time limit (SLURM rounds it up to whole minutes and waits a
# little before the KILL): an instance that started longer ago than this has been killed.
GRACE_S = 5 * 60
DEFAULT_STALE_AFTER_S = 24 * 3600


class Disk(Protocol):
    """What status reads from the filesystem and the process table."""

    def mtime_ns(self, path: str) -> Optional[int]: ...
    def listdir(self, folder: str) -> list[str]: ...
    def read(self, path: str) -> Optional[str]: ...
    def alive(self, pid: int, task: str) -> bool: ...


class RealDisk:
    """The real filesystem, with a cache of mtimes (inputs are shared between instances)."""

    def __init__(self) -> None:
        self._mtimes: dict[str, Optional[int]] = {}

    def mtime_ns(self, path: str) -> Optional[int]:
        try:
            return self._mtimes[path]
        except KeyError:
            pass
        try:
            value: Optional[int] = os.stat(path).st_mtime_ns
        except OSError:
            value = None
        self._mtimes[path] = value
        return value

    def listdir(self, folder: str) -> list[str]:
        try:
            return os.listdir(folder)
        except OSError:
            return []

    def read(self, path: str) -> Optional[str]:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        try:
            return os.read(fd, 1 << 16).decode("utf-8", errors="replace")
        except OSError:
            return None
        finally:
            os.close(fd)

    def alive(self, pid: int, task: str) -> bool:
        """Whether `pid` is a live (not zombie) process running a makegen task script."""
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if fields[0] in ("Z", "X"):
                return False
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                return f"tasks/{task}.sh".encode() in handle.read()
        except OSError:
            return False


class Instance:
    """One instance's state and the facts a person needs about it.

    Its id, outputs, log and argv are derived from its task and values when asked for: a
    status of 10^5 done instances must not build 10^5 of each.
    """

    __slots__ = ("_task", "values", "key", "index", "state", "reason", "started", "finished",
                 "host", "job", "pid", "exit_code", "problem")

    def __init__(self, task: _TaskContext, values: tuple[str, ...], key: str, index: int) -> None:
        self._task, self.values, self.key, self.index = task, values, key, index
        self.state, self.reason, self.problem = "pending", "", ""
        self.started: Optional[str] = None
        self.finished: Optional[str] = None
        self.host: Optional[str] = None
        self.job: Optional[str] = None
        self.pid: Optional[int] = None
        self.exit_code: Optional[int] = None

    @property
    def task(self) -> str:
        return self._task.task.name

    @property
    def phase(self) -> int:
        return self._task.task.phase

    @property
    def bound(self) -> dict[str, str]:
        return dict(zip(self._task.task.foreach, self.values))

    @property
    def id(self) -> str:
        return instance_id(self.task, self._task.task.foreach, self.values)

    @property
    def outputs(self) -> list[str]:
        bound = self.bound
        return [o.format_map(bound) for o in self._task.outputs]

    @property
    def log(self) -> str:
        return f"{self._task.log_dir}/{self.key}.log"

    @property
    def argv(self) -> list[str]:
        return ["make", "-f", self._task.mk, *(f"{p}={v}" for p, v in self.bound.items())]


def instance_id(task: str, foreach: tuple[str, ...], values: tuple[str, ...]) -> str:
    if not foreach:
        return task
    return f"{task}[{','.join(f'{p}={v}' for p, v in zip(foreach, values))}]"


@dataclass
class StatusReport:
    pipeline: str
    build_dir: Path
    output_dir: Path
    instances: list[Instance]

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(STATES, 0)
        for instance in self.instances:
            counts[instance.state] += 1
        return counts

    def by_task(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}
        for instance in self.instances:
            row = table.setdefault(instance.task, dict.fromkeys(STATES, 0))
            row[instance.state] += 1
        return table

    def after_done_prefix(self) -> dict[str, list[int]]:
        """Per task, every manifest index after the leading run of done instances."""
        selection: dict[str, list[int]] = {}
        for instance in self.instances:
            lines = selection.setdefault(instance.task, [])
            if lines or instance.state != "done":
                lines.append(instance.index)
        return selection

    def not_done(self) -> dict[str, list[int]]:
        """Manifest indices (from 1) of every instance that is not done, by task."""
        selection: dict[str, list[int]] = {}
        for instance in self.instances:
            if instance.state != "done":
                selection.setdefault(instance.task, []).append(instance.index)
        return selection


@dataclass(frozen=True)
class Settings:
    """The run-time configuration status needs (as Make resolves it)."""

    root_dir: str
    output_dir: str
    variables: dict[str, str]
    hostname: str
    now: float
    stale_after_s: int = DEFAULT_STALE_AFTER_S


def compute_status(build: BuildInfo, settings: Settings, disk: Disk, argv_build: str,
                   details: bool = True) -> StatusReport:
    """Every instance of the build, in phase and manifest order, with its state.

    Marker contents (times, host, job) are read for every instance when `details`, and
    otherwise only where the state needs them (failed, running, stale).
    """
    states: dict[str, dict[str, str]] = {}
    instances: list[Instance] = []
    values = {name: build.param_values(name) for name in build.raw["params"]}
    for phase in build.phases:
        for task in phase:
            task_states: dict[str, str] = {}
            states[task.name] = task_states
            context = _TaskContext(build, task, settings, disk, values, states, argv_build)
            for instance in context.instances(details):
                task_states[instance.key] = instance.state
                instances.append(instance)
    return StatusReport(build.pipeline, build.build_dir, Path(settings.output_dir), instances)


class _Link:
    """One input template of a task, ready to give paths and upstream keys per instance."""

    def __init__(self, raw: dict[str, Any], settings: Settings, values: dict[str, list[str]]) -> None:
        self.producer: Optional[str] = raw["producer"]
        template = _fill_vars(raw["path"], settings).rstrip("/")
        root = settings.output_dir if self.producer is not None else settings.root_dir
        self.template = template if template.startswith("/") else f"{root}/{template}"
        self.loops = [(p, values[p]) for p in raw["gathered"]]
        # (True, param) takes the instance's value of param; (False, value) is a constant.
        self.sources: list[tuple[bool, str]] = [
            (True, s["param"]) if "param" in s else (False, s["const"]) for _, s in raw["binding"]]
        self.key_loops = [(p, values[p]) for p in dict.fromkeys(
            name for is_param, name in self.sources if is_param and name in raw["gathered"])]

    def paths(self, bound: dict[str, str]) -> Iterator[str]:
        if not self.loops:
            yield self.template.format_map(bound)
            return
        names = [name for name, _ in self.loops]
        for combo in itertools.product(*(vals for _, vals in self.loops)):
            yield self.template.format_map({**bound, **dict(zip(names, combo))})

    def upstream_keys(self, bound: dict[str, str]) -> Iterator[str]:
        if not self.key_loops:
            yield ",".join(bound[text] if is_param else text for is_param, text in self.sources) or "_"
            return
        names = [name for name, _ in self.key_loops]
        for combo in itertools.product(*(vals for _, vals in self.key_loops)):
            scope = {**bound, **dict(zip(names, combo))}
            yield ",".join(scope[text] if is_param else text for is_param, text in self.sources) or "_"


class _TaskContext:
    """What is the same for every instance of one task, computed once."""

    def __init__(self, build: BuildInfo, task: TaskInfo, settings: Settings, disk: Disk,
                 values: dict[str, list[str]], states: dict[str, dict[str, str]], argv_build: str) -> None:
        self.build, self.task, self.settings, self.disk = build, task, settings, disk
        self.values, self.states = values, states
        self.state_dir = f"{settings.output_dir}/{markers.STATE_DIR}/{task.name}"
        self.index = markers.MarkerIndex.from_names(disk.listdir(self.state_dir))
        self.outputs = [_fill_vars(o, settings).rstrip("/") for o in task.raw["outputs"]]
        self.output_paths = [f"{settings.output_dir}/{o}" for o in self.outputs]
        self.code = [_absolute(_fill_vars(c, settings), settings.root_dir) for c in task.raw["code"]]
        self.links = [_Link(raw, settings, values) for raw in task.raw["inputs"]]
        self.limit = _time_limit(task.raw["resources"].get("time_s"), settings)
        self.mk = f"{argv_build}/tasks/{task.name}.mk"
        self.log_dir = f"{settings.output_dir}/{markers.LOG_DIR}/{task.name}"
        self.ok_suffix = markers.OK + task.recipe_hash

    def instances(self, details: bool) -> Iterator[Instance]:
        foreach = self.task.foreach
        after_blocked = self._after_blocked()
        for index, combo in enumerate(itertools.product(*(self.values[p] for p in foreach)), 1):
            bound = dict(zip(foreach, combo))
            instance = Instance(self, combo, markers.instance_key(combo), index)
            found = self.index.get(instance.key)
            blocked = self._blocked(bound) or after_blocked
            if blocked:
                instance.state, instance.reason = "blocked", blocked
            elif found.in_progress:
                self._read(instance, markers.STARTED)
                _running_or_stale(instance, self.settings, self.disk, self.limit)
            elif found.failed:
                self._failed(instance, bound, self._read(instance, markers.FAILED))
            else:
                self._done_outdated_or_pending(instance, bound, found)
            if details and instance.state in ("done", "outdated", "pending", "blocked"):
                self._read_last(instance, found)
            yield instance

    def _blocked(self, bound: dict[str, str]) -> str:
        """Why the instance cannot run now: an upstream not done, a missing input."""
        mtime = self.disk.mtime_ns
        for link in self.links:
            if link.producer is None:
                for path in link.paths(bound):
                    if mtime(path) is None:
                        return f"missing input file {path}"
                continue
            upstream = self.states[link.producer]
            for key in link.upstream_keys(bound):
                state = upstream.get(key)
                if state != "done":
                    return f"upstream {_instance_id(self.build, link.producer, key)} is {state or 'unknown'}"
        for path in self.code:
            if mtime(path) is None:
                return f"missing code file {path}"
        return ""

    def _after_blocked(self) -> str:
        for other in self.task.raw["after"]:
            for key, state in self.states[other].items():
                if state != "done":
                    return f'after = ["{other}"]: {_instance_id(self.build, other, key)} is {state}'
        return ""

    def _read(self, instance: Instance, suffix: str) -> dict[str, str]:
        """Fill the instance's facts from one marker; report a torn one."""
        name = f"{instance.key}{suffix}"
        fields = markers.parse_marker(self.disk.read(f"{self.state_dir}/{name}") or "")
        instance.started = fields.get("started") or instance.started
        instance.finished = fields.get("finished") or instance.finished
        instance.host = fields.get("host") or instance.host
        instance.job = fields.get("job") or instance.job
        pid, code = fields.get("pid", ""), fields.get("exit", "")
        if pid.isdigit():
            instance.pid = int(pid)
        if code.lstrip("-").isdigit():
            instance.exit_code = int(code)
        if not fields.get("started" if suffix == markers.STARTED else "finished"):
            instance.problem = f"the marker {name} is unreadable (torn or truncated)"
        return fields

    def _read_last(self, instance: Instance, found: markers.Found) -> None:
        """The last attempt's facts for JSON: its end marker, else its start marker."""
        if found.ok_hashes:
            current = self.task.recipe_hash
            recorded = current if current in found.ok_hashes else found.ok_hashes[0]
            fields = self._read(instance, markers.OK + recorded)
            if not fields.get("started") and found.started:
                self._read(instance, markers.STARTED)
        elif found.failed:
            self._read(instance, markers.FAILED)
        elif found.started:
            self._read(instance, markers.STARTED)

    def _failed(self, instance: Instance, bound: dict[str, str], fields: dict[str, str]) -> None:
        instance.state = "failed"
        instance.reason = fields.get("reason", "")
        if instance.exit_code is None and not instance.problem:
            instance.problem = "the failure marker holds no exit code"
        if all(self.disk.mtime_ns(o.format_map(bound)) is not None for o in self.output_paths):
            instance.reason = "; ".join(filter(None, [instance.reason,
                                                      "outputs of an earlier success are still there"]))

    def _done_outdated_or_pending(self, instance: Instance, bound: dict[str, str],
                                  found: markers.Found) -> None:
        mtime = self.disk.mtime_ns
        if not found.ok_hashes:
            instance.state = "pending"
            instance.reason = "no success recorded" if found.started else "never run"
            return
        for output, path in zip(self.outputs, self.output_paths):
            if mtime(path.format_map(bound)) is None:
                instance.state, instance.reason = "pending", f"output missing: {output.format_map(bound)}"
                return
        if self.task.recipe_hash not in found.ok_hashes:
            instance.state, instance.reason = "outdated", "recipe changed (run or a var default it names)"
            return
        done_at = mtime(f"{self.state_dir}/{instance.key}{self.ok_suffix}")
        if done_at is None:
            instance.state, instance.reason = "pending", "no success recorded"
            return
        for path in self.code:
            changed = mtime(path)
            if changed is not None and changed > done_at:
                instance.state, instance.reason = "outdated", f"code file {path} changed"
                return
        for link in self.links:
            for path in link.paths(bound):
                changed = mtime(path)
                if changed is not None and changed > done_at:
                    instance.state, instance.reason = "outdated", f"input {path} is newer"
                    return
        instance.state = "done"


def _running_or_stale(instance: Instance, settings: Settings, disk: Disk, limit: int) -> None:
    instance.state = "running"
    if instance.host == settings.hostname and instance.pid is not None:
        if not disk.alive(instance.pid, instance.task):
            instance.state = "stale"
            instance.reason = f"started here by process {instance.pid}, which is gone"
        return
    started = _epoch(instance.started)
    if started is None:
        instance.state = "stale"
        instance.reason = "started, but the start time cannot be read"
    elif settings.now - started > limit:
        instance.state = "stale"
        instance.reason = f"started {_age(settings.now - started)} ago, past its time limit ({_age(limit)})"


def _instance_id(build: BuildInfo, task: str, key: str) -> str:
    foreach = build.tasks[task].foreach
    return instance_id(task, foreach, tuple(key.split(",")) if foreach else ())


def _fill_vars(template: str, settings: Settings) -> str:
    if "${" not in template:
        return template
    for name, value in settings.variables.items():
        template = template.replace("${" + name + "}", value.replace("{", "{{").replace("}", "}}"))
    for name, value in os.environ.items():
        template = template.replace("${" + name + "}", value.replace("{", "{{").replace("}", "}}"))
    return template


def _absolute(path: str, root: str) -> str:
    return path if path.startswith("/") else f"{root}/{path}"


def _time_limit(time_s: Optional[int], settings: Settings) -> int:
    if not time_s:
        return settings.stale_after_s
    return -(-time_s // 60) * 60 + GRACE_S


def _epoch(stamp: Optional[str]) -> Optional[float]:
    if not stamp:
        return None
    try:
        return float(calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")))
    except ValueError:
        return None


def _age(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def age(stamp: Optional[str], now: float) -> str:
    started = _epoch(stamp)
    return "" if started is None else _age(now - started)


def load_status(build_dir: Path, argv_build: str, stale_after_s: int = DEFAULT_STALE_AFTER_S,
                details: bool = False) -> StatusReport:
    """The status of a build on disk, with the configuration Make resolves here."""
    import socket

    from .buildinfo import read_build, run_config

    build = read_build(build_dir)
    config = run_config(build_dir)
    settings = Settings(root_dir=config["ROOT_DIR"], output_dir=config["OUTPUT_DIR"],
                        variables={k: v for k, v in config.items() if k not in ("ROOT_DIR", "OUTPUT_DIR")},
                        hostname=socket.gethostname(), now=time.time(), stale_after_s=stale_after_s)
    return compute_status(build, settings, RealDisk(), argv_build, details)
