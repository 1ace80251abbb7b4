"""The schedulers makegen submits to: their names and the variables their jobs see.

The single source for scheduler names (`resources.extra` keys, `--backend` help), for how
jobs/job.sh finds its array index and its job id, and for the job id's form in markers and
status (`<job>.<task>` on Grid Engine, `<job>_<task>` on SLURM, `<job>/<task id>` on Azure
Batch). Each has a backend class in `execute/backends/`, registered under the same name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from .buildfile import ResourceSpec


@dataclass(frozen=True)
class Scheduler:
    name: str
    title: str  # for help texts
    submit_command: str  # must be on PATH to submit (not to --print)
    index_var: str  # the array index (from 1) in a job's environment; "" when there is none
    job_var: str  # the array job's id
    job_separator: str  # between the job id and the index in `<job><sep><index>`
    single_job_var: str  # the job's id when it is not part of an array
    task_var: str = ""  # the task's id in `<job><sep><task>` when it is not the array index

    @property
    def id_var(self) -> str:
        """The variable after the separator in a job id as status shows it."""
        return self.task_var or self.index_var


SCHEDULERS: dict[str, Scheduler] = {s.name: s for s in (
    Scheduler("sge", "Son of / Sun Grid Engine", "qsub", "SGE_TASK_ID", "JOB_ID", ".", "JOB_ID"),
    Scheduler("slurm", "SLURM", "sbatch", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_JOB_ID", "_",
              "SLURM_JOB_ID"),
    # Batch has no arrays: a task's id is no manifest index, so its command line passes the
    # index to job.sh, and AZ_BATCH_TASK_ID only names the task in `<job>/<task id>`.
    Scheduler("azure", "Azure Batch", "", "", "AZ_BATCH_JOB_ID", "/", "AZ_BATCH_JOB_ID",
              task_var="AZ_BATCH_TASK_ID"),
)}

# The local executor sets this one instead, for the same job.sh.
LOCAL_INDEX_VAR = "MAKEGEN_TASK_ID"

# Schedulers kill a job at its time limit (SLURM rounds it up to whole minutes and waits a
# little before the KILL): an attempt that started longer ago than this has been killed.
GRACE_S = 5 * 60
DEFAULT_STALE_AFTER_S = 24 * 3600


def attempt_limit_s(resources: ResourceSpec, retries: int,
                    default_s: int = DEFAULT_STALE_AFTER_S) -> int:
    """time_limit_s of one attempt in a job, with its tries (retries) and its longest time."""
    longest = resources.longest_time_s
    return time_limit_s(longest * (1 + retries) if longest else None, default_s)


def time_limit_s(time_s: Optional[int], default_s: int = DEFAULT_STALE_AFTER_S) -> int:
    """How long an attempt of a task with `resources.time` = time_s can be alive: status
    calls an older one stale, a node takes over its lock, `clean --tmp` removes its folder."""
    if not time_s:
        return default_s
    return -(-time_s // 60) * 60 + GRACE_S
