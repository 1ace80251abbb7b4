"""Attempts by host over time, as SVG coordinates for the report's template.

The markers keep each instance's last attempt (started, finished, host). While there are
few, each is one bar in its host's lane; beyond `MAX_BARS`, each lane is a strip of time
bins shaded by how many attempts ran in each (counted with a difference array: one step
per attempt, whatever its length), with the bins where attempts failed marked.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Optional

from ..contract.layout import InstanceState
from ..state.report import Instance, human_seconds

LABEL = 160.0  # left margin, for host names
WIDTH = 840.0  # the time axis
ROW = 12.0  # one row of bars
GAP = 6.0  # between lanes
AXIS = 26.0  # below the lanes, for the tick labels
MAX_BARS = 1500
MAX_ROWS = 6  # rows of overlapping bars in one lane; more overlap shares the last row
MAX_HOSTS = 30  # lanes; the hosts with fewest attempts beyond that share one lane
BINS = 140
SHADES = 8  # of a bin's grey, from one attempt to the busiest bin of any host
PALETTE = 10  # task colours in the template (.t0 ... .t9)


@dataclass(frozen=True)
class Span:
    """One attempt: where, when, of what task, and whether it failed."""

    host: str
    start: float
    end: float
    task: int  # the task's position, for its colour
    failed: bool
    instance: Optional[Instance] = None  # for the title: its id is built only when drawn

    @property
    def title(self) -> str:
        name = self.instance.id if self.instance is not None else "an instance"
        code = self.instance.exit_code if self.instance is not None else None
        took = human_seconds(self.end - self.start)
        ended = f", exit {code}" if self.failed and code is not None else ""
        return f"{name} on {self.host}: {took}{ended}"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str  # t<N> (a task's colour), fail, or heat
    title: str
    opacity: float = 1.0


@dataclass(frozen=True)
class Lane:
    label: str
    y: float
    height: float


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    attempts: int
    binned: bool
    height: float
    axis: float = 0.0  # where the time axis runs, under the last lane
    lanes: list[Lane] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    note: str = ""
    width: float = LABEL + WIDTH + 10


def stamp_epoch(stamp: Optional[str]) -> Optional[float]:
    """Seconds since the epoch of a marker's `2026-11-26T01:02:03Z` (None: unreadable).

    The day is parsed once per day and the time of day by hand: at 10^5 instances,
    time.strptime alone would take seconds.
    """
    if not stamp or len(stamp) != 20 or stamp[10] != "T" or stamp[13] != ":" or stamp[16] != ":" \
            or stamp[19] != "Z":
        return None
    day = _midnight(stamp[:10])
    hours, minutes, seconds = stamp[11:13], stamp[14:16], stamp[17:19]
    if day is None or not (hours + minutes + seconds).isdigit():
        return None
    if int(hours) > 23 or int(minutes) > 59 or int(seconds) > 60:
        return None
    return day + int(hours) * 3600 + int(minutes) * 60 + int(seconds)


@lru_cache(maxsize=4096)
def _midnight(day: str) -> Optional[float]:
    try:
        return datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return None


def attempt_span(instance: Instance, task: int, now: float) -> Optional[Span]:
    """The instance's last attempt as a span of time (None: it never started)."""
    start, end = stamp_epoch(instance.started), stamp_epoch(instance.finished)
    if start is None and end is not None and instance.wall_s is not None:
        start = end - instance.wall_s
    if start is None:
        return None
    if end is None:
        running = instance.state is InstanceState.RUNNING
        end = now if running else start + (instance.wall_s or 0.0)
    elif instance.wall_s is not None:
        # Marker times are whole seconds: a 0.8 s attempt may start and end in the same one.
        end = max(end, start + instance.wall_s)
    failed = instance.state is InstanceState.FAILED or instance.exit_code not in (None, 0)
    return Span(instance.host or "unknown host", start, max(start, end), task, failed, instance)


def build_timeline(instances: Iterable[Instance], tasks: Sequence[str], now: float) -> Timeline:
    """The attempts of these instances by host, as bars or as binned strips."""
    position = {name: i for i, name in enumerate(tasks)}
    spans = [s for s in (attempt_span(i, position.get(i.task, 0), now) for i in instances) if s]
    if not spans:
        return Timeline(attempts=0, binned=False, height=0.0)
    t0 = min(s.start for s in spans)
    t1 = max(max(s.end for s in spans), t0 + 1.0)
    hosts = _lanes_of(spans)
    if len(spans) <= MAX_BARS:
        lanes, rects = _bars(spans, hosts, t0, t1)
        note = ""
    else:
        lanes, rects = _bins(spans, hosts, t0, t1)
        note = (f"{len(spans)} attempts in {BINS} bins of {human_seconds((t1 - t0) / BINS)}: the darker "
                "a bin, the more attempts ran in it; red marks bins where attempts failed")
    axis = lanes[-1].y + lanes[-1].height + 4
    return Timeline(attempts=len(spans), binned=len(spans) > MAX_BARS, axis=axis, height=axis + AXIS,
                    lanes=lanes, rects=rects, ticks=_ticks(t0, t1), note=note)


def _lanes_of(spans: Sequence[Span]) -> dict[str, str]:
    """Each host's lane label: its own, or a shared one for the least busy beyond MAX_HOSTS."""
    busy = Counter(s.host for s in spans)
    if len(busy) <= MAX_HOSTS:
        return {host: host for host in sorted(busy)}
    kept = {host for host, _ in busy.most_common(MAX_HOSTS - 1)}
    other = f"{len(busy) - len(kept)} other hosts"
    lanes = {host: host for host in sorted(kept)}
    lanes.update({host: other for host in sorted(busy) if host not in kept})
    return lanes


def _x(when: float, t0: float, t1: float) -> float:
    return LABEL + (when - t0) / (t1 - t0) * WIDTH


def _bars(spans: list[Span], hosts: dict[str, str], t0: float, t1: float) -> tuple[list[Lane], list[Rect]]:
    by_lane: dict[str, list[Span]] = {}
    for span in sorted(spans, key=lambda s: s.start):
        by_lane.setdefault(hosts[span.host], []).append(span)
    lanes, rects, y = [], [], 0.0
    for label in dict.fromkeys(hosts.values()):
        row_ends: list[float] = []
        for span in by_lane.get(label, []):
            row = next((r for r, end in enumerate(row_ends) if end <= span.start), None)
            if row is None:
                if len(row_ends) < MAX_ROWS:
                    row_ends.append(span.end)
                row = min(len(row_ends) - 1, MAX_ROWS - 1)
            row_ends[row] = max(row_ends[row], span.end)
            x = _x(span.start, t0, t1)
            rects.append(Rect(x, y + row * ROW + 1, max(1.5, _x(span.end, t0, t1) - x), ROW - 2,
                              "fail" if span.failed else f"t{span.task % PALETTE}", span.title))
        height = max(1, len(row_ends)) * ROW
        lanes.append(Lane(label, y, height))
        y += height + GAP
    return lanes, rects


def _bins(spans: list[Span], hosts: dict[str, str], t0: float, t1: float) -> tuple[list[Lane], list[Rect]]:
    labels = list(dict.fromkeys(hosts.values()))
    index = {label: i for i, label in enumerate(labels)}
    running = [[0] * (BINS + 1) for _ in labels]
    failed = [[0] * BINS for _ in labels]
    scale = BINS / (t1 - t0)
    for span in spans:
        lane = index[hosts[span.host]]
        first = min(BINS - 1, int((span.start - t0) * scale))
        last = min(BINS - 1, int((span.end - t0) * scale))
        running[lane][first] += 1
        running[lane][last + 1] -= 1
        if span.failed:
            failed[lane][last] += 1
    counts = [_running_totals(row) for row in running]
    # Shaded per host: a lane shared by many hosts is no darker for holding more of them.
    members = Counter(hosts.values())
    peak = max(max(row) / members[label] for row, label in zip(counts, labels)) or 1.0
    lanes, rects, width = [], [], WIDTH / BINS
    for lane, label in enumerate(labels):
        y = lane * (ROW * 1.5 + GAP)
        lanes.append(Lane(label, y, ROW * 1.5))
        row = counts[lane]
        levels = [math.ceil(SHADES * count / members[label] / peak) for count in row]
        # Neighbouring bins of one shade are one rectangle: the page's size stays bounded
        # by hosts x bins, and is far below that when the load is even.
        for first, last in _runs(levels):
            when = f"{_clock(t0 + first / scale)} to {_clock(t0 + (last + 1) / scale)}"
            low, high = min(row[first:last + 1]), max(row[first:last + 1])
            many = f"{low}" if low == high else f"{low} to {high}"
            rects.append(Rect(LABEL + first * width, y, width * (last + 1 - first) + 0.2, ROW * 1.5, "heat",
                              f"{label}: {many} attempts ran from {when}",
                              round(0.1 + 0.9 * levels[first] / SHADES, 2)))
        for b, number in enumerate(failed[lane]):
            if number:
                rects.append(Rect(LABEL + b * width, y + ROW * 1.5 - 4, width + 0.2, 4, "fail",
                                  f"{label}: {number} attempts failed from {_clock(t0 + b / scale)}"))
    return lanes, rects


def _runs(levels: list[int]) -> list[tuple[int, int]]:
    """(first, last) of every run of equal, non-zero levels."""
    runs, first = [], 0
    for b in range(1, len(levels) + 1):
        if b == len(levels) or levels[b] != levels[first]:
            if levels[first]:
                runs.append((first, b - 1))
            first = b
    return runs


def _running_totals(steps: list[int]) -> list[int]:
    totals, running = [], 0
    for step in steps[:BINS]:
        running += step
        totals.append(running)
    return totals


def _clock(when: float) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(when))


def _ticks(t0: float, t1: float) -> list[Tick]:
    """Six labelled times along the axis (UTC; with the date when the span passes a day)."""
    form = "%m-%d %H:%M" if t1 - t0 > 86400 else "%H:%M:%S"
    return [Tick(_x(t0 + k * (t1 - t0) / 5, t0, t1), time.strftime(form, time.gmtime(t0 + k * (t1 - t0) / 5)))
            for k in range(6)]
