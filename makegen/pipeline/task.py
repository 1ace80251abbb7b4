"""One [task.NAME] table -> Task: keys, paths, foreach, the command and its resources."""

from __future__ import annotations

import re
import shlex
from typing import Any, Optional

from ..contract.buildfile import ResourceSpec
from ..contract.layout import Layout
from ..contract.schedulers import SCHEDULERS
from ..errors import did_you_mean
from .model import PathEntry, Task, entry_keys, recipe_hash
from .names import TASK_NAME
from .params import ParamValues
from .placeholders import (
    CommandToken,
    Param,
    PlaceholderError,
    Ref,
    or_list,
    parse_command,
    parse_path,
    spelled_placeholders,
)
from .source import Source, check_keys
from .units import MEM_UNITS, parse_mem, parse_time

TASK_KEYS = ("foreach", "inputs", "outputs", "code", "run", "setup", "cleanup", "resources", "after",
             "phase", "group", "retries")
RESOURCE_KEYS = ("cores", "gpus", "mem", "time", "queue", "extra")
# What users of other tools write for these (SLURM, Snakemake, Nextflow): named, not guessed.
RESOURCE_ALIASES = {"cpus": "cores", "threads": "cores", "memory": "mem", "mem_mb": "mem",
                    "walltime": "time", "runtime": "time", "partition": "queue", "gpu": "gpus"}
# What [defaults] may give every task that does not set it.
DEFAULT_KEYS = ("resources", "setup", "cleanup", "group", "retries")
# Whole-number keys: (smallest value, what it means, an example), for the message that
# refuses a value.
COUNT_KEYS = {"group": (1, "instances run one after another in each array element", "group = 50"),
              "retries": (0, "times a failed command is run again within its job", "retries = 2")}
QUEUE_NAME = re.compile(r"[A-Za-z0-9_.@*+=-]+(,[A-Za-z0-9_.@*+=-]+)*\Z")


def read_task(source: Source, name: str, table: Any, params: dict[str, ParamValues],
              variables: dict[str, str], defaults: dict[str, Any]) -> Task:
    where = f"task.{name}"
    if not TASK_NAME.match(name):
        raise source.error(f"task name `{name}` must match [A-Za-z][A-Za-z0-9_-]*", where)
    if not isinstance(table, dict):
        raise source.error("a task must be a table", where, hint=f"write it as [task.{name}]")
    check_keys(source, table, TASK_KEYS, where)
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
    around = {key: _shell_text(source, where, key, table.get(key, defaults.get(key)), inputs, outputs,
                               foreach, params) for key in ("setup", "cleanup")}
    code = _strings(source, where, "code", table.get("code", []))
    _check_code(source, where, code)
    after = _strings(source, where, "after", table.get("after", []))
    resources = _resources(source, where, with_defaults(defaults.get("resources", {}),
                                                        table.get("resources", {})))
    phase = table.get("phase")
    if phase is not None and (isinstance(phase, bool) or not isinstance(phase, int) or phase < 1):
        raise source.error(f"phase must be a whole number from 1, not {phase!r}", where, "phase",
                           hint="write a number without quotes, e.g. phase = 2, or remove it: "
                                "phases are computed from the dependencies")
    counts = {key: _count(source, where if key in table else "defaults", key,
                          table.get(key, defaults.get(key, low)))
              for key, (low, _, _) in COUNT_KEYS.items()}
    return Task(name=name, foreach=foreach, inputs=inputs, outputs=outputs, run=run,
                command=command, setup=around["setup"], cleanup=around["cleanup"], code=code,
                after=after, resources=resources, phase=phase, group=counts["group"],
                retries=counts["retries"],
                recipe_hash=recipe_hash(run, inputs, outputs, code, foreach, variables, params))


def _count(source: Source, where: str, key: str, value: Any) -> int:
    """`group` or `retries`: a whole number from its smallest value."""
    low, meaning, example = COUNT_KEYS[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise source.error(f"{key} must be a whole number from {low} ({meaning}), not {value!r}",
                           where, key, hint=f"write a number without quotes, e.g. {example}")
    return value


def _mem(mem: Any) -> Optional[int]:
    """A TOML integer is megabytes; a string takes a unit (units.py)."""
    if isinstance(mem, bool) or mem is None:
        return None
    if isinstance(mem, int):
        return mem if mem > 0 else None
    return parse_mem(mem) if isinstance(mem, str) else None


def with_defaults(default: dict[str, Any], given: Any) -> Any:
    """A task's resources over [defaults]' ones, key by key (and scheduler by scheduler in
    `extra`); what is not a table is left for the checks to refuse."""
    if not isinstance(given, dict) or not default:
        return given
    merged = {**default, **given}
    if isinstance(default.get("extra"), dict) and isinstance(given.get("extra"), dict):
        merged["extra"] = {**default["extra"], **given["extra"]}
    return merged


def check_defaults(source: Source, table: dict[str, Any]) -> dict[str, Any]:
    """The [defaults] table, checked as a task's keys are."""
    check_keys(source, table, DEFAULT_KEYS, "defaults")
    if "resources" in table:
        _resources(source, "defaults", table["resources"])
    for key in ("setup", "cleanup"):
        if key in table and (not isinstance(table[key], str) or not table[key].strip()):
            raise source.error(f"{key} must be a non-empty string (bash)", "defaults", key)
    for key in COUNT_KEYS:
        if key in table:
            _count(source, "defaults", key, table[key])
    return table


def _shell_text(source: Source, where: str, key: str, text: Any, inputs: tuple[PathEntry, ...],
                outputs: tuple[PathEntry, ...], foreach: tuple[str, ...],
                params: dict[str, ParamValues]) -> tuple[CommandToken, ...]:
    """`setup` or `cleanup`: bash run in the instance's shell before / after the command."""
    if text is None:
        return ()
    if not isinstance(text, str) or not text.strip():
        raise source.error(f"{key} must be a non-empty string (bash)", where, key,
                           hint='e.g. setup = "module load samtools/1.17"')
    try:
        tokens = parse_command(text)
    except PlaceholderError as exc:
        raise source.error(str(exc), where, key, hint=exc.hint) from None
    _check_command(source, where, tokens, inputs, outputs, foreach, params, key)
    return tokens


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
    if parts[0] == Layout.own:
        raise source.error(f"output {text!r} is inside {Layout.own}/, makegen's own folder",
                           where, "outputs")


def _foreach(source: Source, where: str, table: dict[str, Any], outputs: tuple[PathEntry, ...],
             params: dict[str, ParamValues]) -> tuple[str, ...]:
    if "foreach" in table:
        foreach = _strings(source, where, "foreach", table["foreach"]) if table["foreach"] else ()
        for pname in foreach:
            if pname not in params:
                raise source.error(f"unknown param `{pname}`{did_you_mean(pname, params)}",
                                   where, "foreach", hint="declare it under [params]")
        twice = [p for i, p in enumerate(foreach) if p in foreach[:i]]
        if twice:
            raise source.error(f"foreach names the param `{twice[0]}` twice", where, "foreach",
                               hint="list each param once")
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
                   foreach: tuple[str, ...], params: dict[str, ParamValues], key: str = "run") -> None:
    keys = {"inputs": entry_keys(inputs), "outputs": entry_keys(outputs)}
    for token in command:
        if isinstance(token, Param) and token.name not in params:
            choices = [f"{{{p}}}" for p in foreach] + spelled_placeholders()[1:]
            raise source.error(
                f"unknown placeholder `{{{token.name}}}`{did_you_mean('{' + token.name + '}', choices)}: "
                f"use {or_list(spelled_placeholders())}; write `{{{{` and `}}}}` for literal braces",
                where, key)
        if isinstance(token, Param) and token.name not in foreach:
            raise source.error(f"`{{{token.name}}}` in {key} is not a param of this task's foreach "
                               f"({', '.join(foreach) or 'none'}){did_you_mean(token.name, foreach)}",
                               where, key)
        if isinstance(token, Ref) and token.kind == "inputs" and not inputs:
            raise source.error("run uses `{inputs}`, but the task has no inputs, so it would "
                               "expand to nothing", where, key,
                               hint="declare the files under inputs, or remove the placeholder")
        if isinstance(token, Ref) and token.key is not None and token.key not in keys[token.kind]:
            known = keys[token.kind]
            raise source.error(
                f"`{{{token.kind}.{token.key}}}` in {key}: no {token.kind} named `{token.key}`"
                f"{did_you_mean(token.key, known)}", where, key,
                hint=f"{token.kind} names: {', '.join(known) or 'none (give them as a table)'}")


def _resources(source: Source, where: str, table: Any) -> ResourceSpec:
    if not isinstance(table, dict):
        raise source.error("resources must be a table like { cores = 2, mem = \"4G\" }",
                           where, "resources")
    for key in table:
        if key not in RESOURCE_KEYS:
            near = f" (did you mean `{RESOURCE_ALIASES[key]}`?)" if key in RESOURCE_ALIASES \
                else did_you_mean(key, RESOURCE_KEYS)
            raise source.error(f"unknown resource `{key}`{near}",
                               where, "resources", hint="resources: " + ", ".join(RESOURCE_KEYS))
    cores_list = [_one_core(source, where, c, n) for n, c in _by_attempt(source, where, table, "cores", 1)]
    mem_list = [_one_mem(source, where, m, n) for n, m in _by_attempt(source, where, table, "mem", None)]
    time_list = [_one_time(source, where, t, n) for n, t in _by_attempt(source, where, table, "time", None)]
    attempts = max(len(cores_list), len(mem_list), len(time_list))
    cores, mem_mb, time_s = cores_list[0], mem_list[0], time_list[0]
    later = tuple((cores_list[min(k, len(cores_list) - 1)], mem_list[min(k, len(mem_list) - 1)],
                   time_list[min(k, len(time_list) - 1)]) for k in range(1, attempts))
    gpus = table.get("gpus", 0)
    if isinstance(gpus, bool) or not isinstance(gpus, int) or gpus < 0:
        raise source.error(f"gpus must be a whole number from 0, not {gpus!r}", where, "resources")
    queue = table.get("queue")
    if queue is not None and (not isinstance(queue, str) or not QUEUE_NAME.match(queue)):
        raise source.error(f"queue {queue!r} is not a queue or partition name", where, "resources",
                           hint="a name (or a comma-separated list of names) of letters, digits "
                                "and ._@*+=-, e.g. queue = \"short\"")
    extra = table.get("extra", {})
    if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
        raise source.error('extra must be a table like { sge = "-l gpu=1", slurm = "--gres=gpu:1" }',
                           where, "resources")
    for scheduler, flags in extra.items():
        if scheduler not in SCHEDULERS:
            raise source.error(f"extra for unknown scheduler `{scheduler}`"
                               f"{did_you_mean(scheduler, SCHEDULERS)}", where, "resources",
                               hint="extra takes options for: " + ", ".join(SCHEDULERS))
        try:
            shlex.split(flags)
        except ValueError as exc:  # the words are split as a shell would, at submission
            raise source.error(f"extra.{scheduler} {flags!r} cannot be split into words: "
                               f"{str(exc).lower()}", where, "resources",
                               hint="the options are split like a shell command line: close the "
                                    "quote, or escape it with a backslash") from None
    return ResourceSpec(cores=cores, gpus=gpus, mem_mb=mem_mb, time_s=time_s, queue=queue,
                        extra=tuple(sorted(extra.items())), later=later)


def _by_attempt(source: Source, where: str, table: dict[str, Any], key: str,
                default: Any) -> list[tuple[str, Any]]:
    """`cores`, `mem` or `time`: one value, or a list by attempt (the last one repeats), as
    (how to name the value in a message, the value)."""
    value = table.get(key, default)
    if not isinstance(value, list):
        return [("", value)]
    if not value:
        raise source.error(f"{key} is an empty list", where, "resources",
                           hint=f"give one value, or one per attempt: e.g. {key} = {_EXAMPLES[key]}")
    return [(f" (attempt {n})", v) for n, v in enumerate(value, 1)]


_EXAMPLES = {"cores": "[1, 2]", "mem": '["4G", "8G", "16G"]', "time": '["1h", "4h"]'}


def _one_core(source: Source, where: str, cores: Any, attempt: str) -> int:
    if isinstance(cores, bool) or not isinstance(cores, int) or cores < 1:
        raise source.error(f"cores{attempt} must be a whole number from 1, not {cores!r}", where,
                           "resources")
    return cores


def _one_mem(source: Source, where: str, mem: Any, attempt: str) -> Optional[int]:
    mem_mb = _mem(mem)
    if mem is not None and mem_mb is None:
        raise source.error(f"mem{attempt} {mem!r} is not a size like \"512M\", \"4G\" or 4096 "
                           "(megabytes)", where, "resources", hint=f"units: {MEM_UNITS}; more than 0")
    return mem_mb


def _one_time(source: Source, where: str, time: Any, attempt: str) -> Optional[int]:
    time_s = parse_time(time) if isinstance(time, str) else None
    if time is not None and not time_s:
        raise source.error(f"time{attempt} {time!r} is not a duration like \"90m\", \"1h30m\" or "
                           "\"01:30:00\"", where, "resources")
    return time_s
