"""Smoke tests against the real single-node schedulers on this machine.

They assume scripts/cluster/sge-up.sh and scripts/cluster/slurm-up.sh have been run
(the CI step does that first). A scheduler that is not reachable is a FAILURE, never
a skip: these tests exist to prove the clusters work.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import helpers

JOB_TIMEOUT_S = 30  # bound on waiting for a 3-task array of trivial jobs (takes ~3 s)
_load_cluster_env = helpers.load_cluster_env
_run = helpers.run


def _must(cmd: list[str], cwd: Path | None = None, hint: str = "") -> str:
    res = _run(cmd, cwd)
    assert res.returncode == 0, (
        f"{' '.join(cmd)} exited {res.returncode}: {res.stderr.strip() or res.stdout.strip()}"
        + (f"\n{hint}" if hint else "")
    )
    return res.stdout


def _wait(predicate: Callable[[], Any], what: str, timeout_s: float = JOB_TIMEOUT_S,
          diag: Optional[Callable[[], str]] = None) -> Any:
    return helpers.wait_for(predicate, what, timeout_s, diag)


def _write_task_script(path: Path, task_var: str) -> Path:
    script = path / "task.sh"
    script.write_text(
        f'#!/bin/bash\nset -eu\necho "task ${{{task_var}}} on $(hostname)" > "out.${{{task_var}}}"\n'
    )
    script.chmod(0o755)
    return script


# --------------------------------------------------------------------------- Grid Engine

SGE_HINT = "Is Grid Engine up? Run: sudo scripts/cluster/sge-up.sh"


def _sge_job_ids_in_queue() -> set[str]:
    out = _must(["qstat", "-u", "*"], hint=SGE_HINT)
    ids = set()
    for line in out.splitlines()[2:]:  # two header lines
        fields = line.split()
        if fields:
            ids.add(fields[0])
    return ids


def _qacct_records(job_id: str) -> list[dict[str, str]]:
    res = _run(["qacct", "-j", job_id])
    if res.returncode != 0:
        return []  # not flushed to the accounting file yet
    records: list[dict[str, str]] = []
    for line in res.stdout.splitlines():
        if line.startswith("====="):
            records.append({})
        elif records and line.strip():
            key, _, value = line.partition(" ")
            records[-1][key] = value.strip()
    return records


def test_sge_array_job_runs_all_tasks(tmp_path: Path) -> None:
    _load_cluster_env()
    _must(["qstat"], hint=SGE_HINT)
    script = _write_task_script(tmp_path, "SGE_TASK_ID")

    out = _must(
        [
            "qsub",
            "-terse",
            "-t",
            "1-3",
            "-cwd",
            "-V",
            "-N",
            "smoke",
            "-o",
            str(tmp_path),
            "-e",
            str(tmp_path),
            str(script),
        ],
        cwd=tmp_path,
        hint=SGE_HINT,
    )
    job_id = out.strip().split(".", 1)[0]  # "8.1-3:1" -> "8"
    assert job_id.isdigit(), f"unexpected qsub -terse output {out!r}"

    _wait(
        lambda: job_id not in _sge_job_ids_in_queue(),
        f"SGE array job {job_id} to leave the queue",
        diag=lambda: _run(["qstat", "-j", job_id]).stdout + _run(["qstat", "-f"]).stdout,
    )
    for task in (1, 2, 3):
        out_file = tmp_path / f"out.{task}"
        assert out_file.exists(), f"task {task} wrote no {out_file}; dir: {os.listdir(tmp_path)}"
        assert out_file.read_text().startswith(f"task {task} on ")

    records = _wait(
        lambda: (r := _qacct_records(job_id)) and len(r) >= 3 and r,
        f"qacct to list the 3 tasks of job {job_id}",
        timeout_s=15,
    )
    assert sorted(r["taskid"] for r in records) == ["1", "2", "3"], records
    assert all(r["exit_status"] == "0" and r["failed"] == "0" for r in records), records


# --------------------------------------------------------------------------------- SLURM

SLURM_HINT = "Is SLURM up? Run: sudo scripts/cluster/slurm-up.sh"


def _slurm_job_in_queue(job_id: str) -> bool:
    out = _must(["squeue", "-h", "-o", "%i"], hint=SLURM_HINT)  # e.g. "12_1", "12_[2-3]"
    return any(line.split("_", 1)[0] == job_id for line in out.split())


def test_slurm_array_job_runs_all_tasks(tmp_path: Path) -> None:
    _load_cluster_env()
    _must(["scontrol", "ping"], hint=SLURM_HINT)
    script = _write_task_script(tmp_path, "SLURM_ARRAY_TASK_ID")

    out = _must(
        [
            "sbatch",
            "--parsable",
            "--array=1-3",
            "-J",
            "smoke",
            f"--chdir={tmp_path}",
            "-o",
            str(tmp_path / "slurm-%A_%a.log"),
            str(script),
        ],
        cwd=tmp_path,
        hint=SLURM_HINT,
    )
    job_id = out.strip().split(";", 1)[0]
    assert job_id.isdigit(), f"unexpected sbatch --parsable output {out!r}"

    def all_files_and_gone() -> bool:
        have_files = all((tmp_path / f"out.{t}").exists() for t in (1, 2, 3))
        return have_files and not _slurm_job_in_queue(job_id)

    _wait(
        all_files_and_gone,
        f"SLURM array job {job_id} to write out.1..3 and leave squeue",
        diag=lambda: (
            _run(["scontrol", "show", "job", job_id]).stdout + f"\nfiles: {sorted(os.listdir(tmp_path))}"
        ),
    )
    for task in (1, 2, 3):
        assert (tmp_path / f"out.{task}").read_text().startswith(f"task {task} on ")

    # MinJobAge keeps finished jobs visible to scontrol for a while.
    show = _must(["scontrol", "-o", "show", "job", job_id], hint=SLURM_HINT)
    tasks = {}
    for line in show.splitlines():
        m_task = re.search(r"\bArrayTaskId=(\d+)\b", line)
        m_state = re.search(r"\bJobState=(\S+)", line)
        m_exit = re.search(r"\bExitCode=(\S+)", line)
        if m_task and m_state and m_exit:
            tasks[m_task.group(1)] = (m_state.group(1), m_exit.group(1))
    assert tasks == {t: ("COMPLETED", "0:0") for t in ("1", "2", "3")}, show
