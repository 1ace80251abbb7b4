"""The report's view of a status: counts, per-task figures and flags, failures with log tails.

Everything is aggregated in one pass over the instances, so that a status of 10^5 instances
gives a view of a few hundred values; failures are the only instances listed one by one,
and at most `MAX_FAILURES` of them (the view says how many more).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Optional

from ..contract.buildfile import Build, TaskSpec
from ..contract.layout import InstanceState
from ..state.report import Instance, StatusReport, human_mb, human_seconds, usage_words
from .taskgraph import TaskGraph, lay_out
from .timeline import Timeline, build_timeline

MAX_FAILURES = 50
TAIL_LINES = 15
# A task's peak RSS against the mem it asks for: at UNDER of it or above, a slightly bigger
# input gets the job killed; below OVER, most of every reservation sits idle on the node.
UNDER, OVER = 0.9, 0.25
# The slowest instance against the time limit: above this, the next one may be killed.
NEAR_TIME_LIMIT = 0.8
LISTED_STATES = (InstanceState.FAILED, InstanceState.STALE)

# (log path, lines) -> the last lines of the log, without the wrapper's trace.
TailReader = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class Share:
    """How many instances are in one state, and their part of the whole in percent."""

    state: str
    count: int
    percent: float


@dataclass(frozen=True)
class Spread:
    """One measure over the instances of a task where it is known (nearest-rank percentiles)."""

    known: int
    p50: float
    p95: float
    max: float


@dataclass(frozen=True)
class Flag:
    kind: str  # "under": asks for too little (jobs at risk); "over": asks for far too much
    resource: str  # "mem" or "time"
    text: str


@dataclass(frozen=True)
class TaskRow:
    name: str
    phase: int
    total: int
    shares: list[Share]
    wall: Optional[Spread]
    cpu: Optional[Spread]
    rss: Optional[Spread]
    mem_mb: Optional[int]
    time_s: Optional[int]
    cores: int
    retried: int  # instances whose last attempt was not their first
    flags: list[Flag]

    @property
    def mem_verdict(self) -> str:
        """"under", "over" or "" (fits, or unknown) for the task's mem."""
        return next((f.kind for f in self.flags if f.resource == "mem"), "")

    @property
    def rss_percent(self) -> Optional[float]:
        """Peak RSS as a percentage of the requested mem (None: either unknown)."""
        if self.rss is None or not self.mem_mb:
            return None
        return 100.0 * self.rss.max / self.mem_mb


@dataclass(frozen=True)
class Failure:
    id: str
    task: str
    state: str
    facts: list[str]
    reason: str
    log: str
    tail: list[str]


@dataclass(frozen=True)
class ReportView:
    pipeline: str
    generated: str
    build: str
    output_dir: str
    out_of_date: list[str]
    total: int
    shares: list[Share]
    tasks: list[TaskRow]
    failures: list[Failure]
    more_failures: int
    timeline: Timeline
    graph: TaskGraph
    states: list[str] = field(default_factory=lambda: [s.value for s in InstanceState])


@dataclass
class _Tally:
    """What one pass collects about the instances of one task."""

    states: Counter[InstanceState] = field(default_factory=Counter)
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    retried: int = 0

    def add(self, instance: Instance) -> None:
        self.states[instance.state] += 1
        if instance.wall_s is not None:
            self.wall.append(instance.wall_s)
        if instance.cpu_s is not None:
            self.cpu.append(instance.cpu_s)
        if instance.max_rss_mb is not None:
            self.rss.append(instance.max_rss_mb)
        if instance.attempt is not None and instance.attempt > 1:
            self.retried += 1


def build_view(build: Build, status: StatusReport, now: float, tail: TailReader) -> ReportView:
    """The report of `status` (a status with details: every instance's last attempt read)."""
    tallies = {task.name: _Tally() for task in build.file.tasks}
    listed: list[Instance] = []
    problems = 0
    for instance in status.instances:
        tallies[instance.task].add(instance)
        if instance.state in LISTED_STATES:
            problems += 1
            if len(listed) < MAX_FAILURES:
                listed.append(instance)
    ordered = sorted(build.file.tasks, key=lambda t: t.phase)
    rows = [_task_row(task, tallies[task.name]) for task in ordered]
    summary = status.summary()
    return ReportView(
        pipeline=status.pipeline, generated=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(now)),
        build=str(status.build_dir), output_dir=str(status.output_dir), out_of_date=status.changed,
        total=len(status.instances), shares=_shares(summary.items()), tasks=rows,
        failures=[_failure(i, tail) for i in listed], more_failures=problems - len(listed),
        timeline=build_timeline(status.instances, [t.name for t in ordered], now),
        graph=lay_out(ordered, build.file.edges, {r.name: [(s.state, s.count) for s in r.shares]
                                                  for r in rows}))


def _shares(counts: Iterable[tuple[str, int]]) -> list[Share]:
    """Every state with instances in it, in the order of InstanceState."""
    pairs = [(state, count) for state, count in counts if count]
    total = sum(count for _, count in pairs) or 1
    return [Share(state, count, 100.0 * count / total) for state, count in pairs]


def spread(values: Sequence[float]) -> Optional[Spread]:
    """p50, p95 and max of the values (None when there are none)."""
    if not values:
        return None
    ordered = sorted(values)

    def rank(q: float) -> float:
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]
    return Spread(len(ordered), rank(0.5), rank(0.95), ordered[-1])


def _task_row(task: TaskSpec, tally: _Tally) -> TaskRow:
    rss, wall, mem_mb = spread(tally.rss), spread(tally.wall), requested_mem_mb(task)
    res = task.resources
    return TaskRow(name=task.name, phase=task.phase, total=sum(tally.states.values()),
                   shares=_shares((s.value, tally.states[s]) for s in InstanceState),
                   wall=wall, cpu=spread(tally.cpu), rss=rss, mem_mb=mem_mb,
                   time_s=res.time_s, cores=res.cores, retried=tally.retried,
                   flags=resource_flags(rss, wall, mem_mb, res.time_s))


def requested_mem_mb(task: TaskSpec) -> Optional[int]:
    """The mem a task's instances ask the scheduler for (one place to change when it
    comes to depend on the attempt)."""
    return task.resources.mem_mb


def resource_flags(rss: Optional[Spread], wall: Optional[Spread], mem_mb: Optional[int],
                   time_s: Optional[int]) -> list[Flag]:
    """What the task asks for against what its instances used, where it is far off."""
    flags = []
    if rss is not None and mem_mb:
        ratio = rss.max / mem_mb
        asked = f"the peak RSS, {human_mb(rss.max)}, is {ratio:.0%} of the {human_mb(mem_mb)} asked for"
        if ratio >= UNDER:
            flags.append(Flag("under", "mem", f"mem too low: {asked}; ask for at least "
                                       f'mem = "{suggest_mem(rss.max)}"'))
        elif ratio < OVER:
            flags.append(Flag("over", "mem",
                              f'mem too high: {asked}; mem = "{suggest_mem(rss.max)}" would do'))
    if wall is not None and time_s:
        ratio = wall.max / time_s
        if ratio >= NEAR_TIME_LIMIT:
            flags.append(Flag("under", "time", "time too short: the slowest instance took "
                                       f"{human_seconds(wall.max)}, {ratio:.0%} of the time limit "
                                       f"({human_seconds(time_s)})"))
    return flags


def suggest_mem(peak_mb: float) -> str:
    """A mem setting with half again the peak as headroom, in steps of 64 MB."""
    step = 64
    megabytes = max(step, math.ceil(peak_mb * 1.5 / step) * step)
    return f"{megabytes // 1024}G" if megabytes % 1024 == 0 else f"{megabytes}M"


def _failure(instance: Instance, tail: TailReader) -> Failure:
    facts = [f"exit {instance.exit_code}" if instance.exit_code is not None else "",
             f"host {instance.host}" if instance.host else "",
             f"job {instance.job}" if instance.job else "",
             f"finished {instance.finished}" if instance.finished else
             (f"started {instance.started}" if instance.started else ""),
             usage_words(instance)]
    reason = "; ".join(filter(None, [instance.reason, instance.problem]))
    return Failure(id=instance.id, task=instance.task, state=instance.state.value,
                   facts=[f for f in facts if f], reason=reason, log=instance.log,
                   tail=tail(instance.log, TAIL_LINES))
