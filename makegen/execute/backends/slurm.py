"""SLURM: sbatch array jobs chained with --dependency=afterany / aftercorr."""

from __future__ import annotations

import re
from typing import ClassVar

from ...contract.layout import Layout
from ...escape import shell_quote
from ..plan import ArrayJob, Plan
from .base import Backend, wall_clock


class SlurmBackend(Backend):
    name: ClassVar[str] = "slurm"
    template: ClassVar[str] = "submit-slurm.sh.j2"
    default_limit: ClassVar[int] = 1000  # MaxArraySize 1001: indices up to 1000

    def limit(self) -> int:
        """MaxArraySize - 1 from `scontrol show config`, when it answers."""
        import sh

        try:
            text = str(sh.scontrol("show", "config", _timeout=20))
        except (sh.ErrorReturnCode, sh.CommandNotFound, sh.TimeoutException):
            return self.default_limit
        found = re.search(r"^MaxArraySize\s*=\s*(\d+)", text, re.MULTILINE)
        return int(found.group(1)) - 1 if found and int(found.group(1)) > 1 else self.default_limit

    def flags(self, array: ArrayJob, plan: Plan) -> list[str]:
        res = array.resources
        throttle = f"%{plan.options.throttle}" if plan.options.throttle else ""
        flags = ["--parsable", "--export=ALL", f"--job-name={shell_quote(self.job_name(plan, array))}",
                 f"--array=1-{array.elements}{throttle}", '--chdir="$output_dir"',
                 f'--output="$output_dir/{Layout.job_logs}/%x.%A_%a.out"',
                 f"--cpus-per-task={res.cores}"]
        if res.gpus:
            flags.append(f"--gres=gpu:{res.gpus}")
        if res.mem_mb:
            flags.append(f"--mem={res.mem_mb}M")
        if wall_clock(array):
            flags.append(f"--time={wall_clock(array)}")
        queue = plan.options.queue or res.queue
        if queue:
            flags.append(f"--partition={shell_quote(queue)}")
        if plan.options.account:
            flags.append(f"--account={shell_quote(plan.options.account)}")
        if array.elementwise is not None and array.group > 1:
            # aftercorr needs the whole upstream element to succeed: one failing instance
            # would cancel the element downstream, group mates and all. So a grouped array
            # waits for the end of the array it pairs with (its instances read nothing else).
            flags.append(f'--dependency=afterany:"$job_{array.elementwise}"')
        elif array.elementwise is not None:
            # Task i starts when task i upstream succeeded; when it did not, task i can never
            # start, and --kill-on-invalid-dep ends it instead of leaving it pending for ever.
            flags += [f'--dependency=aftercorr:"$job_{array.elementwise}"', "--kill-on-invalid-dep=yes"]
        elif array.waits_for:
            # afterany, not afterok: afterok would leave every dependent of one failure
            # pending for ever. job.sh refuses to run an instance whose upstream is not done.
            flags.append("--dependency=afterany:" + ":".join(f'"$job_{n}"' for n in array.waits_for))
        return flags + self.extra(array, "slurm", plan)
