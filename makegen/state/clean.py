"""`makegen clean --tmp`: remove temporary directories left by killed jobs, never a running one's."""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..contract.layout import InstanceState, Layout
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
    """(removable, kept): temporary directories, split by whether their instance still runs."""
    running = {(i.task, i.key, i.host, str(i.pid)) for i in report.instances
               if i.state is InstanceState.RUNNING}
    removable: list[Leftover] = []
    kept: list[Leftover] = []
    top = report.output_dir / Layout.tmp
    for task_dir in sorted(p for p in top.glob("*") if p.is_dir()):
        for path in sorted(task_dir.iterdir()):
            key, _, rest = path.name.partition("=")
            host, _, pid = rest.partition("=")
            item = Leftover(path, task_dir.name, key, host, pid, _size(path))
            (kept if (item.task, key, host, pid) in running else removable).append(item)
    return removable, kept


def remove(items: list[Leftover]) -> int:
    """Remove the directories; the bytes freed."""
    freed = 0
    for item in items:
        shutil.rmtree(item.path, ignore_errors=True)
        freed += item.size
    return freed


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
