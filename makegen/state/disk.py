"""What status reads from the filesystem and the process table, behind one protocol.

Status logic takes a `Disk`, so its rules run on a fake filesystem in tests.
"""

from __future__ import annotations

import functools
import os
from typing import Optional, Protocol


class Disk(Protocol):
    def mtime_ns(self, path: str) -> Optional[int]: ...
    def listdir(self, folder: str) -> list[str]: ...
    def read(self, path: str) -> Optional[str]: ...
    def alive(self, pid: int, since: float, pidstart: Optional[int] = None) -> bool: ...


class RealDisk:
    """The real filesystem, with a cache of mtimes (inputs are shared between instances)."""

    def __init__(self) -> None:
        self._mtimes: dict[str, Optional[int]] = {}

    def mtime_ns(self, path: str) -> Optional[int]:
        try:
            return self._mtimes[path]
        except KeyError:
            pass
        try:
            value: Optional[int] = os.stat(path).st_mtime_ns
        except OSError:
            value = None
        self._mtimes[path] = value
        return value

    def listdir(self, folder: str) -> list[str]:
        try:
            return os.listdir(folder)
        except OSError:
            return []

    def read(self, path: str) -> Optional[str]:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        try:
            return os.read(fd, 1 << 16).decode("utf-8", errors="replace")
        except OSError:
            return None
        finally:
            os.close(fd)

    def alive(self, pid: int, since: float, pidstart: Optional[int] = None) -> bool:
        """Whether `pid` is a live (not zombie) process that can be the one that started an
        attempt at `since` (epoch s): it started before then, or (pidstart: its start in clock
        ticks since boot, as the node recorded it) it is that very process. A later process
        that reuses the pid is not it; nor is a spooled copy of job.sh told by its name."""
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            return False
        if fields[0] in ("Z", "X"):
            return False
        ticks = int(fields[19])
        if pidstart is not None:
            return ticks == pidstart
        return _boot_time() + ticks / os.sysconf("SC_CLK_TCK") <= since + 1


@functools.lru_cache(maxsize=1)
def _boot_time() -> float:
    """When this host booted (epoch s); read once, not once per live instance."""
    with open("/proc/stat") as handle:
        for line in handle:
            if line.startswith("btime "):
                return float(line.split()[1])
    return 0.0
