"""Names of the files an instance leaves under OUTPUT_DIR/.makegen/: the one place they are defined.

The task script template (`rules/lib.sh.j2`) writes them with the suffixes given here; the
status code reads them through the functions here. An instance's marker files share the
prefix `<state>/<task>/<key>`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

STATE_DIR = ".makegen/state"
LOG_DIR = ".makegen/logs"
TMP_DIR = ".makegen/tmp"

STARTED = ".started"
OK = ".ok-"  # followed by the task's recipe hash
FAILED = ".failed"
BLOCKED = ".blocked"

# Exit codes of the task script and of jobs/job.sh (never 99 or 100, which Grid Engine
# reserves for "requeue" and "error state").
EXIT_FAILED = 1
EXIT_MAKEGEN = 2
EXIT_BLOCKED = 3


@dataclass(frozen=True)
class MarkerNames:
    """The suffixes, as the templates see them."""

    started: str = STARTED
    ok: str = OK
    failed: str = FAILED
    blocked: str = BLOCKED


def instance_key(values: tuple[str, ...]) -> str:
    """The spec's key: values joined by `,`, or `_` when the task has no foreach."""
    return ",".join(values) if values else "_"


def parse_marker(text: str) -> dict[str, str]:
    """`name=value` lines; anything else (a torn write) is left out."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.isidentifier():
            fields[name] = value
    return fields


@dataclass(frozen=True)
class Found:
    """The marker files one instance has, from their names alone."""

    started: bool = False
    failed: bool = False
    blocked: bool = False
    ok_hashes: tuple[str, ...] = ()

    @property
    def in_progress(self) -> bool:
        return self.started and not self.failed and not self.ok_hashes


@dataclass(frozen=True)
class MarkerIndex:
    """Which instances of a task have which marker files, from a listing of its state folder.

    Keys may hold dots (values do), so the kind is read from the end of a name; temporary
    files of an atomic write (`<marker>.tmp.<pid>`) are not markers yet.
    """

    started: frozenset[str]
    failed: frozenset[str]
    blocked: frozenset[str]
    ok: dict[str, tuple[str, ...]]

    @classmethod
    def from_names(cls, names: Iterable[str]) -> MarkerIndex:
        names = list(names)
        ok: dict[str, list[str]] = {}
        for name in names:
            cut = name.rfind(OK)
            if cut > 0 and ".tmp." not in name[cut:]:
                ok.setdefault(name[:cut], []).append(name[cut + len(OK):])
        return cls(
            started=frozenset(n[: -len(STARTED)] for n in names if n.endswith(STARTED)),
            failed=frozenset(n[: -len(FAILED)] for n in names if n.endswith(FAILED)),
            blocked=frozenset(n[: -len(BLOCKED)] for n in names if n.endswith(BLOCKED)),
            ok={key: tuple(hashes) for key, hashes in ok.items()},
        )

    def get(self, key: str) -> Found:
        return Found(key in self.started, key in self.failed, key in self.blocked, self.ok.get(key, ()))
