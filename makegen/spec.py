"""pipeline.toml -> Pipeline: frozen dataclasses, every rule of the format checked.

This module knows nothing of graphs or Make. It reads the file, checks names, keys, types
and placeholders, loads param values, and returns a `Pipeline` (or raises MakegenError).
Cross-task rules (producers, cycles, duplicate outputs) belong to `graph`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from . import paramvalues
from .errors import MakegenError, did_you_mean
from .placeholders import (
    TASK_NAME,
    VAR_NAME,
    CommandToken,
    Param,
    PathToken,
    PlaceholderError,
    Ref,
    Var,
    parse_command,
    parse_path,
    path_params,
)
from .resources import SCHEDULERS, Resources, parse_mem, parse_time
from .source import Source, read_source

PIPELINE_KEYS = ("name", "output", "format")
TOP_KEYS = ("pipeline", "vars", "params", "task")
TASK_KEYS = ("foreach", "inputs", "outputs", "code", "run", "resources", "after", "phase")
RESOURCE_KEYS = ("cores", "mem", "time", "queue", "extra")
PLACEHOLDER_WORDS = ("inputs", "outputs", "tmp", "resources.cores")
# Make cannot express these in ROOT_DIR/OUTPUT_DIR (white space, `:#$%`), and `*?[` would
# be read as wildcards by the generated $(wildcard ...) checks.
_ROOT_FORBIDDEN = set(" \t\n:#$%*?[")


@dataclass(frozen=True)
class PathEntry:
    """One path template of inputs/outputs: its key (None in a list) and tokens."""

    key: Optional[str]
    text: str
    tokens: tuple[PathToken, ...]

    @property
    def is_dir(self) -> bool:
        return self.text.endswith("/")

    @property
    def params(self) -> list[str]:
        return path_params(self.tokens)

    @property
    def uses_vars(self) -> bool:
        return any(isinstance(t, Var) for t in self.tokens)


@dataclass(frozen=True)
class Task:
    name: str
    foreach: tuple[str, ...]
    inputs: tuple[PathEntry, ...]
    outputs: tuple[PathEntry, ...]
    run: str
    command: tuple[CommandToken, ...]
    code: tuple[str, ...]
    after: tuple[str, ...]
    resources: Resources
    phase: Optional[int]
    recipe_hash: str

    def input_keys(self) -> list[str]:
        return _keys(self.inputs)

    def output_keys(self) -> list[str]:
        return _keys(self.outputs)


def _keys(entries: tuple[PathEntry, ...]) -> list[str]:
    keys: list[str] = []
    for entry in entries:
        if entry.key is not None and entry.key not in keys:
            keys.append(entry.key)
    return keys


@dataclass(frozen=True)
class Pipeline:
    name: str
    file: Path
    root: Path
    output: str  # as written: relative to ROOT_DIR unless absolute
    vars: tuple[tuple[str, str], ...]
    params: dict[str, paramvalues.ParamValues]
    tasks: tuple[Task, ...]

    def task(self, name: str) -> Task:
        for task in self.tasks:
            if task.name == name:
                return task
        raise KeyError(name)


def load(path: Path) -> Pipeline:
    """Read and check a pipeline file."""
    source = read_source(path)
    doc = source.document
    _check_keys(source, doc, TOP_KEYS, None)
    root = path.resolve().parent
    _check_root(source, str(root), "the folder of the pipeline file (ROOT_DIR)")
    name, output = _pipeline_table(source, _table(source, doc, "pipeline", required=True))
    variables = _vars(source, _table(source, doc, "vars"))
    params = {
        pname: paramvalues.load(source, pname, spec, root)
        for pname, spec in _table(source, doc, "params").items()
    }
    task_tables = _table(source, doc, "task")
    if not task_tables:
        raise MakegenError("the pipeline has no tasks", file=path, key="[task]",
                           hint="add a table like [task.hello] with outputs and run")
    tasks = tuple(
        _task(source, tname, table, params, dict(variables))
        for tname, table in task_tables.items()
    )
    names = {t.name for t in tasks}
    for task in tasks:
        for other in task.after:
            if other not in names:
                raise source.error(f"unknown task `{other}`{did_you_mean(other, names)}",
                                   f"task.{task.name}", "after")
    return Pipeline(name=name, file=path, root=root, output=output, vars=variables,
                    params=params, tasks=tasks)


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


def _check_keys(source: Source, table: dict[str, Any], allowed: tuple[str, ...],
                where: Optional[str]) -> None:
    for key in table:
        if key not in allowed:
            hint = "allowed keys: " + ", ".join(allowed)
            message = f"unknown key `{key}`{did_you_mean(key, allowed)}"
            if where is None:
                raise MakegenError(message, file=source.path, key=key,
                                   line=source.table_line(key), hint=hint)
            raise source.error(message, where, key, hint=hint)


def _check_root(source: Source, directory: str, what: str) -> None:
    bad = sorted(set(directory) & _ROOT_FORBIDDEN)
    if bad:
        raise MakegenError(
            f"{what} `{directory}` holds {', '.join(repr(c) for c in bad)}, which Make cannot "
            "handle in a path", file=source.path,
            hint="move the pipeline (or the output folder) to a path without white space or :#$%*?[",
        )


def _pipeline_table(source: Source, table: dict[str, Any]) -> tuple[str, str]:
    _check_keys(source, table, PIPELINE_KEYS, "pipeline")
    name = table.get("name")
    if name is None:
        raise source.error("missing `name`", "pipeline", hint='add name = "my-pipeline"')
    if not isinstance(name, str) or not paramvalues.PIPELINE_NAME.match(name):
        raise source.error(f"name {name!r} must be made of [A-Za-z0-9_.-]", "pipeline", "name")
    fmt = table.get("format", 1)
    if fmt != 1:
        raise source.error(f"format {fmt!r} is not supported; this makegen reads format 1",
                           "pipeline", "format")
    output = table.get("output", "results")
    if not isinstance(output, str) or not output.strip():
        raise source.error("output must be a non-empty string (a folder)", "pipeline", "output")
    bad = sorted(set(output) & _ROOT_FORBIDDEN)
    if bad:
        raise source.error(
            f"the output folder `{output}` holds {', '.join(repr(c) for c in bad)}, which Make "
            "cannot handle in a path", "pipeline", "output",
            hint="choose an output folder without white space or :#$%*?[")
    return name, output.rstrip("/") or "/"


def _vars(source: Source, table: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    result: list[tuple[str, str]] = []
    for name, value in table.items():
        if not VAR_NAME.match(name):
            raise source.error(f"var name `{name}` must match [A-Z_][A-Z0-9_]* (upper case)",
                               "vars", name)
        if name in ("ROOT_DIR", "OUTPUT_DIR", "MAKEGEN_CONFIG", "SHELL", "MAKEFLAGS", "PATH") \
                or name.startswith("MAKEGEN_"):
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


def _task(source: Source, name: str, table: Any, params: dict[str, paramvalues.ParamValues],
          variables: dict[str, str]) -> Task:
    where = f"task.{name}"
    if not TASK_NAME.match(name):
        raise source.error(f"task name `{name}` must match [A-Za-z][A-Za-z0-9_-]*", where)
    if not isinstance(table, dict):
        raise source.error("a task must be a table", where, hint=f"write it as [task.{name}]")
    _check_keys(source, table, TASK_KEYS, where)
    for required in ("outputs", "run"):
        if required not in table:
            raise source.error(f"missing `{required}`", where,
                               hint="every task needs outputs (what it makes) and run (the command)")
    outputs = _paths(source, where, "outputs", table["outputs"], allow_vars=False)
    if not outputs:
        raise source.error("outputs is empty; a task needs at least one output", where, "outputs",
                           hint="every task needs outputs (what it makes) and run (the command)")
    inputs = _paths(source, where, "inputs", table.get("inputs", []), allow_vars=True)
    for entry in outputs:
        _check_output(source, where, entry)
    foreach = _foreach(source, where, table, outputs, params)
    for entry in inputs + outputs:
        for pname in entry.params:
            if pname not in params:
                kind = "outputs" if entry in outputs else "inputs"
                raise source.error(f"unknown param `{{{pname}}}` in {entry.text!r}"
                                   f"{did_you_mean(pname, params)}", where, kind,
                                   hint="declare it under [params]")
    run = table["run"]
    if not isinstance(run, str) or not run.strip():
        raise source.error("run must be a non-empty string (a bash command)", where, "run")
    try:
        command = parse_command(run)
    except PlaceholderError as exc:
        raise source.error(str(exc), where, "run", hint=exc.hint) from None
    _check_command(source, where, command, inputs, outputs, foreach, params)
    code = _strings(source, where, "code", table.get("code", []))
    _check_code(source, where, code)
    after = _strings(source, where, "after", table.get("after", []))
    resources = _resources(source, where, table.get("resources", {}))
    phase = table.get("phase")
    if phase is not None and (isinstance(phase, bool) or not isinstance(phase, int) or phase < 1):
        raise source.error("phase must be a whole number from 1", where, "phase")
    return Task(name=name, foreach=foreach, inputs=inputs, outputs=outputs, run=run,
                command=command, code=code, after=after, resources=resources, phase=phase,
                recipe_hash=recipe_hash(run, variables))


def toml_type(value: Any) -> str:
    """A TOML reader's name for a value's type, for messages."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return "a date or time" if hasattr(value, "isoformat") else f"a {type(value).__name__}"


def recipe_hash(run: str, variables: dict[str, str]) -> str:
    """The content hash of a task's recipe: its command plus the defaults of the vars it names.

    Param values are not in it: they are the instance's identity, so a command with params
    substituted changes exactly when this does.
    """
    digest = hashlib.sha256(run.encode())
    for name in sorted(variables):
        if f"${{{name}}}" in run or _names_bare(run, name):
            digest.update(f"\0{name}={variables[name]}".encode())
    return digest.hexdigest()[:16]


def _names_bare(run: str, name: str) -> bool:
    start = 0
    while (i := run.find("$" + name, start)) >= 0:
        end = i + 1 + len(name)
        if end >= len(run) or not (run[end].isalnum() or run[end] == "_"):
            return True
        start = end
    return False


def _check_code(source: Source, where: str, code: tuple[str, ...]) -> None:
    hint = 'list each file by name, e.g. code = ["scripts/hello.sh"]'
    for path in code:
        try:
            tokens = parse_path(path, allow_vars=False)
        except PlaceholderError as exc:
            raise source.error(str(exc), where, "code", hint=hint) from None
        if any(isinstance(t, Param) for t in tokens):
            raise source.error(f"code path {path!r} holds a placeholder; code files are the same "
                               "for every instance", where, "code", hint=hint)


def _strings(source: Source, where: str, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise source.error(f"{key} must be a list of non-empty strings", where, key)
    return tuple(value)


def _paths(source: Source, where: str, key: str, value: Any, allow_vars: bool) -> tuple[PathEntry, ...]:
    items: list[tuple[Optional[str], Any]]
    if isinstance(value, str):
        items = [(None, value)]
    elif isinstance(value, list):
        items = [(None, v) for v in value]
    elif isinstance(value, dict):
        items = []
        for name, sub in value.items():
            if not all(c.isalnum() or c in "_-" for c in name):
                raise source.error(f"{key} name `{name}` must be made of letters, digits, _ and -",
                                   where, key)
            items.extend((name, s) for s in (sub if isinstance(sub, list) else [sub]))
    else:
        raise source.error(f"{key} must be a string, a list of strings or a table of name = path",
                           where, key)
    entries = []
    for name, text in items:
        if not isinstance(text, str) or not text:
            raise source.error(f"{key} holds {text!r}; every path must be a non-empty string",
                               where, key)
        try:
            tokens = parse_path(text, allow_vars)
        except PlaceholderError as exc:
            raise source.error(str(exc), where, key) from None
        entries.append(PathEntry(name, text, tokens))
    return tuple(entries)


def _check_output(source: Source, where: str, entry: PathEntry) -> None:
    text = entry.text
    parts = text.rstrip("/").split("/")
    if text.startswith("/"):
        raise source.error(f"output {text!r} is absolute; outputs are relative to OUTPUT_DIR",
                           where, "outputs", hint="write it relative to [pipeline] output")
    if any(part in ("..", ".", "") for part in parts) or text.rstrip("/") == "":
        raise source.error(f"output {text!r} leaves or misnames a folder of OUTPUT_DIR "
                           "(`..`, `.` or `//`)", where, "outputs",
                           hint="write a plain relative path like mapped/{sample}.bam")
    if parts[0] == ".makegen":
        raise source.error(f"output {text!r} is inside .makegen/, makegen's own folder",
                           where, "outputs")


def _foreach(source: Source, where: str, table: dict[str, Any], outputs: tuple[PathEntry, ...],
             params: dict[str, paramvalues.ParamValues]) -> tuple[str, ...]:
    if "foreach" in table:
        foreach = _strings(source, where, "foreach", table["foreach"]) if table["foreach"] else ()
        for pname in foreach:
            if pname not in params:
                raise source.error(f"unknown param `{pname}`{did_you_mean(pname, params)}",
                                   where, "foreach", hint="declare it under [params]")
        if len(set(foreach)) != len(foreach):
            raise source.error("foreach names a param twice", where, "foreach")
    else:
        foreach = tuple(dict.fromkeys(p for e in outputs for p in e.params))
    for entry in outputs:
        missing = [p for p in foreach if p not in entry.params]
        extra = [p for p in entry.params if p not in foreach]
        if extra:
            raise source.error(f"output {entry.text!r} uses `{{{extra[0]}}}`, which is not in foreach",
                               where, "outputs", hint=f"add {extra[0]!r} to foreach")
        if missing:
            raise source.error(
                f"output {entry.text!r} does not use `{{{missing[0]}}}`, so every value of "
                f"{missing[0]} would write the same file", where, "outputs",
                hint=f"put {{{missing[0]}}} in the path, or drop it from foreach")
    return foreach


def _check_command(source: Source, where: str, command: tuple[CommandToken, ...],
                   inputs: tuple[PathEntry, ...], outputs: tuple[PathEntry, ...],
                   foreach: tuple[str, ...], params: dict[str, paramvalues.ParamValues]) -> None:
    keys = {"inputs": _keys(inputs), "outputs": _keys(outputs)}
    for token in command:
        if isinstance(token, Param) and token.name not in params:
            choices = [f"{{{p}}}" for p in foreach] + [f"{{{w}}}" for w in PLACEHOLDER_WORDS]
            raise source.error(
                f"unknown placeholder `{{{token.name}}}`{did_you_mean('{' + token.name + '}', choices)}: "
                "use {param}, {inputs}, {inputs.key}, {inputs:file}, {outputs}, {outputs.key}, {tmp} "
                "or {resources.cores}; write `{{` and `}}` for literal braces", where, "run")
        if isinstance(token, Param) and token.name not in foreach:
            raise source.error(f"`{{{token.name}}}` in run is not a param of this task's foreach "
                               f"({', '.join(foreach) or 'none'}){did_you_mean(token.name, foreach)}",
                               where, "run")
        if isinstance(token, Ref) and token.key is not None and token.key not in keys[token.kind]:
            known = keys[token.kind]
            raise source.error(
                f"`{{{token.kind}.{token.key}}}` in run: no {token.kind} named `{token.key}`"
                f"{did_you_mean(token.key, known)}", where, "run",
                hint=f"{token.kind} names: {', '.join(known) or 'none (give them as a table)'}")


def _resources(source: Source, where: str, table: Any) -> Resources:
    if not isinstance(table, dict):
        raise source.error("resources must be a table like { cores = 2, mem = \"4G\" }",
                           where, "resources")
    for key in table:
        if key not in RESOURCE_KEYS:
            raise source.error(f"unknown resource `{key}`{did_you_mean(key, RESOURCE_KEYS)}",
                               where, "resources", hint="resources: " + ", ".join(RESOURCE_KEYS))
    cores = table.get("cores", 1)
    if isinstance(cores, bool) or not isinstance(cores, int) or cores < 1:
        raise source.error(f"cores must be a whole number from 1, not {cores!r}", where, "resources")
    mem = table.get("mem")
    mem_mb = parse_mem(str(mem)) if mem is not None else None
    if mem is not None and (not isinstance(mem, str) or mem_mb is None):
        raise source.error(f"mem {mem!r} is not a size like \"512M\" or \"4G\"", where, "resources")
    time = table.get("time")
    time_s = parse_time(time) if isinstance(time, str) else None
    if time is not None and not time_s:
        raise source.error(f"time {time!r} is not a duration like \"90m\", \"1h30m\" or \"01:30:00\"",
                           where, "resources")
    queue = table.get("queue")
    if queue is not None and (not isinstance(queue, str) or not queue.strip()):
        raise source.error("queue must be a non-empty string", where, "resources")
    extra = table.get("extra", {})
    if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
        raise source.error('extra must be a table like { sge = "-l gpu=1", slurm = "--gres=gpu:1" }',
                           where, "resources")
    for scheduler in extra:
        if scheduler not in SCHEDULERS:
            raise source.error(f"extra for unknown scheduler `{scheduler}`"
                               f"{did_you_mean(scheduler, SCHEDULERS)}", where, "resources",
                               hint="extra takes options for: " + ", ".join(SCHEDULERS))
    return Resources(cores=cores, mem_mb=mem_mb, time_s=time_s, queue=queue,
                     extra=tuple(sorted(extra.items())))
