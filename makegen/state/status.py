"""The state of every instance, from the output tree and the marker files alone.

Reads a build's graph.json and the marker files the job scripts left (contract.layout); never
asks a scheduler and never imports the compiler. Everything it reads from disk goes through
a `Disk`; the rules are in `rules.py`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from ..contract.buildfile import Build, read_build
from ..contract.layout import InstanceState
from ..contract.schedulers import DEFAULT_STALE_AFTER_S
from .disk import Disk, RealDisk
from .report import Instance, Settings, StatusReport
from .rules import Seen, TaskRules
from .settings import run_config


def compute_status(build: Build, settings: Settings, disk: Disk, argv_build: str,
                   details: bool = True) -> StatusReport:
    """Every instance of the build, in phase and manifest order, with its state.

    Marker contents (times, host, job) are read for every instance when `details`, and
    otherwise only where the state needs them (failed, running, stale).
    """
    seen = Seen()
    instances: list[Instance] = []
    values = {name: build.param_values(name) for name in build.file.params}
    for phase in build.phases:
        for task in phase:
            rules = TaskRules(build, task, settings, disk, values, seen, argv_build)
            instances.extend(rules.instances(details))
    return StatusReport(build.pipeline, build.build_dir, Path(settings.output_dir), instances)


def load_status(build_dir: Path, argv_build: str, stale_after_s: int = DEFAULT_STALE_AFTER_S,
                details: bool = False, overrides: Sequence[str] = ()) -> StatusReport:
    """The status of a build on disk, with the configuration Make resolves here."""
    import socket

    build = read_build(build_dir)
    config = run_config(build_dir, overrides)
    settings = Settings(root_dir=config["ROOT_DIR"], output_dir=config["OUTPUT_DIR"],
                        variables={k: v for k, v in config.items() if k not in ("ROOT_DIR", "OUTPUT_DIR")},
                        hostname=socket.gethostname(), now=time.time(), stale_after_s=stale_after_s)
    report = compute_status(build, settings, RealDisk(), argv_build, details)
    report.changed = build.changed_origins()
    if report.changed:
        # Never report the results of an older pipeline as up to date: until a rebuild
        # says otherwise, every success is of a pipeline that is no longer the one on disk.
        for instance in report.instances:
            instance.needs_run = True
            if instance.state is InstanceState.DONE:
                instance.state = InstanceState.OUTDATED
                instance.reason = "the build is out of date: rebuild it to know"
    return report
