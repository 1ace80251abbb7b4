"""TaskGraph -> {relative path: text} of a build folder. Never touches the disk.

Python computes every value here and in `makefile.py` / `script.py`; the templates in
rules/ lay out the Make and shell text. Output is deterministic, so an unchanged pipeline
gives byte-identical files.
"""

from __future__ import annotations

import itertools

from ..contract import layout
from ..contract.buildfile import Binding, BuildFile, InputSpec, TaskSpec
from ..contract.schedulers import LOCAL_INDEX_VAR, SCHEDULERS
from ..escape import make_value
from ..graph import TaskGraph
from ..graph.patterns import Const
from ..pipeline.model import Task
from ..templates import render
from .makefile import task_makefile
from .script import task_script

Files = dict[str, str]


def emit(graph: TaskGraph) -> Files:
    """Every file of the build folder, by path relative to it."""
    pipeline = graph.pipeline
    common = {"pipeline": pipeline.name}
    files: Files = {
        layout.Layout.config: _config(graph),
        layout.Layout.job_wrapper: render("job.sh.j2", schedulers=list(SCHEDULERS.values()),
                                          local_index=LOCAL_INDEX_VAR, **common),
        layout.Layout.job_lib: render("lib.sh.j2", **common),
        layout.Layout.graph: build_file(graph).to_json(),
    }
    for name, param in pipeline.params.items():
        files[layout.param_values(name)] = "".join(v + "\n" for v in param.values)
        files[layout.param_makefile(name)] = f"MAKEGEN_VALUES_{name} := {' '.join(param.values)}\n"
    for node in graph.nodes.values():
        files[layout.task_makefile(node.name)] = task_makefile(graph, node.task)
        files[layout.task_script(node.name)] = task_script(graph, node.task)
        files[layout.manifest(node.phase, node.name)] = _manifest(graph, node.task)
    return files


def _manifest(graph: TaskGraph, task: Task) -> str:
    # One line per instance: the task, then NAME=VALUE in foreach order. At 10^6 instances
    # this is the hot loop of a build, hence the precomputed words.
    words = [[f"{p}={v}" for v in graph.values(p)] for p in task.foreach]
    if not words:
        return f"{task.name}\n"
    prefix = task.name + " "
    if len(words) == 1:
        return "".join([prefix + w + "\n" for w in words[0]])
    return "".join([prefix + " ".join(combo) + "\n" for combo in itertools.product(*words)])


def _config(graph: TaskGraph) -> str:
    pipeline = graph.pipeline
    output = pipeline.output
    if output.startswith("/"):
        output_assign, output_dir = ":=", make_value(output)
    else:
        output_assign, output_dir = "=", "$(ROOT_DIR)/" + make_value(output)
    return render(
        "config.mk.j2",
        pipeline=pipeline.name,
        settings=["ROOT_DIR", "OUTPUT_DIR", *(name for name, _ in pipeline.vars)],
        root_dir=make_value(str(pipeline.root)),
        output_assign=output_assign,
        output_dir=output_dir,
        vars=[(name, make_value(value)) for name, value in pipeline.vars],
    )


def build_file(graph: TaskGraph) -> BuildFile:
    """graph.json's model of the build: what status, run and submit read back."""
    tasks = []
    for name, node in graph.nodes.items():
        task = node.task
        tasks.append(TaskSpec(
            name=name, phase=node.phase, count=node.count, foreach=task.foreach,
            recipe_hash=task.recipe_hash, outputs=tuple(o.text for o in task.outputs),
            inputs=tuple(InputSpec(
                path=link.entry.text, producer=link.producer,
                binding=tuple(Binding(p, const=s.value) if isinstance(s, Const) else Binding(p, s.name)
                              for p, s in link.binding),
                gathered=link.gathered, inside=link.inside) for link in node.inputs),
            code=task.code, after=task.after, group=task.group, retries=task.retries,
            resources=task.resources))
    return BuildFile(pipeline=graph.pipeline.name, params=tuple(graph.pipeline.params),
                     tasks=tuple(tasks), edges=tuple(sorted(graph.graph.edges)),
                     origins=graph.pipeline.origins)
