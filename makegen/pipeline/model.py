"""The checked pipeline: frozen dataclasses that `load` returns and `graph` reads."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..contract.buildfile import Origin, ResourceSpec
from ..contract.layout import Layout
from .params import ParamValues
from .placeholders import CommandToken, PathToken, Var, path_params


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
    setup: tuple[CommandToken, ...]  # bash before the command, in its shell (not in the recipe)
    cleanup: tuple[CommandToken, ...]  # bash after it, whatever its exit code
    code: tuple[str, ...]
    after: tuple[str, ...]
    resources: ResourceSpec  # as graph.json keeps it
    phase: Optional[int]
    recipe_hash: str
    group: int = 1  # instances one array element runs, one after another
    retries: int = 0  # times a failed command is run again within its job


def entry_keys(entries: tuple[PathEntry, ...]) -> list[str]:
    """The names of a table of paths, in order (none for a list)."""
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
    params: dict[str, ParamValues]
    tasks: tuple[Task, ...]
    origins: tuple[Origin, ...] = ()  # what it was made from: the pipeline file first

    def task(self, name: str) -> Task:
        for task in self.tasks:
            if task.name == name:
                return task
        raise KeyError(name)


def recipe_hash(run: str, inputs: tuple[PathEntry, ...], outputs: tuple[PathEntry, ...],
                code: tuple[str, ...], foreach: tuple[str, ...], variables: dict[str, str],
                params: dict[str, ParamValues]) -> str:
    """The content hash of everything that decides what an instance computes (the spec's
    "Re-running"): the command, the input and output path templates, the code list, the
    values of every gathered param in order, and the defaults of every var the task names.

    The values of its own foreach params are not in it: they are the instance's identity
    (its key), so with the key this is the recipe of each instance with params substituted.
    """
    parts = ["run", run, "inputs", *(f"{e.key}={e.text}" for e in inputs),
             "outputs", *(f"{e.key}={e.text}" for e in outputs), "code", *code]
    for name in dict.fromkeys(p for e in inputs for p in e.params if p not in foreach):
        parts += [f"values of {name}", *params[name].values]
    named = {t.name for e in inputs for t in e.tokens if isinstance(t, Var)}
    for name in sorted(variables):
        if name in named or _names(run, name):
            parts.append(f"{name}={variables[name]}")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:Layout.hash_length]


def _names(run: str, name: str) -> bool:
    """Whether the command expands the variable: $NAME, ${NAME}, ${NAME:-x}, ${#NAME}, ..."""
    return re.search(r"\$(?:\{[#!]?)?" + name + r"(?![A-Za-z0-9_])", run) is not None
