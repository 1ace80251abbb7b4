"""pipeline.toml -> Pipeline: the file's tables checked one by one.

Knows nothing of graphs or Make. Reads the file, checks names, keys and types, loads param
values and each task (`task.py`), and returns a `Pipeline` or raises MakegenError.
Cross-task rules (producers, cycles, duplicate outputs) belong to `graph`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from ..contract.buildfile import Origin
from ..contract.layout import Layout
from ..errors import MakegenError, did_you_mean
from . import names
from .model import Pipeline
from .params import load as load_param
from .source import Source, check_keys, read_source
from .task import check_defaults, read_task

PIPELINE_KEYS = ("name", "output", "format")
TOP_KEYS = ("pipeline", "vars", "params", "defaults", "task")


def load(path: Path) -> Pipeline:
    """Read and check a pipeline file."""
    source = read_source(path)
    doc = source.document
    _check_nul(source, doc, ())
    check_keys(source, doc, TOP_KEYS, None)
    root = path.resolve().parent
    _check_root(source, str(root), "the folder of the pipeline file (ROOT_DIR)")
    name, output = _pipeline_table(source, _table(source, doc, "pipeline", required=True), root)
    variables = _vars(source, _table(source, doc, "vars"))
    defaults = check_defaults(source, _table(source, doc, "defaults"))
    params = {
        pname: load_param(source, pname, spec, root)
        for pname, spec in _table(source, doc, "params").items()
    }
    task_tables = _table(source, doc, "task")
    if not task_tables:
        raise MakegenError("the pipeline has no tasks", file=path, key="[task]",
                           hint="add a table like [task.hello] with outputs and run")
    tasks = tuple(
        read_task(source, tname, table, params, dict(variables), defaults)
        for tname, table in task_tables.items()
    )
    names = {t.name for t in tasks}
    for task in tasks:
        if task.phase is not None and task.phase > len(tasks):
            raise source.error(
                f"phase = {task.phase}, but the pipeline has {len(tasks)} task"
                f"{'' if len(tasks) == 1 else 's'}, so no more than {len(tasks)} phase"
                f"{'' if len(tasks) == 1 else 's'} can hold one", f"task.{task.name}", "phase",
                hint=f"use {'phase = 1' if len(tasks) == 1 else f'a phase from 1 to {len(tasks)}'}, "
                     "or remove it (phases are computed from the dependencies)")
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


def _check_nul(source: Source, value: Any, where: tuple[str, ...]) -> None:
    """Refuse a NUL in any key or string: C strings (argv, environment, Make) end at it."""
    def refuse(what: str) -> MakegenError:
        if not where:
            return MakegenError(f"{what} holds a NUL character (\\u0000)", file=source.path,
                                hint="remove the \\u0000 (or \\x00) escape from the key")
        table, key = _location(where)
        return source.error(f"{what} holds a NUL character (\\u0000), which no command, file "
                            "name or setting can hold", table, key,
                            hint="remove the \\u0000 (or \\x00) escape from the string")
    if isinstance(value, str):
        if "\0" in value:
            raise refuse("the value")
    elif isinstance(value, dict):
        for key, inner in value.items():
            if "\0" in key:
                raise refuse(f"the key {key!r}")
            _check_nul(source, inner, (*where, key))
    elif isinstance(value, list):
        for inner in value:
            _check_nul(source, inner, where)


def _location(where: tuple[str, ...]) -> tuple[str, Optional[str]]:
    """(table, key) of a place in the document, as Source.error names them."""
    if where[0] == "task" and len(where) >= 2:
        return f"task.{where[1]}", (where[2] if len(where) > 2 else None)
    return where[0], (where[1] if len(where) > 1 else None)


def _check_root(source: Source, directory: str, what: str) -> None:
    bad = sorted(c for c in set(directory) if c in names.ROOT_FORBIDDEN or c.isspace())
    if bad:
        raise MakegenError(
            f"{what} `{directory}` holds {', '.join(repr(c) for c in bad)}, which Make cannot "
            "handle in a path", file=source.path,
            hint="move the pipeline (or the output folder) to a path without white space or :#$%*?[",
        )


def _pipeline_table(source: Source, table: dict[str, Any], root: Path) -> tuple[str, str]:
    check_keys(source, table, PIPELINE_KEYS, "pipeline")
    name = table.get("name")
    if name is None:
        raise source.error("missing `name`", "pipeline", hint='add name = "my-pipeline"')
    if not isinstance(name, str) or not names.PIPELINE_NAME.match(name):
        raise source.error(f"name {name!r} must be made of [A-Za-z0-9_.-]", "pipeline", "name")
    fmt = table.get("format", 1)
    if fmt == "1":
        raise source.error("format must be the number 1, not the string \"1\"", "pipeline",
                           "format", hint="write format = 1, without quotes")
    if fmt != 1 or isinstance(fmt, bool):
        raise source.error(f"format {fmt!r} is not supported; this makegen reads format 1",
                           "pipeline", "format")
    output = table.get("output", "results")
    if not isinstance(output, str) or not output.strip():
        raise source.error("output must be a non-empty string (a folder)", "pipeline", "output")
    bad = sorted(c for c in set(output) if c in names.ROOT_FORBIDDEN or c.isspace())
    if bad:
        raise source.error(
            f"the output folder `{output}` holds {', '.join(repr(c) for c in bad)}, which Make "
            "cannot handle in a path", "pipeline", "output",
            hint="choose an output folder without white space or :#$%*?[")
    if os.path.normpath(os.path.join(root, output)) == "/":
        raise source.error(f"output {output!r} is the root of the file system; every output and "
                           f"makegen's {Layout.own}/ folder would be written there", "pipeline",
                           "output", hint='name a folder of its own, e.g. output = "results"')
    return name, output.rstrip("/")


def _vars(source: Source, table: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    result: list[tuple[str, str]] = []
    for name, value in table.items():
        if not names.VAR_NAME.match(name):
            raise source.error(f"var name `{name}` must match [A-Z_][A-Z0-9_]* (upper case)",
                               "vars", name)
        if name in names.RESERVED_VARS or name.startswith("MAKEGEN_"):
            raise source.error(f"`{name}` is reserved by makegen or Make", "vars", name,
                               hint="choose another name")
        if name in names.SHELL_VARS or name.startswith("BASH"):
            raise source.error(f"`{name}` is a variable bash itself uses: as a var it would "
                               "change how the job's shell runs", "vars", name,
                               hint=f"choose another name, e.g. MY_{name}")
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
