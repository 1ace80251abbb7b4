"""Submission backends: one small class per scheduler, in the registry the CLI picks from.

To add a scheduler: describe it in contract/schedulers.py (name, submit command, the
variables its jobs see), write its class here beside sge.py, with a template in rules/,
and register it below; tests/test_backends.py checks the two registries agree.
"""

from __future__ import annotations

from ...contract.schedulers import SCHEDULERS
from .azure import AzureBackend
from .base import Backend
from .local import LocalBackend
from .sge import SgeBackend
from .slurm import SlurmBackend

BACKENDS: dict[str, type[Backend]] = {b.name: b for b in (LocalBackend, SgeBackend, SlurmBackend,
                                                             AzureBackend)}


def backend_help() -> str:
    """The --backend help text, from the registries."""
    return "local (this machine), " + ", ".join(
        f"{name} ({SCHEDULERS[name].title})" for name in BACKENDS if name in SCHEDULERS) + "."


__all__ = ["BACKENDS", "Backend", "backend_help"]
