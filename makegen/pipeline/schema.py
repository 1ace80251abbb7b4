"""`makegen schema`: a JSON Schema (draft 2020-12) of pipeline.toml, for editors.

Built from the definitions the loader checks (its key lists, the name and value patterns,
the scheduler names), so that an editor with TOML schema support (taplo, Even Better TOML)
completes keys and flags what `makegen check` would refuse. The loader stays the judge: a
schema cannot say, for example, that an output names every param of `foreach`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..contract.schedulers import SCHEDULERS
from . import names
from .load import PIPELINE_KEYS, TOP_KEYS
from .task import COUNT_KEYS, DEFAULT_KEYS, RESOURCE_KEYS, TASK_KEYS

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _pattern(regex: re.Pattern[str]) -> str:
    """A Python `...\\Z` pattern as an anchored ECMA-262 one."""
    return "^" + regex.pattern.removesuffix(r"\Z") + "$"


def _strings(description: str, pattern: str = "") -> dict[str, Any]:
    item: dict[str, Any] = {"type": "string", "minLength": 1}
    if pattern:
        item["pattern"] = pattern
    one_or_many = {"anyOf": [item, {"type": "array", "items": item}]}
    return {"description": description, **one_or_many}


def _paths(description: str) -> dict[str, Any]:
    path = {"type": "string", "minLength": 1}
    many = {"type": "array", "items": path}
    return {"description": description,
            "anyOf": [path, many, {"type": "object", "additionalProperties": {"anyOf": [path, many]}}]}


def _by_attempt(one: dict[str, Any], description: str) -> dict[str, Any]:
    """One value, or a list of them by attempt (the last one repeats)."""
    return {"anyOf": [one, {"type": "array", "minItems": 1, "items": one}],
            "description": description + "; or a list by attempt"}


def _closed(properties: dict[str, Any], keys: tuple[str, ...], **more: Any) -> dict[str, Any]:
    assert set(properties) == set(keys), "the schema must describe exactly the keys the loader takes"
    return {"type": "object", "properties": properties, "additionalProperties": False, **more}


def pipeline_schema() -> dict[str, Any]:
    value = {"type": ["string", "integer"], "pattern": _pattern(names.PARAM_VALUE)}
    counts = {key: {"type": "integer", "minimum": low, "description": meaning}
              for key, (low, meaning, _) in COUNT_KEYS.items()}
    resources = _closed({
        "cores": _by_attempt({"type": "integer", "minimum": 1}, "cores (slots) per instance"),
        "mem": _by_attempt({"type": ["string", "integer"]},
                           'memory per instance: "512M", "4G" (a bare number is megabytes)'),
        "time": _by_attempt({"type": "string"}, 'wall time: "90m", "1h30m", "01:30:00"'),
        "gpus": {"type": "integer", "minimum": 0,
                 "description": "GPUs per instance (SLURM --gres=gpu:N; Grid Engine -l gpu=N)"},
        "queue": {"type": "string", "minLength": 1, "description": "queue (SGE) or partition (SLURM)"},
        "extra": {"type": "object", "propertyNames": {"enum": list(SCHEDULERS)},
                  "additionalProperties": {"type": "string"},
                  "description": "flags passed to the scheduler's submit command as they are"},
    }, RESOURCE_KEYS)
    task = _closed({
        "foreach": {"type": "array", "items": {"type": "string", "pattern": _pattern(names.PARAM_NAME)},
                    "description": "params to expand over (default: those the outputs name)"},
        "inputs": _paths("files read: another task's outputs make a dependency"),
        "outputs": _paths("files (or, with a trailing /, folders) made, under OUTPUT_DIR"),
        "code": _strings("files whose change re-runs the task"),
        "run": {"type": "string", "minLength": 1, "description": "the bash command, with placeholders"},
        "setup": {"type": "string", "minLength": 1,
                  "description": "bash run before the command, in its shell (module load ...)"},
        "cleanup": {"type": "string", "minLength": 1,
                    "description": "bash run after the command, whatever its exit code"},
        "resources": resources,
        "after": _strings("tasks to wait for, with no file between them", _pattern(names.TASK_NAME)),
        "phase": {"type": "integer", "minimum": 1, "description": "pin the task to this phase"},
        **counts,
    }, TASK_KEYS, required=["outputs", "run"])
    document = _closed({
        "pipeline": _closed({
            "name": {"type": "string", "pattern": _pattern(names.PIPELINE_NAME)},
            "output": {"type": "string", "minLength": 1,
                       "description": "OUTPUT_DIR, relative to the pipeline's folder unless absolute"},
            "format": {"const": 1},
        }, PIPELINE_KEYS, required=["name"]),
        "vars": {"type": "object", "propertyNames": {"pattern": _pattern(names.VAR_NAME)},
                 "additionalProperties": {"type": ["string", "number", "boolean"]},
                 "description": "settings: defaults a site, the environment or make VAR=... override"},
        "params": {"type": "object", "propertyNames": {"pattern": _pattern(names.PARAM_NAME)},
                   "additionalProperties": {"anyOf": [
                       {"type": "array", "minItems": 1, "items": value},
                       _closed({"file": {"type": "string", "minLength": 1}}, ("file",), required=["file"]),
                       _closed({"glob": {"type": "string", "minLength": 1}}, ("glob",), required=["glob"]),
                   ]}},
        "defaults": _closed({"resources": resources, "setup": {"type": "string", "minLength": 1},
                             "cleanup": {"type": "string", "minLength": 1}, **counts}, DEFAULT_KEYS,
                            description="what every task that does not set it gets"),
        "task": {"type": "object", "minProperties": 1,
                 "propertyNames": {"pattern": _pattern(names.TASK_NAME)}, "additionalProperties": task},
    }, TOP_KEYS, required=["pipeline", "task"])
    return {"$schema": DIALECT, "title": "makegen pipeline.toml, format 1", **document}


def schema_text() -> str:
    return json.dumps(pipeline_schema(), indent=2) + "\n"
