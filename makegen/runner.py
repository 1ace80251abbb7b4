"""`makegen run`: every instance on this machine, phase by phase, N at a time.

Each instance goes through the same `jobs/job.sh` a cluster array job runs, so a local run
has the cluster's semantics: make decides whether the instance is out of date, and an
instance whose upstream failed ends blocked without running its command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, TextIO

from . import markers
from .buildinfo import BuildInfo, TaskInfo


@dataclass(frozen=True)
class Job:
    task: str
    manifest: Path
    index: int


@dataclass
class RunSummary:
    ran: int = 0
    up_to_date: int = 0
    failed: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    not_started: int = 0

    @property
    def ok(self) -> bool:
        return not (self.failed or self.blocked or self.errors or self.not_started)


@dataclass(frozen=True)
class Outcome:
    job: Job
    code: int
    stdout: str
    stderr: str


def phase_jobs(task: TaskInfo, selected: Optional[list[int]] = None) -> Iterator[Job]:
    indices = selected if selected is not None else range(1, task.count + 1)
    for index in indices:
        yield Job(task.name, task.manifest, index)


def run_build(build: BuildInfo, jobs: int, keep_going: bool, out: TextIO = sys.stdout,
              selection: Optional[dict[str, list[int]]] = None) -> RunSummary:
    """Run the build's phases in order; stop launching after a failure unless keep_going."""
    summary = RunSummary()
    wrapper = build.build_dir / "jobs" / "job.sh"
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SGE_TASK_ID", "SLURM_ARRAY_TASK_ID",
                        "JOB_ID", "SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID")}
    stop = False
    for number, tasks in enumerate(build.phases, 1):
        todo = [job for task in tasks
                for job in phase_jobs(task, None if selection is None else selection.get(task.name, []))]
        if not todo:
            continue
        if stop:
            summary.not_started += len(todo)
            continue
        names = ", ".join(f"{t.name} ({t.count})" for t in tasks)
        print(f"phase {number}/{len(build.phases)}: {names}", file=out, flush=True)
        stop = _run_phase(wrapper, build.build_dir, todo, jobs, keep_going, env, summary, out)
    return summary


def _run_phase(wrapper: Path, build_dir: Path, todo: list[Job], jobs: int, keep_going: bool,
               env: dict[str, str], summary: RunSummary, out: TextIO) -> bool:
    pending = iter(todo)
    running: set[Future[Outcome]] = set()
    stop = False
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        while True:
            while not stop and len(running) < max(1, jobs):
                job = next(pending, None)
                if job is None:
                    break
                running.add(pool.submit(_run_one, wrapper, build_dir, job, env))
            if not running:
                break
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                if not _record(future.result(), summary, out) and not keep_going:
                    stop = True
    if stop:
        summary.not_started += sum(1 for _ in pending)
    return stop


def _run_one(wrapper: Path, build_dir: Path, job: Job, env: dict[str, str]) -> Outcome:
    result = subprocess.run(
        ["bash", str(wrapper), str(build_dir), str(job.manifest), str(job.index)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, check=False)
    return Outcome(job, result.returncode, result.stdout, result.stderr)


def _record(outcome: Outcome, summary: RunSummary, out: TextIO) -> bool:
    """Count one finished job and report a problem; False when it did not end well."""
    label = f"{outcome.job.task} #{outcome.job.index}"
    if outcome.code == 0:
        if "makegen: ran " in outcome.stdout:
            summary.ran += 1
        else:
            summary.up_to_date += 1
        return True
    # Make's own "make: *** [...] Error N" line says nothing the task script did not say.
    message = "\n".join(line for line in outcome.stderr.rstrip().splitlines()
                        if not line.startswith("make: *** ")) or f"{label}: exit code {outcome.code}"
    print(message, file=out, flush=True)
    if outcome.code == markers.EXIT_FAILED:
        summary.failed.append(label)
    elif outcome.code == markers.EXIT_BLOCKED:
        summary.blocked.append(label)
    else:
        summary.errors.append(label)
    return False
