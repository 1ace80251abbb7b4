"""What a submission submits: array jobs per task per phase, their manifests and dependencies.

A `Plan` is the narrow, read-only view a backend gets: it never sees the networkx graph.
Each array covers lines of one task's manifest; a task larger than the scheduler's array
limit is split into several arrays, each with its own manifest indexed from 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..contract.buildfile import Build, ResourceSpec, TaskSpec
from ..errors import MakegenError


@dataclass(frozen=True)
class Options:
    """The user's choices for one submission."""

    missing: bool = False
    sample: Optional[int] = None
    throttle: Optional[int] = None
    queue: Optional[str] = None
    account: Optional[str] = None
    extra: tuple[str, ...] = ()
    jobs: int = 1  # local backend: instances at once
    only: tuple[str, ...] = ()  # task names, instance ids or patterns of ids
    sets: tuple[str, ...] = ()  # NAME=VALUE settings at make's command-line precedence
    group: Optional[int] = None  # instances per array element for every task (else each task's)


@dataclass(frozen=True)
class ArrayJob:
    number: int  # 1-based submission order; also the name of its manifest in the snapshot
    task: str
    phase: int
    part: int  # 1-based chunk of the task (a task over the array limit has several)
    parts: int
    source: str  # the build's manifest, relative to the build folder
    lines: tuple[int, ...]  # manifest lines (from 1) this array runs, in index order
    resources: ResourceSpec
    waits_for: tuple[int, ...]  # arrays that must have ended (every task)
    elementwise: Optional[int] = None  # array whose element i must have ended before element i
    group: int = 1  # instances each element runs, one after another
    attempts: int = 1  # tries of a failed command within its job (1 + the task's retries)

    @property
    def count(self) -> int:
        """Instances."""
        return len(self.lines)

    @property
    def elements(self) -> int:
        """Array elements (tasks of the array job): the instances, `group` to an element."""
        return -(-len(self.lines) // self.group)

    @property
    def size(self) -> str:
        """How many instances, and elements when they are grouped, for people."""
        grouped = f" in {self.elements} element(s) of up to {self.group}" if self.group > 1 else ""
        return f"{self.count} instance(s){grouped}"

    @property
    def time_s(self) -> Optional[int]:
        """The time limit of one element: its instances run one after another, each with
        its tries; its other resources are those of one instance."""
        one = self.resources.time_s
        return one * self.group * self.attempts if one else None

    @property
    def contiguous(self) -> Optional[tuple[int, int]]:
        """(first, last) when the lines are one unbroken range, which `sed -n` can cut."""
        first, last = self.lines[0], self.lines[-1]
        return (first, last) if last - first + 1 == len(self.lines) else None

    @property
    def name(self) -> str:
        suffix = f"-{self.part}" if self.parts > 1 else ""
        return f"{self.task}{suffix}"


@dataclass(frozen=True)
class Plan:
    pipeline: str
    build_dir: str
    arrays: tuple[ArrayJob, ...]
    options: Options
    manifests: dict[int, list[str]] = field(default_factory=dict)  # embedded when not contiguous

    @property
    def instances(self) -> int:
        return sum(a.count for a in self.arrays)


def plan(build: Build, selection: Optional[dict[str, list[int]]], options: Options,
         limit: int, attempts: Optional[dict[str, dict[int, int]]] = None) -> Plan:
    """Arrays for the selected manifest lines (None: all), split at `limit` elements, and
    by what each instance's next attempt asks for (`attempts`: task -> line -> the next
    attempt's number, where it is not 1) when a task's resources grow by attempt."""
    upstream = _upstream_tasks(build)
    groups = {name: options.group or task.group for name, task in build.tasks.items()}
    arrays: list[ArrayJob] = []
    by_task: dict[str, list[ArrayJob]] = {}
    chosen_lines: dict[str, list[int]] = {}
    for phase in build.phases:
        for task in phase:
            lines = _lines(task, selection, options)
            chosen_lines[task.name] = lines
            if not lines:
                continue
            group = min(groups[task.name], len(lines))
            # The scheduler's limit counts elements.
            size = limit * group
            chunks = [(needs, part[i : i + size]) for needs, part in _by_need(task, lines, attempts)
                      for i in range(0, len(part), size)]
            waits = tuple(a.number for other in upstream[task.name] for a in by_task.get(other, []))
            partner = _elementwise_partner(build, task, upstream[task.name], chosen_lines)
            # Element i waits for element i upstream only where both run the same instances.
            if partner is not None and [(a.group, a.lines) for a in by_task[partner]] != [
                    (group, tuple(c)) for _, c in chunks]:
                partner = None
            made: list[ArrayJob] = []
            for part, (needs, chunk) in enumerate(chunks, 1):
                element = None
                if partner is not None:
                    element = by_task[partner][part - 1].number
                made.append(ArrayJob(
                    number=len(arrays) + len(made) + 1, task=task.name, phase=task.phase, part=part,
                    parts=len(chunks), source=task.manifest,
                    lines=tuple(chunk), resources=needs,
                    waits_for=() if element is not None else waits, elementwise=element,
                    group=group, attempts=1 + task.retries))
            arrays.extend(made)
            by_task[task.name] = made
    manifests = {}
    for array in arrays:
        text = _manifest(build, array)
        if array.contiguous is None:
            manifests[array.number] = [text[i - 1] for i in array.lines]
    return Plan(build.pipeline, str(build.build_dir), tuple(arrays), options, manifests)


def _manifest(build: Build, array: ArrayJob) -> list[str]:
    """The lines of an array's manifest when the plan embeds them (else []); a user error
    when the build has lost it. Contiguous arrays are copied by the script with sed, so a
    manifest of 10^6 lines is not read here."""
    path = build.build_dir / array.source
    damaged = "the build folder is damaged: build it again with makegen build"
    if array.contiguous is not None:
        if not path.is_file():
            raise MakegenError(f"the manifest of task {array.task} is missing", file=path,
                               hint=damaged)
        return []
    try:
        text = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or "not text"
        raise MakegenError(f"cannot read the manifest of task {array.task}: {why}", file=path,
                           hint=damaged) from None
    if len(text) < max(array.lines):
        raise MakegenError(f"the manifest of task {array.task} has {len(text)} line(s), fewer "
                           "than the build's graph.json says", file=path, hint=damaged)
    return text


def _by_need(task: TaskSpec, lines: list[int],
             attempts: Optional[dict[str, dict[int, int]]]) -> list[tuple[ResourceSpec, list[int]]]:
    """The lines by the resources their next attempt asks for, the first attempt's first."""
    nexts = (attempts or {}).get(task.name, {})
    if not task.resources.later or not nexts:
        return [(task.resources.for_attempt(1), lines)]
    groups: dict[ResourceSpec, list[int]] = {}
    for line in lines:
        groups.setdefault(task.resources.for_attempt(nexts.get(line, 1)), []).append(line)
    return list(groups.items())


def _lines(task: TaskSpec, selection: Optional[dict[str, list[int]]], options: Options) -> list[int]:
    lines = list(range(1, task.count + 1)) if selection is None else sorted(selection.get(task.name, []))
    if options.sample is not None:
        lines = lines[: options.sample]
    return lines


def _upstream_tasks(build: Build) -> dict[str, list[str]]:
    upstream: dict[str, list[str]] = {name: [] for name in build.tasks}
    for before, after in build.file.edges:
        upstream[after].append(before)
    return upstream


def _elementwise_partner(build: Build, task: TaskSpec, upstream: list[str],
                         chosen: dict[str, list[int]]) -> Optional[str]:
    """The one upstream task whose instance i alone feeds instance i of `task`, if any.

    That holds when the task reads only that task's outputs (no `after`), with the same
    foreach in the same order, each param bound to itself (no gather), and both arrays cover
    the same manifest lines.
    """
    if len(upstream) != 1 or task.after:
        return None
    other = build.tasks[upstream[0]]
    if other.foreach != task.foreach or chosen.get(other.name) != chosen[task.name]:
        return None
    for link in task.inputs:
        if link.producer is None:
            continue
        if link.gathered:
            return None
        if [(b.param, b.source_param) for b in link.binding] != [(p, p) for p in task.foreach]:
            return None
    return other.name
