"""Kills, quoting, and text that must reach bash verbatim."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

from conftest import Project, cli
from installed import makegen

SLOW = """
[pipeline]
name = "slow"

[task.slow]
outputs = { log = "out/lines.txt", parts = "out/parts/" }
run = "for i in $(seq 40); do echo line$i >> {outputs.log}; sleep 0.01; done; for i in 1 2 3; do echo $i > {outputs.parts}/p$i; done"
"""


def _wait_for(path: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.005)


def test_sigkill_at_random_moments_leaves_no_output_only_a_temporary(project: Project) -> None:
    project.pipeline(SLOW)
    project.build()
    rng = random.Random(20261126)
    state = project.results / ".makegen" / "state" / "slow"
    tmp = project.results / ".makegen" / "tmp" / "slow"
    for attempt in range(5):
        started = state / "_.started"
        started.unlink(missing_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
        proc = subprocess.Popen(
            ["make", "-f", str(project.build_dir / "tasks" / "slow.mk")], cwd=project.root,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
        _wait_for(started)
        time.sleep(rng.uniform(0.0, 0.3))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not (project.results / "out").exists(), f"attempt {attempt}: an output is visible"
        assert not list(state.glob("_.ok-*"))
        assert len(list(tmp.iterdir())) == attempt + 1, "each killed attempt leaves its temporary"
    done = project.make("slow")
    assert done.returncode == 0, done.stderr
    lines = (project.results / "out" / "lines.txt").read_text().splitlines()
    assert lines == [f"line{i}" for i in range(1, 41)]
    assert sorted(p.name for p in (project.results / "out" / "parts").iterdir()) == ["p1", "p2", "p3"]


def test_sigterm_records_the_kill_as_a_failure(project: Project) -> None:
    project.pipeline(SLOW)
    project.build()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    proc = subprocess.Popen(
        ["make", "-f", str(project.build_dir / "tasks" / "slow.mk")], cwd=project.root,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    _wait_for(project.results / ".makegen" / "state" / "slow" / "_.started")
    time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait()
    failed = (project.results / ".makegen" / "state" / "slow" / "_.failed").read_text()
    assert "exit=143" in failed and "SIGTERM" in failed
    assert not (project.results / "out").exists()
    assert not list((project.results / ".makegen" / "tmp" / "slow").iterdir()), "cleaned up on exit"


NASTY = "$(shell touch pwned-make) `touch pwned-tick` \"double\" 'single' ; touch pwned-semi $HOME \\#"

ESCAPES = """
[pipeline]
name = "escapes"

[vars]
NASTY = '''{nasty}'''

[params]
sample = ["a.b", "c+d@e", "f-g_1"]

[task.show]
outputs = ["shown/{{sample}}.txt"]
run = "printf '%s\\n' \\"${{NASTY}}\\" {{sample}} $((6*7)) '$(echo literal)' > {{outputs}}"
"""


def _no_pwned(*folders: Path) -> None:
    for folder in folders:
        assert not [p for p in folder.rglob("pwned*")], f"something was executed in {folder}"


def test_dollar_backticks_quotes_and_semicolons_reach_bash_as_text(project: Project) -> None:
    project.pipeline(ESCAPES.format(nasty=NASTY))
    project.build()
    result = project.run("-j", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    for sample in ("a.b", "c+d@e", "f-g_1"):
        lines = (project.results / "shown" / f"{sample}.txt").read_text().splitlines()
        assert lines == [NASTY, sample, "42", "$(echo literal)"]
    _no_pwned(project.root, project.build_dir)


def test_environment_value_is_literal_and_site_value_is_make_syntax(project: Project) -> None:
    project.pipeline(ESCAPES.format(nasty="plain"))
    project.build()
    from_env = project.make("show", "sample=a.b", env={"NASTY": NASTY})
    assert from_env.returncode == 0, from_env.stderr
    assert (project.results / "shown" / "a.b.txt").read_text().splitlines()[0] == NASTY
    site = project.write("site.mk", "NASTY = cost $$5 in $(ROOT_DIR)\n")
    from_site = project.make("show", "sample=c+d@e", env={"MAKEGEN_CONFIG": str(site)})
    assert from_site.returncode == 0, from_site.stderr
    first = (project.results / "shown" / "c+d@e.txt").read_text().splitlines()[0]
    assert first == f"cost $5 in {project.root}"
    _no_pwned(project.root)


def test_configuration_precedence_command_line_env_site_default(project: Project) -> None:
    project.pipeline("""
        [pipeline]
        name = "prec"
        [vars]
        A = "default"
        B = "default"
        C = "default"
        D = "default"
        [task.show]
        outputs = ["show.txt"]
        run = "echo ${A} ${B} ${C} ${D} > {outputs}"
    """)
    project.build()
    site = project.write("site.mk", "A = site\nB = site\nC = site\n")
    result = project.make("show", "A=cmdline", env={"MAKEGEN_CONFIG": str(site), "A": "env", "B": "env"})
    assert result.returncode == 0, result.stderr
    assert (project.results / "show.txt").read_text() == "cmdline env site default\n"


def test_missing_site_config_is_a_clear_error(project: Project) -> None:
    project.pipeline(ESCAPES.format(nasty="x"))
    project.build()
    result = project.make("show", "sample=a.b", env={"MAKEGEN_CONFIG": "/nowhere/site.mk"})
    assert result.returncode != 0
    assert "MAKEGEN_CONFIG names /nowhere/site.mk, which does not exist" in result.stderr


def test_site_config_relocates_the_outputs_of_an_existing_build(project: Project, tmp_path: Path) -> None:
    project.pipeline("""
        [pipeline]
        name = "moved"
        [params]
        n = ["1", "2"]
        [task.make]
        inputs = ["data/{n}.txt"]
        outputs = ["made/{n}.txt"]
        run = "cat {inputs} {inputs} > {outputs}"
        [task.sum]
        inputs = ["made/{n}.txt"]
        outputs = ["sum.txt"]
        run = "cat {inputs} > {outputs}"
    """)
    project.write("data/1.txt", "one\n")
    project.write("data/2.txt", "two\n")
    project.build()
    elsewhere = tmp_path / "scratch" / "outputs"
    site = project.write("site.mk", f"OUTPUT_DIR = {elsewhere}\n")
    result = project.run("-j", "2", env={"MAKEGEN_CONFIG": str(site)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert (elsewhere / "sum.txt").read_text() == "one\none\ntwo\ntwo\n"
    assert not project.results.exists()
    assert list((elsewhere / ".makegen" / "state" / "sum").glob("_.ok-*"))


def test_build_and_inputs_moved_to_another_root(project: Project, tmp_path: Path) -> None:
    """What a user does when copying a build to a cluster: point ROOT_DIR at the new place."""
    project.pipeline("""
        [pipeline]
        name = "copied"
        [task.up]
        inputs = ["data/in.txt"]
        outputs = ["up.txt"]
        run = "tr a-z A-Z < {inputs} > {outputs}"
    """)
    project.write("data/in.txt", "moved\n")
    project.build()
    new_root = tmp_path / "cluster" / "home"
    new_root.parent.mkdir()
    subprocess.run(["cp", "-r", str(project.root), str(new_root)], check=True)
    site = new_root / "site.mk"
    site.write_text(f"ROOT_DIR = {new_root}\n")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    result = subprocess.run(["make", "-f", str(new_root / "build" / "tasks" / "up.mk")],
                            env={**clean, "MAKEGEN_CONFIG": str(site)}, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (new_root / "results" / "up.txt").read_text() == "MOVED\n"
    assert not (project.root / "results").exists()


# Issue 11: a path is text like a value. Every character Make can express (not white space
# or :#$%*?[) must work in ROOT_DIR, OUTPUT_DIR and the build folder's path, and nothing in
# them may run: each piece of shell syntax below would leave a pwned-* file if it did.
NASTY_DIR = "R&D;date>pwned-semi;|date>pwned-pipe|&date>pwned-amp&`date>pwned-tick`'q\"(1)\\x"

PATHS = """
[pipeline]
name = "paths"
output = {output}

[vars]
NASTY = '''{nasty}'''

[params]
sample = ["a.b", "c+d@e"]

[task.copy]
inputs = ["data/{{sample}}.txt"]
outputs = ["copied/{{sample}}.txt"]
code = ["tool.sh"]
run = "bash tool.sh {{inputs}} > {{outputs}}; printf '%s\\n' \\"$ROOT_DIR\\" \\"$OUTPUT_DIR\\" >> {{outputs}}"

[task.gather]
inputs = {{ all = "copied/{{sample}}.txt" }}
outputs = {{ list = "gathered/all.txt", dir = "gathered/parts/" }}
run = "cat {{inputs.all}} > {{outputs.list}}; cat {{inputs.all:file}} > {{outputs.dir}}/paths"
"""


def _nasty_project(root: Path, output: str) -> None:
    root.mkdir(parents=True)
    (root / "data").mkdir()
    for sample in ("a.b", "c+d@e"):
        (root / "data" / f"{sample}.txt").write_text(f"{sample}\n")
    (root / "tool.sh").write_text('cat "$1"\n')
    quoted = output.replace("\\", "\\\\").replace('"', '\\"')
    (root / "pipeline.toml").write_text(PATHS.format(output=f'"{quoted}"', nasty=NASTY))


def test_shell_and_make_syntax_in_root_output_and_build_paths_is_never_executed(
        tmp_path: Path) -> None:
    base = tmp_path / NASTY_DIR
    root, output, build = base / "proj", base / "output", base / "the-build"
    _nasty_project(root, str(output))
    built = cli("build", "-o", str(build), cwd=root)
    assert built.exit_code == 0, built.stderr
    ran = subprocess.run([str(makegen()), "run", str(build), "-j", "2"], cwd=tmp_path,
                         capture_output=True, text=True, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    for sample in ("a.b", "c+d@e"):
        text = (output / "copied" / f"{sample}.txt").read_text().splitlines()
        assert text == [sample, str(root), str(output)]
    assert (output / "gathered" / "all.txt").read_text().splitlines()[0::3] == ["a.b", "c+d@e"]
    listed = (output / "gathered" / "parts" / "paths").read_text().splitlines()
    assert listed == [str(output / "copied" / f"{s}.txt") for s in ("a.b", "c+d@e")]
    again = subprocess.run([str(makegen()), "run", str(build)], cwd=tmp_path, capture_output=True,
                           text=True, check=False)
    assert again.returncode == 0 and "ran 0" in again.stdout, again.stdout + again.stderr
    status = cli("status", str(build), "--json", cwd=tmp_path)
    assert status.exit_code == 0 and '"done": 3' in status.stdout, status.stdout + status.stderr
    _no_pwned(tmp_path)


def test_output_dir_from_the_environment_is_literal_text_with_shell_syntax(project: Project) -> None:
    """A run-time OUTPUT_DIR (environment: literal text) is quoted like the built one."""
    project.pipeline(ESCAPES.format(nasty="plain"))
    project.build()
    elsewhere = project.root.parent / "env;date>pwned-env&`date>pwned-envtick`'x\"$(date>pwned-sub)"
    result = project.make("show", "sample=a.b", env={"OUTPUT_DIR": str(elsewhere)})
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "shown" / "a.b.txt").read_text().splitlines()[0] == "plain"
    _no_pwned(project.root.parent)


def test_set_gives_a_setting_for_one_run_at_command_line_precedence(project: Project) -> None:
    project.pipeline("""
        [pipeline]
        name = "sets"
        [vars]
        THRESHOLD = "5"
        [task.t]
        outputs = ["o.txt"]
        run = "echo ${THRESHOLD} >> counts.txt; echo ${THRESHOLD} > {outputs}"
    """)
    project.build()
    ran = project.run("--set", "THRESHOLD=10", env={"THRESHOLD": "7"})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert (project.results / "o.txt").read_text() == "10\n"
    # A setting at run time re-runs nothing.
    assert "ran 0, up to date 1" in project.run("--set", "THRESHOLD=11").stdout
    bad = project.run("--set", "THRESHOLDS=1")
    assert bad.returncode == 2
    assert "Error: --set: `THRESHOLDS` is not a setting of this build (did you mean `THRESHOLD`?)" in bad.stderr
    (project.results / "o.txt").unlink()
    script = cli("submit", "--backend", "slurm", "--print", "--set", "THRESHOLD=12", cwd=project.root)
    assert "export MAKEGEN_SET=THRESHOLD=12\n" in script.stdout
    local = cli("submit", "--backend", "local", "--set", "THRESHOLD=13", cwd=project.root)
    assert local.exit_code == 0, local.stdout + local.stderr
    assert (project.results / "o.txt").read_text() == "13\n"
