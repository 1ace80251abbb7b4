"""pipeline.toml -> build directory: the stages in order, and the checks between them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import sh

from .emit.files import Files, emit
from .emit.script import command_body
from .emit.writer import check_build_dir, write_build
from .errors import MakegenError
from .graph import TaskGraph, build_graph
from .pipeline.load import load
from .pipeline.source import read_source


@dataclass(frozen=True)
class Compiled:
    graph: TaskGraph
    files: Files


def compile_pipeline(path: Path) -> Compiled:
    """Check a pipeline and render its build directory in memory; write nothing."""
    graph = build_graph(load(path))
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
        text = re.sub(r"^(\S*/)?bash: ", "", line)
        if not multiline:
            text = re.sub(r"^line \d+: ", "", text)
        if "syntax error" in text:
            found.append(text)
    return "; ".join(found) or stderr.strip()


def _check_bash_syntax(graph: TaskGraph) -> None:
    """Reject a `run` that bash cannot parse now, not on a node after hours in a queue."""
    for task in graph.pipeline.tasks:
        body, _ = command_body(task)
        try:
            sh.bash("-n", _in=body + "\n")
        except sh.ErrorReturnCode as exc:
            stderr = exc.stderr.decode(errors="replace")
            detail = _bash_error(stderr, multiline="\n" in task.run.strip())
            source = read_source(graph.pipeline.file)
            raise source.error(f"run is not valid bash: {detail}", f"task.{task.name}", "run",
                               hint="the command runs under bash -euo pipefail; look for an `if`, "
                                    "loop, `case`, quote or bracket left open") from None
