"""The task script (tasks/<task>.sh): one instance's paths and command, as bash.

`RENDER` turns each command placeholder of the registry in pipeline/placeholders.py into
bash; a test checks that it covers every registered placeholder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Optional

from ..contract.layout import Layout, instance_id
from ..contract.schedulers import attempt_limit_s
from ..escape import shell_double
from ..graph import InputLink, TaskGraph
from ..pipeline.model import PathEntry, Task
from ..pipeline.placeholders import CommandToken, Param, PathToken, Ref, Var
from ..templates import render


def _bash_tokens(tokens: Iterable[PathToken], bound: tuple[str, ...]) -> str:
    parts = []
    for token in tokens:
        if isinstance(token, Param):
            prefix = "_mg_p_" if token.name in bound else "_mg_v_"
            parts.append("${" + prefix + token.name + "}")
        elif isinstance(token, Var):
            # Set nowhere, it expands to nothing, as in the task Makefile and in status
            # (`makegen check` warns of it); never an unbound-variable error in our code.
            parts.append("${" + token.name + "-}")
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


def _inputs(ref: Ref, task: Task, lists: dict[str, str]) -> str:
    words = " ".join(f'"${{_mg_in_{i}[@]}}"' for i in _selected(task.inputs, ref.key))
    if not ref.as_file:
        return words
    name = "inputs" + (f".{ref.key}" if ref.key else "")
    lists[name] = words
    return f'"$_mg_own/lists/{name}.txt"'


def _outputs(ref: Ref, task: Task, lists: dict[str, str]) -> str:
    return " ".join(f'"$_mg_out_{i}"' for i in _selected(task.outputs, ref.key))


# Each command placeholder as bash, by its name in the registry. `lists` collects the
# list files ({inputs:file}) the task script writes before the command runs.
RENDER: dict[str, Callable[[Ref, Task, dict[str, str]], str]] = {
    "inputs": _inputs,
    "outputs": _outputs,
    "tmp": lambda ref, task, lists: '"$_mg_scratch"',
    "scratch": lambda ref, task, lists: '"$_mg_local"',
    # The attempt's own (resources may grow by attempt): lib.sh sets it from the list.
    "resources.cores": lambda ref, task, lists: '"$_mg_cores"',
    "resources.gpus": lambda ref, task, lists: str(task.resources.gpus),
}


def command_body(task: Task, tokens: Optional[tuple[CommandToken, ...]] = None,
                 lists: Optional[dict[str, str]] = None) -> tuple[str, dict[str, str]]:
    """The task's command (or its setup or cleanup: `tokens`) with its placeholders as bash
    expansions, and the list files ({inputs:file}) it needs, by name -> the words to list."""
    lists = {} if lists is None else lists
    command = []
    for token in task.command if tokens is None else tokens:
        if isinstance(token, str):
            command.append(token)
        elif isinstance(token, Param):
            command.append(f'"${{_mg_p_{token.name}}}"')
        else:
            command.append(RENDER[token.kind](token, task, lists))
    return "".join(command), lists


def task_script(graph: TaskGraph, task: Task) -> str:
    bound = task.foreach
    node = graph.nodes[task.name]
    command, lists = command_body(task)
    setup, _ = command_body(task, task.setup, lists)
    cleanup, _ = command_body(task, task.cleanup, lists)
    refs = {t.kind for t in task.command + task.setup + task.cleanup if isinstance(t, Ref)}
    outputs = [{"kind": "dir" if o.is_dir else "file", "rel": _bash_tokens(o.tokens, bound)}
               for o in task.outputs]
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
        limit=attempt_limit_s(task.resources, task.retries),
        retries=task.retries,
        cores=" ".join(str(c) for c in task.resources.cores_by_attempt),
        lists=[{"name": n, "words": w} for n, w in lists.items()],
        command=command,
        setup=setup,
        cleanup=cleanup,
        scratch="scratch" in refs,
        own_dirs=_own_dirs(task, "tmp" in refs, bool(lists)),
    )


def _own_dirs(task: Task, tmp: bool, lists: bool) -> list[str]:
    """The folders of makegen's own that the task's temporary directory needs (Layout.tmp_own),
    made for each instance: {tmp}, the list files, the setup's mark, a replaced folder output."""
    own = Layout.tmp_own
    dirs = [f"{own}/{name}" for name, needed in (("tmp", tmp), ("lists", lists)) if needed]
    if not dirs and (task.setup or any(o.is_dir for o in task.outputs)):
        dirs = [own]
    return dirs


def _bash_id(task: Task) -> str:
    """The instance id (the contract's format) as a bash word of the instance's params."""
    return '"' + instance_id(task.name, task.foreach, [f"${{_mg_p_{p}}}" for p in task.foreach]) + '"'
