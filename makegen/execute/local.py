"""The local executor: instances through jobs/job.sh on this machine, phase by phase, N at a time.

`makegen run` and `makegen submit --backend local` both run here, so a local run has a
cluster's semantics: make decides whether an instance is out of date, and an instance
whose upstream failed ends blocked without running its command. Each job says how it
ended in its result file ($MAKEGEN_RESULT), never through its output.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, TextIO

import sh

from ..contract.layout import Layout, NodeExit, Outcome, instance_id, instance_key
from ..contract.schedulers import LOCAL_INDEX_VAR, SCHEDULERS
from ..state.logs import SECTION, attempts, is_wrapper_trace, log_path
from .progress import Reporter

TAIL = 5  # lines of a failed command's own output shown under it


@dataclass(frozen=True)
class LocalArray:
    """Lines of one manifest to run, like one array job of a scheduler."""

    phase: int
    manifest: Path
    indices: tuple[int, ...]  # manifest lines, from 1


@dataclass(frozen=True)
class Job:
    manifest: Path
    index: int
    label: str  # the instance id, for messages
    line: str  # the manifest line: the task and its NAME=VALUE words


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

    def line(self) -> str:
        return (f"ran {self.ran}, up to date {self.up_to_date}, failed {len(self.failed)}, "
                f"blocked {len(self.blocked)}"
                + (f", errors {len(self.errors)}" if self.errors else "")
                + (f", not started {self.not_started}" if self.not_started else ""))


@dataclass(frozen=True)
class Finished:
    job: Job
    code: int
    outcome: Optional[Outcome]
    stderr: str


def job_environment() -> dict[str, str]:
    """This environment, less what would make job.sh think it is a scheduler's array task."""
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", LOCAL_INDEX_VAR}
    for scheduler in SCHEDULERS.values():
        drop |= {scheduler.index_var, scheduler.id_var, scheduler.job_var, scheduler.single_job_var}
    return {k: v for k, v in os.environ.items() if k not in drop}


def execute(build_dir: Path, arrays: Sequence[LocalArray], jobs: int, keep_going: bool,
            out: TextIO = sys.stdout, output_dir: Optional[str] = None,
            extra_env: Optional[dict[str, str]] = None) -> RunSummary:
    """Run the arrays phase by phase; after a failure, launch nothing more unless keep_going.

    Shows progress on `out`, and each instance that did not end well once, with its log
    (under `output_dir`) and the last lines of its command's output.
    """
    summary = RunSummary()
    env = {**job_environment(), **(extra_env or {})}
    stop = False
    phases = sorted({a.phase for a in arrays})
    plan = {phase: [job for a in arrays if a.phase == phase for job in _jobs(a)] for phase in phases}
    report = Reporter(out, sum(map(len, plan.values())))
    try:
        with tempfile.TemporaryDirectory(prefix="makegen-run.") as scratch:
            for phase, todo in plan.items():
                if not todo:
                    continue
                if stop:
                    summary.not_started += len(todo)
                    continue
                report.message(f"phase {phase}/{phases[-1]}: {_describe(todo)}")
                stop = _run_phase(build_dir, todo, jobs, keep_going, env, Path(scratch), summary,
                                  report, output_dir)
    finally:
        report.running = 0
        report.update(final=True)
    return summary


def _jobs(array: LocalArray) -> list[Job]:
    lines = array.manifest.read_text().splitlines()
    found = []
    for index in array.indices:
        words = lines[index - 1].split() if index <= len(lines) else ["?"]
        names = [w.partition("=") for w in words[1:]]
        label = instance_id(words[0], [n for n, _, _ in names], [v for _, _, v in names])
        found.append(Job(array.manifest, index, label, " ".join(words)))
    return found


def _describe(todo: list[Job]) -> str:
    counts: dict[str, int] = {}
    for job in todo:
        task = job.label.partition("[")[0]
        counts[task] = counts.get(task, 0) + 1
    return ", ".join(f"{task} ({count})" for task, count in counts.items())


def _run_phase(build_dir: Path, todo: list[Job], jobs: int, keep_going: bool, env: dict[str, str],
               scratch: Path, summary: RunSummary, report: Reporter, output_dir: Optional[str]) -> bool:
    pending = iter(todo)
    running: set[Future[Finished]] = set()
    stop = False
    width = max(1, jobs)
    with ThreadPoolExecutor(max_workers=width) as pool:
        while True:
            while not stop and len(running) < width:
                job = next(pending, None)
                if job is None:
                    break
                running.add(pool.submit(_run_one, build_dir, job, env, scratch))
            if not running:
                break
            report.running = len(running)
            report.update()
            done, running = wait(running, timeout=1.0, return_when=FIRST_COMPLETED)
            for future in done:
                if not _record(future.result(), summary, report, output_dir) and not keep_going:
                    stop = True
    if stop:
        summary.not_started += sum(1 for _ in pending)
    return stop


def _run_one(build_dir: Path, job: Job, env: dict[str, str], scratch: Path) -> Finished:
    result_file = scratch / f"{job.manifest.name}.{job.index}.{os.getpid()}.{id(job)}"
    result = sh.bash(str(build_dir / Layout.job_wrapper), str(build_dir), str(job.manifest),
                     str(job.index), _env={**env, "MAKEGEN_RESULT": str(result_file)}, _in="",
                     _out=os.devnull, _ok_code=tuple(range(256)), _return_cmd=True)
    try:
        word = result_file.read_text().strip()
        result_file.unlink()
    except OSError:
        word = ""
    outcome = Outcome(word) if word in {o.value for o in Outcome} else None
    return Finished(job, result.exit_code, outcome, result.stderr.decode(errors="replace"))


def _record(finished: Finished, summary: RunSummary, report: Reporter, output_dir: Optional[str]) -> bool:
    """Count one finished job and name a problem once; False when it did not end well."""
    if finished.code == 0:
        if finished.outcome is Outcome.RAN:
            summary.ran += 1
        else:
            summary.up_to_date += 1
        report.done += 1
        return True
    label = finished.job.label
    if finished.outcome is Outcome.FAILED or finished.code == NodeExit.FAILED:
        summary.failed.append(label)
        report.failed += 1
        report.message(_failure(finished, output_dir))
    elif finished.outcome is Outcome.BLOCKED or finished.code == NodeExit.BLOCKED:
        summary.blocked.append(label)
        report.blocked += 1
        found = re.search(r"^makegen: \S+ is blocked: (.*)$", finished.stderr, re.MULTILINE)
        report.message(f"blocked: {label}: {found.group(1).rstrip(';') if found else 'see makegen status'}")
    else:
        summary.errors.append(label)
        report.failed += 1
        # The instance could not be run at all: job.sh's own words say why.
        text = "\n".join(line for line in finished.stderr.rstrip().splitlines()
                         if not line.startswith("make: *** "))
        report.message(f"error: {label}: exit code {finished.code}" + (f"\n{text}" if text else ""))
    return False


def _failure(finished: Finished, output_dir: Optional[str]) -> str:
    """`failed: ID: why`, the log's path and the last lines of the command's own output."""
    job = finished.job
    found = re.search(r"^makegen: \S+ failed: (.*?)(?: \(log: .*\))?$", finished.stderr, re.MULTILINE)
    lines = [f"failed: {job.label}: {found.group(1) if found else f'exit code {finished.code}'}"]
    if output_dir is not None:
        task, key = job.label.partition("[")[0], _key(job)
        path = log_path(output_dir, task, key)
        lines.append(f"  log: {_shown(path)}")
        try:
            last = attempts(path.read_text(errors="replace"))[-1:]
        except OSError:
            last = []
        own = [line for text in last for line in text.splitlines()
               if not (is_wrapper_trace(line) or line.startswith((SECTION, "+ makegen_command")))]
        lines += [f"  | {line}" for line in own[-TAIL:]]
    return "\n".join(lines)


def _key(job: Job) -> str:
    words = job.line.split()
    return instance_key([w.partition("=")[2] for w in words[1:]])


def _shown(path: Path) -> str:
    """A path relative to here when it lies below, else as it is."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: Optional[Iterable[str]] = None) -> int:
    """`python -m makegen.execute.local`: what `submit --backend local`'s script runs.

    Each ARRAY is PHASE:MANIFEST (every line of the manifest, in order). Like a cluster's
    arrays, it goes on past failures: their dependents end blocked.
    """
    parser = argparse.ArgumentParser(prog="python -m makegen.execute.local")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("build")
    parser.add_argument("arrays", nargs="+")
    args = parser.parse_args(list(argv) if argv is not None else None)
    arrays = []
    for spec in args.arrays:
        phase, _, manifest = spec.partition(":")
        lines = len(Path(manifest).read_text().splitlines())
        arrays.append(LocalArray(int(phase), Path(manifest), tuple(range(1, lines + 1))))
    from ..state.settings import run_config

    summary = execute(Path(args.build), arrays, args.jobs, keep_going=True,
                      output_dir=run_config(Path(args.build))["OUTPUT_DIR"])
    print(summary.line())
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
