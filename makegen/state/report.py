"""What status finds: one `Instance` per instance, in a `StatusReport`."""

from __future__ import annotations

import calendar
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from ..contract.layout import InstanceState, instance_id
from ..contract.schedulers import DEFAULT_STALE_AFTER_S

if TYPE_CHECKING:
    from .rules import TaskRules


class Instance:
    """One instance's state and the facts a person needs about it.

    Its id, outputs, log and argv are derived from its task and values when asked for: a
    status of 10^5 done instances must not build 10^5 of each.
    """

    __slots__ = ("_task", "values", "key", "index", "state", "reason", "started", "finished",
                 "host", "job", "pid", "pidstart", "exit_code", "problem", "needs_run",
                 "attempt", "wall_s", "cpu_s", "max_rss_mb")

    def __init__(self, task: TaskRules, values: tuple[str, ...], key: str, index: int) -> None:
        self._task, self.values, self.key, self.index = task, values, key, index
        self.state, self.reason, self.problem = InstanceState.PENDING, "", ""
        # Not done, or reads from an instance that is not done: a run goes through it.
        self.needs_run = True
        self.started: Optional[str] = None
        self.finished: Optional[str] = None
        self.host: Optional[str] = None
        self.job: Optional[str] = None
        self.pid: Optional[int] = None
        self.pidstart: Optional[int] = None  # the process's start, in clock ticks since boot
        self.exit_code: Optional[int] = None
        # What the last attempt used, from its end marker (None: unknown): the how-manyth
        # attempt it was (from 1, across submissions), wall and CPU seconds, peak RSS.
        self.attempt: Optional[int] = None
        self.wall_s: Optional[float] = None
        self.cpu_s: Optional[float] = None
        self.max_rss_mb: Optional[float] = None

    @property
    def next_attempt(self) -> int:
        """The number the instance's next attempt will have (lib.sh counts the same way):
        one more than a failed or killed one, else 1."""
        if self.state in (InstanceState.FAILED, InstanceState.STALE):
            return (self.attempt or 1) + 1
        return 1

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
    def limit_s(self) -> int:
        """How long an attempt of this instance can be alive (contract.schedulers.attempt_limit_s)."""
        return self._task.limit

    @property
    def argv(self) -> list[str]:
        return ["make", "-f", self._task.mk, *(f"{p}={v}" for p, v in self.bound.items())]


@dataclass(frozen=True)
class Settings:
    """The run-time configuration status needs (as Make resolves it)."""

    root_dir: str
    output_dir: str
    variables: dict[str, str]
    hostname: str
    now: float
    stale_after_s: int = DEFAULT_STALE_AFTER_S


@dataclass
class StatusReport:
    pipeline: str
    build_dir: Path
    output_dir: Path
    instances: list[Instance]
    changed: list[str] = field(default_factory=list)  # what the build was made from, changed since

    def summary(self) -> dict[str, int]:
        counts = Counter(instance.state for instance in self.instances)
        return {state.value: counts[state] for state in InstanceState}

    def by_task(self) -> dict[str, dict[str, int]]:
        # Counted in one pass over (task, state) pairs: at 10^5 instances, per-instance
        # work here is what a status costs beyond reading the disk.
        counts = Counter((instance._task, instance.state) for instance in self.instances)
        tasks = dict.fromkeys(instance._task for instance in self.instances)
        return {rules.task.name: {state.value: counts[rules, state] for state in InstanceState}
                for rules in tasks}

    def after_done_prefix(self) -> dict[str, list[int]]:
        """Per task, every manifest index after the leading run of instances a run would
        skip (done, and nothing they read will run first)."""
        selection: dict[str, list[int]] = {}
        for instance in self.instances:
            lines = selection.setdefault(instance.task, [])
            if lines or instance.needs_run:
                lines.append(instance.index)
        return selection

    def to_run(self) -> dict[str, list[int]]:
        """Manifest indices (from 1), by task, of every instance that is not done, and of
        every done one that reads from one of those (it is re-checked after them)."""
        selection: dict[str, list[int]] = {}
        for instance in self.instances:
            if instance.needs_run:
                selection.setdefault(instance.task, []).append(instance.index)
        return selection


def epoch(stamp: Optional[str]) -> Optional[float]:
    if not stamp:
        return None
    try:
        return float(calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")))
    except ValueError:
        return None


def human_age(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def age(stamp: Optional[str], now: float) -> str:
    started = epoch(stamp)
    return "" if started is None else human_age(now - started)


def human_seconds(seconds: float) -> str:
    """A duration in words a person reads at a glance: 0.4 s, 12.3 s, 4.2 min, 1.5 h."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def human_mb(megabytes: float) -> str:
    """An amount of memory: 3.2 MB, 456 MB, 1.5 GB."""
    if megabytes < 10:
        return f"{megabytes:.1f} MB"
    if megabytes < 1024:
        return f"{megabytes:.0f} MB"
    return f"{megabytes / 1024:.1f} GB"


def usage_words(instance: Instance) -> str:
    """What the last attempt used, in words ("" when nothing is known)."""
    used = [f"{human_seconds(instance.wall_s)} wall" if instance.wall_s is not None else "",
            f"{human_seconds(instance.cpu_s)} CPU" if instance.cpu_s is not None else "",
            f"peak memory {human_mb(instance.max_rss_mb)}" if instance.max_rss_mb is not None else ""]
    figures = ", ".join(u for u in used if u)
    if instance.attempt is None:
        return f"last attempt used {figures}" if figures else ""
    return f"attempt {instance.attempt}" + (f" used {figures}" if figures else "")
