"""`makegen run`: every instance that is not done, through the local executor."""

from __future__ import annotations

from pathlib import Path

from ..contract.buildfile import read_build
from ..state.settings import run_config
from ..state.status import load_status
from .freshen import rebuild_if_stale
from .local import LocalArray, RunSummary, execute


def run_here(build_arg: Path, jobs: int, keep_going: bool) -> RunSummary:
    """Run the build's out-of-date instances here, phase by phase; the summary."""
    folder = build_arg.resolve()
    rebuild_if_stale(folder)
    build = read_build(folder)
    # Instances that status finds done are exactly those make would skip; leaving them out
    # makes a run with nothing to do cost one status instead of one make per instance.
    selection = load_status(folder, str(build_arg)).to_run()
    arrays = [LocalArray(task.phase, build.path(task.manifest), tuple(selection.get(task.name, ())))
              for phase in build.phases for task in phase]
    summary = execute(folder, arrays, jobs, keep_going, output_dir=run_config(folder)["OUTPUT_DIR"])
    summary.up_to_date += sum(t.count for t in build.file.tasks) - sum(map(len, selection.values()))
    return summary
