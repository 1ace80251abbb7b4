"""The local backend: the same snapshot and wrapper as a cluster, run here, array by array."""

from __future__ import annotations

from typing import ClassVar

from .base import Backend


class LocalBackend(Backend):
    name: ClassVar[str] = "local"
    template: ClassVar[str] = "submit-local.sh.j2"
