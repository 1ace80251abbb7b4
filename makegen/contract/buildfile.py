"""graph.json: the typed model of a build that the run and read side use.

`emit` writes it with `BuildFile.to_json`; `status`, `run` and `submit` read it with
`read_build`. No other module sees its raw dicts, and a file of another format is refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Optional

from ..errors import MakegenError
from . import layout


@dataclass(frozen=True)
class Origin:
    """A file the build was made from: the pipeline file, a values file, or a glob's matches."""

    kind: str  # "file" (its bytes count) or "glob" (the names it matches count)
    path: str  # absolute: the file, or the folder the glob looks in
    pattern: str  # a glob's pattern, relative to path ("" for a file)
    digest: str

    def current_digest(self) -> Optional[str]:
        """The digest of what is there now (None: the file is gone)."""
        if self.kind == "glob":
            return glob_digest(Path(self.path), self.pattern)
        try:
            return file_digest(Path(self.path).read_bytes())
        except OSError:
            return None


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def glob_digest(folder: Path, pattern: str) -> str:
    """What a glob param's values come from: the sorted names of the files it matches."""
    return file_digest("\n".join(sorted(str(p.relative_to(folder)) for p in folder.glob(pattern))).encode())


@dataclass(frozen=True)
class Binding:
    """How a consumer instance picks a producer param's value: its own param, or a constant."""

    param: str  # the producer's param
    source_param: Optional[str] = None  # the consumer's param giving the value
    const: Optional[str] = None  # else this fixed value


@dataclass(frozen=True)
class InputSpec:
    """One input path template: an external file, or outputs of `producer`."""

    path: str  # as written: `{param}` and `${VAR}` placeholders
    producer: Optional[str]
    binding: tuple[Binding, ...]  # in the producer's foreach order
    gathered: tuple[str, ...]  # params the template iterates over (not in the consumer's foreach)
    inside: bool = False  # inside a directory output: as new as the producer's success marker


@dataclass(frozen=True)
class ResourceSpec:
    cores: int = 1
    gpus: int = 0
    mem_mb: Optional[int] = None
    time_s: Optional[int] = None
    queue: Optional[str] = None
    extra: tuple[tuple[str, str], ...] = ()  # (scheduler, flags)
    # (cores, mem_mb, time_s) of attempts 2, 3, ... where `cores`, `mem` or `time` is a list;
    # the last one stands for every attempt after it.
    later: tuple[tuple[int, Optional[int], Optional[int]], ...] = ()

    def extra_for(self, scheduler: str) -> str:
        return dict(self.extra).get(scheduler, "")

    def for_attempt(self, attempt: int) -> ResourceSpec:
        """What attempt `attempt` (from 1) asks for: one instance's resources."""
        if attempt <= 1 or not self.later:
            return replace(self, later=())
        cores, mem_mb, time_s = self.later[min(attempt - 2, len(self.later) - 1)]
        return replace(self, cores=cores, mem_mb=mem_mb, time_s=time_s, later=())

    @property
    def cores_by_attempt(self) -> tuple[int, ...]:
        return (self.cores, *(c for c, _, _ in self.later))

    @property
    def longest_time_s(self) -> Optional[int]:
        """The longest `time` of any attempt (None when attempt 1 has none)."""
        if not self.time_s:
            return None
        return max([self.time_s, *(t for _, _, t in self.later if t)])


@dataclass(frozen=True)
class TaskSpec:
    name: str
    phase: int
    count: int
    foreach: tuple[str, ...]
    recipe_hash: str
    outputs: tuple[str, ...]  # templates relative to OUTPUT_DIR; a trailing / is a directory
    inputs: tuple[InputSpec, ...]
    code: tuple[str, ...]
    after: tuple[str, ...]
    resources: ResourceSpec
    group: int = 1  # instances one array element runs (the task's `group`)
    retries: int = 0  # tries of a failed command after the first, within its job

    @property
    def manifest(self) -> str:
        return layout.manifest(self.phase, self.name)


@dataclass(frozen=True)
class BuildFile:
    pipeline: str
    params: tuple[str, ...]
    tasks: tuple[TaskSpec, ...]
    edges: tuple[tuple[str, str], ...]
    origins: tuple[Origin, ...] = ()  # the pipeline file first

    def to_json(self) -> str:
        document = {
            "format": layout.GRAPH_FORMAT,
            "pipeline": self.pipeline,
            "params": list(self.params),
            "tasks": [_task_json(t) for t in self.tasks],
            "edges": [list(e) for e in self.edges],
            "origins": [[o.kind, o.path, o.pattern, o.digest] for o in self.origins],
        }
        return json.dumps(document, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> BuildFile:
        """Parse graph.json; ValueError, KeyError or TypeError when it is not one of ours."""
        document = json.loads(text)
        if document.get("format") != layout.GRAPH_FORMAT:
            raise ValueError(f"format {document.get('format')!r}, this makegen reads "
                             f"{layout.GRAPH_FORMAT}")
        return cls(pipeline=_str(document["pipeline"]),
                   params=tuple(_str(p) for p in document["params"]),
                   tasks=tuple(_task(t) for t in document["tasks"]),
                   edges=tuple((_str(a), _str(b)) for a, b in document["edges"]),
                   origins=tuple(Origin(_str(k), _str(p), _str(g), _str(d))
                                 for k, p, g, d in document["origins"]))


def _task_json(task: TaskSpec) -> dict[str, Any]:
    res = task.resources
    return {
        "name": task.name, "phase": task.phase, "count": task.count, "foreach": list(task.foreach),
        "hash": task.recipe_hash, "outputs": list(task.outputs),
        "inputs": [{"path": i.path, "producer": i.producer,
                    "binding": [[b.param, {"param": b.source_param} if b.source_param is not None
                                 else {"const": b.const}] for b in i.binding],
                    "gathered": list(i.gathered), "inside": i.inside} for i in task.inputs],
        "code": list(task.code), "after": list(task.after), "group": task.group,
        "retries": task.retries,
        "resources": {"cores": res.cores, "gpus": res.gpus, "mem_mb": res.mem_mb, "time_s": res.time_s,
                      "queue": res.queue, "extra": dict(res.extra), "later": [list(t) for t in res.later]},
    }


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a string")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{value!r} is not true or false")
    return value


def _opt_int(value: Any) -> Optional[int]:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError(f"{value!r} is not a number")
    return value


def _task(raw: dict[str, Any]) -> TaskSpec:
    res = raw["resources"]
    count = _opt_int(raw["count"])
    phase = _opt_int(raw["phase"])
    if count is None or phase is None:
        raise TypeError("count and phase are numbers")
    return TaskSpec(
        name=_str(raw["name"]), phase=phase, count=count,
        foreach=tuple(_str(p) for p in raw["foreach"]), recipe_hash=_str(raw["hash"]),
        outputs=tuple(_str(o) for o in raw["outputs"]),
        inputs=tuple(InputSpec(
            path=_str(i["path"]), producer=None if i["producer"] is None else _str(i["producer"]),
            binding=tuple(Binding(_str(p), source_param=s.get("param"), const=s.get("const"))
                          for p, s in i["binding"]),
            gathered=tuple(_str(g) for g in i["gathered"]), inside=_bool(i["inside"]))
            for i in raw["inputs"]),
        code=tuple(_str(c) for c in raw["code"]), after=tuple(_str(a) for a in raw["after"]),
        group=_opt_int(raw.get("group", 1)) or 1, retries=_opt_int(raw.get("retries", 0)) or 0,
        resources=ResourceSpec(cores=_opt_int(res["cores"]) or 1, gpus=_opt_int(res["gpus"]) or 0,
                               mem_mb=_opt_int(res["mem_mb"]),
                               time_s=_opt_int(res["time_s"]),
                               queue=None if res["queue"] is None else _str(res["queue"]),
                               extra=tuple(sorted((_str(k), _str(v)) for k, v in res["extra"].items())),
                               later=tuple(_later(t) for t in res.get("later", []))))


def _later(raw: Any) -> tuple[int, Optional[int], Optional[int]]:
    cores, mem_mb, time_s = raw
    return _opt_int(cores) or 1, _opt_int(mem_mb), _opt_int(time_s)


@dataclass(frozen=True)
class Build:
    """A build folder on disk and its graph.json."""

    build_dir: Path
    file: BuildFile

    @property
    def pipeline(self) -> str:
        return self.file.pipeline

    @cached_property
    def tasks(self) -> dict[str, TaskSpec]:
        return {t.name: t for t in self.file.tasks}

    @property
    def phases(self) -> list[list[TaskSpec]]:
        last = max((t.phase for t in self.file.tasks), default=0)
        return [[t for t in self.file.tasks if t.phase == p] for p in range(1, last + 1)]

    def path(self, rel: str) -> Path:
        return self.build_dir / rel

    @property
    def pipeline_file(self) -> Optional[Path]:
        return Path(self.file.origins[0].path) if self.file.origins else None

    def changed_origins(self) -> list[str]:
        """The files the build was made from that changed since (the pipeline file, values
        files, glob matches). None when the pipeline file is not here: a build copied
        somewhere without it runs as it is."""
        first = self.pipeline_file
        if first is None or not first.is_file():
            return []
        return [o.path if o.kind == "file" else f"{o.path}/{o.pattern}"
                for o in self.file.origins if o.current_digest() != o.digest]

    def param_values(self, name: str) -> list[str]:
        """A param's values, in order (BUILD/params/<name>.txt)."""
        path = self.path(layout.param_values(name))
        try:
            return path.read_text().splitlines()
        except OSError as exc:
            raise MakegenError(f"cannot read {path}: {exc.strerror}", file=self.build_dir,
                               hint="the build folder is damaged: rebuild it with `makegen build`") from None


def read_build(build_dir: Path) -> Build:
    """The build in `build_dir`, or a user error saying why it cannot be read."""
    path = build_dir / layout.Layout.graph
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise MakegenError(f"is not a makegen build folder (no {layout.Layout.graph})", file=build_dir,
                           hint="run `makegen build` first, or name the build folder") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MakegenError(f"cannot read {layout.Layout.graph}: {exc}", file=build_dir,
                           hint="rebuild it with `makegen build`") from None
    try:
        return Build(build_dir, BuildFile.from_json(text))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        detail = f"no {exc}" if isinstance(exc, KeyError) else str(exc)
        raise MakegenError(f"{layout.Layout.graph} is not one this makegen wrote ({detail})",
                           file=build_dir, hint="rebuild it with `makegen build`") from None
