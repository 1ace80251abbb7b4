"""Submission backends: one small class per scheduler, in a registry the CLI picks from."""

from __future__ import annotations

from .base import Backend
from .local import LocalBackend
from .sge import SgeBackend
from .slurm import SlurmBackend

BACKENDS: dict[str, type[Backend]] = {
    "local": LocalBackend,
    "sge": SgeBackend,
    "slurm": SlurmBackend,
}

__all__ = ["BACKENDS", "Backend"]
