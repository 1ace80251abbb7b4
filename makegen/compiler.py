"""pipeline.toml -> build directory: the stages in order, and the checks between them."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import spec
from .emit import Files, command_body, emit
from .errors import MakegenError
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
    try:
        return compiled, write_build(build_dir, compiled.files)
    except OSError as exc:
        raise MakegenError(f"cannot write the build folder: {exc.strerror} ({exc.filename})",
                           file=build_dir, hint="check the folder's permissions and free space; "
                                                "the earlier build, if any, is unchanged") from None


def _bash_error(stderr: str, multiline: bool) -> str:
    """bash -n's complaint without its `bash: line N:` prefix (kept when the command has lines)."""
    found = []
    for line in stderr.strip().splitlines():
        text = line.removeprefix("bash: ")
        if not multiline:
            text = re.sub(r"^line \d+: ", "", text)
        if "syntax error" in text:
            found.append(text)
    return "; ".join(found) or stderr.strip()


def _check_bash_syntax(graph: TaskGraph) -> None:
    """Reject a `run` that bash cannot parse now, not on a node after hours in a queue."""
    for task in graph.pipeline.tasks:
        body, _ = command_body(task)
        result = subprocess.run(["bash", "-n"], input=body + "\n", capture_output=True, text=True,
                                check=False)
        if result.returncode != 0:
            detail = _bash_error(result.stderr, multiline="\n" in task.run.strip())
            source = read_source(graph.pipeline.file)
            raise source.error(f"run is not valid bash: {detail}", f"task.{task.name}", "run",
                               hint="the command runs under bash -euo pipefail; look for an `if`, "
                                    "loop, `case`, quote or bracket left open")
