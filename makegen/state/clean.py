"""`makegen clean --tmp`: remove temporary directories left by killed jobs, never a running one's."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from ..contract.layout import InstanceState, Layout
from ..contract.schedulers import DEFAULT_STALE_AFTER_S
from .disk import RealDisk
from .report import StatusReport


@dataclass(frozen=True)
class Leftover:
    path: Path
    task: str
    key: str
    host: str
    pid: str
    size: int


def leftovers(report: StatusReport) -> tuple[list[Leftover], list[Leftover]]:
    """(removable, kept): temporary directories, split by whether their holder can be alive.

    Whatever status says of the instance (an input may have changed under a running one):
    a folder made on this host is kept while its process lives; one made on another host,
    while an attempt on that host holds the instance's lock within the time limit, or
    until the folder is older than its task's time limit (the scheduler has killed its job
    by then). (A job made the folders of its array element's instances when it began, so
    an instance's folder may be older than its attempt: its lock says when it began.)
    """
    limits = {i.task: i.limit_s for i in report.instances}
    running = {(i.task, i.key, i.host) for i in report.instances if i.state is InstanceState.RUNNING}
    host, now, disk = socket.gethostname(), time.time(), RealDisk()
    removable: list[Leftover] = []
    kept: list[Leftover] = []
    top = report.output_dir / Layout.tmp
    for task_dir in sorted(p for p in top.glob("*") if p.is_dir()):
        for path in sorted(task_dir.iterdir()):
            key, _, rest = path.name.partition("=")
            holder, _, pid = rest.partition("=")
            size = _size(path) + sum(map(_size, _stages(path)))
            item = Leftover(path, task_dir.name, key, holder, pid, size)
            if holder == host:
                alive = pid.isdigit() and disk.alive(int(pid), _mtime(path) or now)
            else:
                alive = ((item.task, key, holder) in running
                         or now - _mtime(path) <= limits.get(item.task, DEFAULT_STALE_AFTER_S))
            (kept if alive else removable).append(item)
    return removable, kept


def remove(items: list[Leftover]) -> int:
    """Remove the directories (and the staging folders they list); the bytes freed."""
    freed = 0
    for item in items:
        for stage in _stages(item.path):
            shutil.rmtree(stage, ignore_errors=True)
        shutil.rmtree(item.path, ignore_errors=True)
        freed += item.size
    return freed


def _stages(tmp: Path) -> list[Path]:
    """The staging folders an attempt made beside outputs on other filesystems (by their name
    alone: the list is in a folder anyone could write)."""
    try:
        lines = (tmp / Layout.staged).read_text().splitlines()
    except OSError:
        return []
    return [Path(line) for line in lines
            if Path(line).name.startswith(Layout.stage) and Path(line).is_dir()]


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _size(path: Path) -> int:
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(folder, name)).st_size
    return total


def human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
