"""Which instances a run or a submission takes (`--only`, `--force`), and a dry run's listing."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..contract.layout import InstanceState
from ..errors import MakegenError, did_you_mean
from ..state.report import Instance, StatusReport

SCREENFUL = 40  # past this many instances, a dry run summarises per task


def matcher(report: StatusReport, targets: Sequence[str]) -> Callable[[Instance], bool]:
    """A test for `--only TARGET...`: a task name, an instance id, or a shell pattern of ids."""
    tasks = {i.task for i in report.instances}
    exact: set[str] = set()
    patterns: list[str] = []
    for target in targets:
        if target in tasks:
            exact.add(target)
        elif any(c in target for c in "*?"):
            patterns.append(target)
        elif "[" in target:
            exact.add(target)
        else:
            raise MakegenError(f"no task `{target}`{did_you_mean(target, tasks)}", key="--only",
                               hint="give a task name, an id like 'map[sample=A]' or a pattern like "
                                    "'map[sample=A*]' (quote it for the shell)")

    compiled = [_pattern(p) for p in patterns]

    def chosen(instance: Instance) -> bool:
        return instance.task in exact or instance.id in exact or \
            any(p.match(instance.id) for p in compiled)

    for target in targets:
        pattern = _pattern(target)
        if not any(target in (i.task, i.id) or pattern.match(i.id) for i in report.instances):
            raise MakegenError(f"`{target}` names no instance of this build", key="--only",
                               hint="makegen status --json lists every instance's id")
    return chosen


def _pattern(target: str) -> re.Pattern[str]:
    """A shell pattern over ids where only `*` and `?` are wild (`[...]` is the id's own)."""
    wild = {"*": ".*", "?": "."}
    return re.compile("".join(wild.get(c, re.escape(c)) for c in target) + r"\Z")


def selected(report: StatusReport, only: Sequence[str], force: bool) -> list[Instance]:
    """The instances to run: what is not done (and what reads from it), or with `force`
    every one; with `only`, just those it names."""
    test = matcher(report, only) if only else None
    return [i for i in report.instances
            if (force or i.needs_run) and (test is None or test(i))]


def by_task(instances: Sequence[Instance]) -> dict[str, list[int]]:
    """Manifest indices (from 1) by task."""
    selection: dict[str, list[int]] = {}
    for instance in instances:
        selection.setdefault(instance.task, []).append(instance.index)
    return selection


def dry_run(instances: Sequence[Instance], force: bool) -> str:
    """What a run would run and why: a line per instance, or per task past a screenful."""
    if not instances:
        return "nothing would run: every selected instance is done\n"
    if len(instances) <= SCREENFUL:
        lines = [f"would run {i.id}: {_why(i, force)}" for i in instances]
    else:
        counts: dict[str, dict[str, int]] = {}
        for i in instances:
            row = counts.setdefault(i.task, {})
            state = "forced" if force and i.state is InstanceState.DONE else i.state.value
            row[state] = row.get(state, 0) + 1
        lines = [f"would run {task}: {sum(row.values())} ("
                 + ", ".join(f"{n} {state}" for state, n in row.items()) + ")"
                 for task, row in counts.items()]
    lines.append(f"{len(instances)} instance(s) would run; nothing was run (--dry-run)")
    return "\n".join(lines) + "\n"


def _why(instance: Instance, force: bool) -> str:
    if instance.state is InstanceState.DONE:
        return "forced (--force)" if force else "done now; checked again once what it reads has run"
    return f"{instance.state.value}: {instance.reason}" if instance.reason else instance.state.value
