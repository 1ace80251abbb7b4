"""A StatusReport as a person reads it (a table, the problems, what to run next) or as JSON."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from ..contract.layout import InstanceState
from .logs import tail_lines
from .report import Instance, StatusReport, age, usage_words

PROBLEMS = [s for s in InstanceState if s.is_problem]
LISTED = 20  # instances listed per state before "... and N more"
TAIL = 5  # log lines shown under a failed or stale instance


def to_json(report: StatusReport) -> str:
    """The object of the spec: pipeline, summary, instances (with argv), one instance a line.

    Each instance is encoded on its own (json's fast C encoder) so that 10^5 of them take
    a fraction of a second.
    """
    shown = _shown_prefix(str(report.output_dir))
    items = []
    for i in report.instances:
        item: dict[str, Any] = {
            "id": i.id, "task": i.task, "key": i.key, "phase": i.phase, "state": i.state.value,
            "outputs": i.outputs, "started": i.started, "finished": i.finished, "host": i.host,
            "job": i.job, "exit_code": i.exit_code, "log": shown(i.log), "argv": i.argv,
            "attempt": i.attempt, "wall_s": i.wall_s, "cpu_s": i.cpu_s, "max_rss_mb": i.max_rss_mb,
        }
        if i.reason:
            item["reason"] = i.reason
        if i.problem:
            item["problem"] = i.problem
        items.append(json.dumps(item))
    head = json.dumps({"pipeline": report.pipeline, "out_of_date": report.changed,
                       "summary": report.summary()})
    return head[:-1] + ',\n "instances": [\n  ' + ",\n  ".join(items) + "\n ]\n}\n"


def to_text(report: StatusReport, now: float, build_arg: str) -> str:
    lines = [*_out_of_date(report, build_arg), _headline(report)]
    lines += _table(report)
    for state in PROBLEMS:
        chosen = [i for i in report.instances if i.state == state]
        if chosen:
            lines.append("")
            lines.append(f"{state.value} ({len(chosen)}):")
            lines += _listing(chosen, now)
    troubled = [i for i in report.instances if i.problem]
    if troubled:
        lines.append("")
        lines.append(f"problems with marker files ({len(troubled)}):")
        lines += [f"  {i.id}: {i.problem}" for i in troubled[:LISTED]]
    not_done = sum(1 for i in report.instances if i.needs_run)
    running = sum(1 for i in report.instances if i.state is InstanceState.RUNNING)
    if not_done:
        lines.append("")
        if running:
            lines.append(f"{running} instance(s) still running: wait for them before resubmitting.")
        lines.append(f"to run only the {not_done} instance(s) not done or reading from one "
                     "(and nothing else):")
        lines.append(f"  makegen run {build_arg} --missing -j 4")
        lines.append(f"  makegen submit {build_arg} --missing --backend sge|slurm")
    return "\n".join(lines) + "\n"


def to_why(report: StatusReport, build_arg: str) -> str:
    """For every instance that would run (or cannot), the reason, and what its last
    attempt used where the markers say."""
    lines = _out_of_date(report, build_arg)
    for i in report.instances:
        used = usage_words(i)
        if i.state is InstanceState.DONE:
            if i.needs_run:
                lines.append(f"{i.id}: done: checked again once what it reads has run"
                             + (f" ({used})" if used else ""))
            continue
        reason = i.reason or i.state.value
        lines.append(f"{i.id}: {i.state.value}: {reason}" + (f" ({used})" if used else ""))
    if not lines:
        return "nothing would run: every instance is done\n"
    return "\n".join(lines) + "\n"


def _out_of_date(report: StatusReport, build_arg: str) -> list[str]:
    """Before anything else: what follows is the status of an older pipeline."""
    if not report.changed:
        return []
    names = ", ".join(report.changed[:3]) + (f" and {len(report.changed) - 3} more"
                                              if len(report.changed) > 3 else "")
    return [f"the build in {build_arg} is out of date: {names} changed since it was built.",
            f"  What follows is the status of the pipeline as it was; `makegen run {build_arg}` and "
            "`makegen submit` rebuild it first (or run `makegen build`).", ""]


def _headline(report: StatusReport) -> str:
    summary = report.summary()
    parts = ", ".join(f"{count} {state}" for state, count in summary.items() if count)
    return f"pipeline {report.pipeline}: {len(report.instances)} instances: {parts or 'none'}"


def _table(report: StatusReport) -> list[str]:
    rows = report.by_task()
    width = max([len("task")] + [len(name) for name in rows])
    head = f"  {'task':<{width}}" + "".join(f" {s.value:>8}" for s in InstanceState)
    lines = ["", head]
    for name, counts in rows.items():
        lines.append(f"  {name:<{width}}" + "".join(f" {count or '.':>8}" for count in counts.values()))
    return lines


def _listing(chosen: list[Instance], now: float) -> list[str]:
    lines = []
    for i in chosen[:LISTED]:
        if i.state is InstanceState.BLOCKED:
            lines.append(f"  {i.id}: {i.reason}")
            continue
        facts = [f"exit {i.exit_code}" if i.exit_code is not None else "",
                 f"host {i.host}" if i.host else "", f"job {i.job}" if i.job else "",
                 f"{age(i.finished or i.started, now)} ago" if (i.finished or i.started) else ""]
        lines.append(f"  {i.id}  " + "  ".join(f for f in facts if f))
        if i.reason:
            lines.append(f"    {i.reason}")
        if i.state in (InstanceState.FAILED, InstanceState.STALE):
            lines.append(f"    log: {_shown(i.log)}")
            lines += [f"    | {line}" for line in tail_lines(i.log, TAIL, window=4096)]
    if len(chosen) > LISTED:
        lines.append(f"  ... and {len(chosen) - LISTED} more (makegen status --json lists all)")
    return lines


def _shown_prefix(output_dir: str) -> Callable[[str], str]:
    """`_shown` for paths under OUTPUT_DIR, computed once rather than per instance."""
    prefix = output_dir.rstrip("/") + "/"
    replacement = _shown(output_dir).rstrip("/") + "/"

    def shown(path: str) -> str:
        return replacement + path[len(prefix):] if path.startswith(prefix) else _shown(path)
    return shown


def _shown(path: str) -> str:
    """A path relative to the current folder when it lies below it, else absolute."""
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
    except ValueError:
        return path
