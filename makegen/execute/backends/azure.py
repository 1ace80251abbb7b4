"""Azure Batch: one Batch job per submission, one task per array element (an instance, or a
group of them), dependencies by task id.

Batch has no array jobs. Each array of the plan takes a block of consecutive integer task
ids, so "after the whole array" is one `taskIdRanges` entry and an element-wise dependency
is one `taskIds` entry. A task runs the snapshot's job.sh through `/bin/bash -c` with the
manifest line as its index. A failed task blocks its dependents and ends the job (nothing
waits for ever), and the job ends by itself once every task has completed.

The REST bodies are plain JSON values built here; `azure_sdk.py` loads them into the SDK's
models and submits them, so `--print` writes exactly what would be sent.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Optional

from ...contract.layout import Layout
from ...errors import MakegenError
from ...escape import shell_quote
from ...state.settings import run_config, site_values
from ..plan import ArrayJob, Plan
from .base import Backend

JsonObject = dict[str, Any]

ENDPOINT, ACCOUNT, KEY, POOL = ("AZURE_BATCH_ENDPOINT", "AZURE_BATCH_ACCOUNT", "AZURE_BATCH_KEY",
                                "AZURE_BATCH_POOL")
SETTINGS = (ENDPOINT, ACCOUNT, KEY, POOL)
# Batch's rule for job ids: letters, digits, hyphens and underscores, at most 64 characters.
JOB_ID_LENGTH = 64
# A non-zero exit (and a failure to start) blocks the task's dependents and ends the job:
# its running tasks are stopped and nothing waits for ever behind the failure.
ON_FAILURE: JsonObject = {"default": {"jobAction": "terminate", "dependencyAction": "block"}}
HOW_TO_SET = ("set it in the environment, or in the site config file named by MAKEGEN_CONFIG "
              "(a line `{name} = ...`)")


@dataclass(frozen=True)
class AzureSettings:
    """Where to submit: the account's endpoint and credentials, and the pool that runs tasks."""

    endpoint: str
    account: str
    key: str  # shared key; '' for azure-identity's DefaultAzureCredential
    pool: str


@dataclass(frozen=True)
class Submission:
    """The REST bodies of one submission: the job, its tasks phase by phase (no task depends
    on a task of its own phase, so each phase can be added once the earlier ones are), and
    the update that lets the job end once every task has been added."""

    job: JsonObject
    phases: tuple[tuple[JsonObject, ...], ...]
    update: JsonObject

    @property
    def job_id(self) -> str:
        return str(self.job["id"])

    @property
    def tasks(self) -> list[JsonObject]:
        return [task for phase in self.phases for task in phase]

    def as_json(self) -> str:
        """What --print writes: {"job": POST /jobs, "tasks": [POST /jobs/{id}/tasks...],
        "jobUpdate": PATCH /jobs/{id} once the tasks are in}."""
        body = {"job": self.job, "tasks": self.tasks, "jobUpdate": self.update}
        return json.dumps(body, indent=2) + "\n"


class AzureBackend(Backend):
    name: ClassVar[str] = "azure"
    template: ClassVar[str] = "submit-azure.sh.j2"
    default_limit: ClassVar[int] = 1_000_000_000  # no arrays to split: one task per instance

    def printed(self, plan: Plan) -> str:
        """The job and task bodies, for `az batch job create --json-file` and the like. The
        tasks run the snapshot, so it is made here too (and named on stderr)."""
        settings = read_settings(Path(plan.build_dir), plan.options.queue, account=False)
        refuse_unsupported(plan)
        snap = self.snapshot(plan)
        print(f"makegen: the tasks run the snapshot {snap}", file=sys.stderr)
        return bodies(plan, snap, settings.pool, job_environment(plan)).as_json()

    def submit(self, plan: Plan) -> int:
        from . import azure_sdk

        settings = read_settings(Path(plan.build_dir), plan.options.queue, account=True)
        refuse_unsupported(plan)
        client = azure_sdk.connect(settings)
        check_slots(azure_sdk.pool_slots(client, settings), plan, settings.pool)
        submission = bodies(plan, self.snapshot(plan), settings.pool, job_environment(plan))
        azure_sdk.submit(client, submission)
        for line in report(plan, submission, settings.pool):
            print(line)
        return 0

    def snapshot(self, plan: Plan) -> str:
        """Snapshot the build under OUTPUT_DIR (the script every backend starts with); its path."""
        import sh

        try:
            output = sh.bash("-s", _in=self.script(plan), _err=sys.stderr)
        except sh.ErrorReturnCode as exc:
            raise MakegenError(f"the snapshot of the build failed with exit code {exc.exit_code} "
                               "(its message is above), so nothing was submitted", key="submit",
                               hint="fix what it names and submit again") from None
        return str(output).strip().splitlines()[-1]


def read_settings(build_dir: Path, queue: Optional[str], account: bool) -> AzureSettings:
    """The settings from the environment or the site config; a missing one is a user error.
    `account`: the endpoint and credentials are needed too (not for --print)."""
    values = site_values(build_dir, SETTINGS)
    pool = queue or values[POOL]
    if not pool:
        raise _missing(POOL, "the pool whose nodes run the tasks", " (or give --queue POOL)")
    if account:
        if not values[ENDPOINT]:
            raise _missing(ENDPOINT, "the account's URL, e.g. https://ACCOUNT.REGION.batch.azure.com")
        if not re.match(r"https?://[^/\s]+", values[ENDPOINT]):
            raise MakegenError(f"{ENDPOINT} {values[ENDPOINT]!r} is not a URL; nothing was submitted",
                               key=ENDPOINT,
                               hint="the account's URL, e.g. https://ACCOUNT.REGION.batch.azure.com")
        if values[KEY] and not values[ACCOUNT]:
            raise _missing(ACCOUNT, "the Batch account's name, which signs requests with its key")
    return AzureSettings(values[ENDPOINT].rstrip("/"), values[ACCOUNT], values[KEY], pool)


def _missing(name: str, what: str, alternative: str = "") -> MakegenError:
    return MakegenError(f"{name} is not set: {what}; nothing was submitted", key=name,
                        hint=HOW_TO_SET.format(name=name) + alternative)


def refuse_unsupported(plan: Plan) -> None:
    """Options Batch has no place for are refused rather than ignored."""
    if plan.options.account:
        raise MakegenError("--account has no meaning on Azure Batch", key="--account",
                           hint=f"the Batch account is {ACCOUNT}; leave out --account")
    if plan.options.extra:
        raise MakegenError("--extra has no meaning on Azure Batch (it takes no submit flags)",
                           key="--extra", hint="leave out --extra; the pool decides the nodes")
    for array in plan.arrays:
        if array.resources.extra_for("azure"):
            raise MakegenError(f"resources.extra.azure of task {array.task} has no meaning on "
                               "Azure Batch (it takes no submit flags)", key="resources.extra",
                               hint="remove extra.azure; the pool decides the nodes")


def check_slots(slots: int, plan: Plan, pool: str) -> None:
    """A task needing more slots than a node of the pool has would wait for ever."""
    widest = max(plan.arrays, key=lambda a: a.resources.cores)
    if widest.resources.cores > slots:
        raise MakegenError(
            f"task {widest.task} needs {widest.resources.cores} cores (resources.cores), and a "
            f"node of pool {pool} has {slots} task slot(s): it would never start; nothing was "
            "submitted", key="resources.cores",
            hint=f"use a pool with taskSlotsPerNode of at least {widest.resources.cores} (a "
                 "slot per core of its VM size), or lower resources.cores")


def bodies(plan: Plan, snap: str, pool: str, environment: dict[str, str]) -> Submission:
    """The job and task bodies of a plan whose snapshot is at `snap`."""
    first = first_task_ids(plan)
    job = job_body(job_id(plan.pipeline, snap), pool, environment, plan.options.throttle)
    phases: dict[int, list[JsonObject]] = {}
    for array in plan.arrays:
        phases.setdefault(array.phase, []).extend(
            task_body(first[array.number] + index - 1, array, index, plan, snap, first)
            for index in range(1, array.elements + 1))
    return Submission(job, tuple(tuple(phases[p]) for p in sorted(phases)),
                      {"onAllTasksComplete": "terminatejob"})


def first_task_ids(plan: Plan) -> dict[int, int]:
    """The first task id of each array: arrays take consecutive blocks of ids from 1."""
    first, next_id = {}, 1
    for array in plan.arrays:
        first[array.number] = next_id
        next_id += array.elements
    return first


def job_id(pipeline: str, snap: str) -> str:
    """mg-<pipeline>-<snapshot stamp>, in the characters Batch allows."""
    stamp = re.sub(r"[^A-Za-z0-9_-]", "-", os.path.basename(snap))
    name = re.sub(r"[^A-Za-z0-9_-]", "-", pipeline)[: JOB_ID_LENGTH - len(stamp) - 4]
    return f"mg-{name}-{stamp}"[:JOB_ID_LENGTH]


def job_body(job: str, pool: str, environment: dict[str, str], throttle: Optional[int]) -> JsonObject:
    body: JsonObject = {
        "id": job,
        "poolInfo": {"poolId": pool},
        "usesTaskDependencies": True,
        # Not terminatejob yet: a job with no task (or whose first tasks already ended) would
        # end before the rest are added. The update after the last add sets it.
        "onAllTasksComplete": "noaction",
        "onTaskFailure": "performexitoptionsjobaction",
        "commonEnvironmentSettings": [{"name": k, "value": v} for k, v in sorted(environment.items())],
    }
    if throttle:
        body["maxParallelTasks"] = throttle
    return body


def task_body(task_id: int, array: ArrayJob, index: int, plan: Plan, snap: str,
              first: dict[int, int]) -> JsonObject:
    """The task that runs element `index` (from 1) of `array`."""
    constraints: JsonObject = {"maxTaskRetryCount": 0}
    if array.time_s:
        constraints["maxWallClockTime"] = f"PT{array.time_s}S"
    body: JsonObject = {
        "id": str(task_id),
        "displayName": f"{array.name} {index}",
        "commandLine": element_command(snap, array, index),
        "requiredSlots": array.resources.cores,
        "constraints": constraints,
        "exitConditions": ON_FAILURE,
    }
    depends = dependencies(array, index, plan, first)
    if depends:
        body["dependsOn"] = depends
    return body


def element_command(snap: str, array: ArrayJob, index: int) -> str:
    """The command line of element `index` of an array: job.sh with the element's number as its
    index (a Batch task has no array index of its own). Batch runs it without a shell."""
    wrapper = f"{snap}/{Layout.job_wrapper}"
    manifest = f"{snap}/arrays/{array.number}.txt"
    group = ["--group", str(array.group)] if array.group > 1 else []
    inner = " ".join(["bash", shell_quote(wrapper), *group, shell_quote(snap), shell_quote(manifest),
                      str(index)])
    return "/bin/bash -c " + shell_quote(inner)


def dependencies(array: ArrayJob, index: int, plan: Plan, first: dict[int, int]) -> JsonObject:
    """Element-wise: task i waits for task i upstream. Else every task of the arrays waited
    for, as ranges (arrays next to each other share one)."""
    if array.elementwise is not None:
        return {"taskIds": [str(first[array.elementwise] + index - 1)]}
    counts = {a.number: a.elements for a in plan.arrays}
    ranges: list[JsonObject] = []
    for number in sorted(array.waits_for):
        start, end = first[number], first[number] + counts[number] - 1
        if ranges and ranges[-1]["end"] + 1 == start:
            ranges[-1]["end"] = end
        else:
            ranges.append({"start": start, "end": end})
    return {"taskIdRanges": ranges} if ranges else {}


def job_environment(plan: Plan) -> dict[str, str]:
    """What tasks must see of this shell (Batch passes no environment, as qsub -V would):
    the site config, submit --set, and the build's settings set in the environment."""
    environment = {name: os.environ[name] for name in run_config(Path(plan.build_dir))
                   if name in os.environ}
    if os.environ.get("MAKEGEN_CONFIG"):
        environment["MAKEGEN_CONFIG"] = os.environ["MAKEGEN_CONFIG"]
    if plan.options.sets:
        environment["MAKEGEN_SET"] = "\n".join(plan.options.sets)
    return environment


def report(plan: Plan, submission: Submission, pool: str) -> list[str]:
    first = first_task_ids(plan)
    lines = [f"submitted {array.name} (phase {array.phase}, {array.size}) as tasks "
             f"{first[array.number]}-{first[array.number] + array.elements - 1}" for array in plan.arrays]
    return lines + [f"Azure Batch job {submission.job_id} in pool {pool}: {len(submission.tasks)} "
                    "task(s); it ends when they have all ended, or at the first failure"]
