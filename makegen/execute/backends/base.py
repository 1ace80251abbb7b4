"""What every backend is: a name, its array limit, and the script that submits a Plan."""

from __future__ import annotations

import os
import shlex
import sys
from typing import Any, ClassVar, Optional

from ...contract.schedulers import SCHEDULERS, Scheduler
from ...errors import MakegenError
from ...escape import shell_quote
from ...pipeline.units import clock
from ...templates import render
from ..plan import ArrayJob, Plan


class Backend:
    """A scheduler: renders the submission script of a Plan; `makegen submit` runs it."""

    name: ClassVar[str] = ""
    template: ClassVar[str] = ""
    default_limit: ClassVar[int] = 1_000_000

    @property
    def scheduler(self) -> Optional[Scheduler]:
        """The scheduler's facts (contract/schedulers.py); None for the local backend."""
        return SCHEDULERS.get(self.name)

    @property
    def command(self) -> str:
        """The scheduler's submit command, which must be on PATH to submit."""
        return self.scheduler.submit_command if self.scheduler else ""

    def limit(self) -> int:
        """The largest array the scheduler takes (asked of it when reachable)."""
        return self.default_limit

    def script(self, plan: Plan) -> str:
        return render(self.template, plan=plan, arrays=[self.array_context(a, plan) for a in plan.arrays],
                      q=shell_quote, backend=self.name, site=os.environ.get("MAKEGEN_CONFIG", ""),
                      sets="\n".join(plan.options.sets))

    def printed(self, plan: Plan) -> str:
        """What `submit --print` writes: the submission script."""
        return self.script(plan)

    def submit(self, plan: Plan) -> int:
        """Submit the plan (here: run its script); the exit code for the CLI."""
        return run_script(self.script(plan), self.name)

    def array_context(self, array: ArrayJob, plan: Plan) -> dict[str, Any]:
        return {"array": array, "flags": " ".join(self.flags(array, plan)), "job_args": job_args(array)}

    def flags(self, array: ArrayJob, plan: Plan) -> list[str]:
        """Scheduler options of one array, each already quoted for bash."""
        return []

    @staticmethod
    def extra(array: ArrayJob, scheduler: str, plan: Plan) -> list[str]:
        """Flags passed through: the task's resources.extra, then the command line's --extra."""
        words = _split(array.resources.extra_for(scheduler), "resources.extra",
                       f"extra.{scheduler} of task {array.task}")
        for flag in plan.options.extra:
            words += _split(flag, "--extra", "--extra")
        return [shell_quote(w) for w in words]

    @staticmethod
    def job_name(plan: Plan, array: ArrayJob) -> str:
        return f"mg_{plan.pipeline}_{array.name}"


def run_script(script: str, backend_name: str) -> int:
    """Run a submission script with bash; a scheduler's refusal is a user error."""
    import sh

    try:
        sh.bash("-s", _in=script, _out=sys.stdout, _err=sys.stderr)
    except sh.ErrorReturnCode as exc:
        if backend_name == "local":
            return 1
        raise MakegenError(
            f"the {backend_name} submission script stopped with exit code {exc.exit_code} (its "
            "message is above); the arrays it had submitted were cancelled",
            key="submit", hint="when the scheduler refused a request, fix it (resources, queue, "
                               "account) and submit again") from None
    return 0


def _split(flags: str, key: str, what: str) -> list[str]:
    """Flags split into words as a shell would; an unclosed quote is a user error."""
    try:
        return shlex.split(flags)
    except ValueError as exc:
        raise MakegenError(f"{what} {flags!r} cannot be split into words: {str(exc).lower()}",
                           key=key, hint="close the quote, or escape it with a backslash") from None


def wall_clock(array: ArrayJob) -> str:
    seconds = array.time_s
    return clock(seconds) if seconds else ""


def job_args(array: ArrayJob) -> str:
    """The words before BUILD on job.sh's command line: how many instances an element runs."""
    return f"--group {array.group} " if array.group > 1 else ""
