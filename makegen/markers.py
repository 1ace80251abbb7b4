"""Names of the files an instance leaves under OUTPUT_DIR/.makegen/: the one place they are defined.

The task script template (`rules/lib.sh.j2`) writes them with the suffixes given here; the
status code reads them through the functions here. An instance's marker files share the
prefix `<state>/<task>/<key>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STATE_DIR = ".makegen/state"
LOG_DIR = ".makegen/logs"
TMP_DIR = ".makegen/tmp"
SUBMIT_DIR = ".makegen/submit"

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


def state_dir(output_dir: Path, task: str) -> Path:
    return output_dir / STATE_DIR / task


def log_path(output_dir: Path, task: str, key: str) -> Path:
    return output_dir / LOG_DIR / task / f"{key}.log"


def ok_name(key: str, recipe_hash: str) -> str:
    return f"{key}{OK}{recipe_hash}"


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
