"""The rules that decide each instance's state: the Python side of what tasks/<task>.mk
and jobs/lib.sh apply on a node (rules/task.mk.j2, rules/lib.sh.j2). A rule changed in
one place must change in the other; tests/test_status_logic.py runs these on a fake disk.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Optional, TypeVar

from ..contract import layout
from ..contract.buildfile import Build, InputSpec, TaskSpec
from ..contract.layout import InstanceState as S
from ..contract.layout import Layout
from ..contract.schedulers import attempt_limit_s
from .disk import Disk
from .markers import Found, MarkerIndex, parse_amount, parse_count, parse_marker
from .report import Instance, Settings, epoch, human_age

T = TypeVar("T", int, float)


class Link:
    """One input template of a task, ready to give paths and upstream keys per instance."""

    def __init__(self, spec: InputSpec, settings: Settings, values: dict[str, list[str]]) -> None:
        self.producer = spec.producer
        self.inside = spec.inside
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


@dataclass
class Seen:
    """What the instances of the tasks computed so far came to (phase order)."""

    states: dict[str, dict[str, S]] = field(default_factory=dict)
    oks: dict[str, dict[str, Optional[int]]] = field(default_factory=dict)
    needs: dict[str, dict[str, bool]] = field(default_factory=dict)


class TaskRules:
    """What is the same for every instance of one task, computed once."""

    def __init__(self, build: Build, task: TaskSpec, settings: Settings, disk: Disk,
                 values: dict[str, list[str]], seen: Seen, argv_build: str) -> None:
        self.build, self.task, self.settings, self.disk = build, task, settings, disk
        self.values = values
        # What earlier tasks' instances came to, by task and key: their state, the mtime of
        # their success marker under today's recipe (None: none), whether they will run.
        self.states, self.oks, self.needs = seen.states, seen.oks, seen.needs
        self.states[task.name] = {}
        self.state_dir = f"{settings.output_dir}/{Layout.state}/{task.name}"
        self.index = MarkerIndex.from_names(disk.listdir(self.state_dir))
        self.outputs = [_fill_vars(o, settings).rstrip("/") for o in task.outputs]
        self.output_paths = [f"{settings.output_dir}/{o}" for o in self.outputs]
        self.code = [_absolute(_fill_vars(c, settings), settings.root_dir) for c in task.code]
        self.links = [Link(spec, settings, values) for spec in task.inputs]
        # As long as the node lets an attempt hold its lock: its longest time, with its tries.
        self.limit = attempt_limit_s(task.resources, task.retries, settings.stale_after_s)
        self.mk = f"{argv_build}/tasks/{task.name}.mk"
        self.log_dir = f"{settings.output_dir}/{Layout.logs}/{task.name}"
        self.ok_suffix = Layout.ok + task.recipe_hash

    def instances(self, details: bool) -> Iterator[Instance]:
        foreach = self.task.foreach
        after_gate = self._after_gate()
        after_needs = any(any(self.needs[other].values()) for other in self.task.after)
        my_oks: dict[str, Optional[int]] = {}
        my_needs: dict[str, bool] = {}
        self.oks[self.task.name], self.needs[self.task.name] = my_oks, my_needs
        for index, combo in enumerate(itertools.product(*(self.values[p] for p in foreach)), 1):
            bound = dict(zip(foreach, combo))
            instance = Instance(self, combo, layout.instance_key(combo), index)
            found = self.index.get(instance.key)
            gate, feeds = self._gate(bound)
            gate = gate or after_gate
            if gate:
                instance.state, instance.reason = gate
            elif found.in_progress(self.task.recipe_hash):
                self._read(instance, Layout.started)
                _running_or_stale(instance, self.settings, self.disk, self.limit)
            elif found.failed:
                self._failed(instance, bound, self._read(instance, Layout.failed))
            else:
                self._done_outdated_or_pending(instance, bound, found)
            if details and instance.state in (S.DONE, S.OUTDATED, S.PENDING, S.BLOCKED, S.WAITING):
                self._read_last(instance, found)
            my_oks[instance.key] = (self.disk.mtime_ns(f"{self.state_dir}/{instance.key}{self.ok_suffix}")
                                    if self.task.recipe_hash in found.ok_hashes else None)
            my_needs[instance.key] = instance.needs_run = (
                instance.state is not S.DONE or after_needs or feeds)
            self.states[self.task.name][instance.key] = instance.state
            yield instance

    def _gate(self, bound: dict[str, str]) -> tuple[Optional[tuple[S, str]], bool]:
        """What keeps the instance from running now, as the task Makefile decides it: a
        missing input (blocked), or an upstream instance with no success under today's
        recipe (blocked when it failed or is blocked, else waiting). And whether an
        instance it reads from will run (so a run re-checks this one after it): both from
        one pass over its upstream instances."""
        mtime = self.disk.mtime_ns
        waiting: Optional[tuple[S, str]] = None
        feeds = False
        for link in self.links:
            if link.producer is None:
                for path in link.paths(bound):
                    if mtime(path) is None:
                        return (S.BLOCKED, f"missing input file {path}"), True
                continue
            states, oks = self.states[link.producer], self.oks[link.producer]
            needs = self.needs[link.producer]
            upstream = set()
            for key in link.upstream_keys(bound):
                state = states.get(key)
                upstream.add(state)
                feeds = feeds or needs.get(key, True)
                if oks.get(key) is None:
                    why = f"upstream {self._id(link.producer, key)} is {state.value if state else 'unknown'}"
                    if state in (S.FAILED, S.BLOCKED, None):
                        return (S.BLOCKED, why), True
                    waiting = waiting or (S.WAITING, why)
            for path in link.paths(bound):
                if mtime(path) is None:
                    if upstream & {S.FAILED, S.BLOCKED} or upstream == {S.DONE}:
                        return (S.BLOCKED, (f"missing output of task {link.producer}: {path} (its "
                                            "producer did not write it, or it was removed since)")), True
                    waiting = waiting or (S.WAITING, f"upstream task {link.producer} has not made {path}")
                    break
        for path in self.code:
            if mtime(path) is None:
                return (S.BLOCKED, f"missing code file {path}"), True
        return waiting, feeds

    def _id(self, task: str, key: str) -> str:
        foreach = self.build.tasks[task].foreach
        return layout.instance_id(task, foreach, layout.key_values(key, foreach))

    def _after_gate(self) -> Optional[tuple[S, str]]:
        waiting: Optional[tuple[S, str]] = None
        for other in self.task.after:
            for key, ok in self.oks[other].items():
                if ok is not None:
                    continue
                state = self.states[other][key]
                why = f'after = ["{other}"]: {self._id(other, key)} is {state.value}'
                if state in (S.FAILED, S.BLOCKED):
                    return S.BLOCKED, why
                waiting = waiting or (S.WAITING, why)
        return waiting

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
        pidstart = fields.get("pidstart", "")
        if pidstart.isdigit():
            instance.pidstart = int(pidstart)
        if code.lstrip("-").isdigit():
            instance.exit_code = int(code)
        _read_usage(instance, fields)
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
            if link.inside:
                # A file in a directory output is as new as its producer's last publish.
                oks = self.oks[link.producer or ""]
                for key in link.upstream_keys(bound):
                    published = oks.get(key)
                    if published is not None and published > done_at:
                        instance.state = S.OUTDATED
                        instance.reason = f"upstream {self._id(link.producer or '', key)} published anew"
                        return
                continue
            for path in link.paths(bound):
                changed = mtime(path)
                if changed is not None and changed > done_at:
                    instance.state, instance.reason = S.OUTDATED, f"input {path} is newer"
                    return
        instance.state = S.DONE


def _read_usage(instance: Instance, fields: dict[str, str]) -> None:
    """The attempt's number and resource use, where the marker records them."""
    instance.attempt = _known(parse_count(fields.get("attempt", "")), instance.attempt)
    instance.wall_s = _known(parse_amount(fields.get("wall_s", "")), instance.wall_s)
    instance.cpu_s = _known(parse_amount(fields.get("cpu_s", "")), instance.cpu_s)
    instance.max_rss_mb = _known(parse_amount(fields.get("max_rss_mb", "")), instance.max_rss_mb)


def _known(new: Optional[T], old: Optional[T]) -> Optional[T]:
    return old if new is None else new


def _running_or_stale(instance: Instance, settings: Settings, disk: Disk, limit: int) -> None:
    instance.state = S.RUNNING
    if instance.host == settings.hostname and instance.pid is not None:
        since = epoch(instance.started)
        if not disk.alive(instance.pid, settings.now if since is None else since, instance.pidstart):
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
    # Set nowhere: Make expands it to nothing, and so must status.
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}", "", template)


def _absolute(path: str, root: str) -> str:
    return path if path.startswith("/") else f"{root}/{path}"
