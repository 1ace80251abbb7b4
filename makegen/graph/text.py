"""`makegen graph`: the task graph, or the instance graph, as DOT or Mermaid text."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from ..contract.layout import instance_id
from .patterns import Const
from .tasks import InputLink, TaskGraph

FORMATS = ("dot", "mermaid")


def task_edges(graph: TaskGraph) -> list[tuple[str, str, str]]:
    return [(a, b, data.get("why", "")) for a, b, data in sorted(graph.graph.edges(data=True))]


def instance_edges(graph: TaskGraph) -> Iterator[tuple[str, str]]:
    """(upstream instance id, downstream instance id) for every instance dependency."""
    for name, node in graph.nodes.items():
        foreach = node.task.foreach
        for values in graph.instances(name):
            me = instance_id(name, foreach, values)
            bound = dict(zip(foreach, values))
            seen: set[str] = set()
            for link in node.inputs:
                for upstream in _upstream_ids(graph, link, bound):
                    if upstream not in seen:
                        seen.add(upstream)
                        yield upstream, me
            for other in node.task.after:
                other_foreach = graph.nodes[other].task.foreach
                for other_values in graph.instances(other):
                    yield instance_id(other, other_foreach, other_values), me


def _upstream_ids(graph: TaskGraph, link: InputLink, bound: dict[str, str]) -> Iterator[str]:
    if link.producer is None:
        return
    producer = graph.nodes[link.producer].task
    loops = [s.name for _, s in link.binding if not isinstance(s, Const) and s.name not in bound]
    loops = list(dict.fromkeys(loops))
    for combo in itertools.product(*(graph.values(p) for p in loops)):
        scope = {**bound, **dict(zip(loops, combo))}
        values = tuple(s.value if isinstance(s, Const) else scope[s.name] for _, s in link.binding)
        yield instance_id(producer.name, producer.foreach, values)


def render_graph(graph: TaskGraph, fmt: str, instances: bool) -> str:
    if instances:
        nodes = [instance_id(n, graph.nodes[n].task.foreach, v)
                 for n in graph.nodes for v in graph.instances(n)]
        edges = [(a, b, "") for a, b in instance_edges(graph)]
        labels = {n: n for n in nodes}
    else:
        nodes = list(graph.nodes)
        edges = task_edges(graph)
        labels = {n: f"{n} ({graph.nodes[n].count}, phase {graph.nodes[n].phase})" for n in nodes}
    return _dot(nodes, edges, labels, graph.pipeline.name) if fmt == "dot" else \
        _mermaid(nodes, edges, labels)


def _dot(nodes: list[str], edges: list[tuple[str, str, str]], labels: dict[str, str], name: str) -> str:
    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f"digraph {q(name)} {{", "  rankdir=LR;", "  node [shape=box];"]
    lines += [f"  {q(n)} [label={q(labels[n])}];" for n in nodes]
    lines += [f"  {q(a)} -> {q(b)}" + (f" [label={q(why)}]" if why else "") + ";"
              for a, b, why in edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid(nodes: list[str], edges: list[tuple[str, str, str]], labels: dict[str, str]) -> str:
    ids = {n: f"n{i}" for i, n in enumerate(nodes)}

    def label(text: str) -> str:
        return '"' + text.replace('"', "#quot;") + '"'

    lines = ["flowchart LR"]
    lines += [f"  {ids[n]}[{label(labels[n])}]" for n in nodes]
    lines += [f"  {ids[a]} -->" + (f"|{label(why)}|" if why else "") + f" {ids[b]}"
              for a, b, why in edges]
    return "\n".join(lines) + "\n"
