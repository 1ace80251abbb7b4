"""pipeline.toml -> build directory: the stages in order, and the checks between them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import sh

from .contract import layout
from .emit.files import Files, emit
from .emit.script import command_body
from .emit.writer import check_build_dir, write_build
from .errors import MakegenError
from .graph import TaskGraph, build_graph
from .graph.overwrite import check_overwrites
from .pipeline.load import load
from .pipeline.source import read_source


@dataclass(frozen=True)
class Compiled:
    graph: TaskGraph
    files: Files


def compile_pipeline(path: Path, build_dir: Optional[Path] = None) -> Compiled:
    """Check a pipeline and render its build directory in memory; write nothing.

    `build_dir` is where it will be built (default: build/ beside the pipeline file); no
    output may land in it."""
    graph = build_graph(load(path))
    check_overwrites(graph, build_dir if build_dir is not None else path.parent / "build")
    files = emit(graph)
    _check_bash_syntax(graph, files)
    return Compiled(graph, files)


def build(path: Path, build_dir: Path) -> tuple[Compiled, list[str]]:
    """Compile and write; a failure leaves an earlier build directory as it was."""
    _check_build_path(build_dir)
    check_build_dir(build_dir)
    compiled = compile_pipeline(path, build_dir)
    try:
        return compiled, write_build(build_dir, compiled.files)
    except OSError as exc:
        raise MakegenError(f"cannot write the build folder: {exc.strerror} ({exc.filename})",
                           file=build_dir, hint="check the folder's permissions and free space; "
                                                "the earlier build, if any, is unchanged") from None


def _check_build_path(build_dir: Path) -> None:
    """Refuse a build folder whose path Make cannot take apart: each task Makefile finds its
    folder in MAKEFILE_LIST, and `include` splits it at white space. Every other character
    works (the Makefiles and scripts quote it)."""
    path = str(build_dir.resolve())
    bad = sorted({c for c in path if c.isspace()})
    if bad:
        raise MakegenError(
            f"the build folder's path {path} holds {', '.join(repr(c) for c in bad)}, which Make "
            "cannot handle in the name of a Makefile", file=build_dir,
            hint="choose a build folder whose path has no white space: makegen build -o PATH")


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


def _check_bash_syntax(graph: TaskGraph, files: Files) -> None:
    """Reject a `run` that bash cannot parse now, not on a node after hours in a queue.

    The command is checked where it ends up, inside the function of the task script: a
    here-document without its end line, a trailing backslash or a lone comment pass
    `bash -n` on their own and break the script around them.
    """
    for task in graph.pipeline.tasks:
        if _bash_n(files[layout.task_script(task.name)]) is None:
            continue
        for key, tokens in (("setup", task.setup), ("cleanup", task.cleanup)):
            text, _ = command_body(task, tokens)
            complaint = _bash_n(f"makegen_user_{key}() {{\n{text}\n}}\n") if tokens else None
            if complaint is not None:
                detail = _bash_error(complaint, multiline=True)
                raise read_source(graph.pipeline.file).error(
                    f"{key} is not valid bash: {detail}", f"task.{task.name}", key,
                    hint="it runs in the command's shell; look for a quote, bracket or here-document "
                         "left open")
        body, _ = command_body(task)
        stderr = _bash_n(body + "\n")
        if stderr is not None:
            detail = _bash_error(stderr, multiline="\n" in task.run.strip())
            message, hint = f"run is not valid bash: {detail}", (
                "the command runs under bash -euo pipefail; look for an `if`, loop, `case`, "
                "quote or bracket left open")
        else:
            message, hint = _broken_in_function(task.run, body)
        source = read_source(graph.pipeline.file)
        raise source.error(message, f"task.{task.name}", "run", hint=hint)


def _bash_n(text: str) -> Optional[str]:
    """bash -n's complaint about `text`, or None when bash can parse it."""
    try:
        sh.bash("-n", _in=text)
    except sh.ErrorReturnCode as exc:
        return str(exc.stderr.decode(errors="replace"))
    return None


def _broken_in_function(run: str, body: str) -> tuple[str, str]:
    """Why a command bash parses alone breaks the task script around it: message, hint."""
    heredoc = _bash_n(f"makegen_command() {{\n{body}\n}}\n") or ""
    wanted = re.search(r"here-document .* \(wanted `(.*)'\)", heredoc)
    if wanted:
        return (f"run opens a here-document that no line `{wanted.group(1)}` ends",
                f"put {wanted.group(1)} on a line of its own at the end of run (a TOML "
                'multi-line string: run = """...""")')
    if re.search(r"(?<!\\)(\\\\)*\\\s*\Z", run):
        return ("run ends with a `\\`, which would join the line after the command to it",
                "remove the trailing backslash")
    if _bash_n(f"makegen_command() {{\n{body}\n:\n}}\n") is None:
        return ("run holds no command, only a comment",
                "remove the `#` before the command, or write run = \"true\" for a task that "
                "does nothing")
    return ("run is not valid bash once makegen places it in the task script's function "
            "(makegen_command() { ... })",
            "the command must be complete on its own: close every here-document, quote and "
            "bracket")
