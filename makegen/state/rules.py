"""The rules that decide each instance's state: the Python side of what tasks/<task>.mk
and jobs/lib.sh apply on a node (rules/task.mk.j2, rules/lib.sh.j2). A rule changed in
one place must change in the other; tests/test_status_logic.py runs these on a fake disk.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Optional

from ..contract import layout
from ..contract.buildfile import Build, InputSpec, TaskSpec
from ..contract.layout import InstanceState as S
from ..contract.layout import Layout
from ..contract.schedulers import time_limit_s
from .disk import Disk
from .markers import Found, MarkerIndex, parse_marker
from .report import Instance, Settings, epoch, human_age


class Link:
    """One input template of a task, ready to give paths and upstream keys per instance."""

    def __init__(self, spec: InputSpec, settings: Settings, values: dict[str, list[str]]) -> None:
        self.producer = spec.producer
        template = _fill_vars(spec.path, settings).rstrip("/")
        root = settings.output_dir if self.producer is not None else settings.root_dir
        self.template = template if template.startswith("/") else f"{root}/{template}"
        self.loops = [(p, values[p]) for p in spec.gathered]
        # (True, param) takes the instance's value of param; (False, value) is a constant.
        self.sources: list[tuple[bool, str]] = [
            (True, b.source_param) if b.source_param is not None else (False, b.const or "")
            for b in spec.binding]
        self.key_loops = [(p, values[p]) for p in dict.fromkeys(
            name for is_param, name in self.sources if is_param and name in spec.gathered)]

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


class TaskRules:
    """What is the same for every instance of one task, computed once."""

    def __init__(self, build: Build, task: TaskSpec, settings: Settings, disk: Disk,
                 values: dict[str, list[str]], states: dict[str, dict[str, S]], argv_build: str) -> None:
        self.build, self.task, self.settings, self.disk = build, task, settings, disk
        self.values, self.states = values, states
        self.state_dir = f"{settings.output_dir}/{Layout.state}/{task.name}"
        self.index = MarkerIndex.from_names(disk.listdir(self.state_dir))
        self.outputs = [_fill_vars(o, settings).rstrip("/") for o in task.outputs]
        self.output_paths = [f"{settings.output_dir}/{o}" for o in self.outputs]
        self.code = [_absolute(_fill_vars(c, settings), settings.root_dir) for c in task.code]
        self.links = [Link(spec, settings, values) for spec in task.inputs]
        self.limit = _time_limit(task.resources.time_s, settings)
        self.mk = f"{argv_build}/tasks/{task.name}.mk"
        self.log_dir = f"{settings.output_dir}/{Layout.logs}/{task.name}"
        self.ok_suffix = Layout.ok + task.recipe_hash

    def instances(self, details: bool) -> Iterator[Instance]:
        foreach = self.task.foreach
        after_blocked = self._after_blocked()
        for index, combo in enumerate(itertools.product(*(self.values[p] for p in foreach)), 1):
            bound = dict(zip(foreach, combo))
            instance = Instance(self, combo, layout.instance_key(combo), index)
            found = self.index.get(instance.key)
            blocked = self._blocked(bound) or after_blocked
            if blocked:
                instance.state, instance.reason = S.BLOCKED, blocked
            elif found.in_progress:
                self._read(instance, Layout.started)
                _running_or_stale(instance, self.settings, self.disk, self.limit)
            elif found.failed:
                self._failed(instance, bound, self._read(instance, Layout.failed))
            else:
                self._done_outdated_or_pending(instance, bound, found)
            if details and instance.state in (S.DONE, S.OUTDATED, S.PENDING, S.BLOCKED):
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
                if state is not S.DONE:
                    return (f"upstream {self._id(link.producer, key)} is "
                            f"{state.value if state else 'unknown'}")
        for path in self.code:
            if mtime(path) is None:
                return f"missing code file {path}"
        return ""

    def _id(self, task: str, key: str) -> str:
        foreach = self.build.tasks[task].foreach
        return layout.instance_id(task, foreach, layout.key_values(key, foreach))

    def _after_blocked(self) -> str:
        for other in self.task.after:
            for key, state in self.states[other].items():
                if state is not S.DONE:
                    return f'after = ["{other}"]: {self._id(other, key)} is {state.value}'
        return ""

    def _read(self, instance: Instance, suffix: str) -> dict[str, str]:
        """Fill the instance's facts from one marker; report a torn one."""
        name = f"{instance.key}{suffix}"
        fields = parse_marker(self.disk.read(f"{self.state_dir}/{name}") or "")
        instance.started = fields.get("started") or instance.started
        instance.finished = fields.get("finished") or instance.finished
        instance.host = fields.get("host") or instance.host
        instance.job = fields.get("job") or instance.job
        pid, code = fields.get("pid", ""), fields.get("exit", "")
        if pid.isdigit():
            instance.pid = int(pid)
        if code.lstrip("-").isdigit():
            instance.exit_code = int(code)
        if not fields.get("started" if suffix == Layout.started else "finished"):
            instance.problem = f"the marker {name} is unreadable (torn or truncated)"
        return fields

    def _read_last(self, instance: Instance, found: Found) -> None:
        """The last attempt's facts for JSON: its end marker, else its start marker."""
        if found.ok_hashes:
            current = self.task.recipe_hash
            recorded = current if current in found.ok_hashes else found.ok_hashes[0]
            fields = self._read(instance, Layout.ok + recorded)
            if not fields.get("started") and found.started:
                self._read(instance, Layout.started)
        elif found.failed:
            self._read(instance, Layout.failed)
        elif found.started:
            self._read(instance, Layout.started)

    def _failed(self, instance: Instance, bound: dict[str, str], fields: dict[str, str]) -> None:
        instance.state = S.FAILED
        instance.reason = fields.get("reason", "")
        if instance.exit_code is None and not instance.problem:
            instance.problem = "the failure marker holds no exit code"
        if all(self.disk.mtime_ns(o.format_map(bound)) is not None for o in self.output_paths):
            instance.reason = "; ".join(filter(None, [instance.reason,
                                                      "outputs of an earlier success are still there"]))

    def _done_outdated_or_pending(self, instance: Instance, bound: dict[str, str],
                                  found: Found) -> None:
        mtime = self.disk.mtime_ns
        if not found.ok_hashes:
            instance.state = S.PENDING
            instance.reason = "no success recorded" if found.started else "never run"
            return
        for output, path in zip(self.outputs, self.output_paths):
            if mtime(path.format_map(bound)) is None:
                instance.state, instance.reason = S.PENDING, f"output missing: {output.format_map(bound)}"
                return
        if self.task.recipe_hash not in found.ok_hashes:
            instance.state, instance.reason = S.OUTDATED, "recipe changed (run or a var default it names)"
            return
        done_at = mtime(f"{self.state_dir}/{instance.key}{self.ok_suffix}")
        if done_at is None:
            instance.state, instance.reason = S.PENDING, "no success recorded"
            return
        for path in self.code:
            changed = mtime(path)
            if changed is not None and changed > done_at:
                instance.state, instance.reason = S.OUTDATED, f"code file {path} changed"
                return
        for link in self.links:
            for path in link.paths(bound):
                changed = mtime(path)
                if changed is not None and changed > done_at:
                    instance.state, instance.reason = S.OUTDATED, f"input {path} is newer"
                    return
        instance.state = S.DONE


def _running_or_stale(instance: Instance, settings: Settings, disk: Disk, limit: int) -> None:
    instance.state = S.RUNNING
    if instance.host == settings.hostname and instance.pid is not None:
        if not disk.alive(instance.pid, instance.task):
            instance.state = S.STALE
            instance.reason = f"started here by process {instance.pid}, which is gone"
        return
    started = epoch(instance.started)
    if started is None:
        instance.state = S.STALE
        instance.reason = "started, but the start time cannot be read"
    elif settings.now - started > limit:
        instance.state = S.STALE
        instance.reason = (f"started {human_age(settings.now - started)} ago, past its time limit "
                           f"({human_age(limit)})")


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
    return time_limit_s(time_s, settings.stale_after_s)
