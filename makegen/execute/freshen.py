"""A build knows what it was made from; `run` and `submit` rebuild it first when that changed.

Never run the results of an older pipeline as up to date (cli.md): the pipeline file, its
values files and its globs' matches are recorded in graph.json, and compared here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from ..contract.buildfile import read_build


def rebuild_if_stale(build_dir: Path, out: TextIO = sys.stdout) -> None:
    """Rebuild `build_dir` from its pipeline file when what it was made from changed."""
    build = read_build(build_dir)
    changed = build.changed_origins()
    if not changed or build.pipeline_file is None:
        return
    from ..compiler import build as compile_build  # the compiler, only when it is needed

    _, files = compile_build(build.pipeline_file, build_dir)
    print(f"{_listed(changed)} changed since the build: rebuilt {build_dir} "
          f"({len(files)} file{'' if len(files) == 1 else 's'} changed)", file=out, flush=True)


def _listed(paths: list[str]) -> str:
    names = [Path(p).name for p in paths]
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
