"""`makegen init`: a small pipeline that checks, builds and runs as it is, to start from."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import MakegenError
from ..templates import render
from .writer import write_files

STARTER = {"pipeline.toml": "init-pipeline.toml.j2", "scripts/greet.sh": "init-greet.sh.j2"}


def create_starter(folder: Path) -> list[str]:
    """Write the starter files into `folder` (refusing to replace any); their paths."""
    taken = [rel for rel in STARTER if (folder / rel).exists()]
    if taken:
        raise MakegenError(f"{', '.join(taken)} already there, so nothing was written", file=folder,
                           hint="run makegen init in a new or empty folder")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", folder.resolve().name).strip("-.") or "pipeline"
    files = {rel: render(template, name=name) for rel, template in STARTER.items()}
    try:
        written = write_files(folder, files)
    except OSError as exc:
        raise MakegenError(f"cannot write there: {exc.strerror}", file=folder) from None
    return sorted(written)
