"""Pipeline -> TaskGraph: producers of every input, cycles, duplicate outputs, phases.

The graph is built at task level: which task's outputs an input is, and how the consumer's
param values pick the producer's instance (`binding`). Instances are never materialised
here, so a pipeline of 10^6 instances costs what one of 10 does; they are counted, and
enumerated lazily by `instances`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Optional

import networkx as nx

from ..contract.layout import instance_id
from ..errors import MakegenError
from ..pipeline.model import PathEntry, Pipeline, Task
from ..pipeline.placeholders import Param
from .patterns import Alignment, Component, Const, Source, align, components, expand, regex

_TANGLE_LIMIT = 2_000_000


@dataclass(frozen=True)
class InputLink:
    """One input path template, resolved: an external file, or outputs of `producer`."""

    entry: PathEntry
    producer: Optional[str]
    # producer param -> where its value comes from, in the producer's foreach order
    binding: tuple[tuple[str, Source], ...] = ()
    # the params this template iterates over (not in the consumer's foreach): a gather
    gathered: tuple[str, ...] = ()
    # a path inside a directory output: as new as the producer's last publish, which its
    # success marker records (a file in it may keep an old mtime through `cp -p`)
    inside: bool = False


@dataclass(frozen=True)
class TaskNode:
    task: Task
    phase: int
    inputs: tuple[InputLink, ...]
    count: int

    @property
    def name(self) -> str:
        return self.task.name


@dataclass(frozen=True)
class TaskGraph:
    pipeline: Pipeline
    graph: nx.DiGraph
    nodes: dict[str, TaskNode]

    @property
    def phases(self) -> list[list[str]]:
        """Task names per phase (index 0 is phase 1), each sorted by declaration order."""
        last = max((n.phase for n in self.nodes.values()), default=0)
        order = [t.name for t in self.pipeline.tasks]
        return [[t for t in order if self.nodes[t].phase == p] for p in range(1, last + 1)]

    def values(self, param: str) -> tuple[str, ...]:
        return self.pipeline.params[param].values

    def instances(self, task: str) -> Iterator[tuple[str, ...]]:
        """Every instance's values, in foreach order, in manifest order."""
        foreach = self.nodes[task].task.foreach
        return itertools.product(*(self.values(p) for p in foreach))

    def total(self) -> int:
        return sum(n.count for n in self.nodes.values())


def build_graph(pipeline: Pipeline) -> TaskGraph:
    _check_duplicate_outputs(pipeline)
    _check_instance_outputs(pipeline)
    graph = nx.DiGraph()
    nodes: dict[str, list[InputLink]] = {}
    for task in pipeline.tasks:
        graph.add_node(task.name)
        links = [_resolve_input(pipeline, task, entry) for entry in task.inputs]
        nodes[task.name] = links
        # An edge names every input behind it (and `after`), not only the last one seen.
        for link in links:
            if link.producer is not None:
                _add_reason(graph, link.producer, task.name, f"input {link.entry.text!r}")
        for other in task.after:
            _add_reason(graph, other, task.name, "after")
    _check_cycles(pipeline, graph)
    phases = _phases(pipeline, graph)
    return TaskGraph(
        pipeline=pipeline,
        graph=graph,
        nodes={
            t.name: TaskNode(t, phases[t.name], tuple(nodes[t.name]),
                             _count(pipeline, t.foreach))
            for t in pipeline.tasks
        },
    )


def _add_reason(graph: nx.DiGraph, before: str, after: str, reason: str) -> None:
    if graph.has_edge(before, after):
        graph.edges[before, after]["why"] += f", {reason}"
    else:
        graph.add_edge(before, after, why=reason)


def _count(pipeline: Pipeline, foreach: tuple[str, ...]) -> int:
    count = 1
    for name in foreach:
        count *= len(pipeline.params[name].values)
    return count


def _error(pipeline: Pipeline, task: str, key: str, message: str, hint: Optional[str] = None) -> MakegenError:
    from ..pipeline.source import read_source

    source = read_source(pipeline.file)
    return source.error(message, f"task.{task}", key, hint=hint)


# -- producers ---------------------------------------------------------------------------

def _resolve_input(pipeline: Pipeline, task: Task, entry: PathEntry) -> InputLink:
    gathered = tuple(p for p in entry.params if p not in task.foreach)
    if entry.uses_vars or entry.text.startswith("/"):
        return InputLink(entry, None, (), gathered)
    mine = components(entry.tokens)
    found: list[tuple[Task, PathEntry, Alignment]] = []
    for producer in pipeline.tasks:
        for output in producer.outputs:
            alignment = align(mine, components(output.tokens), output.is_dir)
            if alignment is None:
                continue
            if _covers(pipeline, task, entry, producer, output, alignment):
                found.append((producer, output, alignment))
    if not found:
        return InputLink(entry, None, (), gathered)
    if len(found) > 1:
        names = ", ".join(f"{p.name} ({o.text!r})" for p, o, _ in found)
        raise _error(pipeline, task.name, "inputs",
                     f"input {entry.text!r} matches outputs of several tasks: {names}",
                     "make the input name exactly one output")
    producer, output, alignment = found[0]
    binding = tuple((p, alignment.binding[p]) for p in producer.foreach)
    inside = output.is_dir and len(mine) > len(components(output.tokens))
    return InputLink(entry, producer.name, binding, gathered, inside)


def _covers(pipeline: Pipeline, task: Task, entry: PathEntry, producer: Task, output: PathEntry,
            alignment: Alignment) -> bool:
    """Whether every value of the input's params is an output of `producer`.

    False when none is; a user error when only some are (the input would be partly an
    upstream output and partly an external file, which is almost surely a mistake).
    """
    def partial(detail: str) -> MakegenError:
        return _error(pipeline, task.name, "inputs",
                      f"input {entry.text!r} is an output of task {producer.name} ({output.text!r}) "
                      f"only for some values: {detail}",
                      "give both params the same values, or name the files so that all or none "
                      "of them are that task's outputs")

    values = pipeline.params
    for name, source in alignment.binding.items():
        produced = set(values[name].values)
        if isinstance(source, Const):
            if source.value not in produced:
                return False
        elif source.name != name:
            wanted = values[source.name].values
            hits = [v in produced for v in wanted]
            if not any(hits):
                return False
            if not all(hits):
                missing = next(v for v, hit in zip(wanted, hits) if not hit)
                raise partial(f"{source.name}={missing} is not a value of {name}")
    for name, value in alignment.required.items():
        have = values[name].values
        if value not in have:
            return False
        if len(have) > 1:
            raise partial(f"only {name}={value} names one")
    for mine, theirs in alignment.tangled:
        if _any_tangle_match(pipeline, mine, theirs):
            raise _error(pipeline, task.name, "inputs",
                         f"input {entry.text!r} can be an output of task {producer.name} "
                         f"({output.text!r}) only by splitting values differently",
                         "write the input with the same {placeholders} and separators as the output")
    return True


def _any_tangle_match(pipeline: Pipeline, mine: tuple[object, ...], theirs: tuple[object, ...]) -> bool:
    params = list(dict.fromkeys(t.name for t in mine if isinstance(t, Param)))
    pattern = regex(theirs)  # type: ignore[arg-type]
    combos = itertools.product(*(pipeline.params[p].values for p in params))
    for count, combo in enumerate(combos):
        if count > _TANGLE_LIMIT:
            return False
        if pattern.match(expand(mine, dict(zip(params, combo)))):  # type: ignore[arg-type]
            return True
    return False


# -- duplicate outputs -------------------------------------------------------------------

_VALUE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+@-")


def _ambiguous(component: Component) -> bool:
    """Whether two placeholders of a path component can trade characters: nothing but
    characters a value may hold stands between them (`{a}_{b}`, `{a}{b}`)."""
    between: Optional[str] = None
    for token in component:
        if isinstance(token, Param):
            if between is not None and set(between) <= _VALUE_CHARS:
                return True
            between = ""
        elif between is not None:
            between += token
    return False


def _check_instance_outputs(pipeline: Pipeline) -> None:
    """Two instances of one task may not produce one path (`x/{a}_{b}` with a = 1_2, 1 and
    b = 2, 2_2). Only the params of ambiguous components are enumerated: elsewhere a `/` or
    a character no value holds keeps different values apart."""
    for task in pipeline.tasks:
        for output in task.outputs:
            comps = components(output.tokens)
            names = [p for p in task.foreach
                     if any(_ambiguous(c) and Param(p) in c for c in comps)]
            if not names:
                continue
            seen: dict[str, tuple[str, ...]] = {}
            for combo in itertools.product(*(pipeline.params[p].values for p in names)):
                scope = dict(zip(names, combo))
                path = "/".join("".join(scope.get(t.name, "{" + t.name + "}") if isinstance(t, Param)
                                        else t for t in c) for c in comps)
                if path in seen:
                    _instance_clash(pipeline, task, output, names, seen[path], combo)
                seen[path] = combo


def _instance_clash(pipeline: Pipeline, task: Task, output: PathEntry, names: list[str],
                    first: tuple[str, ...], second: tuple[str, ...]) -> None:
    def full(combo: tuple[str, ...]) -> dict[str, str]:
        return {p: dict(zip(names, combo)).get(p, pipeline.params[p].values[0]) for p in task.foreach}

    a, b = full(first), full(second)
    path = "/".join(expand(c, a) for c in components(output.tokens))
    raise _error(pipeline, task.name, "outputs",
                 f"instances {instance_id(task.name, task.foreach, list(a.values()))} and "
                 f"{instance_id(task.name, task.foreach, list(b.values()))} both produce {path} "
                 f"(output {output.text!r})",
                 "separate the placeholders with a character no value holds, such as / or =, "
                 "e.g. x/{a}/{b} or x/a={a},b={b}")


def _check_duplicate_outputs(pipeline: Pipeline) -> None:
    entries = [(task, out) for task in pipeline.tasks for out in task.outputs]
    for i, (task_a, out_a) in enumerate(entries):
        comps_a = components(out_a.tokens)
        for task_b, out_b in entries[i + 1:]:
            comps_b = components(out_b.tokens)
            for (inner_task, inner), (outer_task, outer), inner_comps, outer_comps in (
                ((task_a, out_a), (task_b, out_b), comps_a, comps_b),
                ((task_b, out_b), (task_a, out_a), comps_b, comps_a),
            ):
                if not (outer.is_dir and len(inner_comps) > len(outer_comps)):
                    continue
                if _overlap(pipeline, inner_comps, outer_comps, True) is not None:
                    raise _error(pipeline, inner_task.name, "outputs",
                                 f"output {inner.text!r} lies inside {outer.text!r}, a directory "
                                 f"output of task {outer_task.name}",
                                 f"a directory output owns everything in it: write the file outside "
                                 f"{outer.text}, or make it part of task {outer_task.name}")
            example = _overlap(pipeline, comps_a, comps_b, False) if len(comps_a) == len(comps_b) else None
            if example is None:
                continue
            if task_a is task_b:
                raise _error(pipeline, task_a.name, "outputs",
                             f"outputs {out_a.text!r} and {out_b.text!r} name the same path "
                             f"(e.g. {example})", "every output must be its own file or folder")
            raise _error(pipeline, task_b.name, "outputs",
                         f"task {task_a.name} ({out_a.text!r}) and task {task_b.name} "
                         f"({out_b.text!r}) both produce {example}",
                         "each path must have one producer: rename one of the outputs")


def _overlap(pipeline: Pipeline, mine: list[Component], theirs: list[Component],
             theirs_dir: bool) -> Optional[str]:
    """An example path that both templates can produce (`mine` inside `theirs`), or None."""
    alignment = align(mine, theirs, theirs_dir)
    if alignment is None:
        return None
    values = pipeline.params
    example: dict[str, str] = {}
    for name, source in alignment.binding.items():
        if isinstance(source, Const):
            if source.value not in values[name].values:
                return None
        else:
            common = [v for v in values[source.name].values if v in set(values[name].values)]
            if not common:
                return None
            example[source.name] = common[0]
    for name, value in alignment.required.items():
        if value not in values[name].values:
            return None
        example[name] = value
    for a, b in alignment.tangled:
        if _any_tangle_match(pipeline, a, b):
            break
        return None
    filled = {name: example.get(name, values[name].values[0]) for name in values}
    return "/".join(expand(c, filled) for c in mine)


# -- cycles and phases -------------------------------------------------------------------

def _check_cycles(pipeline: Pipeline, graph: nx.DiGraph) -> None:
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    names = [edge[0] for edge in cycle] + [cycle[0][0]]
    path = " -> ".join(names)
    raise MakegenError(
        f"the tasks form a cycle: {path}", file=pipeline.file, key=f"[task.{names[0]}]",
        hint="a task cannot (even indirectly) need its own outputs; "
             + "; ".join(f"{a} -> {b} because of {graph.edges[a, b]['why']}" for a, b, *_ in cycle),
    )


def _phases(pipeline: Pipeline, graph: nx.DiGraph) -> dict[str, int]:
    phases: dict[str, int] = {}
    for name in nx.topological_sort(graph):
        earliest = max((phases[p] + 1 for p in graph.predecessors(name)), default=1)
        pinned = pipeline.task(name).phase
        if pinned is not None and pinned < earliest:
            blocker = max(graph.predecessors(name), key=lambda p: phases[p])
            raise _error(pipeline, name, "phase",
                         f"phase = {pinned}, but it depends on task {blocker} in phase "
                         f"{phases[blocker]}", f"use phase = {earliest} or later, or remove it")
        phases[name] = pinned if pinned is not None else earliest
    return phases
