"""The task Makefile (tasks/<task>.mk): when one instance is out of date, and what blocks it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional

from ..contract.layout import Layout, instance_id
from ..escape import make_path
from ..graph import InputLink, TaskGraph
from ..graph.patterns import Const
from ..pipeline.model import PathEntry, Task
from ..pipeline.placeholders import Param, PathToken, Var
from ..templates import render

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


def _make_ok_markers(graph: TaskGraph, producer: str, key_parts: list[str],
                     loops: list[str]) -> tuple[str, str]:
    """The success markers of the upstream instances, and their ids in the same order."""
    key = "$(MAKEGEN_COMMA)".join(key_parts) if key_parts else "_"
    task = graph.nodes[producer].task
    body = f"$(MAKEGEN_STATE)/{producer}/{key}{Layout.ok}{task.recipe_hash}"
    # A comma cannot stand in a Make function's argument.
    ids = instance_id(producer, task.foreach, key_parts).replace(",", "$(MAKEGEN_COMMA)")
    return _make_loop(body, loops), _make_loop(ids, loops)


def task_makefile(graph: TaskGraph, task: Task) -> str:
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
        oks, ids = _make_ok_markers(graph, link.producer, parts, loops)
        number = len(upstream) + 1
        first = next((i for i, other in enumerate(upstream, 1) if other["oks"] == oks), number)
        inside = " (inside a directory output: as new as its success marker)" if link.inside else ""
        upstream.append({
            "task": link.producer,
            "comment": f"input {link.entry.text} is made by task {link.producer}{inside}",
            "paths": _make_path(link.entry, link, bound),
            "oks": oks,
            "ids": ids,
            "check_done": first == number,
            # A file inside a directory output may keep an old mtime (`cp -p`, `tar x`): the
            # producer's success marker says when the directory was last published.
            "prerequisite": f"$(MAKEGEN_UPOK_{first})" if link.inside else f"$(MAKEGEN_FROM_{number})",
        })
    after = []
    for other in task.after:
        foreach = graph.nodes[other].task.foreach
        includes.update(foreach)
        oks, ids = _make_ok_markers(graph, other, [f"$(makegen_v_{p})" for p in foreach], list(foreach))
        after.append({"task": other, "oks": oks, "ids": ids})
    return render(
        "task.mk.j2",
        pipeline=graph.pipeline.name,
        task=task.name,
        foreach=task.foreach,
        includes=sorted(includes),
        key="$(MAKEGEN_COMMA)".join(f"$({p})" for p in task.foreach) if task.foreach else "_",
        ok_suffix=Layout.ok + task.recipe_hash,
        outputs=" ".join("$(OUTPUT_DIR)/" + _make_tokens(o.tokens, bound) for o in task.outputs),
        external=" ".join(external),
        upstream=upstream,
        after=after,
        args=" ".join(f"{p}=$({p})" for p in task.foreach),
    )
