"""`makegen submit`: plan the arrays, render the backend's script, print it or run it."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Optional

from ..contract.buildfile import read_build
from ..errors import MakegenError, did_you_mean
from ..state.settings import check_overrides
from .backends import BACKENDS
from .freshen import rebuild_if_stale
from .plan import Options, Plan, plan
from .select import by_task, selected


def submit_build(build_arg: Path, backend_name: str, options: Options, print_script: bool,
                 dry_run: bool, array_limit: Optional[int]) -> int:
    """Submit (or print, or list) a build; the exit code for the CLI."""
    if backend_name not in BACKENDS:
        raise MakegenError(f"unknown backend `{backend_name}`{did_you_mean(backend_name, BACKENDS)}",
                           key="--backend", hint="use --backend " + ", ".join(BACKENDS))
    backend = BACKENDS[backend_name]()
    # Jobs start in another folder than this shell: a relative site config must not follow.
    site = os.environ.get("MAKEGEN_CONFIG", "")
    if site and not os.path.isabs(site):
        os.environ["MAKEGEN_CONFIG"] = os.path.abspath(site)
    if not (print_script or dry_run) and backend.command and shutil.which(backend.command) is None:
        raise MakegenError(
            f"`{backend.command}` is not on PATH here, so nothing was submitted", key="--backend",
            hint=f"run makegen on a {backend_name} submit host (with the scheduler's environment "
                 f"loaded), or pipe the script there: makegen submit --backend {backend_name} "
                 "--print | ssh cluster bash")
    folder = build_arg.resolve()
    # The script of --print goes to stdout: say what was rebuilt on stderr then.
    rebuild_if_stale(folder, sys.stderr if print_script else sys.stdout)
    build = read_build(folder)
    from ..state.status import load_status

    options = replace(options, sets=tuple(check_overrides(folder, options.sets)))
    report = load_status(folder, str(build_arg), overrides=options.sets)
    # --missing: exactly the instances that are not done. A full submission keeps whole
    # ranges but starts each task after the run of done instances it begins with, so a
    # full submission after `--sample N` skips what the test batch finished.
    selection = report.to_run() if options.missing else report.after_done_prefix()
    if options.only:
        named = {task: set(lines) for task, lines in by_task(selected(report, options.only, True)).items()}
        selection = {task: [i for i in lines if i in named.get(task, set())]
                     for task, lines in selection.items()}
    # What each instance's next attempt asks for, where resources grow by attempt.
    attempts: dict[str, dict[int, int]] = {}
    for instance in report.instances:
        if instance.next_attempt > 1:
            attempts.setdefault(instance.task, {})[instance.index] = instance.next_attempt
    submission = plan(build, selection, options, array_limit or backend.limit(), attempts)
    if not submission.arrays:
        print("nothing to submit: every selected instance is done",
              file=sys.stderr if print_script else sys.stdout)
        return 0
    if dry_run:
        print(describe(submission))
        return 0
    if print_script:
        sys.stdout.write(backend.printed(submission))
        return 0
    return backend.submit(submission)


def describe(submission: Plan) -> str:
    lines = [f"{len(submission.arrays)} array job(s), {submission.instances} instance(s):"]
    for array in submission.arrays:
        if array.elementwise is not None:
            wait = f"task by task after array {array.elementwise}"
        elif array.waits_for:
            wait = "after arrays " + ", ".join(str(n) for n in array.waits_for)
        else:
            wait = "at once"
        lines.append(f"  {array.number:>3}. phase {array.phase} {array.name}: {array.size}, "
                     f"{wait}")
    return "\n".join(lines)

