"""Attempts: tries within a job (`retries`), attempts counted across submissions, and
resources that grow by attempt (`mem`, `time`, `cores` as lists).
"""

from __future__ import annotations

import json
import re

from conftest import Project, cli

# -- retries --------------------------------------------------------------------------------------

FLAKY = """\
[pipeline]
name = "flaky"
[task.f]
outputs = ["f.txt"]
run = 'echo try >> counts/f; if [ -e flaky ]; then rm flaky; echo partial > {outputs}; exit 4; fi; echo ok > {outputs}'
retries = 1
"""


def _marker(project: Project, task: str, suffix: str) -> dict[str, str]:
    found = [p for p in (project.results / ".makegen" / "state" / task).iterdir() if suffix in p.name]
    assert len(found) == 1, found
    return dict(line.split("=", 1) for line in found[0].read_text().splitlines() if "=" in line)


def test_a_command_that_fails_once_is_done_on_its_second_try_within_the_job(project: Project) -> None:
    project.pipeline(FLAKY)
    (project.root / "counts").mkdir()
    (project.root / "flaky").write_text("")
    project.build()
    result = project.run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert project.counter("f") == 2
    assert (project.results / "f.txt").read_text() == "ok\n"
    ok = _marker(project, "f", ".ok-")
    assert ok["attempt"] == "2" and float(ok["wall_s"]) >= 0 and float(ok["cpu_s"]) >= 0, ok
    log = (project.results / ".makegen" / "logs" / "f" / "_.log").read_text()
    assert "the command exited with code 4 (attempt 1); retrying" in log, log
    assert re.search(r"started .* attempt 2", log), log


def test_attempts_count_across_runs_until_a_success(project: Project) -> None:
    project.pipeline(FLAKY.replace("retries = 1\n", "").replace("rm flaky; ", ""))
    (project.root / "counts").mkdir()
    (project.root / "flaky").write_text("")
    project.build()
    assert project.run().returncode == 1
    assert _marker(project, "f", ".failed")["attempt"] == "1"
    assert project.run().returncode == 1
    assert _marker(project, "f", ".failed")["attempt"] == "2"
    (project.root / "flaky").unlink()
    assert project.run().returncode == 0
    assert _marker(project, "f", ".ok-")["attempt"] == "3"


GROWING = """\
[pipeline]
name = "growing"
[params]
s = ["a", "b", "c"]
[task.g]
outputs = ["g/{s}.txt"]
run = 'echo {resources.cores} >> counts/{s}; if [ -e "fail/{s}" ]; then exit 9; fi; echo {s} > {outputs}'
resources = { mem = ["1G", "3G"], time = ["10m", "30m", "1h"], cores = [1, 2] }
"""


def test_a_failed_instance_is_resubmitted_with_what_its_next_attempt_asks_for(project: Project) -> None:
    project.pipeline(GROWING)
    (project.root / "counts").mkdir()
    (project.root / "fail").mkdir()
    (project.root / "fail" / "b").write_text("")
    project.build()
    assert project.run("-k").returncode == 1
    status = {i["id"]: i for i in json.loads(cli("status", "--json", cwd=project.root).stdout)["instances"]}
    assert status["g[s=b]"]["state"] == "failed"
    # The command saw its attempt's cores: 1 on attempt 1.
    assert (project.root / "counts" / "b").read_text() == "1\n"
    (project.results / "g" / "a.txt").unlink()  # a is to run again too, on its attempt 1
    printed = cli("submit", "--backend", "slurm", "--print", "--missing", cwd=project.root)
    assert printed.exit_code == 0, printed.stderr
    sbatch = [line for line in printed.stdout.splitlines() if line.startswith("job_") and "sbatch" in line]
    assert len(sbatch) == 2, printed.stdout
    first = next(line for line in sbatch if "--mem=1024M" in line)
    second = next(line for line in sbatch if "--mem=3072M" in line)
    assert "--cpus-per-task=1" in first and "--time=0:10:00" in first and "--array=1-1 " in first, first
    assert "--cpus-per-task=2" in second and "--time=0:30:00" in second and "--array=1-1 " in second, second
    sge = cli("submit", "--backend", "sge", "--print", "--missing", cwd=project.root)
    assert "h_vmem=1536M" in sge.stdout and "-pe smp 2" in sge.stdout, sge.stdout
    # The attempt after it: the last entry of mem and cores repeats; time has a third.
    assert project.run("-k").returncode == 1
    third = cli("submit", "--backend", "slurm", "--print", "--missing", cwd=project.root).stdout
    assert "--mem=3072M" in third and "--time=1:00:00" in third and "--cpus-per-task=2" in third, third
    assert (project.root / "counts" / "b").read_text() == "1\n2\n"


def test_a_resource_list_is_checked_entry_by_entry(project: Project) -> None:
    for bad, says in (('mem = []', "mem is an empty list"),
                      ('mem = ["1G", "lots"]', "mem (attempt 2) 'lots' is not a size"),
                      ('cores = [1, 0]', "cores (attempt 2) must be a whole number from 1")):
        project.pipeline(GROWING.replace('resources = { mem = ["1G", "3G"], time = ["10m", "30m", "1h"], '
                                         'cores = [1, 2] }', f"resources = {{ {bad} }}"))
        result = cli("build", cwd=project.root)
        assert result.exit_code == 2, result.stderr
        assert says in result.stderr and "task.g" in result.stderr, result.stderr
        assert not (project.root / "build").exists()
