"""What status reads from the filesystem and the process table, behind one protocol.

Status logic takes a `Disk`, so its rules run on a fake filesystem in tests.
"""

from __future__ import annotations

import os
from typing import Optional, Protocol

from ..contract import layout


class Disk(Protocol):
    def mtime_ns(self, path: str) -> Optional[int]: ...
    def listdir(self, folder: str) -> list[str]: ...
    def read(self, path: str) -> Optional[str]: ...
    def alive(self, pid: int, task: str) -> bool: ...


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

    def alive(self, pid: int, task: str) -> bool:
        """Whether `pid` is a live (not zombie) process running the task's script."""
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if fields[0] in ("Z", "X"):
                return False
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                return layout.task_script(task).encode() in handle.read()
        except OSError:
            return False
