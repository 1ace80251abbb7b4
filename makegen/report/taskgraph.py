"""The task graph laid out for SVG: phases are columns, left to right, edges curves between them.

Within a column, tasks are ordered by the mean row of the tasks they read from (one
barycentre pass, as in Sugiyama-style layouts), which keeps most edges from crossing
without a layout library. Each node carries a bar of its instances' states.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..contract.buildfile import TaskSpec

NODE_W, NODE_H = 180.0, 56.0
GAP_X, GAP_Y = 70.0, 20.0
PAD = 10.0
BAR_H = 8.0


@dataclass(frozen=True)
class Segment:
    """One state's part of a node's state bar."""

    x: float
    width: float
    state: str
    count: int


@dataclass(frozen=True)
class Node:
    name: str
    phase: int
    x: float
    y: float
    total: int
    segments: list[Segment]
    width: float = NODE_W
    height: float = NODE_H


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    path: str  # SVG path data


@dataclass(frozen=True)
class TaskGraph:
    width: float
    height: float
    nodes: list[Node]
    edges: list[Edge]


def lay_out(tasks: Sequence[TaskSpec], edges: Sequence[tuple[str, str]],
            counts: dict[str, list[tuple[str, int]]]) -> TaskGraph:
    """Positions for every task and edge; `counts` gives each task's (state, count) pairs."""
    columns = _columns(tasks, edges)
    tallest = max((len(c) for c in columns), default=0)
    height = 2 * PAD + tallest * (NODE_H + GAP_Y) - (GAP_Y if tallest else 0)
    nodes: dict[str, Node] = {}
    for number, column in enumerate(columns):
        x = PAD + number * (NODE_W + GAP_X)
        top = (height - len(column) * (NODE_H + GAP_Y) + GAP_Y) / 2
        for row, task in enumerate(column):
            y = top + row * (NODE_H + GAP_Y)
            nodes[task.name] = Node(task.name, task.phase, x, y, task.count,
                                    _segments(x, counts.get(task.name, [])))
    width = 2 * PAD + len(columns) * (NODE_W + GAP_X) - (GAP_X if columns else 0)
    lines = [Edge(a, b, _curve(nodes[a], nodes[b])) for a, b in edges if a in nodes and b in nodes]
    return TaskGraph(width, height, list(nodes.values()), lines)


def _columns(tasks: Sequence[TaskSpec], edges: Sequence[tuple[str, str]]) -> list[list[TaskSpec]]:
    """Tasks by phase; each column after the first ordered by where its inputs sit."""
    last = max((t.phase for t in tasks), default=0)
    columns = [[t for t in tasks if t.phase == p] for p in range(1, last + 1)]
    columns = [c for c in columns if c]
    sources: dict[str, list[str]] = {}
    for a, b in edges:
        sources.setdefault(b, []).append(a)
    row: dict[str, float] = {}
    for column in columns:
        order = {t.name: _centre(sources.get(t.name, []), row, float(i)) for i, t in enumerate(column)}
        column.sort(key=lambda t: order[t.name])  # noqa: B023 - used at once, in this iteration
        offset = (len(column) - 1) / 2
        row.update({t.name: i - offset for i, t in enumerate(column)})
    return columns


def _centre(sources: list[str], row: dict[str, float], fallback: float) -> float:
    """The mean row of the tasks placed so far that these read from, else `fallback`."""
    placed = [row[s] for s in sources if s in row]
    return sum(placed) / len(placed) if placed else fallback


def _segments(x: float, counts: list[tuple[str, int]]) -> list[Segment]:
    total = sum(count for _, count in counts) or 1
    width, left = NODE_W - 16, x + 8
    segments = []
    for state, count in counts:
        if count:
            part = width * count / total
            segments.append(Segment(left, part, state, count))
            left += part
    return segments


def _curve(source: Node, target: Node) -> str:
    x1, y1 = source.x + source.width, source.y + source.height / 2
    x2, y2 = target.x, target.y + target.height / 2
    bend = max(30.0, (x2 - x1) / 2)
    return f"M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
