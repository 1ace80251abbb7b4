"""Many instances per array element (`group`).

jobs/job.sh runs an element's instances one after another, each through its task Makefile
with its own markers, log and lock; one failing does not stop the others. The submission
asks the scheduler for one element per `group` instances, with the time of all of them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from typing import Any

import pytest
from conftest import Project, cli

SEVEN = """\
[pipeline]
name = "grouped"
[params]
s = ["s1", "s2", "s3", "s4", "s5", "s6", "s7"]
[task.t]
outputs = ["t/{s}.txt"]
run = 'if [ -e "fail/{s}" ]; then exit 5; fi; echo {s} >> counts/{s}; echo {s} > {outputs}'
group = 3
resources = { time = "10m" }
[task.u]
inputs = ["t/{s}.txt"]
outputs = ["u/{s}.txt"]
run = "cat {inputs} > {outputs}"
group = 3
resources = { time = "10m" }
"""


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MAKE", "SLURM_", "SGE_", "JOB_ID"))}
    return {**env, **(extra or {})}


def _element(project: Project, task: str, index: int, group: int = 3,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """One array element of a task's manifest, as a scheduler would start it."""
    manifest = next((project.build_dir / "manifests").glob(f"phase-*/{task}.txt"))
    # A process group of its own, as a scheduler gives a job: a `kill 0` there signals the job.
    return subprocess.run(["bash", str(project.build_dir / "jobs" / "job.sh"), "--group", str(group),
                           str(project.build_dir), str(manifest), str(index)],
                          cwd=project.root, capture_output=True, text=True, env=_env(env), check=False,
                          timeout=120, start_new_session=True)


def _states(project: Project) -> dict[str, dict[str, Any]]:
    result = cli("status", "--json", cwd=project.root)
    assert result.exit_code in (0, 1), result.stderr
    return {i["id"]: i for i in json.loads(result.stdout)["instances"]}


def _seven(project: Project) -> None:
    project.pipeline(SEVEN)
    (project.root / "counts").mkdir()
    (project.root / "fail").mkdir()
    project.build()


def test_an_element_runs_its_instances_and_a_failing_one_stops_none_of_its_mates(project: Project) -> None:
    _seven(project)
    (project.root / "fail" / "s5").write_text("")
    job = _element(project, "t", 2, env={"SLURM_ARRAY_JOB_ID": "77", "SLURM_ARRAY_TASK_ID": "2"})
    assert job.returncode == 1, job.stderr
    assert "t[s=s5] failed: the command exited with code 5" in job.stderr, job.stderr
    # Only what makegen says (and the log of the failure): no shell's complaint of a file
    # that is gone (the lock of the failed instance, when the job lets go of its locks).
    assert "No such file" not in job.stderr and "lib.sh: line" not in job.stderr, job.stderr
    for sample in ("s4", "s6"):
        assert (project.results / "t" / f"{sample}.txt").read_text() == f"{sample}\n"
    assert not (project.results / "t" / "s5.txt").exists()
    states = _states(project)
    assert {i: states[f"t[s={i}]"]["state"] for i in ("s1", "s2", "s3", "s4", "s5", "s6", "s7")} == {
        "s1": "pending", "s2": "pending", "s3": "pending", "s4": "done", "s5": "failed", "s6": "done",
        "s7": "pending"}
    # Each instance has its own markers, log and job id: the element's.
    for sample in ("s4", "s5", "s6"):
        assert states[f"t[s={sample}]"]["job"] == "77_2", states[f"t[s={sample}]"]
        log = (project.results / ".makegen" / "logs" / "t" / f"{sample}.log").read_text()
        assert f"==== makegen: t[s={sample}] started" in log, log
    # The temporary folders of the element went with it; no lock is left.
    assert list((project.results / ".makegen" / "tmp" / "t").iterdir()) == []
    assert not list((project.results / ".makegen" / "state" / "t").glob("*.started"))


def test_each_instance_log_holds_its_own_command_trace_and_none_of_its_mates(project: Project) -> None:
    _seven(project)
    assert _element(project, "t", 1).returncode == 0
    mates = ("s1", "s2", "s3")
    for sample in mates:
        log = (project.results / ".makegen" / "logs" / "t" / f"{sample}.log").read_text()
        assert f"+ echo {sample}\n" in log, log
        traced = set(re.findall(r"^\+ echo (s\d)$", log, re.M))
        assert traced == {sample}, f"{sample}'s log traces the commands of {traced}:\n{log}"


def test_an_element_under_gnu_make_3_82_runs_fails_and_counts_as_under_make_4(project: Project) -> None:
    """GNU make before 4.0 has no $(file), with which make tells job.sh what it decided: there
    the task script runs each instance (MAKE_VERSION stands for such a make here)."""
    _seven(project)
    (project.root / "fail" / "s2").write_text("")
    old_make = {"MAKEGEN_SET": "MAKE_VERSION=3.82"}
    job = _element(project, "t", 1, env=old_make)
    assert job.returncode == 1, job.stderr
    assert "t[s=s2] failed: the command exited with code 5" in job.stderr, job.stderr
    assert sorted(p.name for p in (project.results / "t").iterdir()) == ["s1.txt", "s3.txt"]
    states = _states(project)
    assert [states[f"t[s={s}]"]["state"] for s in ("s1", "s2", "s3")] == ["done", "failed", "done"]
    (project.root / "fail" / "s2").unlink()
    again = _element(project, "t", 1, env=old_make)
    assert again.returncode == 0, again.stderr
    assert [project.counter(s) for s in ("s1", "s2", "s3")] == [1, 1, 1]
    assert (project.results / "t" / "s2.txt").read_text() == "s2\n"


def _mv_logged(project: Project) -> dict[str, str]:
    """A PATH whose `mv` logs each call, then is the real one."""
    real = shutil.which("mv")
    assert real, "no mv on PATH"
    shim = project.write("shims/mv", f'#!/bin/sh\necho "$*" >> "{project.root}/mv.log"\nexec {real} "$@"\n')
    shim.chmod(0o755)
    return {"PATH": f"{shim.parent}:{os.environ['PATH']}"}


def _mv_calls(project: Project) -> list[str]:
    log = project.root / "mv.log"
    return log.read_text().splitlines() if log.exists() else []


def test_an_element_publishes_its_outputs_by_one_renamer_not_a_program_each(project: Project) -> None:
    """A group's instances cost milliseconds each: an output is published by the element's
    renamer (one Perl process for the element), not by an `mv` started per instance."""
    assert shutil.which("perl"), "perl is part of every Debian system (perl-base)"
    _seven(project)
    job = _element(project, "t", 1, env=_mv_logged(project))
    assert job.returncode == 0, job.stderr
    for sample in ("s1", "s2", "s3"):
        assert (project.results / "t" / f"{sample}.txt").read_text() == f"{sample}\n"
    assert _mv_calls(project) == [], "an output was published by a program of its own"
    assert [_states(project)[f"t[s={s}]"]["state"] for s in ("s1", "s2", "s3")] == ["done"] * 3
    assert not list((project.results / ".makegen" / "tmp" / "t").iterdir()), "a temporary folder was left"


# The command of s2 kills the renamer: the children of job.sh (the parent of the command's
# shell, whose child this script is) that are Perl.
KILL_RENAMER = r"""
read -r _ _ _ job _ </proc/$PPID/stat
for stat in /proc/[0-9]*/stat; do
  read -r pid name _ parent _ <"$stat" 2>/dev/null || continue
  if [ "$parent" = "$job" ] && [ "$name" = "(perl)" ]; then kill -KILL "$pid"; fi
done
"""


def test_an_element_whose_renamer_is_gone_publishes_the_rest_by_mv(project: Project) -> None:
    _seven(project)
    killer = project.write("tools/kill_renamer.sh", KILL_RENAMER)
    project.pipeline(SEVEN.replace("echo {s} >> counts/{s};",
                                   f'if [ {{s}} = s2 ]; then bash {killer}; fi; echo {{s}} >> counts/{{s}};'))
    project.build()
    job = _element(project, "t", 1, env=_mv_logged(project))
    assert job.returncode == 0, job.stderr
    for sample in ("s1", "s2", "s3"):
        assert (project.results / "t" / f"{sample}.txt").read_text() == f"{sample}\n"
    # s1 by the renamer; s2 and s3, after it was killed, by mv (a write to it fails, and
    # job.sh goes on without it).
    assert [line.split("/")[-1] for line in _mv_calls(project)] == ["s2.txt", "s3.txt"]
    assert [_states(project)[f"t[s={s}]"]["state"] for s in ("s1", "s2", "s3")] == ["done"] * 3


def test_a_sigterm_to_an_element_fails_the_running_instance_and_runs_no_mate_after_it(project: Project) -> None:
    """The instances run in job.sh's own shell: a signal ends the running one failed (its
    command goes with the signal too) and job.sh starts none after it."""
    _seven(project)
    project.pipeline(SEVEN.replace("echo {s} >> counts/{s};",
                                   'if [ -e "fail/term-{s}" ]; then kill -TERM 0; sleep 5; fi; echo {s} >> counts/{s};'))
    project.build()
    (project.root / "fail" / "term-s2").write_text("")
    job = _element(project, "t", 1)
    assert job.returncode == 1, job.stderr
    assert "t[s=s2] failed: killed by SIGTERM" in job.stderr, job.stderr
    assert "stopped by SIGTERM after" in job.stderr, job.stderr
    states = _states(project)
    assert [states[f"t[s={s}]"]["state"] for s in ("s1", "s2", "s3")] == ["done", "failed", "pending"]
    assert states["t[s=s2]"]["exit_code"] == 143, states["t[s=s2]"]
    assert not (project.results / "t" / "s2.txt").exists()
    assert not list((project.results / ".makegen" / "tmp" / "t").iterdir()), "a temporary folder was left"
    (project.root / "fail" / "term-s2").unlink()
    again = _element(project, "t", 1)
    assert again.returncode == 0, again.stderr
    assert [project.counter(s) for s in ("s1", "s2", "s3")] == [1, 1, 1]


@pytest.mark.parametrize("group", [1, 3])
def test_a_signal_just_before_the_command_starts_runs_no_command(project: Project, group: int) -> None:
    """A signal that reaches job.sh after the attempt's last check and before the command's
    shell starts (MAKEGEN_TEST_FAULT=signal:command sends it there): the command does not
    run, the instance ends failed at once, and no mate runs after it. (Before, the command
    ran whole first: a Ctrl-C waited for it, and a scheduler's KILL after its TERM left the
    instance half-run.)"""
    _seven(project)
    job = _element(project, "t", 1, group=group, env={"MAKEGEN_TEST_FAULT": "signal:command"})
    assert job.returncode == 1, job.stderr
    assert "t[s=s1] failed: killed by SIGTERM" in job.stderr, job.stderr
    assert f"stopped by SIGTERM after 1 instance(s) of {group}" in job.stderr, job.stderr
    assert project.counter("s1") == 0, "the command ran"
    states = _states(project)
    assert states["t[s=s1]"]["state"] == "failed", states["t[s=s1]"]
    assert states["t[s=s1]"]["exit_code"] == 143, states["t[s=s1]"]
    assert not (project.results / "t" / "s1.txt").exists()
    assert not list((project.results / ".makegen" / "state" / "t").glob("*.started")), "a lock was left"
    again = _element(project, "t", 1, group=group)
    assert again.returncode == 0, again.stderr
    assert project.counter("s1") == 1


# The command of an instance whose file fail/job-term-<s> exists sends SIGTERM to job.sh
# alone (the parent of the command's shell, whose child this script is), not to itself.
TERM_JOB = r"""
read -r _ _ _ job _ </proc/$PPID/stat
kill -TERM "$job"
"""


def test_a_sigterm_to_job_sh_alone_lets_the_running_command_finish_and_runs_no_mate_after_it(
        project: Project) -> None:
    """A signal that reaches job.sh but not the command: the command that succeeded is
    published and done (milliseconds), and job.sh starts nothing after it."""
    _seven(project)
    killer = project.write("tools/term_job.sh", TERM_JOB)
    project.pipeline(SEVEN.replace("echo {s} >> counts/{s};",
                                   f'if [ -e "fail/job-term-{{s}}" ]; then bash {killer}; fi; '
                                   'echo {s} >> counts/{s};'))
    project.build()
    (project.root / "fail" / "job-term-s2").write_text("")
    job = _element(project, "t", 1)
    assert job.returncode == 1, job.stderr
    assert "stopped by SIGTERM after 2 instance(s) of 3" in job.stderr, job.stderr
    assert "killed by" not in job.stderr, job.stderr
    states = _states(project)
    assert [states[f"t[s={s}]"]["state"] for s in ("s1", "s2", "s3")] == ["done", "done", "pending"]
    assert (project.results / "t" / "s2.txt").read_text() == "s2\n"
    assert not list((project.results / ".makegen" / "state" / "t").glob("*.started")), "a lock was left"


def test_the_last_element_runs_what_is_left_and_an_element_past_the_end_is_refused(project: Project) -> None:
    _seven(project)
    job = _element(project, "t", 3)
    assert job.returncode == 0, job.stderr
    assert sorted(p.name for p in (project.results / "t").iterdir()) == ["s7.txt"]
    beyond = _element(project, "t", 4)
    assert beyond.returncode == 2, beyond.stderr
    assert "has no line 10" in beyond.stderr, beyond.stderr


def test_an_element_again_runs_nothing_that_is_done(project: Project) -> None:
    _seven(project)
    assert _element(project, "t", 1).returncode == 0
    assert _element(project, "t", 1).returncode == 0
    assert [project.counter(s) for s in ("s1", "s2", "s3")] == [1, 1, 1]
    (project.results / "t" / "s2.txt").unlink()
    assert _element(project, "t", 1).returncode == 0
    assert [project.counter(s) for s in ("s1", "s2", "s3")] == [1, 2, 1]


def test_a_blocked_instance_in_an_element_stops_none_of_its_mates(project: Project) -> None:
    _seven(project)
    (project.root / "fail" / "s2").write_text("")
    assert _element(project, "t", 1).returncode == 1
    down = _element(project, "u", 1)
    assert down.returncode == 3, down.stderr  # blocked, and nothing failed
    states = _states(project)
    assert [states[f"u[s={s}]"]["state"] for s in ("s1", "s2", "s3")] == ["done", "blocked", "done"]


def test_submission_asks_for_one_element_per_group_with_the_time_of_all(project: Project) -> None:
    _seven(project)
    slurm = cli("submit", "--backend", "slurm", "--print", cwd=project.root)
    assert slurm.exit_code == 0, slurm.stderr
    t_line, u_line = [line for line in slurm.stdout.splitlines() if line.startswith("job_") and "sbatch" in line]
    for line in (t_line, u_line):
        assert "--array=1-3 " in line and "--time=0:30:00" in line, line
        assert '"$snap/jobs/job.sh" --group 3 "$snap"' in line, line
    # u's element i reads what t's element i wrote, but SLURM's aftercorr would cancel a whole
    # element downstream of one failing instance: u waits for t's array to end.
    assert 'afterany:"$job_1"' in u_line and "aftercorr" not in u_line, u_line
    sge = cli("submit", "--backend", "sge", "--print", cwd=project.root)
    assert sge.exit_code == 0, sge.stderr
    assert re.search(r"-t 1-3 .*-l h_rt=0:30:00.*-hold_jid_ad", sge.stdout, re.S), sge.stdout
    # --group overrides every task's; --sample takes instances, grouped after.
    five = cli("submit", "--backend", "slurm", "--print", "--group", "5", "--sample", "6", cwd=project.root)
    assert five.exit_code == 0, five.stderr
    assert five.stdout.count("--array=1-2 ") == 2 and "--time=0:50:00" in five.stdout, five.stdout
    dry = cli("submit", "--backend", "slurm", "--dry-run", cwd=project.root)
    assert "t: 7 instance(s) in 3 element(s) of up to 3" in dry.stdout, dry.stdout


def test_elements_of_different_groups_wait_for_the_whole_upstream_array(project: Project) -> None:
    project.pipeline(SEVEN.replace('run = "cat {inputs} > {outputs}"\ngroup = 3',
                                   'run = "cat {inputs} > {outputs}"\ngroup = 2'))
    project.build()
    slurm = cli("submit", "--backend", "slurm", "--print", cwd=project.root)
    u_line = [line for line in slurm.stdout.splitlines() if "sbatch" in line and "mg_grouped_u" in line][0]
    assert "--array=1-4 " in u_line and "afterany" in u_line and "aftercorr" not in u_line, u_line


def test_group_is_a_whole_number_in_a_task_or_in_defaults(project: Project) -> None:
    for bad, where in (("group = 0", "task.t"), ('group = "3"', "task.t"), ("retries = -1", "task.t")):
        project.pipeline(SEVEN.replace("group = 3\nresources", f"{bad}\nresources", 1))
        result = cli("build", cwd=project.root)
        assert result.exit_code == 2, result.stderr
        key = bad.split()[0]
        assert where in result.stderr and f"{key} must be a whole number" in result.stderr, result.stderr
        assert not (project.root / "build").exists()
    project.pipeline(SEVEN.replace("group = 3\n", "") + "[defaults]\ngroup = 4\n")
    project.build()
    slurm = cli("submit", "--backend", "slurm", "--print", cwd=project.root)
    assert slurm.stdout.count("--array=1-2 ") == 2, slurm.stdout
    project.pipeline(SEVEN + "[defaults]\ngroup = true\n")
    refused = cli("build", cwd=project.root)
    assert refused.exit_code == 2 and "defaults" in refused.stderr and "group" in refused.stderr, refused.stderr
