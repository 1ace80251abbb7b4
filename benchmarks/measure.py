"""Wall clock and peak RSS of one child process, shared by the benchmark scripts (stdlib only).

Peak RSS comes from GNU time (`/usr/bin/time -f %M`) when it is installed, otherwise from
os.wait4(). The two differ in one way that matters: on Linux a process's ru_maxrss keeps the
high-water mark of the memory it had before its execve(), and a child that Python spawns
(vfork, or fork) starts from the *Python parent's* peak RSS. So os.wait4() from this script
never reports less than this script's own peak (about 12 MiB at start, more once it has
held a big list). GNU time is a small C program whose child starts near 1 MiB, so its %M is
the command's own peak. With the fallback, `floor_kib()` gives the floor to compare against.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

MIB = 1024 * 1024


@dataclass
class Sample:
    wall: float       # seconds
    rss_kib: int      # peak resident set, KiB
    code: int         # exit code
    log: Path         # stdout and stderr of the command

    @property
    def rss_mib(self) -> float:
        return self.rss_kib * 1024 / MIB


def _gnu_time() -> Optional[str]:
    path = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    if path is None:
        return None
    try:
        result = subprocess.run([path, "-f", "%M", "true"], capture_output=True, text=True, check=False)
    except OSError:
        return None
    last = result.stderr.strip().splitlines()[-1:] or [""]
    return path if result.returncode == 0 and last[0].isdigit() else None


GNU_TIME = _gnu_time()
METHOD = ("GNU time -f %M (" + GNU_TIME + ")") if GNU_TIME else "os.wait4() ru_maxrss (no GNU time)"


class Child:
    """A command started by `spawn`, still running or reaped; `poll` does not block."""

    def __init__(self, argv: list[str], cwd: Path, log: Path, env: dict[str, str]) -> None:
        self.log = log
        self.rss_file = log.with_name(log.name + ".rss")
        full = [GNU_TIME, "-f", "%M", "-o", str(self.rss_file), *argv] if GNU_TIME else argv
        with open(log, "wb") as out:
            self.start = time.perf_counter()
            self.proc = subprocess.Popen(full, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, env=env)
        self.sample: Optional[Sample] = None

    def poll(self, block: bool = False) -> Optional[Sample]:
        """The Sample once the command has ended (waiting for it when block), else None."""
        if self.sample is not None:
            return self.sample
        pid, status, usage = os.wait4(self.proc.pid, 0 if block else os.WNOHANG)
        if pid == 0:
            return None
        wall = time.perf_counter() - self.start
        code = os.waitstatus_to_exitcode(status)
        self.proc.returncode = code
        rss = usage.ru_maxrss
        if GNU_TIME:
            # On failure GNU time writes "Command exited with non-zero status N" first.
            try:
                lines = self.rss_file.read_text().strip().splitlines()
                self.rss_file.unlink()
            except OSError:  # killed before it wrote anything
                lines = []
            rss = int(lines[-1]) if lines and lines[-1].isdigit() else -1
        self.sample = Sample(wall, rss, code, self.log)
        return self.sample


def spawn(argv: list[str], cwd: Path, log: Path, env: dict[str, str]) -> Child:
    """Start argv in cwd with stdin from /dev/null and stdout+stderr to log; do not wait."""
    return Child(argv, cwd, log, env)


def run_command(argv: list[str], cwd: Path, log: Path, env: dict[str, str]) -> Sample:
    """Run argv in cwd with stdin from /dev/null and stdout+stderr to log."""
    sample = spawn(argv, cwd, log, env).poll(block=True)
    assert sample is not None
    return sample


def floor_kib(env: dict[str, str], scratch: Path) -> int:
    """The smallest peak RSS this method can report: that of `true`."""
    return run_command(["true"], scratch, scratch / "floor.log", env).rss_kib


def tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(text[-lines:])


def clean_env() -> dict[str, str]:
    """What a job would see: no Make variables leaked from `make bench`, no scheduler ids."""
    drop = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SGE_TASK_ID", "SLURM_ARRAY_TASK_ID", "JOB_ID",
            "SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "MAKEGEN_TASK_ID", "MAKEGEN_CONFIG")
    return {k: v for k, v in os.environ.items() if k not in drop}


def tool(name: str) -> Optional[str]:
    """The executable beside this Python (the venv) first, then on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def version(argv: list[str]) -> str:
    """The first line a program prints about its version, or "not found"."""
    try:
        result = subprocess.run(argv, capture_output=True, text=True, check=False, env=clean_env())
    except OSError:
        return "not found"
    text = (result.stdout or result.stderr).strip().splitlines()
    return text[0] if text else "?"


# The 3N + 1 pipeline of docs/benchmarks.md: N samples, tasks a -> b -> c each, then one
# gather; compile.py and cluster.py both measure it.
CHAIN = """\
# {comment}
[pipeline]
name = "{name}"
output = "results"

[params]
sample = {{ file = "samples.txt" }}

[task.a]
inputs = ["data/{{sample}}.txt"]
outputs = ["a/{{sample}}.txt"]
run = "cat {{inputs}} > {{outputs}}"

[task.b]
inputs = ["a/{{sample}}.txt"]
outputs = ["b/{{sample}}.txt"]
run = "cat {{inputs}} > {{outputs}}"

[task.c]
inputs = ["b/{{sample}}.txt"]
outputs = ["c/{{sample}}.txt"]
run = "{c_run}"

[task.gather]
inputs = ["c/{{sample}}.txt"]
outputs = ["all.txt"]
run = "xargs cat < {{inputs:file}} > {{outputs}}"
"""


def chain_pipeline(name: str, comment: str, c_run: str = "cat {inputs} > {outputs}") -> str:
    """pipeline.toml of the 3N + 1 pipeline (N: the lines of samples.txt beside it); `c_run`
    is task c's command, as written in the TOML string."""
    return CHAIN.format(name=name, comment=comment, c_run=c_run)
