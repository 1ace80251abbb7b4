"""submit --backend azure: the installed makegen and the real azure-batch SDK against a fake of
the Batch REST service on 127.0.0.1 (tests/fake_batch.py). No Azure account is reached: these
tests hold makegen to the REST contract as the service documents it, not to a live account."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import Project, cli
from fake_batch import FakeBatch
from installed import REPO, makegen

from makegen.execute.backends.azure import job_id

KEY = "c2VjcmV0LWtleS1mb3ItdGVzdHM="  # base64, as a Batch account key is
POOL = "makegen-pool"


@pytest.fixture
def fake() -> Iterator[FakeBatch]:
    service = FakeBatch()
    service.start()
    yield service
    service.stop()


def account(fake: FakeBatch, **changes: str) -> dict[str, str]:
    settings = {"AZURE_BATCH_ENDPOINT": fake.endpoint, "AZURE_BATCH_ACCOUNT": fake.account,
                "AZURE_BATCH_KEY": KEY, "AZURE_BATCH_POOL": POOL}
    return {**settings, **changes}


def no_account() -> dict[str, str]:
    return {name: "" for name in ("AZURE_BATCH_ENDPOINT", "AZURE_BATCH_ACCOUNT", "AZURE_BATCH_KEY",
                                  "AZURE_BATCH_POOL")}


@pytest.fixture
def example(tmp_path: Path) -> Path:
    folder = tmp_path / "example"
    shutil.copytree(REPO / "example_pipeline", folder, ignore=shutil.ignore_patterns("build", "results"))
    assert cli("build", cwd=folder).exit_code == 0
    return folder


def tasks_by_id(fake: FakeBatch) -> dict[str, dict]:  # type: ignore[type-arg]
    (job,) = fake.tasks.values()
    return job


def test_the_example_pipeline_is_one_job_whose_tasks_chain_as_its_arrays_do(
        example: Path, fake: FakeBatch) -> None:
    result = cli("submit", "build", "--backend", "azure", cwd=example, env=account(fake))
    assert result.exit_code == 0, result.stderr
    (name,) = fake.jobs
    job_path = f"/jobs/{name}"
    assert fake.calls() == [("GET", f"/pools/{POOL}"), ("POST", "/jobs")] + \
        [("POST", f"{job_path}/addtaskcollection")] * 4 + [("PATCH", job_path)]
    # One request per phase, so a task's upstream is always in before it.
    assert [sorted(ids, key=int) for ids in fake.task_requests()] == [
        [str(i) for i in range(1, 11)], [str(i) for i in range(11, 21)],
        [str(i) for i in range(21, 26)], ["26"]]
    created = fake.requests[1].body
    assert created["poolInfo"] == {"poolId": POOL} and created["usesTaskDependencies"] is True
    assert created["onAllTasksComplete"] == "noaction"  # until every task is in
    assert created["onTaskFailure"] == "performexitoptionsjobaction"
    assert fake.requests[-1].body == {"onAllTasksComplete": "terminatejob"}
    assert all(r.headers["authorization"].startswith(f"SharedKey {fake.account}:") for r in fake.requests)

    tasks = tasks_by_id(fake)
    assert "dependsOn" not in tasks["1"]  # trim: at once
    assert [tasks[str(i)]["dependsOn"] for i in (11, 20)] == [{"taskIds": ["1"]}, {"taskIds": ["10"]}]
    assert tasks["21"]["dependsOn"] == {"taskIdRanges": [{"start": 11, "end": 20}]}  # count after align
    assert tasks["26"]["dependsOn"] == {"taskIdRanges": [{"start": 21, "end": 25}]}  # summary after count
    assert tasks["11"]["requiredSlots"] == 2 and tasks["1"]["requiredSlots"] == 1  # resources.cores
    assert tasks["11"]["constraints"] == {"maxTaskRetryCount": 0, "maxWallClockTime": "PT600S"}  # 10m
    assert tasks["11"]["exitConditions"] == {"default": {"jobAction": "terminate", "dependencyAction": "block"}}
    snap = result.stderr.split("makegen: snapshot ")[1].split()[0]
    assert tasks["12"]["commandLine"] == (
        f"/bin/bash -c 'bash {snap}/jobs/job.sh {snap} {snap}/arrays/2.txt 2'")
    assert "submitted align (phase 2, 10 instance(s)) as tasks 11-20" in result.stdout
    assert f"Azure Batch job {name} in pool {POOL}: 26 task(s)" in result.stdout


def test_a_task_runs_its_instance_as_a_batch_node_would_and_status_names_it(
        example: Path, fake: FakeBatch) -> None:
    assert cli("submit", "build", "--backend", "azure", cwd=example, env=account(fake)).exit_code == 0
    (name,) = fake.jobs
    task = tasks_by_id(fake)["3"]
    # Batch starts the command line with no shell, in a folder of its own, with its variables.
    node = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    node.update({"AZ_BATCH_JOB_ID": name, "AZ_BATCH_TASK_ID": "3"})
    node.update({e["name"]: e["value"] for e in fake.jobs[name]["commonEnvironmentSettings"]})
    ran = subprocess.run(shlex.split(task["commandLine"]), cwd=example.parent, env=node,
                         capture_output=True, text=True, check=False)
    assert ran.returncode == 0, ran.stderr
    status = json.loads(cli("status", "build", "--json", cwd=example).stdout)
    done = [i for i in status["instances"] if i["state"] == "done"]
    assert [(i["task"], i["job"]) for i in done] == [("trim", f"{name}/3")]


def test_print_writes_the_bodies_and_they_load_into_the_sdk_models(example: Path) -> None:
    from azure.batch import models

    result = cli("submit", "build", "--backend", "azure", "--print", "--throttle", "4", cwd=example,
                 env={**no_account(), "AZURE_BATCH_POOL": POOL})
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    job = models.BatchJobCreateOptions(printed["job"])
    assert job.pool_info.pool_id == POOL and job.uses_task_dependencies and job.max_parallel_tasks == 4
    tasks = [models.BatchTaskCreateOptions(t) for t in printed["tasks"]]
    assert [t.id for t in tasks] == [str(i) for i in range(1, 27)]
    assert tasks[20].depends_on.task_id_ranges[0].start == 11
    assert tasks[10].constraints.max_wall_clock_time == timedelta(minutes=10)
    assert tasks[10].exit_conditions.default.dependency_action == models.DependencyAction.BLOCK
    assert [t.as_dict() for t in tasks] == printed["tasks"]  # nothing lost on the way
    update = models.BatchJobUpdateOptions(printed["jobUpdate"])
    assert update.all_tasks_complete_mode == models.BatchAllTasksCompleteMode.TERMINATE_JOB
    snap = result.stderr.split("the tasks run the snapshot ")[1].split()[0]
    assert (Path(snap) / "arrays" / "1.txt").read_text().count("\n") == 10


MANY = """
[pipeline]
name = "many"
[params]
n = { file = "n.txt" }
[task.each]
outputs = ["each/{n}.txt"]
run = "echo {n} > {outputs}"
[task.all]
inputs = ["each/{n}.txt"]
outputs = ["all.txt"]
run = "cat {inputs} > {outputs}"
"""


def many(project: Project) -> None:
    project.pipeline(MANY)
    project.write("n.txt", "".join(f"{n}\n" for n in range(1, 251)))
    project.build()


def test_tasks_go_100_a_request_and_a_server_error_is_retried(project: Project, fake: FakeBatch) -> None:
    many(project)
    fake.server_error_once = {"7", "120"}
    result = cli("submit", "--backend", "azure", cwd=project.root, env=account(fake))
    assert result.exit_code == 0, result.stderr
    requests = fake.task_requests()
    assert [len(ids) for ids in requests[:2]] == [100, 100] and max(map(len, requests)) == 100
    sent = [i for ids in requests for i in ids]
    assert sorted(i for i in set(sent) if sent.count(i) > 1) == ["120", "7"]  # sent again, once
    assert len(sent) == 253 and requests[-1] == ["251"]  # `all`, after the phase before it
    assert sorted(tasks_by_id(fake), key=int) == [str(i) for i in range(1, 252)]
    assert tasks_by_id(fake)["251"]["dependsOn"] == {"taskIdRanges": [{"start": 1, "end": 250}]}


def test_a_group_of_instances_is_one_task_with_the_time_of_all(project: Project, fake: FakeBatch) -> None:
    project.pipeline(MANY.replace('run = "echo {n} > {outputs}"',
                                  'run = "echo {n} > {outputs}"\ngroup = 100\nresources = { time = "1m" }'))
    project.write("n.txt", "".join(f"{n}\n" for n in range(1, 251)))
    project.build()
    result = cli("submit", "--backend", "azure", cwd=project.root, env=account(fake))
    assert result.exit_code == 0, result.stderr
    assert "submitted each (phase 1, 250 instance(s) in 3 element(s) of up to 100) as tasks 1-3" in result.stdout
    tasks = tasks_by_id(fake)
    assert sorted(tasks, key=int) == ["1", "2", "3", "4"]
    command = shlex.split(tasks["3"]["commandLine"])[-1]
    assert shlex.split(command)[2:4] == ["--group", "100"] and command.endswith(" 3"), command
    assert tasks["3"]["constraints"]["maxWallClockTime"] in ("PT6000S", "PT1H40M"), tasks["3"]
    assert tasks["4"]["dependsOn"] == {"taskIdRanges": [{"start": 1, "end": 3}]}


def test_a_request_too_large_is_halved(project: Project, fake: FakeBatch) -> None:
    many(project)
    fake.too_large_above = 60
    result = cli("submit", "--backend", "azure", cwd=project.root, env=account(fake))
    assert result.exit_code == 0, result.stderr
    sizes = [len(ids) for ids in fake.task_requests()]
    assert sizes == [100, 50, 50, 50, 50, 50, 1], sizes  # the 413, then halves
    assert sorted(tasks_by_id(fake), key=int) == [str(i) for i in range(1, 252)]


def test_server_errors_spelt_as_older_api_versions_did_are_retried_too(
        project: Project, fake: FakeBatch) -> None:
    many(project)
    fake.statuses = {"success": "success", "server": "serverError", "client": "clientError"}
    fake.server_error_once = {"42"}
    result = cli("submit", "--backend", "azure", cwd=project.root, env=account(fake))
    assert result.exit_code == 0, result.stderr
    assert "42" in tasks_by_id(fake)


def test_a_refused_task_terminates_the_job_and_says_which(example: Path, fake: FakeBatch) -> None:
    fake.client_error = {"12"}
    result = cli("submit", "build", "--backend", "azure", cwd=example, env=account(fake))
    assert result.exit_code == 2
    assert "task 12: InvalidPropertyValue (A property is invalid.)" in result.stderr
    (name,) = fake.jobs
    assert f"job {name} was terminated" in result.stderr
    assert ("POST", f"/jobs/{name}/terminate") in fake.calls() and fake.jobs[name]["state"] == "terminated"
    assert ("PATCH", f"/jobs/{name}") not in fake.calls()


@pytest.mark.parametrize(("changes", "named", "fix"), [
    ({"AZURE_BATCH_POOL": ""}, "AZURE_BATCH_POOL is not set", "--queue POOL"),
    ({"AZURE_BATCH_ENDPOINT": ""}, "AZURE_BATCH_ENDPOINT is not set", "MAKEGEN_CONFIG"),
    ({"AZURE_BATCH_ENDPOINT": "batch.example"}, "AZURE_BATCH_ENDPOINT 'batch.example' is not a URL",
     "https://ACCOUNT.REGION.batch.azure.com"),
    ({"AZURE_BATCH_ACCOUNT": ""}, "AZURE_BATCH_ACCOUNT is not set", "MAKEGEN_CONFIG"),
    ({"AZURE_BATCH_KEY": "not a key!"}, "AZURE_BATCH_KEY is not a Batch account key", "Keys page"),
])
def test_a_missing_or_malformed_setting_submits_nothing_and_names_it(
        example: Path, fake: FakeBatch, changes: dict[str, str], named: str, fix: str) -> None:
    result = cli("submit", "build", "--backend", "azure", cwd=example, env=account(fake, **changes))
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("Error: AZURE_BATCH_") and named in result.stderr
    assert fix in result.stderr and "nothing was submitted" in result.stderr
    assert fake.requests == [] and not (example / "results" / ".makegen" / "submit").exists()


@pytest.mark.parametrize(("fault", "named"), [
    ("pool", "Error: AZURE_BATCH_POOL: Azure Batch refused to read pool elsewhere: PoolNotFound"),
    ("signature", "Error: AZURE_BATCH_KEY: Azure Batch refused to read pool makegen-pool"),
    ("slots", "Error: resources.cores: task align needs 2 cores (resources.cores), and a node of pool "
              "makegen-pool has 1 task slot(s)"),
])
def test_what_the_service_refuses_before_the_job_submits_nothing(
        example: Path, fake: FakeBatch, fault: str, named: str) -> None:
    env = account(fake, AZURE_BATCH_POOL="elsewhere") if fault == "pool" else account(fake)
    fake.refuse_signature = fault == "signature"
    fake.pools[POOL] = 1 if fault == "slots" else 4
    result = cli("submit", "build", "--backend", "azure", cwd=example, env=env)
    assert result.exit_code == 2 and named in result.stderr, result.stderr
    assert [m for m, _ in fake.calls()] == ["GET"] and not fake.jobs


def test_the_settings_come_from_the_site_config_too_and_the_environment_wins(
        example: Path, fake: FakeBatch) -> None:
    site = example / "site.mk"
    settings = account(fake, AZURE_BATCH_POOL="from-site")
    site.write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))
    fake.pools["from-site"] = 2
    result = cli("submit", "build", "--backend", "azure", cwd=example,
                 env={**no_account(), "MAKEGEN_CONFIG": str(site)})
    assert result.exit_code == 0, result.stderr
    (job,) = fake.jobs.values()
    assert job["poolInfo"] == {"poolId": "from-site"}
    # The nodes read the same site config.
    assert {"name": "MAKEGEN_CONFIG", "value": str(site)} in job["commonEnvironmentSettings"]
    again = cli("submit", "build", "--backend", "azure", "--queue", POOL, cwd=example,
                env={**no_account(), "MAKEGEN_CONFIG": str(site), "AZURE_BATCH_POOL": "ignored"})
    assert again.exit_code == 0, again.stderr
    assert sorted(j["poolInfo"]["poolId"] for j in fake.jobs.values()) == ["from-site", POOL]


def test_options_batch_has_no_place_for_are_refused(example: Path, fake: FakeBatch) -> None:
    result = cli("submit", "build", "--backend", "azure", "--account", "lab", cwd=example, env=account(fake))
    assert result.exit_code == 2 and "--account has no meaning on Azure Batch" in result.stderr
    assert fake.requests == []


def test_without_the_sdk_the_message_says_how_to_install_it(example: Path) -> None:
    code = ("import sys; sys.modules['azure.batch'] = None\n"  # as if azure-batch were not installed
            "from makegen.cli import main; main()")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    env.update({"AZURE_BATCH_ENDPOINT": "https://acct.westeurope.batch.azure.com",
                "AZURE_BATCH_ACCOUNT": "acct", "AZURE_BATCH_KEY": KEY, "AZURE_BATCH_POOL": POOL})
    result = subprocess.run([str(makegen().parent / "python"), "-c", code, "submit", "build", "--backend",
                             "azure"], cwd=example, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 2, result.stderr
    assert "needs the Azure Batch SDK (azure-batch)" in result.stderr
    assert "pip install 'makegen[azure]'" in result.stderr


def test_job_ids_keep_to_batch_s_characters_and_length() -> None:
    name = job_id("a pipeline.with:odd chars" * 5, "/out/.makegen/submit/20261126T010203Z.4711")
    assert name.startswith("mg-a-pipeline-with-odd-chars") and name.endswith("-20261126T010203Z-4711")
    assert len(name) == 64
