"""The test clusters as benchmarks/cluster.py sees them (stdlib only): client environment,
PATH shims that count scheduler calls, the benchmark's jobs in the queue, array limits.

Shims: a folder put first on PATH, with one bash script per scheduler command. Each appends
one line to the file named by $MAKEGEN_BENCH_CALLS (time, command, `submit` or `job`,
arguments) and execs the real binary. `job` means that one of the caller's ancestors is
slurmstepd or sge_shepherd, i.e. the call came from inside a running job (Snakemake's
jobs call srun and scontrol). The SLURM shims also set SLURM_CONF when it is missing:
snakemake-executor-plugin-slurm-jobstep removes every SLURM_* variable before it calls
srun, and this cluster's config is found only through SLURM_CONF
(/work/shared/notes/snakemake-slurm-executor-here.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Optional

SLURM_CONF = "/var/tmp/makegen-slurm/slurm.conf"
CLIENT_ENV = {"SGE_ROOT": "/var/lib/gridengine", "SGE_CELL": "default", "SLURM_CONF": SLURM_CONF}
SLURM_COMMANDS = ("sbatch", "squeue", "sacct", "scontrol", "scancel", "srun", "sinfo")
SGE_COMMANDS = ("qsub", "qstat", "qacct", "qdel", "qconf")
# Calls that ask the scheduler what happened to a job (the target: none for makegen).
STATUS_COMMANDS = ("squeue", "sacct", "qstat", "qacct")
SUBMIT_COMMANDS = ("sbatch", "qsub")

SHIM = """#!/bin/bash
# Written by makegen benchmarks/cluster.py: log this call, then run the real {name}.
where=submit
p=$PPID
while [[ $p =~ ^[0-9]+$ && $p -gt 1 ]]; do
    read -r comm < "/proc/$p/comm" 2>/dev/null || break
    case $comm in slurmstepd|sge_shepherd) where=job; break ;; esac
    read -r stat < "/proc/$p/stat" 2>/dev/null || break
    stat=${{stat##*) }}
    read -r _ p _ <<< "$stat"
done
if [[ -n ${{MAKEGEN_BENCH_CALLS:-}} ]]; then
    printf '%s %s %s %s\\n' "$EPOCHREALTIME" {name} "$where" "$*" >> "$MAKEGEN_BENCH_CALLS"
fi
{conf}exec {real} "$@"
"""


def client_env(base: dict[str, str]) -> dict[str, str]:
    """base plus what the clients of both test clusters need (scripts/cluster/env.sh)."""
    env = dict(base)
    env.update(CLIENT_ENV)
    path = env.get("PATH", "").split(":")
    env["PATH"] = ":".join(path + [d for d in ("/usr/bin", "/usr/sbin") if d not in path])
    return env


def write_shims(folder: Path, env: dict[str, str]) -> list[str]:
    """One shim per scheduler command found on env's PATH; the names shimmed."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for name in SLURM_COMMANDS + SGE_COMMANDS:
        real = shutil.which(name, path=env["PATH"])
        if real is None:
            continue
        conf = f'export SLURM_CONF="${{SLURM_CONF:-{SLURM_CONF}}}"\n' if name in SLURM_COMMANDS else ""
        path = folder / name
        path.write_text(SHIM.format(name=name, real=real, conf=conf))
        path.chmod(0o755)
        names.append(name)
    return names


def with_shims(env: dict[str, str], shims: Path, calls_log: Path) -> dict[str, str]:
    out = dict(env)
    out["PATH"] = f"{shims}:{env['PATH']}"
    out["MAKEGEN_BENCH_CALLS"] = str(calls_log)
    return out


def count_calls(calls_log: Path) -> dict[str, Counter[str]]:
    """{'submit': Counter(command -> calls), 'job': ...} from a shim log."""
    counts: dict[str, Counter[str]] = {"submit": Counter(), "job": Counter()}
    try:
        lines = calls_log.read_text(errors="replace").splitlines()
    except OSError:
        return counts
    for line in lines:
        parts = line.split(" ", 3)
        if len(parts) >= 3 and parts[2] in counts:
            counts[parts[2]][parts[1]] += 1
    return counts


# -- the benchmark's jobs in the queue ----------------------------------------------------

def our_jobs(scheduler: str, prefix: str, env: dict[str, str]) -> Optional[list[str]]:
    """Ids of the queued or running jobs whose name starts with prefix; None when the
    scheduler did not answer. Called with the real binaries (env without shims)."""
    if scheduler == "slurm":
        result = _run(["squeue", "-h", "-o", "%i %j"], env)
        if result is None:
            return None
        ids = []
        for line in result.splitlines():
            job, _, name = line.strip().partition(" ")
            if name.startswith(prefix):
                ids.append(job.split("_")[0])
        return sorted(set(ids))
    result = _run(["qstat", "-xml", "-u", "*"], env)
    if result is None:
        return None
    try:
        root = ET.fromstring(result)
    except ET.ParseError:
        return None
    ids = []
    for entry in root.iter("job_list"):
        name = entry.findtext("JB_name") or ""
        number = entry.findtext("JB_job_number") or ""
        if name.startswith(prefix) and number:
            ids.append(number)
    return sorted(set(ids))


def cancel_ours(scheduler: str, prefix: str, env: dict[str, str]) -> int:
    """Cancel the jobs named prefix* (never anyone else's); how many were there."""
    ids = our_jobs(scheduler, prefix, env) or []
    if ids:
        _run(["scancel", *ids] if scheduler == "slurm" else ["qdel", *ids], env)
    return len(ids)


def wait_queue_empty(scheduler: str, prefix: str, env: dict[str, str], limit_s: float) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if our_jobs(scheduler, prefix, env) == []:
            return True
        time.sleep(1.0)
    return False


def _run(argv: list[str], env: dict[str, str]) -> Optional[str]:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


# -- limits and other users -----------------------------------------------------------------

def set_site_limits(repo: Path, env: dict[str, str]) -> None:
    """A site's limits: SLURM MaxArraySize 1001, Grid Engine max_aj_tasks 75000 (the up
    scripts' defaults). A changed MaxArraySize restarts slurmctld and slurmd."""
    site = dict(env, MAKEGEN_SLURM_MAX_ARRAY_SIZE="1001", MAKEGEN_SGE_MAX_AJ_TASKS="75000")
    for script in ("slurm-up.sh", "sge-up.sh"):
        subprocess.run(["bash", str(repo / "scripts/cluster" / script)], env=site, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def restore_test_limits(repo: Path, env: dict[str, str]) -> None:
    """What the test suite needs: exactly `make schedulers`."""
    clean = {k: v for k, v in env.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    subprocess.run(["make", "-s", "-C", str(repo), "schedulers"], env=clean, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def limits(env: dict[str, str]) -> str:
    slurm = _run(["scontrol", "show", "config"], env) or ""
    sge = _run(["qconf", "-sconf", "global"], env) or ""
    found = []
    for line in slurm.splitlines():
        if line.split(" ")[0] in ("MaxArraySize", "MaxJobCount", "MinJobAge"):
            found.append(" ".join(line.split()))
    for line in sge.splitlines():
        if line.startswith("max_aj_tasks"):
            found.append(" ".join(line.split()))
    return ", ".join(found) or "schedulers did not answer"


def others_testing() -> list[str]:
    """Command lines of pytest processes that may use the clusters: every one but those run
    with --ignore=tests/cluster (only tests/cluster submits to them), and the jobs of
    someone's test (their scripts name /tmp/pytest-of-...)."""
    result = subprocess.run(["pgrep", "-af", "pytest"], capture_output=True, text=True, check=False)
    me = str(os.getpid())
    return [line for line in result.stdout.splitlines()
            if line.split(" ")[0] != me and "--ignore=tests/cluster" not in line]


def wait_for_quiet(limit_s: float, say: str = "", settle_s: float = 15) -> bool:
    """Wait (up to limit_s) until no pytest has run for settle_s (test suites start one
    pytest after another); False when one still runs."""
    deadline = time.monotonic() + limit_s
    quiet_since: Optional[float] = None
    while True:
        busy = others_testing()
        now = time.monotonic()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        if quiet_since is not None and (now - quiet_since >= settle_s or limit_s == 0):
            return True
        if now >= deadline:
            return False
        if busy:
            print(f"  waiting: a test suite is running ({busy[0][:80]}) {say}", flush=True)
        time.sleep(5)


class Limits:
    """The clusters' array limits, switched between the test suite's (`make schedulers`) and
    a site's, yielding to other people's test runs: the test suite needs the small limits
    (its split-array tests assert them), so the site limits are set only while no pytest
    runs, and given back as soon as one is seen."""

    def __init__(self, repo: Path, env: dict[str, str], manage: bool) -> None:
        self.repo, self.env, self.manage = repo, env, manage
        self.site = False

    def for_run(self, wait_s: float, want_site: bool) -> str:
        """Set what the next run needs, if nobody is testing (waiting up to wait_s); the
        limits in force, as text."""
        if self.manage:
            if others_testing():
                self.test()
            quiet = wait_for_quiet(wait_s)
            if want_site and quiet and not self.site:
                set_site_limits(self.repo, self.env)
                self.site = True
            elif not want_site or not quiet:
                self.test()
        return limits(self.env)

    def test(self) -> None:
        if self.site:
            restore_test_limits(self.repo, self.env)
            self.site = False
