"""pipeline.toml -> build directory: the stages in order, and the checks between them."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import spec
from .emit import Files, command_body, emit
from .graph import TaskGraph, build_graph
from .source import read_source
from .writer import check_build_dir, write_build


@dataclass(frozen=True)
class Compiled:
    graph: TaskGraph
    files: Files


def compile_pipeline(path: Path) -> Compiled:
    """Check a pipeline and render its build directory in memory; write nothing."""
    graph = build_graph(spec.load(path))
    _check_bash_syntax(graph)
    return Compiled(graph, emit(graph))


def build(path: Path, build_dir: Path) -> tuple[Compiled, list[str]]:
    """Compile and write; a failure leaves an earlier build directory as it was."""
    check_build_dir(build_dir)
    compiled = compile_pipeline(path)
    return compiled, write_build(build_dir, compiled.files)


def _check_bash_syntax(graph: TaskGraph) -> None:
    """Reject a `run` that bash cannot parse now, not on a node after hours in a queue."""
    for task in graph.pipeline.tasks:
        body, _ = command_body(task)
        script = f"makegen_command() {{\n{body}\n}}\n"
        result = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True,
                                check=False)
        if result.returncode != 0:
            detail = result.stderr.strip().replace("bash: line ", "line ")
            source = read_source(graph.pipeline.file)
            raise source.error(f"run is not valid bash: {detail}", f"task.{task.name}", "run",
                               hint="the command runs under bash -euo pipefail; "
                                    "write {{ and }} for literal braces")
