"""Outputs that would overwrite what the pipeline reads, or the build folder.

An output is a path under OUTPUT_DIR; the pipeline file, the values files, the `code` files
and the external inputs are paths under ROOT_DIR (or absolute). When OUTPUT_DIR is ROOT_DIR
or a folder in it (`output = "."`, `output = "data"`), an output can name one of them, and
the first run would destroy it. Templates are compared as the graph compares them:
component by component, the params' values deciding whether two can meet.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..pipeline.placeholders import PathToken
from .patterns import Component, components
from .tasks import TaskGraph, _error, _overlap

_HINT = "choose another [pipeline] output, or rename the output"


def check_overwrites(graph: TaskGraph, build_dir: Path) -> None:
    """Refuse an output that is (or holds) a file the pipeline reads, or lies in the build."""
    pipeline = graph.pipeline
    root = str(pipeline.root)
    output_dir = os.path.normpath(os.path.join(root, pipeline.output))
    out = components((output_dir,))
    build = components((str(build_dir.resolve()),))
    if out[:len(build)] == build:
        from ..pipeline.source import read_source

        where = "inside " if len(out) > len(build) else ""
        raise read_source(pipeline.file).error(
            f"the output folder {pipeline.output} is {where}the build folder ({build_dir}), which "
            "makegen build rewrites", "pipeline", "output",
            hint="choose another [pipeline] output, or build elsewhere with makegen build -o")
    read: list[tuple[list[Component], str]] = [
        (_absolute(root, (pipeline.file.name,)), "the pipeline file")]
    read += [(_absolute(root, (str(p.file),)), f"the values file of param {p.name}")
             for p in pipeline.params.values() if p.file is not None]
    for node in graph.nodes.values():
        read += [(_absolute(root, (code,)), f"a code file of task {node.name}")
                 for code in node.task.code]
        read += [(_absolute(root, link.entry.tokens), f"an input of task {node.name}")
                 for link in node.inputs if link.producer is None and not link.entry.uses_vars]
    for comps, what in read:
        _check(graph, output_dir, out, comps, what, inside=False)
    _check(graph, output_dir, out, build, "the build folder", inside=True)


def _check(graph: TaskGraph, output_dir: str, out: list[Component], comps: list[Component],
           what: str, inside: bool) -> None:
    """Refuse an output that is `comps` (or, when `inside`, lies in that folder)."""
    if comps[:len(out)] != out or len(comps) == len(out):
        return
    relative = comps[len(out):]
    pipeline = graph.pipeline
    for task in pipeline.tasks:
        for output in task.outputs:
            theirs = components(output.tokens)
            example = _overlap(pipeline, relative, theirs, output.is_dir)
            if example is None and inside:
                example = _overlap(pipeline, theirs, relative, True)
            if example is None:
                continue
            shown = os.path.relpath(os.path.join(output_dir, example), pipeline.root)
            message = (f"output {output.text!r} would be written into {what} ({shown}), which "
                       "makegen build rewrites" if inside else
                       f"output {output.text!r} would overwrite {shown}, {what}")
            raise _error(pipeline, task.name, "outputs", message,
                         f"outputs are written under OUTPUT_DIR ({pipeline.output}): {_HINT}")


def _absolute(root: str, tokens: tuple[PathToken, ...]) -> list[Component]:
    first = tokens[0] if tokens else ""
    if isinstance(first, str) and first.startswith("/"):
        return components(tokens)
    return components((root + "/", *tokens))
