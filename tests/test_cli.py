"""The installed command line: output, exit codes, nothing written by check."""

from __future__ import annotations

import subprocess

from conftest import Project, cli
from installed import makegen

SMALL = """
[pipeline]
name = "small"
[params]
sample = ["A", "B", "C"]
[task.map]
outputs = ["m/{sample}.txt"]
run = "echo {sample} > {outputs}"
[task.all]
inputs = ["m/{sample}.txt"]
outputs = ["all.txt"]
run = "cat {inputs} > {outputs}"
"""


def test_check_prints_tasks_counts_phases_and_writes_nothing(project: Project) -> None:
    project.pipeline(SMALL)
    result = cli("check", cwd=project.root)
    assert result.exit_code == 0
    assert "pipeline small: 2 tasks, 4 instances, 2 phases" in result.stdout
    assert "phase 1  map" in result.stdout and "3 instances over sample" in result.stdout
    assert "phase 2  all" in result.stdout
    assert sorted(p.name for p in project.root.iterdir()) == ["pipeline.toml"]


def test_build_reports_and_writes_one_makefile_per_task(project: Project) -> None:
    project.pipeline(SMALL)
    result = cli("build", cwd=project.root)
    assert result.exit_code == 0
    assert sorted(p.name for p in (project.build_dir / "tasks").iterdir()) == [
        "all.mk", "all.sh", "map.mk", "map.sh"]
    assert (project.build_dir / "manifests" / "phase-1" / "map.txt").read_text() == \
        "map sample=A\nmap sample=B\nmap sample=C\n"


def test_build_with_output_option(project: Project) -> None:
    project.pipeline(SMALL)
    result = cli("build", "-o", "elsewhere", cwd=project.root)
    assert result.exit_code == 0
    assert (project.root / "elsewhere" / "config.mk").exists()


def test_missing_pipeline_file_is_exit_2_with_a_hint(project: Project) -> None:
    result = cli("check", cwd=project.root)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: pipeline.toml: no such pipeline file")
    assert "makegen check path/to/pipeline.toml" in result.stderr


def test_run_on_a_folder_that_is_not_a_build_is_exit_2(project: Project) -> None:
    result = cli("run", "nowhere", cwd=project.root)
    assert result.exit_code == 2
    assert "is not a makegen build folder" in result.stderr


def test_unknown_graph_format_is_exit_2(project: Project) -> None:
    project.pipeline(SMALL)
    result = cli("graph", "--format", "png", cwd=project.root)
    assert result.exit_code == 2
    assert "use --format dot or --format mermaid" in result.stderr


def test_bad_option_is_exit_2_and_python_dash_m_works(project: Project) -> None:
    result = subprocess.run([str(makegen().parent / "python"), "-m", "makegen", "run", "--no-such-option"],
                            cwd=project.root, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "No such option" in result.stderr
    version = subprocess.run([str(makegen()), "--version"],
                             capture_output=True, text=True, check=False)
    assert version.stdout.startswith("makegen ")


def test_without_make_on_path_status_says_so(project: Project) -> None:
    project.pipeline(SMALL)
    assert cli("build", cwd=project.root).exit_code == 0
    result = cli("status", cwd=project.root, env={"PATH": "/nonexistent"})
    assert result.exit_code == 2
    assert "GNU make is not on PATH" in result.stderr


def test_a_build_folder_that_cannot_be_written_is_exit_2(project: Project) -> None:
    project.pipeline(SMALL)
    blocker = project.root / "file"
    blocker.write_text("not a folder")
    result = cli("build", "-o", "file/build", cwd=project.root)
    assert result.exit_code == 2
    assert "cannot write the build folder" in result.stderr
    assert blocker.read_text() == "not a folder"


def test_a_damaged_graph_json_is_exit_2(project: Project) -> None:
    project.pipeline(SMALL)
    assert cli("build", cwd=project.root).exit_code == 0
    (project.build_dir / "graph.json").write_text('{"tasks": [{"name": "map"}]}')
    result = cli("status", cwd=project.root)
    assert result.exit_code == 2
    assert "graph.json is not one this makegen wrote" in result.stderr


def test_glob_values_are_in_natural_order(project: Project) -> None:
    for name in ("s10", "s2", "s1", "s9", "a"):
        project.write(f"data/{name}.txt", "x\n")
    project.pipeline("""
        [pipeline]
        name = "natural"
        [params]
        sample = { glob = "data/{sample}.txt" }
        [task.t]
        inputs = ["data/{sample}.txt"]
        outputs = ["o/{sample}.txt"]
        run = "cp {inputs} {outputs}"
    """)
    assert cli("build", cwd=project.root).exit_code == 0
    manifest = (project.build_dir / "manifests" / "phase-1" / "t.txt").read_text()
    assert manifest == "t sample=a\nt sample=s1\nt sample=s2\nt sample=s9\nt sample=s10\n"


def test_ctrl_c_says_interrupted_and_the_instances_end_failed(project: Project) -> None:
    import os
    import signal
    import time

    project.pipeline("""
        [pipeline]
        name = "cc"
        [params]
        s = ["a", "b"]
        [task.t]
        outputs = ["o/{s}.txt"]
        run = "sleep 30; echo > {outputs}"
    """)
    assert cli("build", cwd=project.root).exit_code == 0
    from installed import makegen
    # Started as a terminal starts a command, with SIGINT at its default: a runner started in
    # the background by a non-interactive shell (CI) has it ignored, which every process below
    # would inherit (and neither Python nor bash may then catch it).
    run = subprocess.Popen([str(makegen()), "run", "-j", "2"], cwd=project.root, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 20
    while len(list((project.results / ".makegen" / "state" / "t").glob("*.started"))) < 2 \
            and time.time() < deadline:
        time.sleep(0.1)
    os.killpg(run.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    out, err = run.communicate(timeout=30)
    assert run.returncode == 130 and err.strip().splitlines()[-1] == "interrupted", (out, err)
    states = cli("status", cwd=project.root).stdout
    assert "2 instances: 2 failed" in states


def test_a_relative_site_config_reaches_jobs_as_an_absolute_path(project: Project) -> None:
    project.pipeline(SMALL)
    project.write("site.mk", "# site settings\n")
    assert cli("build", cwd=project.root).exit_code == 0
    for backend in ("sge", "slurm"):
        script = cli("submit", "--backend", backend, "--print", cwd=project.root,
                     env={"MAKEGEN_CONFIG": "site.mk"})
        assert script.exit_code == 0, script.stderr
        assert f"export MAKEGEN_CONFIG={project.root}/site.mk\n" in script.stdout


def test_check_warns_of_missing_inputs_and_unknown_variables_and_strict_refuses(project: Project) -> None:
    project.pipeline("""
        [pipeline]
        name = "warn"
        [vars]
        KNOWN = "k"
        [params]
        sample = ["A", "B", "C", "D", "E"]
        [task.map]
        inputs = ["data/{sample}.txt"]
        outputs = ["m/{sample}.txt"]
        run = "X=1; echo ${KNOWN} ${UNSET_ONE} $UNSET_TWO ${OPTIONAL:-none} $X > {outputs}"
    """)
    project.write("data/A.txt", "a\n")
    checked = cli("check", cwd=project.root, env={"UNSET_TWO": ""})
    assert checked.exit_code == 0
    assert checked.stderr.splitlines() == [
        "warning: task map: ${UNSET_ONE} is neither a [vars] key nor set in this environment; "
        "the command will fail on it (set -u)",
        f"warning: task map: missing input files {project.root}/data/B.txt, {project.root}/data/C.txt, "
        f"{project.root}/data/D.txt and 1 more (it would be blocked)"]
    strict = cli("check", "--strict", cwd=project.root, env={"UNSET_TWO": ""})
    assert strict.exit_code == 2 and strict.stderr.startswith("Error: pipeline.toml: task map: ${UNSET_ONE}")
    for name in "BCDE":
        project.write(f"data/{name}.txt", "x\n")
    assert cli("check", "--strict", cwd=project.root, env={"UNSET_TWO": "", "UNSET_ONE": "1"}).stderr == ""


def test_help_is_plain_with_h_and_completion(project: Project) -> None:
    for args in (["run", "-h"], ["run", "--help"]):
        shown = cli(*args, cwd=project.root)
        assert shown.exit_code == 0 and shown.stdout.startswith("Usage: makegen run [OPTIONS]")
        assert "<bool>" not in shown.stdout and "╭" not in shown.stdout
        assert "-k, --keep-going" in shown.stdout
    top = cli("-h", cwd=project.root)
    assert "--install-completion" in top.stdout and "--show-completion" in top.stdout
    completion = cli("--show-completion", "bash", cwd=project.root)
    assert completion.exit_code == 0 and "_makegen_completion" in completion.stdout
