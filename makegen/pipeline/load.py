"""pipeline.toml -> Pipeline: the file's tables checked one by one.

Knows nothing of graphs or Make. Reads the file, checks names, keys and types, loads param
values and each task (`task.py`), and returns a `Pipeline` or raises MakegenError.
Cross-task rules (producers, cycles, duplicate outputs) belong to `graph`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..contract.buildfile import Origin
from ..errors import MakegenError, did_you_mean
from . import names
from .model import Pipeline
from .params import load as load_param
from .source import Source, check_keys, read_source
from .task import read_task

PIPELINE_KEYS = ("name", "output", "format")
TOP_KEYS = ("pipeline", "vars", "params", "task")


def load(path: Path) -> Pipeline:
    """Read and check a pipeline file."""
    source = read_source(path)
    doc = source.document
    check_keys(source, doc, TOP_KEYS, None)
    root = path.resolve().parent
    _check_root(source, str(root), "the folder of the pipeline file (ROOT_DIR)")
    name, output = _pipeline_table(source, _table(source, doc, "pipeline", required=True))
    variables = _vars(source, _table(source, doc, "vars"))
    params = {
        pname: load_param(source, pname, spec, root)
        for pname, spec in _table(source, doc, "params").items()
    }
    task_tables = _table(source, doc, "task")
    if not task_tables:
        raise MakegenError("the pipeline has no tasks", file=path, key="[task]",
                           hint="add a table like [task.hello] with outputs and run")
    tasks = tuple(
        read_task(source, tname, table, params, dict(variables))
        for tname, table in task_tables.items()
    )
    names = {t.name for t in tasks}
    for task in tasks:
        for other in task.after:
            if other not in names:
                raise source.error(f"unknown task `{other}`{did_you_mean(other, names)}",
                                   f"task.{task.name}", "after")
    origins = (Origin("file", str(path.resolve()), "", source.digest),
               *(p.source for p in params.values() if p.source is not None))
    return Pipeline(name=name, file=path, root=root, output=output, vars=variables,
                    params=params, tasks=tasks, origins=origins)


def _table(source: Source, doc: dict[str, Any], name: str, required: bool = False) -> dict[str, Any]:
    value = doc.get(name)
    if value is None:
        if required:
            raise MakegenError(f"missing the [{name}] table", file=source.path, key=f"[{name}]",
                               hint=f'start the file with [{name}] and name = "my-pipeline"')
        return {}
    if not isinstance(value, dict):
        raise MakegenError(f"`{name}` must be a table", file=source.path, key=name,
                           hint=f"write it as [{name}] followed by key = value lines")
    return value


def _check_root(source: Source, directory: str, what: str) -> None:
    bad = sorted(set(directory) & names.ROOT_FORBIDDEN)
    if bad:
        raise MakegenError(
            f"{what} `{directory}` holds {', '.join(repr(c) for c in bad)}, which Make cannot "
            "handle in a path", file=source.path,
            hint="move the pipeline (or the output folder) to a path without white space or :#$%*?[",
        )


def _pipeline_table(source: Source, table: dict[str, Any]) -> tuple[str, str]:
    check_keys(source, table, PIPELINE_KEYS, "pipeline")
    name = table.get("name")
    if name is None:
        raise source.error("missing `name`", "pipeline", hint='add name = "my-pipeline"')
    if not isinstance(name, str) or not names.PIPELINE_NAME.match(name):
        raise source.error(f"name {name!r} must be made of [A-Za-z0-9_.-]", "pipeline", "name")
    fmt = table.get("format", 1)
    if fmt != 1:
        raise source.error(f"format {fmt!r} is not supported; this makegen reads format 1",
                           "pipeline", "format")
    output = table.get("output", "results")
    if not isinstance(output, str) or not output.strip():
        raise source.error("output must be a non-empty string (a folder)", "pipeline", "output")
    bad = sorted(set(output) & names.ROOT_FORBIDDEN)
    if bad:
        raise source.error(
            f"the output folder `{output}` holds {', '.join(repr(c) for c in bad)}, which Make "
            "cannot handle in a path", "pipeline", "output",
            hint="choose an output folder without white space or :#$%*?[")
    return name, output.rstrip("/") or "/"


def _vars(source: Source, table: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    result: list[tuple[str, str]] = []
    for name, value in table.items():
        if not names.VAR_NAME.match(name):
            raise source.error(f"var name `{name}` must match [A-Z_][A-Z0-9_]* (upper case)",
                               "vars", name)
        if name in names.RESERVED_VARS or name.startswith("MAKEGEN_"):
            raise source.error(f"`{name}` is reserved by makegen or Make", "vars", name,
                               hint="choose another name")
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float, str)):
            text = str(value)
        else:
            raise source.error(f"{name} must be a string, number or boolean, not "
                               f"{toml_type(value)}", "vars", name)
        if "\n" in text or "\r" in text:
            raise source.error(f"{name} holds a line break; Make settings are one line", "vars", name)
        result.append((name, text))
    return tuple(result)


def toml_type(value: Any) -> str:
    """A TOML reader's name for a value's type, for messages."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return "a date or time" if hasattr(value, "isoformat") else f"a {type(value).__name__}"
