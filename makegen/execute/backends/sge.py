"""Son of / Sun Grid Engine: qsub array jobs chained with -hold_jid / -hold_jid_ad."""

from __future__ import annotations

import os
import re
from typing import ClassVar

from ...contract.layout import Layout
from ...escape import shell_quote
from ..plan import ArrayJob, Plan
from .base import Backend, wall_clock


class SgeBackend(Backend):
    name: ClassVar[str] = "sge"
    template: ClassVar[str] = "submit-sge.sh.j2"
    default_limit: ClassVar[int] = 75_000

    def limit(self) -> int:
        """max_aj_tasks of the global configuration, when qconf answers."""
        import sh

        try:
            text = str(sh.qconf("-sconf", "global", _timeout=20))
        except (sh.ErrorReturnCode, sh.CommandNotFound, sh.TimeoutException):
            return self.default_limit
        found = re.search(r"^max_aj_tasks\s+(\d+)", text, re.MULTILINE)
        value = int(found.group(1)) if found else 0
        return value if value > 0 else self.default_limit

    def flags(self, array: ArrayJob, plan: Plan) -> list[str]:
        res = array.resources
        flags = ["-terse", "-V", "-S", "/bin/bash", "-w", "e", "-j", "y",
                 "-N", shell_quote(self.job_name(plan, array)), "-t", f"1-{array.elements}",
                 "-wd", '"$output_dir"', "-o", f'"$output_dir/{Layout.job_logs}/"']
        if plan.options.throttle:
            flags += ["-tc", str(plan.options.throttle)]
        cores = res.cores
        if cores > 1:
            flags += ["-pe", "smp", str(cores)]
        if res.mem_mb:
            # h_vmem is per slot: the job's memory shared out over its cores.
            flags += ["-l", f"h_vmem={-(-res.mem_mb // cores)}M"]
        if res.gpus:
            # Sites name their GPU complex differently (gpu, gpus, cuda, ...): it is a setting.
            complex_name = os.environ.get("MAKEGEN_SGE_GPU_COMPLEX") or "gpu"
            flags += ["-l", f"{shell_quote(complex_name)}={res.gpus}"]
        if wall_clock(array):
            flags += ["-l", f"h_rt={wall_clock(array)}"]
        queue = plan.options.queue or res.queue
        if queue:
            flags += ["-q", shell_quote(queue)]
        if plan.options.account:
            flags += ["-P", shell_quote(plan.options.account)]
        if array.elementwise is not None:
            flags += ["-hold_jid_ad", f'"$job_{array.elementwise}"']
        elif array.waits_for:
            flags += ["-hold_jid", '"' + ",".join(f"$job_{n}" for n in array.waits_for) + '"']
        return flags + self.extra(array, "sge", plan)
