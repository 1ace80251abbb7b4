"""Reading a build directory back: graph.json, manifests, and the configuration in force.

`status`, `run` and `submit` start here; they never import `emit` or the pipeline file.
The configuration is asked of Make (config.mk), so makegen sees exactly what a node sees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import MakegenError


@dataclass(frozen=True)
class TaskInfo:
    name: str
    phase: int
    count: int
    foreach: tuple[str, ...]
    recipe_hash: str
    manifest: Path
    raw: dict[str, Any]


@dataclass(frozen=True)
class BuildInfo:
    build_dir: Path
    pipeline: str
    tasks: dict[str, TaskInfo]
    edges: tuple[tuple[str, str], ...]
    raw: dict[str, Any]

    @property
    def phases(self) -> list[list[TaskInfo]]:
        last = max((t.phase for t in self.tasks.values()), default=0)
        return [[t for t in self.tasks.values() if t.phase == p] for p in range(1, last + 1)]

    def param_values(self, name: str) -> list[str]:
        return (self.build_dir / "params" / f"{name}.txt").read_text().splitlines()


def read_build(build_dir: Path) -> BuildInfo:
    path = build_dir / "graph.json"
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise MakegenError("is not a makegen build folder (no graph.json)", file=build_dir,
                           hint="run `makegen build` first, or name the build folder") from None
    except (OSError, ValueError) as exc:
        raise MakegenError(f"cannot read graph.json: {exc}", file=build_dir,
                           hint="rebuild it with `makegen build`") from None
    try:
        tasks = {
            t["name"]: TaskInfo(name=t["name"], phase=t["phase"], count=t["count"],
                                foreach=tuple(t["foreach"]), recipe_hash=t["hash"],
                                manifest=build_dir / t["manifest"], raw=t)
            for t in document["tasks"]
        }
        return BuildInfo(build_dir=build_dir, pipeline=document["pipeline"], tasks=tasks,
                         edges=tuple((a, b) for a, b in document["edges"]), raw=document)
    except (KeyError, TypeError, ValueError) as exc:
        raise MakegenError(f"graph.json is not one this makegen wrote (no {exc})", file=build_dir,
                           hint="rebuild it with `makegen build`") from None


def run_config(build_dir: Path) -> dict[str, str]:
    """The settings in force (ROOT_DIR, OUTPUT_DIR, [vars]) as Make resolves them here."""
    import sh  # only commands that read a build need it; keep `makegen build` light

    try:
        output = sh.make("-r", "-s", "-f", str(build_dir / "config.mk"), "makegen-config",
                         _err_to_out=True)
    except sh.CommandNotFound:
        raise MakegenError("GNU make is not on PATH, and makegen asks it for the configuration",
                           key="make", hint="install GNU make (3.82 or newer) or fix PATH") from None
    except sh.ErrorReturnCode as exc:
        text = exc.stdout.decode(errors="replace").strip()
        raise MakegenError(f"Make cannot read the configuration: {text}",
                           file=build_dir / "config.mk",
                           hint="check MAKEGEN_CONFIG and the site config file it names") from None
    settings: dict[str, str] = {}
    for line in str(output).splitlines():
        name, sep, value = line.partition("=")
        if sep:
            settings[name] = value
    return settings
