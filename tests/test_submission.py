"""Planning arrays: splits at the limit, element-wise chains, subsets, samples; the scripts."""

from __future__ import annotations

import subprocess

from conftest import Project, cli

from makegen.contract.buildfile import read_build
from makegen.execute.backends import BACKENDS
from makegen.execute.plan import Options, plan

CHAIN = """
[pipeline]
name = "plan"
[params]
sample = ["a", "b", "c", "d", "e", "f", "g"]
[task.one]
outputs = ["one/{sample}.txt"]
run = "echo {sample} > {outputs}"
resources = { cores = 2, mem = "1G", time = "90m", queue = "short", extra = { sge = "-l gpu=1", slurm = "--gres=gpu:1" } }
[task.two]
inputs = ["one/{sample}.txt"]
outputs = ["two/{sample}.txt"]
run = "cat {inputs} > {outputs}"
[task.all]
inputs = ["two/{sample}.txt"]
outputs = ["all.txt"]
run = "cat {inputs} > {outputs}"
"""


def built(project: Project):  # type: ignore[no-untyped-def]
    project.pipeline(CHAIN)
    project.build()
    return read_build(project.build_dir.resolve())


def test_arrays_split_at_the_limit_and_chain_element_wise(project: Project) -> None:
    submission = plan(built(project), None, Options(), limit=3)
    shape = [(a.number, a.task, a.lines, a.waits_for, a.elementwise) for a in submission.arrays]
    assert shape == [
        (1, "one", (1, 2, 3), (), None), (2, "one", (4, 5, 6), (), None), (3, "one", (7,), (), None),
        (4, "two", (1, 2, 3), (), 1), (5, "two", (4, 5, 6), (), 2), (6, "two", (7,), (), 3),
        (7, "all", (1,), (4, 5, 6), None),
    ]
    assert [a.name for a in submission.arrays][:3] == ["one-1", "one-2", "one-3"]


def test_a_subset_selection_falls_back_to_whole_array_dependencies(project: Project) -> None:
    submission = plan(built(project), {"one": [2, 5], "two": [2, 5, 6], "all": [1]}, Options(), limit=10)
    assert [(a.task, a.lines, a.waits_for, a.elementwise) for a in submission.arrays] == [
        ("one", (2, 5), (), None), ("two", (2, 5, 6), (1,), None), ("all", (1,), (2,), None)]
    assert submission.manifests[1] == ["one sample=b", "one sample=e"]


def test_sample_takes_the_first_n_of_each_task(project: Project) -> None:
    submission = plan(built(project), None, Options(sample=2), limit=10)
    assert [(a.task, a.lines) for a in submission.arrays] == [
        ("one", (1, 2)), ("two", (1, 2)), ("all", (1,))]


def test_sge_and_slurm_scripts_carry_resources_throttle_and_dependencies(project: Project) -> None:
    build = built(project)
    options = Options(throttle=3, account="proj1", extra=("--comment=x",))
    submission = plan(build, None, options, limit=1000)
    sge = BACKENDS["sge"]().script(submission)
    assert "-pe smp 2 -l h_vmem=512M -l h_rt=1:30:00 -q short -P proj1 -l gpu=1 --comment=x" in sge
    assert "-tc 3" in sge and '-hold_jid_ad "$job_1"' in sge and '-hold_jid "$job_2"' in sge
    slurm = BACKENDS["slurm"]().script(submission)
    assert "--array=1-7%3" in slurm and "--cpus-per-task=2 --mem=1024M --time=1:30:00" in slurm
    assert "--partition=short --account=proj1 --gres=gpu:1" in slurm
    assert '--dependency=aftercorr:"$job_1" --kill-on-invalid-dep=yes' in slurm
    assert '--dependency=afterany:"$job_2"' in slurm
    for script in (sge, slurm):
        checked = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True, check=False)
        assert checked.returncode == 0, checked.stderr


def test_local_submission_runs_everything_and_missing_only_the_rest(project: Project) -> None:
    built(project)
    first = cli("submit", "--backend", "local", "--sample", "2", cwd=project.root)
    # The gather needs all seven samples: in a test batch of two it ends blocked.
    assert first.exit_code == 1
    assert "blocked: all: missing output of task two" in first.stdout
    assert (project.results / "two" / "b.txt").exists() and not (project.results / "two" / "c.txt").exists()
    full = cli("submit", "--backend", "local", "--dry-run", cwd=project.root)
    assert "phase 1 one: 5 instance(s), at once" in full.stdout, "the full submission skips the batch"
    script = cli("submit", "--backend", "sge", "--print", cwd=project.root)
    assert "sed -n '3,7p'" in script.stdout
    listed = cli("submit", "--backend", "local", "--missing", "--dry-run", cwd=project.root)
    assert "5 instance(s), task by task after array 1" in listed.stdout
    assert "3 array job(s), 11 instance(s)" in listed.stdout
    rest = cli("submit", "--backend", "local", "--missing", cwd=project.root)
    assert rest.exit_code == 0, rest.stderr
    assert (project.results / "all.txt").read_text() == "".join(f"{s}\n" for s in "abcdefg")
    again = cli("submit", "--backend", "local", "--missing", cwd=project.root)
    assert "nothing to submit" in again.stdout


def test_unknown_backend_is_exit_2_with_did_you_mean(project: Project) -> None:
    built(project)
    result = cli("submit", "--backend", "slrum", cwd=project.root)
    assert result.exit_code == 2
    assert "unknown backend `slrum` (did you mean `slurm`?)" in result.stderr


def test_submitting_without_the_scheduler_says_how_to_print_instead(project: Project) -> None:
    built(project)
    result = cli("submit", "--backend", "sge", cwd=project.root, env={"PATH": "/nonexistent"})
    assert result.exit_code == 2
    assert "`qsub` is not on PATH here, so nothing was submitted" in result.stderr
    assert "makegen submit --backend sge --print | ssh cluster bash" in result.stderr
    assert not (project.results / ".makegen" / "submit").exists()


DEFAULTS = """
[pipeline]
name = "dfl"
[defaults]
resources = { mem = "2G", time = "1h", gpus = 1, extra = { slurm = "--qos=low" } }
[params]
s = ["a", "b"]
[task.train]
outputs = ["m/{s}.txt"]
run = "echo {resources.gpus} > {outputs}"
resources = { cores = 2, extra = { sge = "-l x=1" } }
[task.cpu]
inputs = ["m/{s}.txt"]
outputs = ["c/{s}.txt"]
run = "cp {inputs} {outputs}"
resources = { gpus = 0 }
"""


def test_defaults_fill_what_a_task_does_not_set_and_gpus_reach_each_scheduler(project: Project) -> None:
    project.pipeline(DEFAULTS)
    project.build()
    slurm = cli("submit", "--backend", "slurm", "--print", "--array-limit", "100", cwd=project.root).stdout
    train, cpu = [line for line in slurm.splitlines() if "=$(sbatch " in line]
    assert "--cpus-per-task=2 --gres=gpu:1 --mem=2048M --time=1:00:00" in train and "--qos=low" in train
    assert "--gres" not in cpu and "--mem=2048M --time=1:00:00" in cpu
    sge = cli("submit", "--backend", "sge", "--print", "--array-limit", "100", cwd=project.root,
              env={"MAKEGEN_SGE_GPU_COMPLEX": "cuda"}).stdout
    train = next(line for line in sge.splitlines() if "mg_dfl_train" in line and "qsub" in line)
    assert "-pe smp 2 -l h_vmem=1024M -l cuda=1 -l h_rt=1:00:00 -l x=1" in train
    assert project.run().returncode == 0
    assert (project.results / "m" / "a.txt").read_text() == "1\n"


def test_a_bad_default_is_an_error_at_defaults(project: Project) -> None:
    project.pipeline(DEFAULTS.replace("gpus = 1,", "gpus = -1,"))
    result = cli("check", cwd=project.root)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: pipeline.toml:5: [defaults] resources: gpus must be a whole number from 0")
    project.pipeline(DEFAULTS.replace("[defaults]\n", "[defaults]\nretry = 2\n"))
    result = cli("check", cwd=project.root)
    assert result.exit_code == 2 and "[defaults] retry: unknown key `retry`" in result.stderr


def test_submit_only_takes_what_it_names(project: Project) -> None:
    built(project)
    listed = cli("submit", "--backend", "slurm", "-n", "--only", "two[sample=?]", "--array-limit", "100",
                 cwd=project.root)
    assert listed.exit_code == 0, listed.stderr
    assert listed.stdout.splitlines() == ["1 array job(s), 7 instance(s):",
                                          "    1. phase 2 two: 7 instance(s), at once"]
