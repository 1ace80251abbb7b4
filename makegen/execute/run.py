"""`makegen run`: every instance that is not done, through the local executor."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from ..contract.buildfile import read_build
from ..contract.layout import Layout
from ..errors import MakegenError
from ..state.settings import check_overrides, run_config
from ..state.status import load_status
from .freshen import rebuild_if_stale
from .local import LocalArray, RunSummary, execute
from .select import by_task, dry_run, selected

# What a node reads of a build: the same set a submission snapshots (rules/submit-snapshot.sh.j2).
SNAPSHOT = (Layout.config, Layout.graph, Layout.tasks, Layout.job_wrapper.split("/")[0],
            Layout.params, Layout.manifests)


def run_here(build_arg: Path, jobs: int, keep_going: bool, only: Sequence[str] = (),
             force: bool = False, dry: bool = False, sets: Sequence[str] = ()) -> Optional[RunSummary]:
    """Run the build's out-of-date instances here (or those `only` names; every one with
    `force`), phase by phase, with `sets` (NAME=VALUE) at make's command-line precedence;
    the summary, or None after a dry run (which prints the plan)."""
    folder = build_arg.resolve()
    rebuild_if_stale(folder)
    sets = check_overrides(folder, sets)
    planned = (folder / Layout.graph).read_bytes()
    chosen = selected(load_status(folder, str(build_arg), overrides=sets), only, force)
    if dry:
        print(dry_run(chosen, force), end="")
        return None
    if not chosen:
        # Nothing to do: no snapshot (a copy of every manifest) for it.
        total = sum(t.count for t in read_build(folder).file.tasks)
        return RunSummary(up_to_date=total)
    snapshot = _snapshot(folder)
    try:
        build = read_build(snapshot)
        # Instances that status finds done are exactly those make would skip. The plan above
        # holds for the snapshot unless a rebuild came in between (graph.json records the
        # pipeline's and values' digests); only then is the status taken again (10^5
        # instances: seconds).
        if (snapshot / Layout.graph).read_bytes() != planned:
            chosen = selected(load_status(snapshot, str(build_arg), overrides=sets), only, force)
        selection = by_task(chosen)
        arrays = [LocalArray(task.phase, build.path(task.manifest), tuple(selection.get(task.name, ())))
                  for phase in build.phases for task in phase]
        env = {"MAKEGEN_SET": "\n".join(sets)} if sets else {}
        if force:
            env["MAKEGEN_FORCE"] = "1"
        summary = execute(snapshot, arrays, jobs, keep_going,
                          output_dir=run_config(snapshot, sets)["OUTPUT_DIR"], extra_env=env)
    finally:
        shutil.rmtree(snapshot, ignore_errors=True)
        with contextlib.suppress(OSError):
            snapshot.parent.rmdir()  # the snapshots' folder, when no other run uses it
    summary.up_to_date += sum(t.count for t in build.file.tasks) - sum(map(len, selection.values()))
    return summary


def _snapshot(folder: Path) -> Path:
    """A copy of what the run's jobs read, as a submission makes: a rebuild during the run
    cannot change what a manifest line it planned means."""
    read_build(folder)  # a clear error for a folder that is no build, before anything is copied
    name = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.{os.getpid()}"
    try:
        return _copy(folder, folder / Layout.run_in_build / name)
    except OSError:
        pass  # a read-only build folder: OUTPUT_DIR is writable wherever instances run
    target = Path(run_config(folder)["OUTPUT_DIR"]) / Layout.run / name
    try:
        return _copy(folder, target)
    except OSError as exc:
        raise MakegenError(f"cannot snapshot the build under {target.parent}: {exc.strerror}",
                           file=exc.filename, hint="make OUTPUT_DIR writable (and not full)") from None


def _copy(folder: Path, target: Path) -> Path:
    try:
        target.mkdir(parents=True)
        for name in SNAPSHOT:
            source = folder / name
            if source.is_dir():
                shutil.copytree(source, target / name)
            elif source.exists():
                shutil.copy2(source, target / name)
    except OSError:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target
