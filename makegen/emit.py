"""TaskGraph -> {relative path: text} of a build directory. Never touches the disk.

Python computes every value here; the templates under rules/ lay out the Make and shell
text. Output is deterministic so that an unchanged pipeline gives byte-identical files.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any, Optional

import jinja2

from . import markers
from .escape import make_path, make_value, shell_double
from .graph import InputLink, TaskGraph
from .patterns import Const
from .placeholders import Param, PathToken, Var
from .spec import PathEntry, Task

Files = dict[str, str]


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    folder = resources.files("makegen.rules")
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        # Bash's ${#array[@]} would open a Jinja comment; the templates use none.
        comment_start_string="<%#",
        comment_end_string="#%>",
    )


def render(template: str, **context: object) -> str:
    return _environment().get_template(template).render(**context)


def emit(graph: TaskGraph) -> Files:
    """Every file of the build directory, by path relative to it."""
    pipeline = graph.pipeline
    common = {"pipeline": pipeline.name, "m": markers.MarkerNames(),
              "exit_failed": markers.EXIT_FAILED, "exit_makegen": markers.EXIT_MAKEGEN,
              "exit_blocked": markers.EXIT_BLOCKED}
    files: Files = {
        "config.mk": _config(graph),
        "jobs/job.sh": render("job.sh.j2", **common),
        "jobs/lib.sh": render("lib.sh.j2", **common),
        "graph.json": _graph_json(graph),
    }
    for name, param in pipeline.params.items():
        files[f"params/{name}.txt"] = "".join(v + "\n" for v in param.values)
        files[f"params/{name}.mk"] = f"MAKEGEN_VALUES_{name} := {' '.join(param.values)}\n"
    for node in graph.nodes.values():
        files[f"tasks/{node.name}.mk"] = _task_makefile(graph, node.task)
        files[f"tasks/{node.name}.sh"] = _task_script(graph, node.task)
        files[manifest_path(node.phase, node.name)] = _manifest(graph, node.task)
    return files


def manifest_path(phase: int, task: str) -> str:
    return f"manifests/phase-{phase}/{task}.txt"


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


# -- config.mk ---------------------------------------------------------------------------

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


# -- the task Makefile -------------------------------------------------------------------

def _make_tokens(tokens: Iterable[PathToken], bound: tuple[str, ...]) -> str:
    parts = []
    for token in tokens:
        if isinstance(token, Param):
            parts.append(f"$({token.name})" if token.name in bound else f"$(makegen_v_{token.name})")
        elif isinstance(token, Var):
            parts.append(f"$({token.name})")
        else:
            parts.append(make_path(token).replace(",", "$(MAKEGEN_COMMA)"))
    return "".join(parts).rstrip("/")


def _make_loop(body: str, params: Iterable[str]) -> str:
    for name in reversed(list(params)):
        body = f"$(foreach makegen_v_{name},$(MAKEGEN_VALUES_{name}),{body})"
    return body


def _make_path(entry: PathEntry, link: Optional[InputLink], bound: tuple[str, ...]) -> str:
    text = _make_tokens(entry.tokens, bound)
    if link is not None and link.producer is not None:
        body = "$(OUTPUT_DIR)/" + text
    elif entry.uses_vars:
        body = f"$(call makegen_abs,{text})"
    elif entry.text.startswith("/"):
        body = text
    else:
        body = "$(ROOT_DIR)/" + text
    return _make_loop(body, [p for p in entry.params if p not in bound])


def _make_ok_markers(graph: TaskGraph, producer: str, key_parts: list[str], loops: list[str]) -> str:
    key = "$(MAKEGEN_COMMA)".join(key_parts) if key_parts else "_"
    node = graph.nodes[producer]
    body = f"$(MAKEGEN_STATE)/{producer}/{key}{markers.OK}{node.task.recipe_hash}"
    return _make_loop(body, loops)


def _task_makefile(graph: TaskGraph, task: Task) -> str:
    bound = task.foreach
    node = graph.nodes[task.name]
    upstream: list[dict[str, Any]] = []
    includes: set[str] = set()
    external = [_make_path(link.entry, None, bound) for link in node.inputs if link.producer is None]
    external += [f"$(call makegen_abs,{make_path(c)})" for c in task.code]
    for link in node.inputs:
        includes.update(link.gathered)
        if link.producer is None:
            continue
        parts, loops = [], []
        for _, source in link.binding:
            if isinstance(source, Const):
                parts.append(make_path(source.value))
            elif source.name in bound:
                parts.append(f"$({source.name})")
            else:
                parts.append(f"$(makegen_v_{source.name})")
                if source.name not in loops:
                    loops.append(source.name)
        oks = _make_ok_markers(graph, link.producer, parts, loops)
        upstream.append({
            "task": link.producer,
            "comment": f"input {link.entry.text} is made by task {link.producer}",
            "paths": _make_path(link.entry, link, bound),
            "oks": oks,
            "check_done": all(other["oks"] != oks for other in upstream),
            "ok_pattern": _ok_pattern(graph, link.producer),
        })
    after = []
    for other in task.after:
        foreach = graph.nodes[other].task.foreach
        includes.update(foreach)
        after.append({
            "task": other,
            "oks": _make_ok_markers(graph, other, [f"$(makegen_v_{p})" for p in foreach], list(foreach)),
            "ok_pattern": _ok_pattern(graph, other),
        })
    return render(
        "task.mk.j2",
        pipeline=graph.pipeline.name,
        task=task.name,
        foreach=task.foreach,
        includes=sorted(includes),
        key="$(MAKEGEN_COMMA)".join(f"$({p})" for p in task.foreach) if task.foreach else "_",
        ok_suffix=markers.OK + task.recipe_hash,
        outputs=" ".join("$(OUTPUT_DIR)/" + _make_tokens(o.tokens, bound) for o in task.outputs),
        external=" ".join(external),
        upstream=upstream,
        after=after,
        args=" ".join(f"{p}=$({p})" for p in task.foreach),
    )


def _ok_pattern(graph: TaskGraph, producer: str) -> str:
    return f"$(MAKEGEN_STATE)/{producer}/%{markers.OK}{graph.nodes[producer].task.recipe_hash}"


# -- the task script ---------------------------------------------------------------------

def _bash_tokens(tokens: Iterable[PathToken], bound: tuple[str, ...]) -> str:
    parts = []
    for token in tokens:
        if isinstance(token, Param):
            prefix = "_mg_p_" if token.name in bound else "_mg_v_"
            parts.append("${" + prefix + token.name + "}")
        elif isinstance(token, Var):
            parts.append("${" + token.name + "}")
        else:
            parts.append(shell_double(token))
    return "".join(parts).rstrip("/")


def _bash_input(index: int, link: InputLink, bound: tuple[str, ...]) -> str:
    entry = link.entry
    text = _bash_tokens(entry.tokens, bound)
    array = f"_mg_in_{index}"
    if link.producer is not None:
        add = f'{array}+=("$OUTPUT_DIR/{text}")'
    elif entry.uses_vars:
        add = (f'_mg_path="{text}"; [[ $_mg_path == /* ]] || _mg_path=$ROOT_DIR/$_mg_path; '
               f'{array}+=("$_mg_path")')
    elif entry.text.startswith("/"):
        add = f'{array}+=("{text}")'
    else:
        add = f'{array}+=("$ROOT_DIR/{text}")'
    lines = [f"{array}=()"]
    loops = [p for p in entry.params if p not in bound]
    for depth, name in enumerate(loops):
        lines.append("  " * depth + f'for _mg_v_{name} in "${{_mg_values_{name}[@]}}"; do')
    lines.append("  " * len(loops) + add)
    for depth in reversed(range(len(loops))):
        lines.append("  " * depth + "done")
    return "\n".join(lines)


def _selected(entries: tuple[PathEntry, ...], key: Optional[str]) -> list[int]:
    return [i for i, e in enumerate(entries) if key is None or e.key == key]


def command_body(task: Task) -> tuple[str, dict[str, str]]:
    """The task's command with its placeholders as bash expansions, and the list files
    ({inputs:file}) it needs, by name -> the words to list."""
    lists: dict[str, str] = {}
    command = []
    for token in task.command:
        if isinstance(token, str):
            command.append(token)
        elif isinstance(token, Param):
            command.append(f'"${{_mg_p_{token.name}}}"')
        elif token.kind == "inputs":
            words = " ".join(f'"${{_mg_in_{i}[@]}}"' for i in _selected(task.inputs, token.key))
            if token.as_file:
                name = "inputs" + (f".{token.key}" if token.key else "")
                lists[name] = words
                command.append(f'"$_mg_tmp/lists/{name}.txt"')
            else:
                command.append(words)
        elif token.kind == "outputs":
            command.append(" ".join(f'"$_mg_out_{i}"' for i in _selected(task.outputs, token.key)))
        elif token.kind == "tmp":
            command.append('"$_mg_scratch"')
        else:
            command.append(str(task.resources.cores))
    return "".join(command), lists


def _task_script(graph: TaskGraph, task: Task) -> str:
    bound = task.foreach
    node = graph.nodes[task.name]
    command, lists = command_body(task)
    outputs = [{"kind": "dir" if o.is_dir else "file", "rel": _bash_tokens(o.tokens, bound)}
               for o in task.outputs]
    make_dirs = " ".join(
        f'"$_mg_out_{i}"' if o.is_dir else f'"${{_mg_out_{i}%/*}}"' for i, o in enumerate(task.outputs))
    gathered = sorted({p for link in node.inputs for p in link.gathered})
    return render(
        "task.sh.j2",
        pipeline=graph.pipeline.name,
        task=task.name,
        foreach=task.foreach,
        hash=task.recipe_hash,
        key=",".join(f"${{_mg_p_{p}}}" for p in bound) if bound else "_",
        id=_bash_id(task),
        values=gathered,
        inputs=[_bash_input(i, link, bound) for i, link in enumerate(node.inputs)],
        outputs=outputs,
        make_dirs=make_dirs,
        lists=[{"name": n, "words": w} for n, w in lists.items()],
        command=command,
    )


def _bash_id(task: Task) -> str:
    if not task.foreach:
        return task.name
    inner = ",".join(f"{p}=${{_mg_p_{p}}}" for p in task.foreach)
    return f'"{task.name}[{inner}]"'


# -- graph.json: what status and submit read back ----------------------------------------

def _graph_json(graph: TaskGraph) -> str:
    pipeline = graph.pipeline
    tasks = []
    for name, node in graph.nodes.items():
        task = node.task
        tasks.append({
            "name": name,
            "phase": node.phase,
            "count": node.count,
            "foreach": list(task.foreach),
            "hash": task.recipe_hash,
            "outputs": [o.text for o in task.outputs],
            "inputs": [{
                "path": link.entry.text,
                "producer": link.producer,
                "binding": [[p, {"param": s.name} if not isinstance(s, Const) else {"const": s.value}]
                            for p, s in link.binding],
                "gathered": list(link.gathered),
            } for link in node.inputs],
            "code": list(task.code),
            "after": list(task.after),
            "resources": {
                "cores": task.resources.cores, "mem_mb": task.resources.mem_mb,
                "time_s": task.resources.time_s, "queue": task.resources.queue,
                "extra": dict(task.resources.extra),
            },
            "manifest": manifest_path(node.phase, name),
        })
    document = {
        "format": 1,
        "pipeline": pipeline.name,
        "pipeline_file": str(pipeline.file.resolve()),
        "params": {n: f"params/{n}.txt" for n in pipeline.params},
        "tasks": tasks,
        "edges": sorted([a, b] for a, b in graph.graph.edges),
    }
    return json.dumps(document, indent=1, sort_keys=False) + "\n"

