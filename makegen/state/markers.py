"""Reading an instance's marker files (their names are in contract/layout.py's `Layout`).

The task script (rules/lib.sh.j2) writes them; status reads them here. An instance's marker
files share the prefix `state/<task>/<key>`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Optional

from ..contract.layout import Layout

_HEX = re.compile(r"[0-9a-f]+")


def parse_marker(text: str) -> dict[str, str]:
    """`name=value` lines; anything else (a torn write) is left out."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.isidentifier():
            fields[name] = value
    return fields


def parse_count(text: str) -> Optional[int]:
    """A whole number from 1 (`attempt=K`); None when absent, empty or not one."""
    text = text.strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def parse_amount(text: str) -> Optional[float]:
    """A non-negative finite number (`wall_s=12.34`); None when absent, empty or not one.

    The node measures what it can (GNU time, or bash's own clock): an amount it could
    not measure is left out or empty, and means "unknown", never 0.
    """
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


@dataclass(frozen=True)
class Found:
    """The marker files one instance has, from their names alone."""

    started: bool = False
    failed: bool = False
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
    ok: dict[str, tuple[str, ...]]

    @classmethod
    def from_names(cls, names: Iterable[str]) -> MarkerIndex:
        names = list(names)
        ok: dict[str, list[str]] = {}
        for name in names:
            cut = name.rfind(Layout.ok)
            digest = name[cut + len(Layout.ok):]
            # Only a whole hash: a key may itself hold `.ok-` (the value a.ok-0 has a lock
            # a.ok-0.started).
            if cut > 0 and len(digest) == Layout.hash_length and _HEX.fullmatch(digest):
                ok.setdefault(name[:cut], []).append(digest)
        return cls(
            started=frozenset(n[: -len(Layout.started)] for n in names if n.endswith(Layout.started)),
            failed=frozenset(n[: -len(Layout.failed)] for n in names if n.endswith(Layout.failed)),
            ok={key: tuple(hashes) for key, hashes in ok.items()},
        )

    def get(self, key: str) -> Found:
        return Found(key in self.started, key in self.failed, self.ok.get(key, ()))
