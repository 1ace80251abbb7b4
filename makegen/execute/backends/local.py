"""The local backend: the same snapshot and wrapper as a cluster, run here by the local executor."""

from __future__ import annotations

import sys
from typing import Any, ClassVar

from ..plan import ArrayJob, Plan
from .base import Backend


class LocalBackend(Backend):
    name: ClassVar[str] = "local"
    template: ClassVar[str] = "submit-local.sh.j2"

    def array_context(self, array: ArrayJob, plan: Plan) -> dict[str, Any]:
        # The executor runs in this very Python: the local backend submits to this machine.
        return {**super().array_context(array, plan), "python": sys.executable}
