"""`makegen run`: every instance that is not done, through the local executor."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from ..contract.buildfile import read_build
from ..state.settings import run_config
from ..state.status import load_status
from .freshen import rebuild_if_stale
from .local import LocalArray, RunSummary, execute
from .select import by_task, dry_run, selected


def run_here(build_arg: Path, jobs: int, keep_going: bool, only: Sequence[str] = (),
             force: bool = False, dry: bool = False) -> Optional[RunSummary]:
    """Run the build's out-of-date instances here (or those `only` names; every one with
    `force`), phase by phase; the summary, or None after a dry run (which prints the plan)."""
    folder = build_arg.resolve()
    rebuild_if_stale(folder)
    build = read_build(folder)
    # Instances that status finds done are exactly those make would skip; leaving them out
    # makes a run with nothing to do cost one status instead of one make per instance.
    chosen = selected(load_status(folder, str(build_arg)), only, force)
    if dry:
        print(dry_run(chosen, force), end="")
        return None
    selection = by_task(chosen)
    arrays = [LocalArray(task.phase, build.path(task.manifest), tuple(selection.get(task.name, ())))
              for phase in build.phases for task in phase]
    summary = execute(folder, arrays, jobs, keep_going, output_dir=run_config(folder)["OUTPUT_DIR"],
                      extra_env={"MAKEGEN_FORCE": "1"} if force else None)
    summary.up_to_date += sum(t.count for t in build.file.tasks) - sum(map(len, selection.values()))
    return summary
